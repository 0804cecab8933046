"""The desktop app, used as a ward cadre would use it, in its real window.

The steps run in order on one installation (each builds on the one before) and save a
screenshot of every screen to docs/screenshots/.
"""

import struct
import sys
import tempfile
import time
import unittest
import zlib
from pathlib import Path

from selenium.webdriver.common.keys import Keys

from harness import App, Driver

ENTRY = "Hiến máu tình nguyện cứu người bệnh"
PROJECT = "Thắp sáng đường quê Hoàn Kiếm"
PERSON = "Trần Văn Đức"


def png(path: Path, w=64, h=48):
    """A small real PNG photo (red and gold stripes)."""
    raw = b"".join(
        b"\x00" + b"".join(bytes((200, 16, 46) if (x // 8) % 2 else (242, 183, 5)) for x in range(w))
        for _ in range(h)
    )

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return path


class DesktopApp(unittest.TestCase):
    driver: Driver
    app: App

    @classmethod
    def setUpClass(cls):
        cls.driver = Driver()
        cls.app = App(cls.driver)

    @classmethod
    def tearDownClass(cls):
        cls.app.quit()
        cls.driver.stop()

    def tearDown(self):
        self.app.failure_shot(self._testMethodName)

    def open_new(self, screen):
        a = self.app
        a.nav(screen)
        a.click('[data-testid="new"]')
        return a

    def save(self):
        self.app.click('[data-testid="save"]')

    # 1 -------------------------------------------------------------------------------
    def test_01_first_run_wizard(self):
        a = self.app
        a.text_appears("Chào mừng đến với Sổ Vàng")
        a.shot("01-wizard-language")
        a.click('[data-testid="next"]')
        a.type('[data-testid="unit-search"]', "hoan kiem")
        a.click('input[data-code="00070"]')
        a.text_appears("Phường Hoàn Kiếm")
        a.shot("02-wizard-unit")
        a.click('[data-testid="next"]')
        a.type('[data-testid="user-name"]', "Nguyễn Thị Minh Anh")
        a.click('[data-testid="finish"]')
        a.text_appears("Tổng quan năm")
        self.assertIn(
            "Phường Hoàn Kiếm", a.text_of("nav .brand"),
            "the app works for the unit chosen in the wizard",
        )
        a.shot("03-overview")

    # 2 -------------------------------------------------------------------------------
    def test_02_create_person(self):
        a = self.open_new("people")
        a.type('[data-testid="person-name"]', PERSON)
        a.type("#birth_date", "12/05/2001")
        self.save()
        a.text_appears("Đã lưu")
        a.wait(lambda: PERSON in a.text_of('[data-testid="rows"]'), message="the person in the list")
        a.shot("07-people")

    def test_03_create_golden_book_entry(self):
        a = self.open_new("entries")
        a.type('[data-testid="entry-title"]', ENTRY)
        a.type("#deed_date", "15/03/2026")
        a.type("#person_id", "tran van duc")
        a.wait(lambda: PERSON in a.text_of("#person_id-list"), message="the person offered in the picker")
        a.css("#person_id").send_keys(Keys.ENTER)
        a.click('input[data-code="tien_phong"]')
        a.type("#place", "Bệnh viện Bạch Mai")
        self.save()
        a.text_appears("Đã lưu")
        a.wait(lambda: ENTRY in a.text_of('[data-testid="rows"]'), message="the new entry in the Golden Book list")
        a.shot("04-golden-book")

    def test_04_find_entry_without_diacritics(self):
        a = self.app
        a.nav("overview")
        a.css("body").send_keys(Keys.CONTROL, "k")
        box = a.css('[data-testid="global-search"]')
        started = time.perf_counter()
        box.send_keys("hien mau tinh nguyen")
        a.wait(lambda: ENTRY in a.text_of('[data-testid="global-results"]'),
               message="the entry found by its title typed without diacritics")
        print(f"  search-as-you-type: results on screen {1000 * (time.perf_counter() - started):.0f} ms after typing", file=sys.stderr)
        a.shot("10-global-search")
        box.send_keys(Keys.ENTER)
        a.wait(lambda: a.css('[data-testid="entry-title"]').get_attribute("value") == ENTRY,
               message="Enter opens the found entry in its form")
        # The list's own search box finds it the same way.
        a.type('[data-testid="list-search"]', "benh vien bach mai")
        a.wait(lambda: ENTRY in a.text_of('[data-testid="rows"]'), message="list search over all words, folded")
        a.type('[data-testid="list-search"]', "")

    def test_05_edit_entry_and_unsaved_guard(self):
        a = self.app
        a.type("#place", "Viện Huyết học - Truyền máu Trung ương")
        a.click('[data-nav="projects"]')  # leaving with unsaved changes asks first
        a.text_appears("Bỏ các thay đổi chưa lưu?")
        a.shot("11-unsaved-guard")
        a.button("Ở lại để lưu").click()
        self.save()
        a.text_appears("Đã lưu")
        a.click('.editor button.secondary')  # history
        a.wait(lambda: "update" in a.text_of(".history"), message="the edit in the record's history")
        self.assertIn("Viện Huyết học", a.css("#place").get_attribute("value"))

    # 3 -------------------------------------------------------------------------------
    def test_06_project_dates_error_then_update_with_photo(self):
        a = self.open_new("projects")
        a.type('[data-testid="project-name"]', PROJECT)
        a.type("#start_date", "01/03/2026")
        a.type("#end_date", "01/02/2026")
        a.type("#budget_vnd", "15000000")
        self.assertEqual(a.css("#budget_vnd").get_attribute("value"), "15.000.000",
                         "amounts are shown with dot separators as they are typed")
        self.save()
        err = a.css('[data-field="end_date"] .error')
        self.assertIn("ngày bắt đầu", err.text.lower(),
                      "the core's end-before-start error shows next to the end date")
        a.shot("12-inline-error")
        a.type("#end_date", "30/06/2026")
        a.css("#status").send_keys("Đang")
        self.save()
        a.text_appears("Đã lưu")
        a.type("#u-date", "20/03/2026")
        a.type("#u-percent", "40")
        a.type("#u-note", "Đã lắp 20 cột đèn năng lượng mặt trời")
        a.click('[data-testid="add-update"]')
        a.wait(lambda: a.all('[data-testid="update"]'), message="the progress update in the timeline")
        photo = png(Path(tempfile.mkdtemp()) / "cot-den.png")
        inputs = a.all('[data-testid="update"] [data-testid="attach-input"]')
        inputs[0].send_keys(str(photo))
        a.wait(lambda: a.all('[data-testid="update"] .thumb img'), message="the photo's thumbnail on the update")
        a.wd.execute_script("arguments[0].scrollIntoView({block: 'end'})", a.css('[data-testid="update"]'))
        a.shot("05-projects")

    # 4 -------------------------------------------------------------------------------
    def test_07_nomination_with_six_criteria(self):
        a = self.open_new("nominations")
        a.type("#person_id", "duc")
        a.wait(lambda: PERSON in a.text_of("#person_id-list"), message="the nominee offered")
        a.css("#person_id").send_keys(Keys.ENTER)
        areas = a.all("textarea[data-criterion]")
        self.assertEqual(len(areas), 6, "one evidence box per criterion of the campaign")
        for i, area in enumerate(areas):
            area.send_keys(f"Minh chứng số {i + 1}: đạt giải cấp thành phố")
        a.all('[data-field="values"] input')[1].click()
        a.type("#entry_ids", "hien mau")
        a.wait(lambda: ENTRY in a.text_of("#entry_ids-list"), message="the entry offered as evidence")
        a.css("#entry_ids").send_keys(Keys.ENTER)
        self.save()
        a.text_appears("Đã lưu")
        a.text_appears("6/6 tiêu chí có minh chứng")
        a.shot("06-nominations")

    # 5 -------------------------------------------------------------------------------
    def test_08_delete_then_restore_from_trash(self):
        a = self.app
        a.nav("entries")
        a.wait(lambda: ENTRY in a.text_of('[data-testid="rows"]'), message="the entry listed")
        a.row(ENTRY).click()
        a.click('[data-testid="delete"]')
        a.text_appears("vào thùng rác")
        a.wait(lambda: ENTRY not in a.text_of('[data-testid="rows"]'), message="the deleted entry gone from the list")
        a.nav("trash")
        a.wait(lambda: ENTRY in a.text_of('[data-testid="rows"]'), message="the entry in the trash")
        a.row(ENTRY).click()
        a.shot("09-trash")
        a.click('[data-testid="restore"]')
        a.text_appears("Đã khôi phục")
        a.nav("entries")
        a.wait(lambda: ENTRY in a.text_of('[data-testid="rows"]'), message="the restored entry back in the list")

    def test_09_units_screen(self):
        a = self.app
        a.nav("units")
        a.text_appears("Phường Hoàn Kiếm")
        a.click('[data-testid="new"]')
        a.type("#name", "Chi đoàn Khu phố 3")
        self.save()
        a.text_appears("Đã lưu")
        a.wait(lambda: "Chi đoàn Khu phố 3" in a.text_of(".tree"), message="the new branch in the unit tree")
        a.shot("08-units")

    def test_10_overview_counts(self):
        a = self.app
        a.nav("overview")
        a.text_appears("Công trình theo trạng thái")
        a.shot("03-overview")

    # 6 -------------------------------------------------------------------------------
    def test_11_switch_to_english_and_back(self):
        a = self.app
        a.nav("settings")
        a.click('input[data-lang="en"]')
        a.text_appears("Settings")
        self.assertIn("Overview", a.text_of("nav"), "the navigation is in English")
        a.nav("projects")
        a.text_appears("Youth projects")
        a.shot("14-english")
        a.nav("settings")
        a.shot("13-settings-en")
        a.click('input[data-lang="vi"]')
        a.text_appears("Cài đặt")
        self.assertIn("Tổng quan", a.text_of("nav"), "the navigation is back in Vietnamese")
        a.shot("13-settings")

    def test_12_restart_keeps_everything(self):
        """Closing and reopening the app on the same data shows the same records."""
        cls = type(self)
        home = cls.app.home
        cls.app.quit()
        cls.app = App(cls.driver, home)
        a = cls.app
        a.text_appears("Tổng quan năm")
        a.nav("entries")
        a.wait(lambda: ENTRY in a.text_of('[data-testid="rows"]'), message="the entry after a restart")


if __name__ == "__main__":
    unittest.main(verbosity=2)
