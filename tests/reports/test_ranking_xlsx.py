"""Opens the ranking workbook the real `sovang` binary writes with an independent reader
(openpyxl) and checks its figures against `sovang review results --json`: the same ranks,
means, medians and member totals, Vietnamese text intact. Usage: test_ranking_xlsx.py PATH/TO/sovang"""

import os
import shutil
import tempfile

from openpyxl import load_workbook

from cityfixture import CAMPAIGN, city_with_committee, put, run
from cityfixture import points as points_of


def main():
    tmp = tempfile.mkdtemp(prefix="sovang-xlsx-")
    try:
        city, c = city_with_committee(tmp)
        scores = {"Lê Thị Thu Hà": 5, "Trần Văn Bình": 3, "Đỗ Minh Châu": 4}
        for name, points in scores.items():
            p = put(city, "person", {"full_name": name, "unit": "00070"})["id"]
            n = put(city, "nomination", {"campaign_id": CAMPAIGN, "unit": "00070", "person_id": p,
                                         "year": 2026, "category": "cong_dong"})["id"]
            run(city, "review", "submit", n)
            run(city, "review", "start", n)
            run(city, "review", "score", n, "--committee", c,
                "--points", points_of(points))
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
