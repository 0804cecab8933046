#!/usr/bin/env python3
"""`make bench-backup`: backup and restore figures, written into the backups section of
BENCHMARKS.md. On the 100,000-record demo database (made once in bench-data/backup/data):
RUNS backups, each while the store answers list pages of 100 people on the window's thread
(what the window does during a backup), then RUNS restores (each takes a backup of the state
before it too). Runs the release example `bench_backup`.
"""

import json
import os
import subprocess

from benchlib import ROOT, commit, machine, run_measured, write_section

DATA = os.path.join(ROOT, "bench-data", "backup", "data")
SOVANG = os.path.join(ROOT, "target", "release", "sovang")
BENCH = os.path.join(ROOT, "target", "release", "examples", "bench_backup")
RUNS = 5
RECORDS = 100_000


def main():
    if not os.path.exists(os.path.join(DATA, "sovang.db")):
        run_measured([SOVANG, "--json", "--data-dir", DATA, "init", "--unit", "01"])
        run_measured([SOVANG, "--json", "--data-dir", DATA, "demo", "--records", str(RECORDS), "--seed", "1"])
    out = subprocess.run([BENCH, DATA, str(RUNS)], capture_output=True, text=True, check=True).stdout
    r = json.loads(out)
    med = lambda xs: sorted(xs)[len(xs) // 2]
    during, idle = r["list_during_backup"], r["list_idle"]
    section = f"""<!-- backup:begin -->
## Backups and restore

`make bench-backup`, commit {commit()}, {machine()}. The {RECORDS:,}-record demo database
({r['db_bytes'] / 1e6:.0f} MB), release build, {RUNS} runs each, in process
(`crates/sovang-core/examples/bench_backup.rs`).

| Measure | Result | Target |
| --- | --- | --- |
| A backup (online copy, integrity check, hash, manifest), median | {med(r['backup_ms']) / 1000:.2f} s (runs: {', '.join(f'{x / 1000:.2f}' for x in r['backup_ms'])}) | ≤ 3 s |
| A restore (check the backup, back up the current state, stage, check, swap), median | {med(r['restore_ms']) / 1000:.2f} s (runs: {', '.join(f'{x / 1000:.2f}' for x in r['restore_ms'])}) | ≤ 5 s |
| A list page of 100 people while a backup runs: median / p95 / max of {during['pages']} pages | {during['median_ms']:.1f} / {during['p95_ms']:.1f} / {during['max_ms']:.1f} ms | ≤ 100 ms |
| The same with no backup running: median / p95 / max of {idle['pages']} pages | {idle['median_ms']:.1f} / {idle['p95_ms']:.1f} / {idle['max_ms']:.1f} ms | — |

The backup runs on its own connection and thread (the window's calls do not wait on it), in
one read transaction; the list pages are read on the store's connection meanwhile.
<!-- backup:end -->"""
    write_section("backup", section)


if __name__ == "__main__":
    main()
