"""The committee review's figures: the results table for 2,000 nominations × 9 members.
In process (`examples/bench_review.rs`: `Store::results_page` and `Store::results`, each with
its JSON, 11 runs after a warm-up), then in the shipped app (the Makefile passes the `dist` build as SOVANG_APP) under Xvfb: click on "Xét chọn" → the ranking's first page
(100 rows, as every list shows) painted (5 runs after a warm-up). Rewrites the review section of BENCHMARKS.md."""

import json
import os
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from harness import APP, App, Driver  # noqa: E402
from benchlib import ROOT, commit, machine, write_section  # noqa: E402

BENCH = os.path.join(ROOT, "target", "release", "examples", "bench_review")
HOME = Path(ROOT) / "bench-data" / "review"
RUNS = 5

OPEN_REVIEW_JS = """
const done = arguments[arguments.length - 1];
const t0 = performance.now();
document.querySelector('[data-nav="review"]').click();
const tick = () => {
  const rows = document.querySelectorAll('[data-testid="ranking"] tbody tr');
  if (rows.length >= 100) requestAnimationFrame(() => done(performance.now() - t0));
  else requestAnimationFrame(tick);
};
tick();
"""


def touch():
    """A write by another process (a benchmark-only row of `meta` given a new value): the
    app's kept results no longer hold, so the next open works them out again, as after a
    member's score arrives. (A write that changes no byte commits nothing to see.)"""
    with sqlite3.connect(HOME / "data" / "sovang.db", timeout=10) as db:
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('bench_touch', hex(randomblob(8)))")


def window_times():
    """Click → first page painted: a warm-up, then RUNS opens after a change (results worked
    out) alternating with RUNS opens with nothing changed (results kept)."""
    driver = Driver()
    try:
        a = App(driver, HOME)
        a.css(".stat .value", timeout=60)
        changed, kept = [], []
        for i in range(2 * RUNS + 1):
            a.wd.execute_script("document.querySelector('[data-nav=\"overview\"]').click()")
            a.css(".stat .value", timeout=30)
            if i % 2 == 1:
                touch()
            ms = a.wd.execute_async_script(OPEN_REVIEW_JS)
            if i > 0:
                (changed if i % 2 == 1 else kept).append(ms)
        # "Xem thêm" asks for the next page: 200 rows, and the count says so.
        a.click('[data-testid="more-rows"]')
        a.wait(lambda: len(a.all('[data-testid="ranking"] tbody tr')) == 200, message="200 rows after 'more'")
        assert "200 trên 2.000" in a.text_of(".more"), a.text_of(".more")
        a.quit()
        return changed, kept
    finally:
        driver.stop()


def main():
    subprocess.run(["cargo", "build", "--release", "-p", "sovang-core", "--example", "bench_review"],
                   cwd=ROOT, check=True)
    out = subprocess.run([BENCH, str(HOME / "data")], check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    changed, kept = window_times()
    spread = lambda w: f"median {statistics.median(w):.0f} ms (min {min(w):.0f}, max {max(w):.0f})"
    section = f"""<!-- review:begin -->
## Committee review (`make bench-review`)

Measured {commit_date()} at commit `{commit()}` on {machine()}; the window is the shipped build
(`{APP.parent.name}` profile) under Xvfb with
`dbus-run-session` and `NO_AT_BRIDGE=1`, software rendering; in process, the `release` build. Data: one committee of
{r['members']} members, {r['nominations']:,} nominations in review, every member's scores
submitted (one in twenty a recusal), on the chair's installation (`examples/bench_review.rs`).

| figure | measured | target |
|---|---|---|
| results (weighted totals, mean, median, ranking over all rows), the first 100 rows as JSON (what the window asks for), in process, 11 runs | median {r['page']['median_ms']:.0f} ms (min {r['page']['min_ms']:.0f}, max {r['page']['max_ms']:.0f}) | |
| the same with all {r['nominations']:,} rows as JSON (the CLI, the workbook) | median {r['full']['median_ms']:.0f} ms (min {r['full']['min_ms']:.0f}, max {r['full']['max_ms']:.0f}) | |
| the first page again, nothing changed in between (the results are kept) | median {r['again']['median_ms']:.1f} ms (min {r['again']['min_ms']:.1f}, max {r['again']['max_ms']:.1f}) | |
| the window: click on "Xét chọn" → the ranking's first page (100 of {r['nominations']:,} rows) painted, after a change made by another process (results worked out), {RUNS} runs after a warm-up | {spread(changed)} | ≤ 200 ms |
| the same with nothing changed since the last open (results kept), {RUNS} runs | {spread(kept)} | ≤ 200 ms |
<!-- review:end -->"""
    write_section("review", section)


def commit_date():
    return subprocess.run(["date", "+%Y-%m-%d"], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    main()
