"""Backups and erasure in the window. A ward backs up from Settings, adds a person, and
restores the backup: the person is gone and the state before is kept as a backup of its own.
A person is erased for good from the trash, after a confirmation; the erasure travels in the
next bundle, and the city's window no longer shows them. A last good backup more than a week
old is shown as a banner, until a backup is taken. Screenshots go to docs/screenshots/."""

import json
import tempfile
import unittest
from datetime import datetime, timedelta, timezone
from pathlib import Path

from harness import App, Driver, sovang
KEPT = "Trần Văn Giữ"
LATER = "Trần Văn Sau"
ERASED = "Phạm Thị Thanh Xuân"
PHONE = "0912345678"


class BackupsAndErasure(unittest.TestCase):
    driver: Driver

    @classmethod
    def setUpClass(cls):
        cls.driver = Driver()
        cls.ward = Path(tempfile.mkdtemp(prefix="sovang-ward-"))
        cls.city = Path(tempfile.mkdtemp(prefix="sovang-city-"))
        cls.bundles = Path(tempfile.mkdtemp(prefix="sovang-bundles-"))

    @classmethod
    def tearDownClass(cls):
        cls.driver.stop()

    def put_person(self, home, name, phone=None):
        body = {"full_name": name, "unit": "00070", "birth_date": "12/03/2001"}
        if phone:
            body["phone"] = phone
        return sovang(home, "put", "person", "--file", "-", stdin=json.dumps(body))["id"]

    def open(self, home):
        app = App(self.driver, home)
        self.addCleanup(app.quit)
        self.current = app
        return app

    def tearDown(self):
        self.current.failure_shot(self._testMethodName)

    def people(self, home):
        return sovang(home, "stats")["people"]

    def test_1_a_backup_made_and_restored_from_settings(self):
        sovang(self.ward, "--user", "Cán bộ Phường", "init", "--unit", "00070")
        sovang(self.city, "--user", "Cán bộ Thành đoàn", "init", "--unit", "01")
        sovang(self.ward, "backup", "settings", "--automatic", "off")
        self.put_person(self.ward, KEPT)
        a = self.open(self.ward)
        a.css('[data-nav="overview"]', timeout=20)
        self.assertEqual(a.all('[data-testid="backup-warning"]'), [], "a new installation is not warned yet")
        a.nav("settings")
        self.assertEqual(a.text_of('[data-testid="backup-last"]'), "Chưa có bản sao lưu nào.")
        a.click('[data-testid="backup-now"]')
        a.text_appears("Đã sao lưu xong", timeout=30)
        a.wait(lambda: len(a.all('[data-testid="backup-item"]')) == 1, message="the backup listed")
        self.assertIn("Sao lưu thủ công", a.text_of('[data-testid="backup-item"]'))
        self.assertRegex(a.text_of('[data-testid="backup-last"]'),
                         r"^Bản sao lưu tốt gần nhất: \d{2}/\d{2}/\d{4} \d{2}:\d{2}$")
        a.click('[data-testid="backup-verify"]')
        a.wait(lambda: "nguyên vẹn" in a.text_of('[data-testid="backup-note"]'), message="the check's result")
        self.put_person(self.ward, LATER)
        self.assertEqual(self.people(self.ward), 2)
        a.click('[data-testid="backup-restore"]')
        a.text_appears("Khôi phục bản sao lưu?")
        self.assertIn("Dữ liệu hiện tại được sao lưu trước", a.body())
        a.shot("40-backup-restore-confirm")
        a.click('[data-testid="backup-restore-confirm"]')
        a.text_appears("Đã khôi phục bản sao lưu lúc", timeout=30)
        a.wait(lambda: len(a.all('[data-testid="backup-item"]')) == 2, message="the state before, backed up")
        self.assertIn("Trước khi khôi phục", a.text_of('[data-testid="backups"]'))
        a.shot("41-backup-settings")
        a.nav("people")
        a.row(KEPT)
        self.assertNotIn(LATER, a.text_of('[data-testid="rows"]'), "the person added after the backup is gone")
        self.assertEqual(self.people(self.ward), 1)

    def test_2_a_person_erased_for_good_here_and_at_the_city(self):
        for frm, to in ((self.ward, self.city), (self.city, self.ward)):
            card = str(frm / "card.json")
            sovang(frm, "identity", "export", "--out", card)
            sovang(to, "trust", "add", card)
        person = self.put_person(self.ward, ERASED, PHONE)
        photo = self.ward / "anh-the.png"
        photo.write_bytes(b"\x89PNG\r\n\x1a\nanh-the-e2e")
        sovang(self.ward, "attach", "person", person, str(photo))
        up = str(self.bundles / "len-1.sovang")
        sovang(self.ward, "export", "--to", "01", "--out", up)
        sovang(self.city, "import", up)
        self.assertEqual(self.people(self.city), 2, "the city has both of the ward's people")

        a = self.open(self.ward)
        a.nav("people")
        a.row(ERASED).click()
        # The person asks for their data first: a zip with a workbook and their photo.
        a.click('[data-testid="export-person-data"]')
        a.text_appears("Đã ghi dữ liệu cá nhân (1 hồ sơ, 1 tệp)")
        zips = list((self.ward / "data").rglob("du-lieu-ca-nhan-*.zip"))
        self.assertEqual(len(zips), 1, "the zip is in the reports folder, named for what it is")
        self.assertNotIn("Xuân", zips[0].name, "not for whom")
        a.click('[data-testid="delete"]')
        a.text_appears("vào thùng rác")
        a.nav("trash")
        a.click('[data-kind="person"]')
        a.row(ERASED).click()
        a.click('[data-testid="purge"]')
        a.text_appears("Xoá vĩnh viễn?")
        self.assertIn("Không thể hoàn tác", a.body())
        a.shot("42-purge-confirm")
        a.click('[data-testid="purge-confirm"]')
        a.text_appears("Đã xoá vĩnh viễn 1 hồ sơ và 1 tệp")
        self.assertFalse(zips[0].exists(), "the person's exported data goes with them")
        # The backups from before are marked: restoring one erases them again.
        a.nav("settings")
        a.wait(lambda: a.all('[data-testid="backup-erased"]'), message="an older backup marked")
        self.assertIn("đã xoá vĩnh viễn sau bản này", a.text_of('[data-testid="backup-erased"]'))
        down = str(self.bundles / "len-2.sovang")
        sovang(self.ward, "export", "--to", "01", "--out", down)
        a.quit()

        c = self.open(self.city)
        c.nav("people")
        c.row(ERASED)
        c.nav("sync")
        c.click('[data-tab="import"]')
        c.all('[data-testid="bundle-input"]')[0].send_keys(down)
        c.css('[data-testid="report"]', timeout=30)
        c.click('[data-testid="import-apply"]')
        c.text_appears("Đã nhập.", timeout=30)
        c.nav("people")
        c.row(KEPT)
        self.assertNotIn(ERASED, c.text_of('[data-testid="rows"]'), "erased at the city too")
        c.shot("43-purge-reached-city")
        self.assertEqual(self.people(self.city), 1)
        raw = (self.city / "data" / "sovang.db").read_bytes()
        self.assertNotIn(ERASED.encode(), raw, "not in the city's database file")
        self.assertNotIn(PHONE.encode(), raw)

    def test_3_an_old_backup_is_warned_about(self):
        ten_days = (datetime.now(timezone.utc) - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        for manifest in (self.ward / "data" / "backups").glob("*/backup.json"):
            m = json.loads(manifest.read_text())
            m["created_at"] = ten_days
            manifest.write_text(json.dumps(m))
        a = self.open(self.ward)
        banner = a.css('[data-testid="backup-warning"]', timeout=20)
        self.assertIn("đã quá 7 ngày", banner.text)
        self.assertIn("Cài đặt → Sao lưu", banner.text)
        a.shot("44-backup-warning")
        a.nav("settings")
        a.click('[data-testid="backup-now"]')
        a.text_appears("Đã sao lưu xong", timeout=30)
        a.wait(lambda: a.all('[data-testid="backup-warning"]') == [], message="the banner gone after a backup")


if __name__ == "__main__":
    unittest.main(verbosity=2)
