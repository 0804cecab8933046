"""What the benchmark scripts share: running and measuring processes, describing the machine,
and rewriting their own section of BENCHMARKS.md."""

import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()


def run_measured(args):
    """Runs a process; returns (seconds, peak RSS in MB, stdout). Exits if it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        sys.exit(f"failed: {' '.join(map(str, args))}")
    return seconds, usage.ru_maxrss / 1024.0, out


def machine():
    """The machine, as the sections of BENCHMARKS.md state it."""
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    mem = sh("free -h | awk '/Mem:/ {print $2}'")
    return f"{os.cpu_count()} cores, {mem} RAM, {cpu}, {platform.system()} {platform.release()}"


def commit():
    return sh(f"git -C {ROOT} rev-parse --short HEAD")


def write_section(tag, section):
    """Puts `section` (which starts with <!-- tag:begin --> and ends with <!-- tag:end -->) in
    place of the old one in BENCHMARKS.md, or at its end."""
    path = os.path.join(ROOT, "BENCHMARKS.md")
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmarks\n"
    begin, end = f"<!-- {tag}:begin -->", f"<!-- {tag}:end -->"
    if begin in text:
        head, rest = text.split(begin, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    open(path, "w", encoding="utf-8").write(text)
    print(section)
