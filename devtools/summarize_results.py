#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Count the results of every test stage and print the final summary.

The last line printed is exactly "N passed, N failed"; the line before it gives the
number of skipped tests. Exit status is 0 only when nothing failed.

Stages:
  --meson-log FILE --meson-rc RC   meson testlog.json (one JSON object per line)
  --meson-log LABEL=FILE --meson-rc LABEL=RC
                                   another meson test run, summarized as "LABEL: ..."
                                   (e.g. unit-sanitizers=build-san/...); both repeat
  --junit FILE --pytest-rc RC      pytest junit xml
  --junit LABEL=FILE --pytest-rc LABEL=RC
                                   another pytest stage, summarized as "LABEL: ..."
                                   (e.g. vm=build/pytest-vm-junit.xml); both
                                   options repeat, one pair per label
  --result NAME=pass|fail|skip     a stage counted as one test (build, docs,
                                   fuzz-<target>, ...)
A stage whose command failed without leaving any failed test in its results counts
as one failed test, so a crash or a timeout never passes silently.
"""

import argparse
import json
import re
import os
import sys
import xml.etree.ElementTree as ET

MESON_PASS = {"OK", "EXPECTEDFAIL"}
MESON_SKIP = {"SKIP"}
# Everything else (FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS, ...) is a failure.


class Stage:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures = []
        self.skips = []
        self.note = ""

    def add(self, outcome, test):
        if outcome == "pass":
            self.passed += 1
        elif outcome == "skip":
            self.skipped += 1
            self.skips.append(test)
        else:
            self.failed += 1
            self.failures.append(test)

    def line(self):
        s = "%s: %d passed, %d failed, %d skipped" % (
            self.name, self.passed, self.failed, self.skipped)
        return s + (" (%s)" % self.note if self.note else "")


# Results a TAP binary may end with; a crash mid-run also lands here.
MESON_FAIL_KINDS = {"FAIL", "ERROR", "TIMEOUT"}


def tap_cases(stdout):
    """(outcome, description) for each 'ok' / 'not ok' line of TAP output."""
    cases = []
    for line in stdout.splitlines():
        m = re.match(r"(not ok|ok)\s+\d+\s*-?\s*(.*)", line)
        if not m:
            continue
        desc = m.group(2)
        if m.group(1) == "not ok":
            cases.append(("fail", desc))
        elif "# SKIP" in desc.upper():
            cases.append(("skip", desc))
        else:
            cases.append(("pass", desc))
    return cases


def meson_stage(path, rc, name="unit"):
    st = Stage(name)
    if path and os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, raw in enumerate(f, 1):
                raw = raw.strip()
                if not raw:
                    continue
                try:
                    obj = json.loads(raw)
                except ValueError:
                    st.add("fail", "%s: unreadable line %d" % (path, n))
                    continue
                res = str(obj.get("result", "ERROR")).upper()
                name = obj.get("name", "?")
                cases = tap_cases(obj.get("stdout") or "")
                if cases and res in MESON_PASS | MESON_FAIL_KINDS:
                    # A TAP binary counts each of its cases.
                    for outcome, case in cases:
                        st.add(outcome, "%s: %s" % (name, case))
                    if res not in MESON_PASS and all(o != "fail" for o, _ in cases):
                        st.add("fail", "%s [%s]" % (name, res))
                    continue
                if res in MESON_PASS:
                    st.add("pass", name)
                elif res in MESON_SKIP:
                    st.add("skip", name)
                else:
                    st.add("fail", "%s [%s]" % (name, res))
    elif rc == 0:
        st.note = "no tests"
    if rc not in (None, 0) and st.failed == 0:
        st.add("fail", "meson test exited with status %d" % rc)
    return st


def junit_stage(path, rc, name="functional"):
    st = Stage(name)
    if path and os.path.exists(path):
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as e:
            st.add("fail", "%s: %s" % (path, e))
            root = None
        if root is not None:
            suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
            for suite in suites:
                cases = list(suite.iter("testcase"))
                if cases:
                    for case in cases:
                        name = "%s::%s" % (case.get("classname", ""), case.get("name", "?"))
                        if case.find("failure") is not None or case.find("error") is not None:
                            st.add("fail", name)
                        elif case.find("skipped") is not None:
                            sk = case.find("skipped")
                            # An expected failure ran and behaved as declared.
                            if sk.get("type") == "pytest.xfail":
                                st.add("pass", name)
                            else:
                                st.add("skip", "%s: %s" % (name, sk.get("message", "")))
                        else:
                            st.add("pass", name)
                else:
                    # No testcase elements: fall back to the suite's counters.
                    tests = int(suite.get("tests", 0))
                    bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
                    skip = int(suite.get("skipped", 0))
                    for i in range(bad):
                        st.add("fail", "%s #%d" % (suite.get("name", "suite"), i))
                    for i in range(skip):
                        st.add("skip", "%s #%d" % (suite.get("name", "suite"), i))
                    st.passed += max(0, tests - bad - skip)
    if st.passed + st.failed + st.skipped == 0 and rc in (None, 0, 5):
        st.note = "no tests"
    # pytest: 0 all passed, 1 some failed, 5 nothing collected; else it broke.
    if rc not in (None, 0, 1, 5) and st.failed == 0:
        st.add("fail", "pytest exited with status %d" % rc)
    if rc == 1 and st.failed == 0:
        st.add("fail", "pytest reported failures missing from %s" % path)
    return st


def split_label(value, default="functional"):
    """'vm=path' -> ('vm', 'path'); a value without a label gets the default."""
    m = re.match(r"([a-z][a-z0-9_-]*)=(.*)$", value)
    if m:
        return m.group(1), m.group(2)
    return default, value


def labelled(values, ap, option, default, convert=str):
    """{label: value} of a repeated [LABEL=]VALUE option."""
    out = {}
    for v in values:
        label, raw = split_label(v, default)
        try:
            out[label] = convert(raw)
        except ValueError:
            ap.error("bad %s %r" % (option, v))
    return out


def stage_order(default):
    """The default label first, then the others by name."""
    return lambda label: (label != default, label)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--meson-log", action="append", default=[], metavar="[LABEL=]FILE")
    ap.add_argument("--meson-rc", action="append", default=[], metavar="[LABEL=]RC")
    ap.add_argument("--junit", action="append", default=[], metavar="[LABEL=]FILE")
    ap.add_argument("--pytest-rc", action="append", default=[], metavar="[LABEL=]RC")
    ap.add_argument("--result", action="append", default=[], metavar="NAME=OUTCOME",
                    help="one test per stage: pass, fail or skip")
    args = ap.parse_args()

    stages = []
    pre, post = [], []
    for r in args.result:
        name, _, outcome = r.partition("=")
        if outcome not in ("pass", "fail", "skip"):
            ap.error("bad --result %r" % r)
        st = Stage(name)
        st.add(outcome, name)
        # Setup and build come before the test stages, everything else after.
        (pre if name in ("setup", "build", "build-sanitizers") else post).append(st)
    stages += pre
    logs = labelled(args.meson_log, ap, "--meson-log", "unit")
    mrcs = labelled(args.meson_rc, ap, "--meson-rc", "unit", int)
    for label in sorted(set(logs) | set(mrcs), key=stage_order("unit")):
        stages.append(meson_stage(logs.get(label), mrcs.get(label), label))
    junits = labelled(args.junit, ap, "--junit", "functional")
    rcs = labelled(args.pytest_rc, ap, "--pytest-rc", "functional", int)
    for label in sorted(set(junits) | set(rcs), key=stage_order("functional")):
        stages.append(junit_stage(junits.get(label), rcs.get(label), label))
    stages += post

    print("==== summary ====")
    for st in stages:
        print(st.line())
    for st in stages:
        for f in st.failures:
            print("FAILED %s: %s" % (st.name, f))
    for st in stages:
        for s in st.skips:
            print("SKIPPED %s: %s" % (st.name, s))
    passed = sum(st.passed for st in stages)
    failed = sum(st.failed for st in stages)
    skipped = sum(st.skipped for st in stages)
    print("%d skipped" % skipped)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
