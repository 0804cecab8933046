"""Committee review on four installations, through their windows: a ward submits two
nominations; the city's chair sets up a committee of three (a committee without a chair is
refused first) whose two members score on their own PCs, takes both nominations into review,
scores them and sends a bundle to each member's PC from the Sync screen, picking the
installation by its key. The first member scores blind (not even the chair's sheet is on its
PC), the chair passes the sheets on, and only then does the member's window show the chair's
sheet. The chair reopens its own submitted sheet with a reason, decides in the window (approve
one, return the other with feedback); the second member, who had not heard of the decision,
scores, and its sheet reaches the chair late: shown as such, the mean unchanged. The ward sees
"approved" and "returned" with the feedback. Bundles the window does not make move with the
`sovang` command line. Screenshots go to docs/screenshots/."""

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
CHAIR, UY, HOI = "Nguyễn Văn Chủ", "Trần Thị Ủy", "Phạm Văn Hội"


def cli(home: Path, *args, stdin=None):
    out = subprocess.run([str(SOVANG), "--data-dir", str(home / "data"), "--json", *args],
                         input=stdin, capture_output=True, text=True, check=False)
    assert out.returncode == 0, f"sovang {' '.join(args)}: {out.stderr}"
    return json.loads(out.stdout) if out.stdout.strip() else None


def receive(dst: Path, bundle) -> dict:
    """Imports a bundle on `dst`; a normal bundle imports with no rejection and nothing held."""
    report = cli(dst, "import", str(bundle))[0]
    assert report["error"] is None and report["rejected"] == 0 and report["held"] == 0, report
    return report


def send(src: Path, dst: Path, to: str) -> dict:
    bundle = src / f"to-{dst.name}-{to}.sovang"
    cli(src, "export", "--out", str(bundle), "--to", to)
    return receive(dst, bundle)


class FourInstallations(unittest.TestCase):
    driver: Driver

    @classmethod
    def setUpClass(cls):
        cls.driver = Driver()
        cls.ward, cls.chair, cls.uy, cls.hoi = (Path(tempfile.mkdtemp(prefix=f"sovang-{n}-"))
                                                for n in ("ward", "chair", "uy", "hoi"))
        cli(cls.ward, "init", "--unit", "00070")
        for home in (cls.chair, cls.uy, cls.hoi):
            cli(home, "init", "--unit", "01")
        cards = {}
        for home in (cls.ward, cls.chair, cls.uy, cls.hoi):
            card = home / "card.json"
            cards[home] = cli(home, "identity", "export", "--out", str(card))["fingerprint"]
        for a in (cls.ward, cls.uy, cls.hoi):
            cli(a, "trust", "add", str(cls.chair / "card.json"))
            cli(cls.chair, "trust", "add", str(a / "card.json"))
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
        a.wait(lambda: name in a.text_of('[data-testid="review-detail"] h2'), message=f"{name} opened")

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
        # Submitted is final: the sheet is shown read-only, saying who may reopen it.
        a.wait(lambda: "Chỉ chủ tịch hội đồng mới mở lại được" in a.text_of('[data-testid="my-sheet"]'),
               message="the submitted sheet shown as final")
        self.assertEqual(a.all('[data-testid="submit-scores"]'), [], "no way to submit again")

    def others(self, a) -> str:
        return " ".join(a.text_of('[data-testid="other-scores"]').split()) if a.all('[data-testid="other-scores"]') else ""

    def scores_here(self, home, name) -> list:
        """The sheets of a nomination held on an installation (its member sees every one it holds
        once its own is submitted), by member name."""
        committee = cli(home, "review", "committees")[0]["id"]
        nomination = next(r["nomination_id"] for r in cli(home, "review", "results", "--committee", committee)[0]["rows"]
                          if r["title"].startswith(name))
        return sorted(s["member_name"] for s in cli(home, "review", "scores", nomination, "--committee", committee))

    def export_from_window(self, a, fingerprint) -> str:
        """Makes a bundle on the Sync screen for one installation, picked by its key."""
        a.nav("sync")
        a.click('[data-tab="export"]')
        choice = a.css(f'[data-testid="export-to"] option[value="{fingerprint}"]')
        short = "-".join(fingerprint.split("-")[:3])
        self.assertIn(f"Thành phố Hà Nội: máy {short}…", choice.text, "offered by unit and short key")
        Select(a.css('[data-testid="export-to"]')).select_by_value(fingerprint)
        a.click('[data-testid="export-run"]')
        a.wait(lambda: "Dành cho 1 máy được tin cậy." in a.text_of('[data-testid="export-result"]'),
               timeout=30, message="a bundle made for that one installation")
        return a.text_of('[data-testid="export-file"]')

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
        for _ in range(3):
            a.click('[data-testid="add-member"]')
        rows = a.all('[data-field="members"] tbody tr')
        for row, name, home in zip(rows, (CHAIR, UY, HOI), (self.chair, self.uy, self.hoi)):
            row.find_element("css selector", "input").send_keys(name)
            Select(row.find_elements("css selector", "select")[1]).select_by_value(self.cards[home])
        self.assertIn("Máy này (Thành phố Hà Nội)", rows[0].get_property("textContent"),
                      "this computer is offered by name, the members' by their trusted keys")
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

    def test_3_chair_takes_them_into_review_scores_and_sends_to_each_member(self):
        a = self.open(self.chair)
        for name in (HA, BINH):
            self.open_row(a, name)
            a.click('[data-testid="start-review"]')
            a.text_appears("Đề cử đã được đưa vào xét chọn.")
        self.open_row(a, HA)
        a.text_appears("Cứu người đuối nước ở hồ Tây")
        self.score(a, 5)
        a.shot("22-review-scoring")
        self.open_row(a, BINH)
        self.score(a, 4)
        # Two members of one unit on two PCs: each gets the whole bundle (remembered per PC).
        for member in (self.uy, self.hoi):
            report = receive(member, self.export_from_window(a, self.cards[member]))
            self.assertGreater(report["created"], 0, "the second member's bundle is not empty")

    def test_4_member_scores_blind(self):
        a = self.open(self.uy)
        row = self.review_row(a, HA)
        self.assertIn("Ẩn đến khi bạn gửi phiếu", row.text, "blind: no mean before scoring")
        self.open_row(a, HA)
        self.assertEqual(self.others(a), "", "no other scores shown")
        self.score(a, 3)
        self.assertEqual(self.others(a), "", "the chair's sheet has not come: only its own went out")
        self.assertEqual(self.scores_here(self.uy, HA), [UY], "not even the database holds the others' sheets")
        send(self.uy, self.chair, "01")

    def test_5_chair_passes_the_sheets_on_reopens_its_own_and_decides(self):
        a = self.open(self.chair)
        row = self.review_row(a, HA)
        self.assertIn("24,00", row.text, "mean of 30 and 18")
        self.assertTrue(row.text.strip().startswith("1"), "ranked first")
        a.shot("24-review-results")
        for member in (self.uy, self.hoi):
            send(self.chair, member, self.cards[member])
        # The chair's own submitted sheet is final too, until the chair reopens it with a reason.
        self.open_row(a, BINH)
        a.css('[data-testid="sheet-final"]')
        a.click('[data-testid="my-sheet"] [data-testid="reopen-sheet"]')
        a.type('[data-testid="reopen-sheet-reason"]', "Chấm nhầm tiêu chí Kỹ năng thành thạo")
        a.click('[data-testid="reopen-sheet-confirm"]')
        a.text_appears(f"Đã mở lại phiếu của {CHAIR}.")
        a.wait(lambda: "đã mở lại phiếu này" in a.text_of('[data-testid="score-sheet"]'), message="the sheet open again")
        self.score(a, 3)

        self.open_row(a, HA)
        a.type('[data-testid="votes-for"]', "2")
        a.type('[data-testid="decision-number"]', "12/QĐ-HĐXC")
        a.type('[data-testid="decision-date"]', "25/11/2026")
        a.click('[data-testid="record-decision"]')
        a.css('[data-testid="decision-in-force"]')
        self.assertIn("12/QĐ-HĐXC", a.text_of('[data-testid="decision-in-force"]'))
        self.assertIn("2 phiếu, điểm TB 24,00", a.text_of('[data-testid="decided-on"]'), "the result it was taken on")
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

    def test_6_member_sees_the_others_only_after_its_own_went_in(self):
        a = self.open(self.uy)
        self.open_row(a, HA)
        a.wait(lambda: f"{CHAIR}: Tổng: 30" in self.others(a), message="the chair's sheet, passed on")
        self.assertNotIn(HOI, self.others(a), "the other member has not scored")
        a.shot("23-review-member")

    def test_7_second_member_scores_before_hearing_of_the_decision(self):
        a = self.open(self.hoi)
        row = self.review_row(a, HA)
        self.assertIn("Đang xét chọn", row.text, "the decision has not reached this PC")
        self.assertIn("Ẩn đến khi bạn gửi phiếu", row.text)
        self.open_row(a, HA)
        self.score(a, 4)
        self.assertEqual(self.others(a), "", "the sheets the chair passed on did not include this member")
        self.assertEqual(self.scores_here(self.hoi, HA), [HOI],
                         "blind by the data: the others' sheets never reached a member who had not scored")
        send(self.hoi, self.chair, "01")

    def test_8_chair_sees_the_late_sheet_without_changing_the_mean(self):
        a = self.open(self.chair)
        row = self.review_row(a, HA)
        self.assertIn("24,00", row.text, "the late sheet (24) changes nothing: the decision's mean stands")
        self.assertIn("*", row.text, "marked as the decision's figures")
        a.css('[data-testid="decided-note"]')
        self.open_row(a, HA)
        late = next(li for li in a.all('[data-testid="other-scores"] li') if HOI in li.text)
        self.assertIn("Tổng: 24", late.text)
        self.assertIn("nộp sau quyết định (không tính)", late.text)
        self.assertNotIn("nộp sau", next(li.text for li in a.all('[data-testid="other-scores"] li') if UY in li.text))
        self.assertIn("2 phiếu, điểm TB 24,00", a.text_of('[data-testid="decided-on"]'))
        # The ranking, the late sheet and the result the decision was taken on, in one view.
        a.wd.execute_script("arguments[0].scrollIntoView({block: 'end'})", a.css('[data-testid="decided-on"]'))
        a.shot("27-review-late-sheet")
        send(self.chair, self.ward, "00070")

    def test_9_ward_sees_the_result_and_the_feedback(self):
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
