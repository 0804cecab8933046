"""Opens the workbooks the real `sovang` binary writes for spreadsheet import with an
independent reader (openpyxl): each template (Vietnamese headers in Times New Roman, an
example row, drop-down lists of the allowed values) and the rejected rows of a real member
list (the rows as they were, an error column naming each cell's problem). Then imports a
template filled in as a cadre would, and the same file again, which changes nothing.
Usage: test_sheets_xlsx.py PATH/TO/sovang"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import io
import zipfile

from openpyxl import load_workbook

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "sheets")


def sovang(data, *args, ok=True, input=None):
    p = subprocess.run([sys.argv[1], "--data-dir", data, "--json", *args],
                       capture_output=True, text=True, input=input)
    if ok and p.returncode != 0:
        raise AssertionError(f"{args}: exit {p.returncode}: {p.stderr}")
    return p


def main():
    tmp = tempfile.mkdtemp(prefix="sovang-sheets-")
    try:
        data = os.path.join(tmp, "data")
        sovang(data, "init", "--unit", "00070")

        # Templates.
        expected = {
            "person": ("Đoàn viên", "Họ và tên *", {"Giới tính", "Đối tượng", "Chi đoàn / Đơn vị"}),
            "entry": ("Sổ vàng", "Việc tốt *", {"Giá trị hình mẫu", "Chi đoàn / Đơn vị"}),
            "project": ("Công trình", "Tên công trình *", {"Lĩnh vực *", "Tình trạng", "Chi đoàn / Đơn vị"}),
        }
        for kind, (sheet, first, listed) in expected.items():
            out = os.path.join(tmp, f"mẫu-{kind}.xlsx")
            sovang(data, "template", kind, "--out", out)
            book = load_workbook(out)
            ws = book[sheet]
            head = [c.value for c in ws[1]]
            assert head[0] == first, head
            assert all(c.font.name == "Times New Roman" for c in ws[1]), "office font"
            assert ws.freeze_panes == "A2", ws.freeze_panes
            assert ws.max_row >= 2 and any(c.value for c in ws[2]), "an example row"
            with_lists = set()
            for dv in ws.data_validations.dataValidation:
                assert dv.type == "list", dv.type
                for rng in dv.sqref.ranges:
                    with_lists.add(head[rng.min_col - 1])
            assert listed <= with_lists, f"{kind}: lists on {with_lists}, expected {listed}"
            catalog = [c.value for c in book["Danh mục"]["A"]]
            assert len(catalog) > 1, catalog

        # A filled-in template imports; the same file again changes nothing.
        filled = os.path.join(tmp, "mẫu-person.xlsx")
        book = load_workbook(filled)
        ws = book["Đoàn viên"]
        ws.append(["Bùi Thị Ngọc Ánh", None, "15/06/2002", "Nữ", "Đoàn viên", "Phường Hoàn Kiếm"])
        book.save(filled)
        first = json.loads(sovang(data, "import-sheet", "person", filled).stdout)
        assert (first["new"], first["errors"]) == (2, 0), first
        again = json.loads(sovang(data, "import-sheet", "person", filled).stdout)
        assert (again["new"], again["unchanged"]) == (0, 2), again

        # Rejected rows of a real list.
        rejected = os.path.join(tmp, "dòng lỗi.xlsx")
        p = sovang(data, "import-sheet", "person", os.path.join(FIXTURES, "doan-vien.xlsx"),
                   "--rejected", rejected, ok=False)
        assert p.returncode == 1, "rows in error make the exit status 1"
        report = json.loads(p.stdout)
        assert report["errors"] == 4, report
        rows = list(load_workbook(rejected).active.iter_rows(values_only=True))
        assert rows[0][1] == "Họ và tên" and rows[0][-1] == "Lỗi / Errors", rows[0]
        assert len(rows) == 5, rows
        born = rows[1]
        assert born[1] == "Phạm Văn Tương Lai", born
        assert "Cột C (Ngày sinh)" in born[-1] and "01/01/2090" in born[-1], born[-1]
        assert "TCVN3" in rows[4][-1], rows[4][-1]
        # Lists out: dates as dates, money as numbers in đồng, the header frozen, and the
        # workbook imported again changes nothing.
        sovang(data, "import-sheet", "project", os.path.join(FIXTURES, "cong-trinh.xlsx"), ok=False)
        for kind, count in (("person", 4), ("project", 2)):
            out = os.path.join(tmp, f"danh sách {kind}.xlsx")
            written = json.loads(sovang(data, "list", kind, "--xlsx", out).stdout)
            assert written["rows"] == count, written
            ws = load_workbook(out).active
            head = [c.value for c in ws[1]]
            assert ws.freeze_panes == "A2" and ws[1][0].font.name == "Times New Roman", head
            assert ws.max_row == count + 1, (ws.max_row, count)
            if kind == "person":
                born = head.index("Ngày sinh")
                dated = [r[born] for r in ws.iter_rows(min_row=2) if r[born].value is not None]
                assert dated and all(c.is_date and c.number_format == "dd/mm/yyyy" for c in dated), \
                    [(c.value, c.number_format) for c in dated]
            else:
                money = head.index("Giá trị làm lợi (đồng)")
                values = {r[money].value for r in ws.iter_rows(min_row=2)}
                assert values == {150000000, 12500000}, values
                assert "đ" in ws.cell(row=2, column=money + 1).number_format
            back = json.loads(sovang(data, "import-sheet", kind, out).stdout)
            assert (back["new"], back["updated"], back["unchanged"]) == (0, 0, count), back
        # The print view: every page repeats the header and says which page it is.
        many = os.path.join(tmp, "nhiều người.csv")
        with open(many, "w", encoding="utf-8") as f:
            f.write("Họ và tên,Ngày sinh\n")
            for i in range(120):
                f.write(f"Người Thứ {i:03d},01/01/2000\n")
        sovang(data, "import-sheet", "person", many)
        pdf = os.path.join(tmp, "bản in.pdf")
        printed = json.loads(sovang(data, "list", "person", "--pdf", pdf).stdout)
        assert printed["rows"] == 124, printed
        text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True,
                              check=True).stdout
        pages = [p for p in text.split("\f") if p.strip()]
        assert len(pages) >= 3, len(pages)
        for n, page in enumerate(pages, 1):
            assert "Họ và tên" in page and f"Trang {n}" in page, (n, page[:200])
        # A person's own data: a zip of a workbook and their files, read back.
        person = json.loads(sovang(data, "put", "person", "--file", "-", input=json.dumps({
            "full_name": "Đinh Thị Thu Hà", "unit": "00070", "phone": "0903123456"})).stdout)["id"]
        sovang(data, "put", "entry", "--file", "-", input=json.dumps({
            "unit": "00070", "title": "Hiến máu nhân đạo", "deed_date": "2026-03-01",
            "person_id": person, "recorded_by": "Cán bộ", "values": ["trach_nhiem"]}))
        photo = os.path.join(tmp, "ảnh thẻ.png")
        with open(photo, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\nanh-the")
        sovang(data, "attach", "person", person, photo)
        out = os.path.join(tmp, "dữ liệu.zip")
        made = json.loads(sovang(data, "person-data", person, "--out", out).stdout)
        assert (made["records"], made["attachments"]) == (2, 1), made
        with zipfile.ZipFile(out) as z:
            names = z.namelist()
            assert "du-lieu-ca-nhan.xlsx" in names and "tep-dinh-kem/1-ảnh thẻ.png" in names, names
            assert z.read("tep-dinh-kem/1-ảnh thẻ.png") == b"\x89PNG\r\n\x1a\nanh-the"
            book = load_workbook(io.BytesIO(z.read("du-lieu-ca-nhan.xlsx")))
        assert book.sheetnames == ["Thông tin", "Hồ sơ liên quan", "Lịch sử", "Tệp đính kèm"], book.sheetnames
        info = {r[0].value: r[1].value for r in book["Thông tin"].iter_rows(min_row=2)}
        assert "Đinh Thị Thu Hà" in info.values() and "0903123456" in info.values(), info
        related = [r[0].value for r in book["Hồ sơ liên quan"].iter_rows(min_row=2)]
        assert related == ["Đoàn viên", "Sổ vàng"], related
        assert book["Lịch sử"].max_row >= 2, "the history of each record"
        print("sheets: ok (templates, filled template imported twice, rejected rows, lists out and back, print view, personal data)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
