#!/usr/bin/env python3
"""`make bench-sheets`: spreadsheet figures, written into the sheets section of BENCHMARKS.md.

- preview (`import-sheet --dry-run`) and import of a 10,000-row member workbook, RUNS runs each
  (each import into a fresh installation), and a repeat import (everything already there);
- `list person --xlsx` of a 100,000-person installation: time and peak memory, RUNS runs;
- the city's yearly report (`report --unit 01 --period 2026 --json`) over a MILLION-record
  demo database (default 1,000,000; MILLION=0 skips it), RUNS runs.
Needs the e2e venv's openpyxl to write the 10,000-row workbook.
"""

import datetime
import os
import shutil
import statistics
import sys

from benchlib import ROOT, commit, machine, run_measured, write_section

DATA = os.path.join(ROOT, "bench-data", "sheets")
SOVANG = os.path.join(ROOT, "target", "release", "sovang")
RUNS = 5
ROWS = 10_000
# A demo database of this many records holds about 101,000 people (a third are people).
BIG = 310_000
MILLION = int(os.environ.get("MILLION", "1000000"))


def sovang(d, *args, ok=True):
    return run_measured([SOVANG, "--json", "--data-dir", d, *args])


def fresh(name, unit="00070"):
    d = os.path.join(DATA, name)
    shutil.rmtree(d, ignore_errors=True)
    sovang(d, "init", "--unit", unit)
    return d


def workbook(path):
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("DS")
    ws.append(["DANH SÁCH ĐOÀN VIÊN"])
    ws.append([])
    ws.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số điện thoại", "Số thẻ đoàn viên"])
    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"]
    middle = ["Thị", "Văn", "Minh", "Ngọc", "Hữu", "Thu"]
    given = ["Anh", "Bình", "Châu", "Dũng", "Hà", "Hùng", "Lan", "Mai", "Nam", "Yến"]
    for i in range(ROWS):
        name = f"{family[i % 8]} {middle[(i // 8) % 6]} {given[(i // 48) % 10]} {i}"
        born = datetime.date(1990, 1, 1) + datetime.timedelta(days=i % 5000)
        ws.append([i + 1, name, born, "Nữ" if i % 2 else "Nam", f"09{i:08d}", f"HN-{i:06d}"])
    wb.save(path)


def spread(xs):
    return f"{statistics.median(xs):.2f} s (min {min(xs):.2f}, max {max(xs):.2f})"


def main():
    if not os.path.exists(SOVANG):
        sys.exit("build first: cargo build --release -p sovang-cli")
    os.makedirs(DATA, exist_ok=True)
    sheet = os.path.join(DATA, "doan-vien-10000.xlsx")
    if not os.path.exists(sheet):
        workbook(sheet)
    previews, imports, repeats = [], [], []
    for i in range(RUNS):
        d = fresh(f"import-{i}")
        previews.append(sovang(d, "import-sheet", "person", sheet, "--dry-run")[0])
        imports.append(sovang(d, "import-sheet", "person", sheet)[0])
        repeats.append(sovang(d, "import-sheet", "person", sheet)[0])

    big = os.path.join(DATA, "big")
    if not os.path.exists(os.path.join(big, "sovang.db")):
        big = fresh("big", "01")
        sovang(big, "demo", "--records", str(BIG), "--seed", "1")
    people = int(__import__("json").loads(sovang(big, "stats")[2])["people"])
    exports, peaks = [], []
    for i in range(RUNS):
        out = os.path.join(DATA, f"people-{i}.xlsx")
        s, mb, _ = sovang(big, "list", "person", "--xlsx", out)
        exports.append(s)
        peaks.append(mb)
    report_row = ""
    if MILLION:
        city = os.path.join(DATA, "million")
        if not os.path.exists(os.path.join(city, "sovang.db")):
            city = fresh("million", "01")
            sovang(city, "demo", "--records", str(MILLION), "--seed", "1")
        reports = [sovang(city, "report", "--unit", "01", "--period", "2026")[0] for _ in range(RUNS)]
        report_row = (f"| The city's yearly report (`report --unit 01 --period 2026`, 126 wards) over "
                      f"{MILLION:,} demo records, whole process | {spread(reports)} | ≤ 1 s |\n")
    section = f"""<!-- sheets:begin -->
## Spreadsheets (`make bench-sheets`)

Machine: {machine()}. Commit {commit()}, {datetime.date.today()}; release build of the CLI,
{RUNS} runs each, median (min, max).

| What | Figure | Target |
| --- | --- | --- |
| Preview of a {ROWS:,}-row member workbook (`import-sheet --dry-run`) | {spread(previews)} | ≤ 2 s |
| Import of it into a fresh installation | {spread(imports)} | ≤ 3 s |
| The same workbook again (every row already there) | {spread(repeats)} | — |
| `list person --xlsx` of {people:,} people (demo database of {BIG:,} records), whole process | {spread(exports)} | ≤ 5 s (100,000 rows) |
| Peak memory of that export | {statistics.median(peaks):.0f} MB (max {max(peaks):.0f}) | ≤ 200 MB |
{report_row}<!-- sheets:end -->"""
    write_section("sheets", section)


if __name__ == "__main__":
    main()
