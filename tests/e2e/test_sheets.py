"""A ward cadre brings an Excel member list into Sổ Vàng through the window: the preview shows
each row (three new, four in error, each error by column), the valid rows are imported, the rows
in error are saved to a workbook, one of them is fixed there (as the cadre would in Excel) and
imported. The same list imported again changes nothing. Then a deed is written for someone who
is in no list yet: the form's person picker adds them without leaving the form. Screenshots go
to docs/screenshots/."""

import json
import subprocess
import unittest
from pathlib import Path

from openpyxl import load_workbook

from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from harness import App, Driver, ROOT

SOVANG = ROOT / "target" / "debug" / "sovang"
LIST = ROOT / "tests" / "fixtures" / "sheets" / "doan-vien.xlsx"


class SheetImport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.driver = Driver()

    @classmethod
    def tearDownClass(cls):
        cls.driver.stop()

    def setUp(self):
        self.app = App(self.driver)
        self.addCleanup(self.app.quit)

    def tearDown(self):
        self.app.failure_shot(self._testMethodName)

    def cli(self, *args):
        out = subprocess.run([str(SOVANG), "--data-dir", str(self.app.home / "data"), "--json", *args],
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout)

    def summary(self):
        return self.app.text_of('[data-testid="sheet-summary"]')

    def pick(self, path):
        self.app.all('[data-testid="sheet-input"]')[0].send_keys(str(path))

    def test_a_member_list_is_previewed_imported_and_its_fixed_errors_imported_again(self):
        a = self.app
        a.text_appears("Chào mừng đến với Sổ Vàng")
        a.click('[data-testid="next"]')
        a.type('[data-testid="unit-search"]', "hoan kiem")
        a.click('input[data-code="00070"]')
        a.click('[data-testid="next"]')
        a.type('[data-testid="user-name"]', "Nguyễn Văn Cán")
        a.click('[data-testid="finish"]')
        a.text_appears("Tổng quan năm")

        a.nav("sheets")
        a.text_appears("Nhập từ bảng tính")
        self.pick(LIST)
        a.wait(lambda: "Lỗi: 4" in self.summary(), message="the preview's counts")
        self.assertIn("Dòng tiêu đề: 4", self.summary(), "the header under the title rows")
        self.assertIn("Mới: 3", self.summary())
        errors = [r.text for r in a.all('[data-outcome="error"]')]
        self.assertTrue(any("C (Ngày sinh)" in e and "01/01/2090" in e for e in errors), errors)
        self.assertTrue(any("TCVN3" in e for e in errors), errors)
        self.assertEqual(self.cli("stats")["people"], 0, "a preview writes nothing")
        a.shot("30-sheet-preview")

        a.click('[data-testid="sheet-import"]')
        a.text_appears("Đã nhập: 3 mới")
        self.assertEqual(self.cli("stats")["people"], 3)

        a.click('[data-testid="sheet-save-rejected"]')
        saved = Path(a.css('[data-testid="sheet-saved"]').text)
        book = load_workbook(saved)
        ws = book.active
        rows = list(ws.iter_rows(min_row=2))
        self.assertEqual(len(rows), 4, "the four rows in error")
        born = next(r for r in rows if r[1].value == "Phạm Văn Tương Lai")
        self.assertIn("01/01/2090", born[-1].value)
        born[2].value = "01/01/1990"  # the cadre corrects the year in Excel
        book.save(saved)

        self.pick(saved)
        a.wait(lambda: "Mới: 1" in self.summary(), message="the fixed row is new")
        self.assertIn("Lỗi: 3", self.summary(), "the rows not fixed are still refused")
        a.click('[data-testid="sheet-import"]')
        a.text_appears("Đã nhập: 1 mới")
        self.assertEqual(self.cli("stats")["people"], 4)

        # The same list again: nothing new, nothing changed.
        self.pick(LIST)
        a.wait(lambda: "Đã có: 3" in self.summary(), message="the second preview")
        self.assertIn("Mới: 0", self.summary())
        self.assertIn("Cập nhật: 0", self.summary())

        # The people list, as shown, out to Excel.
        a.nav("people")
        a.click('[data-testid="export-list"]')
        a.text_appears("Đã xuất 4 dòng ra ")
        toast = next(line for line in a.body().splitlines() if "Đã xuất 4 dòng ra " in line)
        exported = Path(toast.split(" ra ", 1)[1].strip())
        names = [r[0].value for r in load_workbook(exported).active.iter_rows(min_row=2)]
        self.assertEqual(len(names), 4, names)
        self.assertIn("Phạm Văn Tương Lai", names)
        a.click('[data-testid="print-list"]')
        a.wait(lambda: ".pdf" in a.body(), message="the print view saved")
        toast = next(line for line in a.body().splitlines() if ".pdf" in line)
        printed = subprocess.run(["pdftotext", "-layout", toast.split(" ra ", 1)[1].strip(), "-"],
                                 capture_output=True, text=True, check=True).stdout
        self.assertIn("Họ và tên", printed)
        self.assertIn("Trang 1", printed)

        # A deed for someone in no list: added from the picker, the deed's form kept.
        a.nav("entries")
        a.click('[data-testid="new"]')
        a.type('[data-testid="entry-title"]', "Dọn vệ sinh ngõ 12 Hàng Bạc")
        a.type("#deed_date", "20/11/2026")
        a.type("#person_id", "Đinh Thị Ngọc Mai")
        a.click('[data-testid="person_id-add"]')
        a.type('[data-testid="person_id-new-birth"]', "30/02/2004")
        a.click('[data-testid="person_id-new-save"]')
        a.text_appears("30/02/2004")  # the core refuses a date that does not exist, by field
        a.type('[data-testid="person_id-new-birth"]', "28/02/2004")
        a.shot("31-person-quick-add")
        a.click('[data-testid="person_id-new-save"]')
        a.wait(lambda: "Đinh Thị Ngọc Mai" in a.text_of(".chips"), message="the new person chosen")
        self.assertEqual(a.css('[data-testid="entry-title"]').get_attribute("value"),
                         "Dọn vệ sinh ngõ 12 Hàng Bạc", "the deed's form kept what was typed")
        a.click('[data-testid="save"]')
        a.text_appears("Đã lưu")
        self.assertEqual(self.cli("stats")["people"], 5)
        self.assertEqual(self.cli("stats")["entries"], 1)

        # The quarter's report, saved as a PDF with the heading filled in.
        a.nav("reports")
        Select(a.css('[data-testid="report-span"]')).select_by_value("quarter")
        Select(a.css('[data-testid="report-quarter"]')).select_by_value("4")
        Select(a.css('[data-testid="report-year"]')).select_by_value("2026")
        a.wait(lambda: "Sổ vàng: 1 việc tốt" in a.text_of('[data-testid="report-preview"]'),
               message="the quarter's deed in the preview")
        a.type('[data-testid="report-number"]', "Số: 01-BC/ĐTN")
        a.type('[data-testid="report-signer"]', "Nguyễn Văn Cán")
        a.shot("32-report")
        a.click('[data-testid="report-pdf"]')
        pdf = Path(a.css('[data-testid="report-saved"]').text)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        for want in ("ĐOÀN TNCS HỒ CHÍ MINH", "BCH ĐOÀN PHƯỜNG HOÀN KIẾM", "quý IV năm 2026",
                     "Số: 01-BC/ĐTN", "Nguyễn Văn Cán", "1 việc tốt"):
            self.assertIn(want, text, f"the PDF shows {want!r}")

    def test_the_city_sets_a_wards_target_beside_last_years_figure(self):
        a = self.app
        a.text_appears("Chào mừng đến với Sổ Vàng")
        a.click('[data-testid="next"]')
        a.type('[data-testid="unit-search"]', "ha noi")
        a.click('input[data-code="01"]')
        a.click('[data-testid="next"]')
        a.type('[data-testid="user-name"]', "Trần Thị Thành")
        a.click('[data-testid="finish"]')
        a.text_appears("Tổng quan năm")
        a.nav("targets")
        Select(a.css('[data-testid="targets-year"]')).select_by_value("2026")
        cell = a.css('[data-testid="target-00070-entries"]')
        self.assertIn("năm trước: 0", a.text_of('tr[data-unit="00070"]'))
        cell.send_keys("12", Keys.TAB)
        a.text_appears("Đã lưu")
        a.shot("33-targets")
        targets = self.cli("list", "target")["items"]
        self.assertEqual(len(targets), 1, targets)
        self.assertEqual(targets[0]["unit"], "00070")


if __name__ == "__main__":
    unittest.main(verbosity=2)
