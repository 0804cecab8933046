#!/usr/bin/env python3
"""`make bench-sync`: sync bundle figures, written into the sync section of BENCHMARKS.md.

- export of a 100,000-record ward (`sovang export --full`), RUNS runs;
- verify and import of that bundle into a fresh city installation, RUNS runs, and a repeat;
- a city importing 1,000 ward bundles of 200 records each (126 ward keys), one process;
- peak memory importing a BIG-record bundle (default 1,000,000; BIG=0 skips it).
"""

import datetime
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys

from benchlib import ROOT, commit, machine, run_measured, write_section

DATA = os.path.join(ROOT, "bench-data", "sync")
SOVANG = os.path.join(ROOT, "target", "release", "sovang")
MAKER = os.path.join(ROOT, "target", "release", "examples", "make_bench_bundles")
BIG = int(os.environ.get("BIG", "1000000"))
# BENCHMARKING.md: at least 5 runs, median and spread.
RUNS = 5


def sovang(d, *args):
    return run_measured([SOVANG, "--json", "--data-dir", d, *args])


def installation(name, unit):
    d = os.path.join(DATA, name)
    shutil.rmtree(d, ignore_errors=True)
    sovang(d, "init", "--unit", unit)
    return d


def ward_with(records, name):
    d = installation(name, "00070")
    print(f"{name}: {records} demo records…", file=sys.stderr)
    sovang(d, "demo", "--records", str(records), "--seed", "3")
    card = os.path.join(DATA, f"{name}-card.json")
    sovang(d, "identity", "export", "--out", card)
    return d, card


def city_trusting(name, *cards):
    d = installation(name, "01")
    for c in cards:
        sovang(d, "trust", "add", c)
    return d


def fmt_runs(xs, unit="s"):
    return f"median {statistics.median(xs):.2f} {unit} (min {min(xs):.2f}, max {max(xs):.2f})"


def main():
    subprocess.run(["cargo", "build", "--release", "-p", "sovang-cli"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "-p", "sovang-core", "--example", "make_bench_bundles"], cwd=ROOT, check=True)
    os.makedirs(DATA, exist_ok=True)

    ward, card = ward_with(100_000, "ward-100k")
    bundle = os.path.join(DATA, "ward-100k.sovang")
    exports = []
    for _ in range(RUNS):
        s, _, out = sovang(ward, "export", "--out", bundle, "--full")
        exports.append(s)
    exported = json.loads(out)
    imports, peaks = [], []
    for i in range(RUNS):
        city = city_trusting(f"city-{i}", card)
        s, peak, out = sovang(city, "import", bundle)
        report = json.loads(out)[0]
        assert report["created"] == exported["records"] and report["error"] is None, report
        imports.append(s)
        peaks.append(peak)
    again, _, out = sovang(city, "import", bundle)
    assert json.loads(out)[0]["unchanged"] == exported["records"]

    many = os.path.join(DATA, "wards-1000")
    shutil.rmtree(many, ignore_errors=True)
    subprocess.run([MAKER, many, "1000", "200"], check=True, capture_output=True)
    cards = sorted(glob.glob(os.path.join(many, "cards", "*.json")))
    city = city_trusting("city-wards", *cards)
    files = sorted(glob.glob(os.path.join(many, "ward-*.sovang")))
    s_many, peak_many, out = sovang(city, "import", *files)
    reports = json.loads(out)
    created = sum(r["created"] for r in reports)
    assert created == 200_000 and all(r["error"] is None for r in reports), "every ward record arrives"

    big_row = "| peak memory importing a 1,000,000-record bundle | ≤ 200 MB | not run (BIG=0) |"
    if BIG:
        big_ward, big_card = ward_with(BIG, "ward-big")
        big_bundle = os.path.join(DATA, "ward-big.sovang")
        s_exp_big, peak_exp_big, out = sovang(big_ward, "export", "--out", big_bundle, "--full")
        n_big = json.loads(out)["records"]
        size_mb = os.path.getsize(big_bundle) / 1e6
        big_city = city_trusting("city-big", big_card)
        s_big, peak_big, out = sovang(big_city, "import", big_bundle)
        assert json.loads(out)[0]["created"] == n_big
        big_row = (f"| peak memory importing a {n_big:,}-record bundle ({size_mb:,.0f} MB) | ≤ 200 MB | "
                   f"{peak_big:.0f} MB max RSS (import {s_big:.1f} s; its export {s_exp_big:.1f} s, {peak_exp_big:.0f} MB) |")
        shutil.rmtree(big_ward, ignore_errors=True)
        shutil.rmtree(big_city, ignore_errors=True)

    today = datetime.date.today().isoformat()
    size = os.path.getsize(bundle) / 1e6
    section = f"""<!-- sync:begin -->
## Sync bundles (`make bench-sync`)

Measured {today} at commit `{commit()}` on {machine()}.
Whole `sovang` processes (release build), each timed from start to exit; the demo ward's records
are a realistic mix (people, Golden Book entries, projects and updates, nominations, targets).

| figure | target | measured |
|---|---|---|
| `sovang export --full` of {exported['records']:,} records ({size:.1f} MB bundle), {RUNS} runs | ≤ 2 s | {fmt_runs(exports)} |
| verify and import of that bundle into a fresh city installation, {RUNS} runs | ≤ 3 s | {fmt_runs(imports)}; peak {max(peaks):.0f} MB |
| importing it again (every record unchanged) | — | {again:.2f} s |
| a city importing 1,000 ward bundles of 200 records (126 ward keys), one `sovang import` | ≤ 20 s | {s_many:.1f} s ({created:,} records created; peak {peak_many:.0f} MB) |
{big_row}
<!-- sync:end -->"""
    write_section("sync", section)


if __name__ == "__main__":
    main()
