# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Drive one interactive dpdk-testpmd process through pexpect.

A Testpmd owns its process group: whatever happens in a test, kill() sends
SIGKILL to the whole group, so no testpmd survives into the next test.

A reader thread drains the process's terminal all the time. Without it, a
process we are not talking to (the vhost side while we wait for the virtio
side) fills its terminal buffer (about 20 KB) with log lines and blocks in
write(), which can stall its vhost-user message handling and deadlock the
other process.
"""

import os
import re
import signal
import threading
import time

import pexpect

PROMPT = "testpmd> "

# Strings that mean the process died badly, whatever its exit code says.
CRASH_MARKERS = ("Segmentation fault", "core dumped", "Aborted", "PANIC", "Bus error",
                 "AddressSanitizer", "stack smashing")

_STAT_RE = re.compile(r"\b([RT]X-[a-z]+):\s+(\d+)")
_PORT_HDR_RE = re.compile(r"NIC statistics for port (\d+)")


class TestpmdError(RuntimeError):
    """testpmd did not behave as the harness expected (dead, no prompt, ...).

    Not an AssertionError on purpose: an expected failure declared for a
    driver's behaviour must not hide a harness or process problem.
    """


def parse_port_stats(text):
    """Parse the output of 'show port stats N|all' into {port: {key: int}}.

    Keys are the counters as testpmd names them: RX-packets, RX-missed,
    RX-bytes, RX-errors, RX-nombuf, TX-packets, TX-errors, TX-bytes. The
    throughput lines (Rx-pps, ...) are rates and deliberately left out.
    """
    result = {}
    blocks = _PORT_HDR_RE.split(text)
    # split() gives [before, port, block, port, block, ...]
    for i in range(1, len(blocks) - 1, 2):
        port = int(blocks[i])
        body = blocks[i + 1].split("Throughput", 1)[0]
        result[port] = {k: int(v) for k, v in _STAT_RE.findall(body)}
    return result


def parse_mempools(text):
    """Parse 'dump_mempool' output into {name: {field: int}}.

    DPDK 22.11 prints no in-use line; it prints size, the per-lcore cache
    counts (total_cache_count) and the backing ring (common_pool_count).
    We add 'avail' = common_pool_count + total_cache_count and
    'in_use' = size - avail, which is what rte_mempool_in_use_count() returns.
    """
    pools = {}
    for m in re.finditer(r"mempool <([^>]+)>@0x[0-9a-fA-F]+\n(.*?)(?=\nmempool <|\Z)",
                         text, re.S):
        name, body = m.group(1), m.group(2)
        fields = {k: int(v) for k, v in re.findall(r"^\s*([a-z_]+)=(\d+)\s*$", body, re.M)}
        if {"size", "common_pool_count", "total_cache_count"} <= fields.keys():
            fields["avail"] = fields["common_pool_count"] + fields["total_cache_count"]
            fields["in_use"] = fields["size"] - fields["avail"]
        pools[name] = fields
    return pools


class Testpmd:
    """One dpdk-testpmd in interactive mode.

    argv is the full command line (launcher, binary, EAL args, '--', app args).
    The application must be started with '-i'.
    """

    def __init__(self, argv, name, logdir, timeout=60, env=None):
        self.argv = [str(a) for a in argv]
        self.name = name
        self.timeout = timeout
        self.logpath = os.path.join(logdir, f"{name}.log")
        self._log = open(self.logpath, "w", encoding="utf-8", errors="replace")
        self._log.write("$ " + " ".join(self.argv) + "\n")
        self._log.flush()
        self.output = ""      # everything the process printed so far, \r removed
        self._pos = 0         # how much of self.output expect() has consumed
        self._eof = False
        self._cond = threading.Condition()
        self.exitstatus = None
        self.signalstatus = None
        penv = dict(os.environ if env is None else env)
        penv.setdefault("TERM", "dumb")
        self.child = pexpect.spawn(self.argv[0], self.argv[1:], encoding="utf-8",
                                   codec_errors="replace", timeout=timeout, env=penv,
                                   dimensions=(200, 500))
        self.pid = self.child.pid
        self._reader = threading.Thread(target=self._read_loop, daemon=True,
                                        name=f"read-{name}")
        self._reader.start()

    # -- output ------------------------------------------------------------
    def _read_loop(self):
        while True:
            try:
                data = self.child.read_nonblocking(65536, timeout=0.2)
            except pexpect.TIMEOUT:
                continue
            except Exception:  # noqa: BLE001 - EOF, closed pty, dead process
                break
            data = data.replace("\r", "")
            try:
                self._log.write(data)
                self._log.flush()
            except ValueError:      # log closed by kill()
                pass
            with self._cond:
                self.output += data
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def _expect(self, patterns, timeout, group=None):
        """Wait for the first of `patterns` (regexes; None = end of output).

        Returns (index, text before the match, or the named group of the
        match when `group` is given and matched). Index -1 means timeout.
        """
        regs = [re.compile(p, re.S) if p is not None else None for p in patterns]
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                best = None
                for i, r in enumerate(regs):
                    if r is None:
                        continue
                    m = r.search(self.output, self._pos)
                    if m and (best is None or m.start() < best[1].start()):
                        best = (i, m)
                if best:
                    i, m = best
                    before = self.output[self._pos:m.start()]
                    if group and group in m.re.groupindex:
                        before = m.group(group)
                    self._pos = m.end()
                    return i, before
                if self._eof and None in patterns:
                    before = self.output[self._pos:]
                    self._pos = len(self.output)
                    return patterns.index(None), before
                left = deadline - time.monotonic()
                if left <= 0 or (self._eof and None not in patterns):
                    return -1, self.output[self._pos:]
                self._cond.wait(min(left, 0.5))

    def tail(self, lines=60):
        return "\n".join(self.output.splitlines()[-lines:])

    # -- process state -------------------------------------------------
    def alive(self):
        return not self._eof

    def _reap(self, grace=15.0):
        """Collect the exit status once the output has ended.

        Only this thread calls waitpid after the reader has finished: the
        reader (inside pexpect) calls it too while it runs.
        """
        self._reader.join(timeout=5)
        deadline = time.monotonic() + grace
        try:
            while self.child.isalive() and time.monotonic() < deadline:
                time.sleep(0.05)
        except Exception:  # noqa: BLE001 - already reaped
            pass
        try:
            self.child.close(force=True)
        except Exception:  # noqa: BLE001 - already gone is fine
            pass
        if self.exitstatus is None and self.signalstatus is None:
            self.exitstatus = self.child.exitstatus
            self.signalstatus = self.child.signalstatus

    def _exited(self, what):
        self._reap()
        return TestpmdError(f"{self.name}: testpmd exited {what} (exit={self.exitstatus}, "
                            f"signal={self.signalstatus}):\n" + self.tail())

    def wait_prompt(self, timeout=None):
        """Wait for the first prompt; raise with the output tail if testpmd exits."""
        timeout = timeout or self.timeout
        idx, text = self._expect([re.escape(PROMPT), None], timeout)
        if idx == 0:
            return text
        if idx == 1:
            raise self._exited("before its prompt")
        raise TestpmdError(f"{self.name}: no prompt within {timeout}s:\n" + self.tail())

    def wait_exit(self, timeout=None):
        """Wait for the process to end, or to show its prompt instead.

        Returns True if it exited, False if it reached its prompt.
        """
        timeout = timeout or self.timeout
        idx, _ = self._expect([None, re.escape(PROMPT)], timeout)
        if idx == 0:
            self._reap()
            return True
        if idx == 1:
            return False
        raise TestpmdError(f"{self.name}: neither exit nor prompt within {timeout}s:\n"
                           + self.tail())

    def crashed(self):
        """True if the process died from a signal or printed a crash marker."""
        if self.signalstatus is not None and self.signalstatus != signal.SIGKILL:
            return True
        if self.exitstatus is not None and self.exitstatus >= 128:
            return True
        return any(m in self.output for m in CRASH_MARKERS)

    # -- commands --------------------------------------------------------
    def cmd(self, text, timeout=None):
        """Send one command line, return its output (without the echo and prompt)."""
        timeout = timeout or self.timeout
        if self._eof:
            raise TestpmdError(f"{self.name}: testpmd is not running; cannot send "
                               f"'{text}':\n" + self.tail())
        with self._cond:
            # Whatever arrived since the last prompt (asynchronous event
            # messages) does not belong to this command's output.
            self._pos = len(self.output)
        self.child.sendline(text)
        # The answer is what follows testpmd's echo of the command line, up to
        # the next prompt; anchoring on the echo keeps a stray prompt from
        # pairing one command with another's output.
        idx, out = self._expect([re.escape(text.strip()) + r"[^\n]*\n(?P<out>.*?)"
                                 + re.escape(PROMPT), None], timeout, group="out")
        if idx == 1:
            raise self._exited(f"during '{text}'")
        if idx == -1:
            raise TestpmdError(f"{self.name}: no prompt after '{text}' within "
                               f"{timeout}s:\n" + self.tail())
        return out

    def stats(self, port="all"):
        """'show port stats' as {port: {counter: int}} (or one dict for one port)."""
        parsed = parse_port_stats(self.cmd(f"show port stats {port}"))
        if port == "all":
            return parsed
        if int(port) not in parsed:
            raise TestpmdError(f"{self.name}: no stats for port {port}:\n" + self.tail())
        return parsed[int(port)]

    def mempools(self):
        return parse_mempools(self.cmd("dump_mempool"))

    def link_up(self, port):
        out = self.cmd(f"show port info {port}")
        m = re.search(r"Link status:\s*(\w+)", out)
        return bool(m) and m.group(1) == "up"

    def wait_link_up(self, port, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.link_up(port):
                return
            time.sleep(0.2)
        raise TestpmdError(f"{self.name}: port {port} link still down after {timeout}s:\n"
                           + self.tail())

    def wait_stats(self, predicate, timeout=20.0, interval=0.2):
        """Poll 'show port stats all' until predicate(stats) holds; return the stats.

        A bounded wait for packets to arrive, not a performance check: on
        timeout the last stats are returned and the caller's asserts fail.
        """
        deadline = time.monotonic() + timeout
        while True:
            st = self.stats("all")
            if predicate(st) or time.monotonic() >= deadline:
                return st
            time.sleep(interval)

    def quit(self, timeout=60):
        """'quit' and wait for the process to end; return its exit code."""
        if not self._eof:
            self.child.sendline("quit")
            idx, _ = self._expect([None], timeout)
            if idx == -1:
                raise TestpmdError(f"{self.name}: did not exit within {timeout}s of "
                                   "'quit':\n" + self.tail())
        self._reap()
        return self.exitstatus

    def kill(self):
        """SIGKILL the whole process group; safe to call at any time, repeatedly."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        with self._cond:
            deadline = time.monotonic() + 5
            while not self._eof and time.monotonic() < deadline:
                self._cond.wait(0.2)
        self._reap(grace=5.0)
        try:
            self._log.close()
        except Exception:  # noqa: BLE001
            pass
