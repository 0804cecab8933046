#!/usr/bin/env python3
"""`make bench-backup`: backup and restore figures, written into the backups section of
BENCHMARKS.md. On the 100,000-record demo database (made once in bench-data/backup/data):
RUNS backups, each while the store answers list pages of 100 people on the window's thread
(what the window does during a backup), then RUNS restores (each takes a backup of the state
before it too). Runs the release example `bench_backup`.
"""

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from benchlib import ROOT, commit, machine, run_measured, write_section  # noqa: E402

# In the window: "Sao lưu ngay" (the backup_now command) and, while it runs, list pages of
# 100 people asked of the shell as the list screen asks (invoke → rows back), one after
# another with 20 ms between them.
DURING_BACKUP_JS = """
const done = arguments[arguments.length - 1];
const invoke = window.__TAURI_INTERNALS__.invoke;
const filter = {unit: null, year: null, status: null, kind: null, trash: false, parent: null, reverse: false};
const times = [];
let finished = false, backupMs = 0, error = null;
const b0 = performance.now();
invoke('backup_now').then(() => { backupMs = performance.now() - b0; finished = true; },
                           (e) => { error = JSON.stringify(e); finished = true; });
(async () => {
  let after = null;
  while (!finished) {
    const t = performance.now();
    const page = await invoke('list', {kind: 'person', filter, after, limit: 100});
    times.push(performance.now() - t);
    after = page.next;
    await new Promise((r) => setTimeout(r, 20));
  }
  done({times, backupMs, error});
})();
"""


def window_figures(runs):
    """Backups from the window's "Sao lưu ngay", list pages meanwhile; None without the app."""
    import harness

    if not harness.APP.exists():
        return None
    driver = harness.Driver()
    try:
        a = harness.App(driver, Path(DATA).parent)
        a.css(".stat .value", timeout=60)
        backups, pages = [], []
        for _ in range(runs):
            r = a.wd.execute_async_script(DURING_BACKUP_JS)
            if r["error"]:
                sys.exit(f"backup_now failed: {r['error']}")
            backups.append(r["backupMs"])
            pages += r["times"]
        a.quit()
    finally:
        driver.stop()
    pages.sort()
    return {
        "backup_ms": backups,
        "pages": len(pages),
        "median": statistics.median(pages),
        "p95": pages[int((len(pages) - 1) * 0.95)],
        "max": pages[-1],
    }

DATA = os.path.join(ROOT, "bench-data", "backup", "data")
SOVANG = os.path.join(ROOT, "target", "release", "sovang")
BENCH = os.path.join(ROOT, "target", "release", "examples", "bench_backup")
RUNS = 5
RECORDS = 100_000


def window_rows(w):
    if w is None:
        return "| In the window | not measured: the app was not built (`make app`) | |\n"
    runs = ", ".join(f"{x / 1000:.2f}" for x in w["backup_ms"])
    return (
        f"| In the window (release app): \"Sao lưu ngay\", click to done, median | {sorted(w['backup_ms'])[len(w['backup_ms']) // 2] / 1000:.2f} s (runs: {runs}) | ≤ 3 s |\n"
        f"| In the window: a list page of 100 people (invoke → rows back) while it runs: median / p95 / max of {w['pages']} pages | {w['median']:.1f} / {w['p95']:.1f} / {w['max']:.1f} ms | ≤ 100 ms |\n"
    )


def main():
    if not os.path.exists(os.path.join(DATA, "sovang.db")):
        run_measured([SOVANG, "--json", "--data-dir", DATA, "init", "--unit", "01"])
        run_measured([SOVANG, "--json", "--data-dir", DATA, "demo", "--records", str(RECORDS), "--seed", "1"])
    out = subprocess.run([BENCH, DATA, str(RUNS)], capture_output=True, text=True, check=True).stdout
    r = json.loads(out)
    w = window_figures(RUNS)
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
{window_rows(w)}
The backup runs on its own connection and thread (the window's calls do not wait on it), in
one read transaction; the list pages are read on the store's connection meanwhile.
<!-- backup:end -->"""
    write_section("backup", section)


if __name__ == "__main__":
    main()
