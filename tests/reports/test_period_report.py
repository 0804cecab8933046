"""The period report read back with independent readers: the workbook with openpyxl, the PDF
with pdftotext. Both must show the numbers `sovang report --json` gives, and those numbers must
match counts made here straight from the database with SQL (the city's demo data: every record
is in the city's scope). Usage: test_period_report.py PATH/TO/sovang"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

from openpyxl import load_workbook


def dotted(n):
    return f"{n:,}".replace(",", ".")


def main():
    sovang = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="sovang-report-")
    try:
        data = os.path.join(tmp, "data")
        run = lambda *a: subprocess.run([sovang, "--data-dir", data, "--json", *a],
                                        capture_output=True, text=True, check=True).stdout
        run("init", "--unit", "01")
        run("demo", "--records", "3000", "--seed", "5")
        xlsx, pdf = os.path.join(tmp, "báo cáo.xlsx"), os.path.join(tmp, "báo cáo.pdf")
        r = json.loads(run("report", "--period", "2026-Q2", "--xlsx", xlsx, "--pdf", pdf,
                           "--number", "Số: 12-BC/ĐTN", "--signer", "Nguyễn Văn Ký"))
        assert (r["from"], r["to"]) == ("2026-04-01", "2026-06-30"), r

        # Counted another way: SQL over the database.
        db = sqlite3.connect(os.path.join(data, "sovang.db"))
        q = lambda sql: db.execute(sql).fetchone()[0]
        entries = q("SELECT count(*) FROM entries WHERE deleted_at IS NULL AND "
                    "json_extract(body, '$.deed_date') BETWEEN '2026-04-01' AND '2026-06-30'")
        value = q("SELECT coalesce(sum(json_extract(body, '$.budget_vnd')), 0) FROM projects "
                  "WHERE deleted_at IS NULL AND json_extract(body, '$.start_date') "
                  "BETWEEN '2026-04-01' AND '2026-06-30'")
        nominations = q("SELECT count(*) FROM nominations WHERE deleted_at IS NULL AND year = 2026")
        assert entries > 0 and r["entries"] == entries, (r["entries"], entries)
        assert r["projects_total"]["value_vnd"] == value, (r["projects_total"], value)
        assert r["nominations"] == nominations, (r["nominations"], nominations)

        # The workbook.
        ws = load_workbook(xlsx)["Báo cáo"]
        cells = [[c.value for c in row] for row in ws.iter_rows()]
        flat = [v for row in cells for v in row if v is not None]
        assert "ĐOÀN TNCS HỒ CHÍ MINH" in flat and "BÁO CÁO" in flat, flat[:10]
        assert "Số: 12-BC/ĐTN" in flat and "Nguyễn Văn Ký" in flat
        total = next(row for row in cells if row[0] == "Cộng")
        assert total[1] == r["projects_total"]["count"] and total[2] == value, total
        assert any(isinstance(v, str) and f": {dotted(entries)} việc tốt" in v for v in flat)
        names = [s["name"] for s in r["sub_units"]]
        wards = [row[0] for row in cells if row[0] in names]
        assert wards == names, "one row per sub-unit, in the report's order (laggards first)"

        # The PDF, as text.
        text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True,
                              text=True, check=True).stdout
        for want in ("ĐOÀN TNCS HỒ CHÍ MINH", "BÁO CÁO", "quý II năm 2026", "Số: 12-BC/ĐTN",
                     "Nguyễn Văn Ký", f"{dotted(value)} đ", f"{dotted(entries)} việc tốt",
                     "Thanh niên địa bàn dân cư"):
            assert want in text, f"{want!r} missing from the PDF's text"
        print(f"period report: ok ({entries} entries, {dotted(value)} đ, workbook and PDF agree with --json and SQL)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
