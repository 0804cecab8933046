"""Opens the ranking workbook the real `sovang` binary writes with an independent reader
(openpyxl) and checks its figures against `sovang review results --json`: the same ranks,
means, medians and member totals, Vietnamese text intact. Usage: test_ranking_xlsx.py PATH/TO/sovang"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

from openpyxl import load_workbook

SOVANG = os.path.abspath(sys.argv[1])
CAMPAIGN = "01856685-0800-7000-8000-000020232027"
CRITERIA = ["ban_linh", "tri_thuc", "ung_xu", "tuan_thu", "suc_khoe", "ky_nang"]


def run(data, *args, stdin=None):
    out = subprocess.run([SOVANG, "--data-dir", data, "--json", *args], input=stdin,
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, f"sovang {' '.join(args)} failed: {out.stderr}"
    return json.loads(out.stdout) if out.stdout.strip() else None


def put(data, kind, body):
    return run(data, "put", kind, "--file", "-", stdin=json.dumps(body))


def main():
    tmp = tempfile.mkdtemp(prefix="sovang-xlsx-")
    try:
        city = os.path.join(tmp, "city")
        run(city, "init", "--unit", "01")
        key = run(city, "identity", "show")["fingerprint"]
        c = put(city, "committee", {
            "name": "Hội đồng xét chọn Thành phố 2026", "unit": "01", "campaign_id": CAMPAIGN,
            "year": 2026, "quorum": 1,
            "members": [{"id": "ct", "name": "Nguyễn Văn Chủ", "role": "chair", "fingerprint": key}],
        })["id"]
        scores = {"Lê Thị Thu Hà": 5, "Trần Văn Bình": 3, "Đỗ Minh Châu": 4}
        for name, points in scores.items():
            p = put(city, "person", {"full_name": name, "unit": "00070"})["id"]
            n = put(city, "nomination", {"campaign_id": CAMPAIGN, "unit": "00070", "person_id": p,
                                         "year": 2026, "category": "cong_dong"})["id"]
            run(city, "review", "submit", n)
            run(city, "review", "start", n)
            run(city, "review", "score", n, "--committee", c,
                "--points", ",".join(f"{k}={points}" for k in CRITERIA))
        results = run(city, "review", "results", "--committee", c)[0]
        out = os.path.join(tmp, "xếp hạng.xlsx")
        run(city, "review", "export", "--committee", c, "--out", out)

        sheet = load_workbook(out, read_only=True)["Xếp hạng"]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "Hội đồng xét chọn Thành phố 2026 — năm 2026", rows[0]
        head = rows[3]
        assert head[:7] == ("Hạng", "Người được đề cử", "Đơn vị", "Trạng thái", "Điểm trung bình",
                            "Trung vị", "Số phiếu tính"), head
        assert head[7] == "Nguyễn Văn Chủ", "a column per member"
        body = rows[4:4 + len(results["rows"])]
        assert len(body) == 3, body
        for got, want in zip(body, results["rows"]):
            assert got[0] == want["rank"], (got, want)
            assert got[1] == want["title"], (got, want)
            assert got[2] == "Phường Hoàn Kiếm", got
            assert got[3] == "Đang xét chọn", got
            assert abs(got[4] - want["mean"]) < 1e-9 and abs(got[5] - want["median"]) < 1e-9
            assert got[6] == want["counted"]
            assert abs(got[7] - want["members"][0]["total"]) < 1e-9
        assert [r[1] for r in body] == ["Lê Thị Thu Hà — 2026", "Đỗ Minh Châu — 2026",
                                       "Trần Văn Bình — 2026"], "best first"
        assert [r[4] for r in body] == [30.0, 24.0, 18.0], "six criteria × weight 1 × points"
        print("ranking workbook: 3 rows match the results, read back by openpyxl")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
