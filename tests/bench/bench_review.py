"""The committee review's figures: the results table for 2,000 nominations × 9 members
(`examples/bench_review.rs`: `Store::results` and its JSON, 11 runs after a warm-up), then
rewrites the review section of BENCHMARKS.md."""

import json
import os
import subprocess

from benchlib import ROOT, commit, machine, write_section

BENCH = os.path.join(ROOT, "target", "release", "examples", "bench_review")


def main():
    subprocess.run(["cargo", "build", "--release", "-p", "sovang-core", "--example", "bench_review"],
                   cwd=ROOT, check=True)
    data = os.path.join(ROOT, "bench-data", "review")
    out = subprocess.run([BENCH, data], check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    section = f"""<!-- review:begin -->
## Committee review (`make bench-review`)

Measured {commit_date()} at commit `{commit()}` on {machine()}.

| figure | target | measured |
|---|---|---|
| results of a committee: {r['nominations']:,} nominations × {r['members']} members' scores (weighted totals, mean, median, ranking) and their JSON, in process, 11 runs | ≤ 200 ms shown | median {r['median_ms']:.0f} ms (min {r['min_ms']:.0f}, max {r['max_ms']:.0f}) |

The window's results screen is not built yet: the time to the table painted is not measured.
<!-- review:end -->"""
    write_section("review", section)


def commit_date():
    return subprocess.run(["date", "+%Y-%m-%d"], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    main()
