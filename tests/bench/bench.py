#!/usr/bin/env python3
"""`make bench`: measures the core on a demo database and writes BENCHMARKS.md.

Builds the release binaries, creates a RECORDS-record demo database (default 1,000,000) in
bench-data/, times bulk creation (with its peak memory), whole `sovang` processes, and the
in-process reads of examples/bench_queries.rs, then rewrites the core section of BENCHMARKS.md.
"""

import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys

from benchlib import ROOT, commit, machine, run_measured, write_section

RECORDS = int(os.environ.get("RECORDS", "1000000"))
DATA = os.path.join(ROOT, "bench-data")
SOVANG = os.path.join(ROOT, "target", "release", "sovang")
QUERIES = os.path.join(ROOT, "target", "release", "examples", "bench_queries")


def fresh(dirname):
    shutil.rmtree(dirname, ignore_errors=True)
    subprocess.run([SOVANG, "--data-dir", dirname, "init", "--unit", "01"], check=True, capture_output=True)


def main():
    for target in (["-p", "sovang-cli"], ["-p", "sovang-core", "--example", "bench_queries"]):
        subprocess.run(["cargo", "build", "--release", *target], cwd=ROOT, check=True)
    # Bulk creation rate on fresh databases: 3 runs of 100,000, median and spread.
    rates = []
    for i in range(3):
        d = os.path.join(DATA, f"bulk-{i}")
        fresh(d)
        secs, _, out = run_measured([SOVANG, "--json", "--data-dir", d, "demo", "--records", "100000", "--seed", str(i)])
        rates.append(json.loads(out)["records_per_second"])
        shutil.rmtree(d, ignore_errors=True)

    big = os.path.join(DATA, "main")
    fresh(big)
    print(f"creating {RECORDS} demo records…", file=sys.stderr)
    secs, peak_mb, out = run_measured([SOVANG, "--json", "--data-dir", big, "demo", "--records", str(RECORDS)])
    big_rate = json.loads(out)["records_per_second"]
    db_mb = os.path.getsize(os.path.join(big, "sovang.db")) / 1e6

    # Whole processes: start, open, first page of 100, exit.
    procs = []
    for i in range(11):
        s, _, _ = run_measured([SOVANG, "--json", "--data-dir", big, "list", "entry", "--limit", "100"])
        if i > 0:
            procs.append(s * 1000)
    searches = []
    for i in range(11):
        s, _, _ = run_measured([SOVANG, "--json", "--data-dir", big, "search", "nguyen", "--limit", "50"])
        if i > 0:
            searches.append(s * 1000)

    reads = json.loads(subprocess.run([QUERIES, big], check=True, capture_output=True, text=True).stdout)

    today = datetime.date.today().isoformat()
    r = reads
    fmt = lambda x: f"{x:.2f}"
    section = f"""<!-- core:begin -->
## Core library and CLI (`make bench`)

Measured {today} at commit `{commit()}` on {machine()}.
Command: `make bench` (RECORDS={RECORDS}); database: {RECORDS:,} demo records, {db_mb:,.0f} MB on disk.

| figure | target | measured |
|---|---|---|
| bulk creation (`sovang demo`), search index included, fresh database, 3 × 100,000 | ≥ 100,000 records/s | median {statistics.median(rates):,.0f} records/s (min {min(rates):,.0f}, max {max(rates):,.0f}) |
| bulk creation of all {RECORDS:,} records | ≥ 100,000 records/s | {big_rate:,.0f} records/s ({secs:.1f} s) |
| peak memory of `sovang demo --records {RECORDS}` | ≤ 200 MB | {peak_mb:.0f} MB (max RSS) |
| search, top 50, {r['search_top50']['calls']} calls over {len(r['search_by_query'])} queries (prefixes, common words, names) | median ≤ 5 ms, p95 ≤ 30 ms | p50 {fmt(r['search_top50']['p50_ms'])} ms, p95 {fmt(r['search_top50']['p95_ms'])} ms, max {fmt(r['search_top50']['max_ms'])} ms |
| search, top 50, with a kind, unit or year filter | — | p50 {fmt(r['search_top50_filtered']['p50_ms'])} ms, p95 {fmt(r['search_top50_filtered']['p95_ms'])} ms, max {fmt(r['search_top50_filtered']['max_ms'])} ms |
| a page of 100 from a list, depths 0–99.9 %, with and without unit/year filters | ≤ 10 ms | p50 {fmt(r['list_page_100']['p50_ms'])} ms, p95 {fmt(r['list_page_100']['p95_ms'])} ms, max {fmt(r['list_page_100']['max_ms'])} ms |
| open the database and read the first page (in process) | ≤ 100 ms | p50 {fmt(r['open_and_first_page']['p50_ms'])} ms, p95 {fmt(r['open_and_first_page']['p95_ms'])} ms |
| whole `sovang list entry --limit 100` process, 10 runs | — | median {statistics.median(procs):.1f} ms (min {min(procs):.1f}, max {max(procs):.1f}) |
| whole `sovang search nguyen` process, 10 runs | — | median {statistics.median(searches):.1f} ms (min {min(searches):.1f}, max {max(searches):.1f}) |

Per query (p50 / p95 ms): {", ".join(f"`{q}` {fmt(v['p50_ms'])}/{fmt(v['p95_ms'])}" for q, v in r['search_by_query'].items())}.
<!-- core:end -->"""
    write_section("core", section)


if __name__ == "__main__":
    main()
