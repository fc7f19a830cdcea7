# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Build pcap files of numbered frames and compare captures with what was sent.

Frames are built with scapy (Ether/IPv4/UDP, valid checksums). Every frame has
an exact total length (no FCS: the length as it sits in the pcap and in the
mbuf) and a payload that starts with a tag, the direction and the sequence
number followed by a pattern derived from the sequence number, so a
truncated, corrupted, duplicated or reordered frame is recognised.

Captures are read with a small reader of our own (libpcap classic format, both
microsecond and nanosecond magic) so the comparison is on raw bytes.
"""

import struct

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

MAGIC = b"VPMD"
HDR_LEN = 14 + 20 + 8
MIN_FRAME = HDR_LEN + len(MAGIC) + 1 + 4 + 2   # 53: room for the frame's identity


def make_frame(size, seq, direction="A"):
    """One Ether/IP/UDP frame of exactly `size` bytes, numbered `seq`."""
    if size < MIN_FRAME:
        raise ValueError(f"frame size {size} < {MIN_FRAME}")
    plen = size - HDR_LEN
    ident = MAGIC + direction.encode()[:1] + struct.pack(">IH", seq, size & 0xFFFF)
    fill = bytes(((seq * 7 + i) & 0xFF) for i in range(plen - len(ident)))
    d = ord(direction[0])
    pkt = (Ether(src=f"02:00:00:00:00:{d:02x}", dst=f"02:00:00:00:01:{d:02x}")
           / IP(src=f"10.{d}.0.1", dst=f"10.{d}.0.2", id=seq & 0xFFFF)
           / UDP(sport=1024 + (seq & 0x3FFF), dport=5001)
           / (ident + fill))
    raw = bytes(pkt)
    assert len(raw) == size, (len(raw), size)
    return raw


def make_frames(sizes, count, direction="A"):
    """`count` frames cycling through `sizes` (an int or a list), seq 0..count-1."""
    if isinstance(sizes, int):
        sizes = [sizes]
    return [make_frame(sizes[i % len(sizes)], i, direction) for i in range(count)]


def write_pcap(path, frames):
    """Write frames to a classic microsecond pcap (Ethernet, snaplen 65535)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1, i, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    """Return the list of frames (bytes) in a classic pcap file.

    Raises ValueError if a record was captured shorter than its wire length
    (the test must see whole frames).
    """
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError(f"{path}: {len(data)} bytes, not a pcap file")
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise ValueError(f"{path}: bad pcap magic {magic.hex()}")
    frames = []
    off = 24
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        if incl != orig:
            raise ValueError(f"{path}: record {len(frames)} truncated ({incl} of {orig})")
        frames.append(data[off:off + incl])
        off += incl
    if off != len(data):
        raise ValueError(f"{path}: {len(data) - off} trailing bytes (partial record)")
    return frames


def frame_id(fr):
    """(direction, seq, size) of one of our frames, or None."""
    p = fr[HDR_LEN:HDR_LEN + 11]
    if len(p) < 11 or p[:4] != MAGIC:
        return None
    seq, size = struct.unpack(">IH", p[5:11])
    return chr(p[4]), seq, size


def diff_frames(sent, got, limit=10):
    """Human-readable differences between two frame lists ('' if identical).

    Order matters: a single-queue path must deliver in order.
    """
    if sent == got:
        return ""
    lines = [f"sent {len(sent)} frames, captured {len(got)}"]
    sent_ids = [frame_id(f) for f in sent]
    got_ids = [frame_id(f) for f in got]
    missing = [i for i in sent_ids if i not in set(got_ids)]
    extra = [i for i in got_ids if i not in set(sent_ids)]
    if missing:
        lines.append(f"missing {len(missing)}: {missing[:limit]}")
    if extra:
        lines.append(f"unexpected {len(extra)}: {extra[:limit]}")
    shown = 0
    for i, (a, b) in enumerate(zip(sent, got)):
        if a != b and shown < limit:
            shown += 1
            where = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]),
                         min(len(a), len(b)))
            lines.append(f"frame #{i}: sent {frame_id(a)} len {len(a)}, captured "
                         f"{frame_id(b)} len {len(b)}, first difference at byte {where}")
    if not missing and not extra and len(sent) == len(got) and shown:
        lines.append("same frames, different order or content")
    return "\n".join(lines)
