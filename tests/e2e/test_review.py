"""Committee review across three installations, through their windows: a ward submits two
nominations; the city's chair sets up the committee in the window (a committee without a chair
is refused first), takes both nominations into review and scores one; a member scores it on
their own installation (blind until then); the chair sees the mean, approves one and returns
the other with feedback, and exports the ranking; the ward sees "approved" and "returned"
with the feedback. Bundles move with the `sovang` command line (the sync screens have their
own test). Screenshots go to docs/screenshots/."""

import json
import subprocess
import tempfile
import unittest
from pathlib import Path

from selenium.webdriver.support.ui import Select

from harness import App, Driver, ROOT

SOVANG = ROOT / "target" / "debug" / "sovang"
CAMPAIGN = "01856685-0800-7000-8000-000020232027"
HA = "Lê Thị Thu Hà"
BINH = "Trần Văn Bình"
FEEDBACK = "Bổ sung minh chứng cho tiêu chí Sức khỏe dồi dào"
COMMITTEE = "Hội đồng xét chọn Thành phố 2026"


def cli(home: Path, *args, stdin=None):
    out = subprocess.run([str(SOVANG), "--data-dir", str(home / "data"), "--json", *args],
                         input=stdin, capture_output=True, text=True, check=False)
    assert out.returncode == 0, f"sovang {' '.join(args)}: {out.stderr}"
    return json.loads(out.stdout) if out.stdout.strip() else None


def send(src: Path, dst: Path, to: str):
    bundle = src / f"to-{to}.sovang"
    cli(src, "export", "--out", str(bundle), "--to", to)
    report = cli(dst, "import", str(bundle))[0]
    assert report["error"] is None and report["rejected"] == 0, report


class ThreeInstallations(unittest.TestCase):
    driver: Driver

    @classmethod
    def setUpClass(cls):
        cls.driver = Driver()
        cls.ward, cls.chair, cls.member = (Path(tempfile.mkdtemp(prefix=f"sovang-{n}-")) for n in ("ward", "chair", "member"))
        cli(cls.ward, "init", "--unit", "00070")
        cli(cls.chair, "init", "--unit", "01")
        cli(cls.member, "init", "--unit", "01")
        cards = {}
        for home in (cls.ward, cls.chair, cls.member):
            card = home / "card.json"
            cards[home] = cli(home, "identity", "export", "--out", str(card))["fingerprint"]
        for a, b in ((cls.ward, cls.chair), (cls.member, cls.chair)):
            cli(a, "trust", "add", str(b / "card.json"))
            cli(b, "trust", "add", str(a / "card.json"))
        cls.cards = cards
        for name, evidence in ((HA, "Cứu người đuối nước ở hồ Tây"), (BINH, "Hiến máu tình nguyện 12 lần")):
            p = cli(cls.ward, "put", "person", "--file", "-", stdin=json.dumps({"full_name": name, "unit": "00070"}))
            cli(cls.ward, "put", "nomination", "--file", "-", stdin=json.dumps({
                "campaign_id": CAMPAIGN, "unit": "00070", "person_id": p["id"], "year": 2026,
                "category": "cong_dong", "evidence": {"ban_linh": evidence}}))

    @classmethod
    def tearDownClass(cls):
        cls.driver.stop()

    def open(self, home):
        app = App(self.driver, home)
        self.addCleanup(app.quit)
        self.current = app
        app.text_appears("Tổng quan năm")
        return app

    def tearDown(self):
        self.current.failure_shot(self._testMethodName)

    def nomination(self, a, name):
        a.nav("nominations")
        a.row(name).click()
        return a.css('[data-testid="review-status"]')

    def open_row(self, a, name):
        """Opens a nomination from the ranking by its name (a person clicks the name)."""
        self.review_row(a, name).find_element("css selector", "button.link").click()
        a.css('[data-testid="review-detail"]')

    def review_row(self, a, name):
        a.nav("review")
        a.css('[data-testid="ranking"]')
        a.wait(lambda: name in a.text_of('[data-testid="ranking"]'), message=f"{name} in the ranking")
        for r in a.all('[data-testid="ranking"] tbody tr'):
            if name in (r.get_property("textContent") or ""):
                return r
        raise AssertionError(name)

    def score(self, a, points):
        for el in a.all('[data-testid="score-sheet"] input[data-criterion]'):
            el.clear()
            el.send_keys(str(points))
        a.click('[data-testid="submit-scores"]')
        a.text_appears("Đã gửi phiếu chấm.")

    def test_1_ward_submits(self):
        a = self.open(self.ward)
        for name in (HA, BINH):
            status = self.nomination(a, name)
            self.assertEqual(status.text, "Nháp")
            a.click('[data-testid="submit-nomination"]')
            a.wait(lambda: a.text_of('[data-testid="review-status"]') == "Đã nộp", message="submitted")
            a.wait(lambda: "Đã nộp" in (a.row(name).get_property("textContent") or ""), message="the list shows it submitted")
        a.text_appears("không sửa được")
        a.shot("21-review-submitted")
        send(self.ward, self.chair, "01")

    def test_2_chair_sets_up_the_committee(self):
        a = self.open(self.chair)
        a.nav("review")
        a.css('[data-testid="no-committee"]')
        a.click('[data-testid="new-committee"]')
        a.type("#name", COMMITTEE)
        for _ in range(2):
            a.click('[data-testid="add-member"]')
        rows = a.all('[data-field="members"] tbody tr')
        for row, name, fingerprint in ((rows[0], "Nguyễn Văn Chủ", self.cards[self.chair]),
                                       (rows[1], "Trần Thị Ủy", self.cards[self.member])):
            row.find_element("css selector", "input").send_keys(name)
            Select(row.find_elements("css selector", "select")[1]).select_by_value(fingerprint)
        self.assertIn("Máy này (Thành phố Hà Nội)", rows[0].get_property("textContent"),
                      "this computer is offered by name, the member's by its trusted key")
        Select(rows[0].find_elements("css selector", "select")[0]).select_by_value("member")
        a.type("#quorum", "2")
        a.click('[data-testid="save"]')
        a.text_appears("phải có đúng một chủ tịch")  # no chair: refused, the form stays open with the reason
        self.assertEqual(cli(self.chair, "list", "committee")["items"], [], "nothing saved")
        Select(rows[0].find_elements("css selector", "select")[0]).select_by_value("chair")
        a.shot("21b-committee-setup")
        a.click('[data-testid="save"]')
        a.wait(lambda: COMMITTEE in a.body(), message="the new committee is shown")
        a.css('[data-testid="edit-committee"]')
        saved = cli(self.chair, "list", "committee")["items"]
        self.assertEqual(len(saved), 1, "one committee saved")

    def test_3_chair_takes_them_into_review_and_scores_one(self):
        a = self.open(self.chair)
        for name in (HA, BINH):
            self.open_row(a, name)
            a.click('[data-testid="start-review"]')
            a.text_appears("Đề cử đã được đưa vào xét chọn.")
        self.open_row(a, HA)
        a.text_appears("Cứu người đuối nước ở hồ Tây")
        self.score(a, 5)
        a.shot("22-review-scoring")
        send(self.chair, self.member, "01")

    def test_4_member_scores_blind_then_sees_the_others(self):
        a = self.open(self.member)
        row = self.review_row(a, HA)
        self.assertIn("Ẩn đến khi bạn gửi phiếu", row.text, "blind: no mean before scoring")
        self.open_row(a, HA)
        self.assertEqual(a.all('[data-testid="other-scores"]'), [], "no other scores shown yet")
        self.score(a, 3)
        a.wait(lambda: "Nguyễn Văn Chủ: Tổng: 30" in a.text_of('[data-testid="other-scores"]'),
               message="the chair's total once the member submitted")
        a.shot("23-review-member")
        send(self.member, self.chair, "01")

    def test_5_chair_decides_and_exports_the_ranking(self):
        a = self.open(self.chair)
        row = self.review_row(a, HA)
        self.assertIn("24,00", row.text, "mean of 30 and 18")
        self.assertTrue(row.text.strip().startswith("1"), "ranked first")
        a.shot("24-review-results")
        self.open_row(a, HA)
        a.type('[data-testid="votes-for"]', "2")
        a.type('[data-testid="decision-number"]', "12/QĐ-HĐXC")
        a.type('[data-testid="decision-date"]', "25/11/2026")
        a.click('[data-testid="record-decision"]')
        a.css('[data-testid="decision-in-force"]')
        self.assertIn("12/QĐ-HĐXC", a.text_of('[data-testid="decision-in-force"]'))
        a.css('[data-testid="reopen"]')
        self.assertEqual(a.all('[data-testid="forward"]'), [], "the city has no level above to forward to")
        a.shot("25-review-decision")
        self.open_row(a, BINH)
        a.css('[data-testid="outcome"]').send_keys("Trả lại")
        a.type('[data-testid="votes-for"]', "1")
        a.click('[data-testid="record-decision"]')
        a.text_appears("Chưa đủ số thành viên biểu quyết tối thiểu")
        a.type('[data-testid="votes-for"]', "2")
        a.type('[data-testid="decision-number"]', "13/QĐ-HĐXC")
        a.type('[data-testid="decision-date"]', "25/11/2026")
        a.type('[data-testid="decision-feedback"]', FEEDBACK)
        a.click('[data-testid="record-decision"]')
        a.css('[data-testid="decision-in-force"]')
        a.click('[data-testid="export-ranking"]')
        path = a.text_of('[data-testid="ranking-file"]')
        self.assertTrue(Path(path).is_file() and path.endswith(".xlsx"), path)
        send(self.chair, self.ward, "00070")

    def test_6_ward_sees_the_result_and_the_feedback(self):
        a = self.open(self.ward)
        self.assertEqual(self.nomination(a, HA).text, "Được chọn")
        steps = a.text_of('[data-testid="review-state"] .review-steps')
        for s in ("Nháp → Đã nộp", "Đã nộp → Đang xét chọn", "Đang xét chọn → Được chọn"):
            self.assertIn(s, steps)
        self.assertEqual(self.nomination(a, BINH).text, "Trả lại để bổ sung")
        self.assertIn(FEEDBACK, a.text_of('[data-testid="review-feedback"]'))
        a.css('[data-testid="submit-nomination"]')
        rows = {n: a.row(n).get_property("textContent") for n in (HA, BINH)}
        self.assertIn("Được chọn", rows[HA], "the list shows the review's status")
        self.assertIn("Trả lại để bổ sung", rows[BINH])
        a.shot("26-review-returned")
        a.click('[data-testid="export-dossier"]')
        dossier = a.text_of('[data-testid="dossier-file"]')
        self.assertTrue(Path(dossier).is_file() and dossier.endswith(".pdf"), dossier)
        self.assertGreater(Path(dossier).stat().st_size, 10_000, "a PDF with its fonts embedded")


if __name__ == "__main__":
    unittest.main(verbosity=2)
