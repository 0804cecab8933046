//! Attacks on committee review through bundles, by a trusted but hostile (or buggy)
//! installation: a unit-01 PC that is not the chair, a relay, a ward, a member. Each test
//! states what must hold; each failed on the import as it was before its rule was added.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{
    fingerprint_of, fixture, id, person, points, trust_both, version_at, Fixture, Forger,
    FIXTURE_MS,
};
use serde_json::{json, Value};
use sovang_core::records::PRESET_CAMPAIGN_ID;
use sovang_core::store::{DecisionInput, ImportOptions, ImportReport, ScoreInput};
use sovang_core::sync::seal::{self, Seal};
use sovang_core::sync::wire::{from_row, WireRecord, RECORD_COLUMNS};
use sovang_core::{Kind, Store};

const EVIL: &str = "00000000000000cc";

fn import(to: &mut Store, file: &Path) -> ImportReport {
    let r = to.import_bundle(file, ImportOptions::default(), &mut |_| {});
    assert!(r.error.is_none(), "import failed: {:?}", r.error);
    r
}

fn fingerprint(s: &Store) -> String {
    fingerprint_of(s)
}

/// A bundle for `to`, its path.
fn export_for(from: &mut Store, dir: &Path, name: &str, to: &str) -> PathBuf {
    common::export_to(from, dir, name, to).0
}

struct Review {
    ward: Fixture,
    chair: Fixture,
    m1: Fixture,
    m2: Fixture,
    tmp: tempfile::TempDir,
    n: String,
    k: String,
}

/// The ward's nomination in review by the city's committee (chair, `uy-vien-1` scoring with
/// `member1`'s key or m1's, `uy-vien-2` on m2; quorum 2, blind), known on the three city PCs.
fn in_review(member1: Option<String>) -> Review {
    let mut ward = fixture("00070");
    let mut chair = fixture("01");
    let mut m1 = fixture("01");
    let mut m2 = fixture("01");
    trust_both(&mut ward.store, &mut chair.store);
    trust_both(&mut m1.store, &mut chair.store);
    trust_both(&mut m2.store, &mut chair.store);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_owned();
    let w = &mut ward.store;
    let p = person(w, "Lê Thị Thu Hà", "00070");
    let n = w
        .put(
            Kind::Nomination,
            json!({"campaign_id": PRESET_CAMPAIGN_ID, "unit": "00070", "person_id": p,
                "year": 2026, "category": "cong_dong",
                "evidence": {"ban_linh": "Cứu người đuối nước ở hồ Tây"}, "values": ["tien_phong"]}),
        )
        .unwrap();
    let n = id(&n);
    w.submit(&n).unwrap();
    let b = export_for(w, &dir, "ward-up", "01");
    import(&mut chair.store, &b);
    let member1 = member1.unwrap_or_else(|| fingerprint(&m1.store));
    let members = json!([
        {"id": "chu-tich", "name": "Nguyễn Văn Chủ", "role": "chair", "fingerprint": fingerprint(&chair.store)},
        {"id": "uy-vien-1", "name": "Trần Thị Một", "fingerprint": member1},
        {"id": "uy-vien-2", "name": "Phạm Văn Hai", "fingerprint": fingerprint(&m2.store)}]);
    let k = chair
        .store
        .put(
            Kind::Committee,
            json!({"name": "Hội đồng xét chọn Thành phố 2026", "unit": "01",
                "campaign_id": PRESET_CAMPAIGN_ID, "year": 2026, "quorum": 2, "members": members}),
        )
        .unwrap();
    chair.store.start_review(&n).unwrap();
    for (name, m) in [("c-m1", &mut m1), ("c-m2", &mut m2)] {
        let key = fingerprint(&m.store);
        let b = export_for(&mut chair.store, &dir, name, &key);
        import(&mut m.store, &b);
    }
    Review {
        ward,
        chair,
        m1,
        m2,
        tmp,
        n,
        k: id(&k),
    }
}

/// A stored record as it travels.
fn wire(s: &Store, kind: Kind, id: &str) -> WireRecord {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM {} WHERE id = ?1",
        kind.table()
    );
    s.connection().query_row(&sql, [id], from_row).unwrap()
}

fn line(r: &WireRecord) -> String {
    serde_json::to_string(r).unwrap() + "\n"
}

/// `rec` moved to the trash at `version`, its seal untouched.
fn trashed(mut rec: WireRecord, version: &str) -> String {
    rec.deleted_at = Some("2026-11-26T09:00:00.000Z".into());
    rec.deleted_by = Some("Máy lạ".into());
    rec.versions.insert("deleted".into(), version.into());
    line(&rec)
}

/// A new record of `kind`, every field at `version`, sealed by `f`'s key.
fn sealed_line(f: &Forger, kind: Kind, id: &str, unit: &str, body: Value, version: &str) -> String {
    let mut map = body.as_object().unwrap().clone();
    let versions: BTreeMap<String, String> = map
        .keys()
        .cloned()
        .chain(["deleted".to_string()])
        .map(|k| (k, version.to_owned()))
        .collect();
    let content = seal::content(kind.name(), id, version, &map, &versions);
    let s = Seal::sign(&f.key, &f.unit, &content);
    map.insert("seal".into(), serde_json::to_value(s).unwrap());
    f.line(id, unit, Value::Object(map), version)
}

/// A decision approving `n` and the status change naming it, sealed by `f`.
fn approval(f: &Forger, n: &str, committee: &str, chair_id: &str, version: &str) -> [String; 2] {
    let d = "01900000-0000-7000-8000-0000000f0001";
    let decision = json!({"committee_id": committee, "nomination_id": n, "unit": "01",
        "year": 2026, "outcome": "approved", "votes_for": 2, "votes_against": 0,
        "votes_abstaining": 0, "number": "99/QĐ-GIẢ", "date": "2026-11-20", "chair_id": chair_id});
    let step = json!({"nomination_id": n, "unit": "01", "year": 2026, "from": "in_review",
        "to": "approved", "committee_id": committee, "decision_id": d});
    [
        sealed_line(f, Kind::Decision, d, "01", decision, version),
        sealed_line(
            f,
            Kind::Transition,
            "01900000-0000-7000-8000-0000000f0002",
            "01",
            step,
            version,
        ),
    ]
}

/// apply.rs judge_decision / judge_step: a decision or step naming a committee that is not
/// here is checked only for "some valid seal", even on a PC that knows the real committee.
/// Any trusted unit-01 PC (not the chair, not even a member) approves the nomination.
#[test]
fn a_decision_naming_an_unknown_committee_does_not_pass_where_the_committee_is_known() {
    let mut r = in_review(None);
    let f = Forger::new(51, "01");
    f.trusted_by(&mut r.chair.store);
    let v = version_at(FIXTURE_MS + 60_000, EVIL);
    let [d, t] = approval(&f, &r.n, "01900000-0000-7000-8000-0000000fffff", "gia", &v);
    let b = f.bundle(
        r.tmp.path(),
        "bogus",
        &[("decision", d), ("transition", t)],
        &[],
    );
    let rep = import(&mut r.chair.store, &b);
    assert_eq!(
        r.chair.store.review_status(&r.n).unwrap(),
        "in_review",
        "only the committee's chair decides: {rep:?}"
    );
}

/// review.rs checks seals against the committee as stored here, but nothing guards the
/// committee record itself: any unit-01 PC rewrites the chair's key and then seals decisions.
#[test]
fn a_unit_pc_cannot_make_itself_the_chair_by_rewriting_the_committee() {
    let mut r = in_review(None);
    let f = Forger::new(52, "01");
    f.trusted_by(&mut r.m2.store);
    let v = version_at(FIXTURE_MS + 60_000, EVIL);
    let mut c = wire(&r.m2.store, Kind::Committee, &r.k);
    c.body["members"][0]["fingerprint"] = json!(f.fingerprint());
    c.versions.insert("members".into(), v.clone());
    let [d, t] = approval(&f, &r.n, &r.k, "chu-tich", &v);
    let b = f.bundle(
        r.tmp.path(),
        "coup",
        &[("committee", line(&c)), ("decision", d), ("transition", t)],
        &[],
    );
    let rep = import(&mut r.m2.store, &b);
    assert_eq!(
        r.m2.store.review_status(&r.n).unwrap(),
        "in_review",
        "a committee change not sealed by its chair must not hand over the chair: {rep:?}"
    );
}

/// seal.rs UNCOVERED leaves `deleted` out of the seal, and the import lets a tombstone of a
/// score, decision or status change through (a local delete of them is refused:
/// write.rs review_steps_only). Any unit-01 PC (or a relaying chair) erases a member's
/// submitted sheet and the chair's decision, and the status goes back to in_review.
#[test]
fn sealed_review_records_cannot_be_trashed_on_the_way() {
    let mut r = in_review(None);
    let dir = r.tmp.path().to_owned();
    r.m1.store.score(&r.k, &r.n, points(5)).unwrap();
    let b = export_for(&mut r.m1.store, &dir, "m1-up", "01");
    import(&mut r.chair.store, &b);
    r.chair.store.score(&r.k, &r.n, points(3)).unwrap();
    let d = r
        .chair
        .store
        .decide(
            &r.k,
            &r.n,
            DecisionInput {
                outcome: sovang_core::records::ReviewStatus::Approved,
                votes_for: 2,
                number: "12/QĐ-HĐXC".into(),
                date: "20/11/2026".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let step = r.chair.store.status_history(&r.n).unwrap().pop().unwrap();
    let sheet: String = r
        .chair
        .store
        .connection()
        .query_row(
            "SELECT id FROM scores WHERE body ->> '$.member_id' = 'uy-vien-1'",
            [],
            |x| x.get(0),
        )
        .unwrap();
    let f = Forger::new(53, "01");
    f.trusted_by(&mut r.chair.store);
    let v = version_at(FIXTURE_MS + 60_000, EVIL);
    let b = f.bundle(
        &dir,
        "trash",
        &[
            (
                "score",
                trashed(wire(&r.chair.store, Kind::Score, &sheet), &v),
            ),
            (
                "decision",
                trashed(wire(&r.chair.store, Kind::Decision, &id(&d)), &v),
            ),
            (
                "transition",
                trashed(wire(&r.chair.store, Kind::Transition, &step.id), &v),
            ),
        ],
        &[],
    );
    let rep = import(&mut r.chair.store, &b);
    let live: i64 = r
        .chair
        .store
        .connection()
        .query_row(
            "SELECT count(*) FROM scores WHERE deleted_at IS NULL",
            [],
            |x| x.get(0),
        )
        .unwrap();
    assert_eq!(
        (r.chair.store.review_status(&r.n).unwrap().as_str(), live),
        ("approved", 2),
        "the decision, its step and member 1's sheet stay: {rep:?}"
    );
}

/// review.rs judge_step: a step of the nominating unit needs no seal, and the seal a merged
/// record keeps is never checked again. The ward (or any PC above it) sends its own submit
/// step again without its seal and with another `submitted` snapshot: what the committee
/// judges and the dossier prints is rewritten after submission, and the stored seal no
/// longer matches (so a copy relayed on is refused elsewhere).
#[test]
fn what_was_submitted_cannot_be_rewritten_by_resending_the_submit_step_unsealed() {
    let mut r = in_review(None);
    let f = Forger::new(54, "00070");
    f.trusted_by(&mut r.chair.store);
    let submit = r.chair.store.status_history(&r.n).unwrap()[0].id.clone();
    let mut t = wire(&r.chair.store, Kind::Transition, &submit);
    assert!(t.body.contains_key("seal"), "the ward sealed its step");
    t.body.remove("seal");
    t.versions.remove("seal");
    t.body["submitted"]["evidence"]["ban_linh"] = json!("Bản viết lại sau khi nộp");
    let v = version_at(FIXTURE_MS + 60_000, EVIL);
    t.versions.insert("submitted".into(), v);
    let b = f.bundle(r.tmp.path(), "rewrite", &[("transition", line(&t))], &[]);
    let rep = import(&mut r.chair.store, &b);
    let got = r.chair.store.submitted_version(&r.n).unwrap().unwrap();
    assert_eq!(
        got["evidence"]["ban_linh"], "Cứu người đuối nước ở hồ Tây",
        "the submitted version is sealed and final: {rep:?}"
    );
    drop(r.ward);
}

/// export.rs BlindSheets::may_see counts a recusal that was never submitted as "own sheet
/// in": a member recuses without submitting, receives every other sheet, then withdraws the
/// recusal (the sheet is still open) and scores knowing the others'.
#[test]
fn an_unsubmitted_recusal_does_not_unlock_the_other_sheets() {
    let mut r = in_review(None);
    let dir = r.tmp.path().to_owned();
    let m2_key = fingerprint(&r.m2.store);
    r.m1.store.score(&r.k, &r.n, points(5)).unwrap();
    let b = export_for(&mut r.m1.store, &dir, "m1-up", "01");
    import(&mut r.chair.store, &b);
    let peek = ScoreInput {
        recusal: Some("Tạm rút để xem".into()),
        submit: false,
        ..Default::default()
    };
    r.m2.store.score(&r.k, &r.n, peek).unwrap();
    let b = export_for(&mut r.m2.store, &dir, "m2-up", "01");
    import(&mut r.chair.store, &b);
    let b = export_for(&mut r.chair.store, &dir, "c-m2", &m2_key);
    import(&mut r.m2.store, &b);
    let others: i64 =
        r.m2.store
            .connection()
            .query_row(
                "SELECT count(*) FROM scores WHERE body ->> '$.member_id' != 'uy-vien-2'",
                [],
                |x| x.get(0),
            )
            .unwrap();
    // And the recusal can be withdrawn: the sheet was never submitted.
    r.m2.store.score(&r.k, &r.n, points(5)).unwrap();
    assert_eq!(
        others, 0,
        "member 2's database holds member 1's sheet before member 2 scored"
    );
}

/// A sheet state sealed by `f` with per-field versions.
fn sheet_state(
    f: &Forger,
    id: &str,
    created: &str,
    body: Value,
    versions: &[(&str, &str)],
    sealed_at: &str,
) -> String {
    let mut map = body.as_object().unwrap().clone();
    let mut vs: BTreeMap<String, String> = versions
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    vs.insert("deleted".into(), created.into());
    let content = seal::content("score", id, created, &map, &vs);
    map.insert(
        "seal".into(),
        serde_json::to_value(Seal::sign(&f.key, &f.unit, &content)).unwrap(),
    );
    vs.insert("seal".into(), sealed_at.into());
    json!({"id": id, "unit": "01", "created_at": "2026-11-26T08:00:00.000Z",
        "created_by": "Ủy viên", "created_hlc": created, "updated_at": "2026-11-26T08:00:00.000Z",
        "updated_by": "Ủy viên", "body": map, "versions": vs})
    .to_string()
        + "\n"
}

/// import/review.rs judge_sheet judges the incoming state by its seal's version, but the
/// merge is per field and the merged record's seal is never checked. Two states forked from
/// one sheet by its (hostile or buggy) member: the chair gets them in one order and refuses
/// the second (SheetFinal); member 2 gets them in the other order and keeps both, merged
/// under a seal that no longer matches. Having received the same bundles, they differ.
#[test]
fn a_forked_sheet_ends_the_same_on_every_installation() {
    let f = Forger::new(55, "01");
    let mut r = in_review(Some(f.fingerprint()));
    f.trusted_by(&mut r.chair.store);
    f.trusted_by(&mut r.m2.store);
    let sheet = "01900000-0000-7000-8000-0000000f0101";
    let (v1, v3, v4) = (
        version_at(FIXTURE_MS + 10_000, EVIL),
        version_at(FIXTURE_MS + 30_000, EVIL),
        version_at(FIXTURE_MS + 40_000, EVIL),
    );
    let pts = |n: i64| json!({"ban_linh": n, "tri_thuc": n, "ung_xu": n, "tuan_thu": n, "suc_khoe": n, "ky_nang": n});
    let body = |p: i64, comments: Value, submitted: bool| {
        json!({"committee_id": r.k, "nomination_id": r.n, "member_id": "uy-vien-1", "unit": "01",
            "year": 2026, "points": pts(p), "comments": comments, "recused": false,
            "submitted": submitted})
    };
    let fields = |points: &str, comments: &str, submitted: &str| {
        vec![
            ("committee_id", v1.clone()),
            ("nomination_id", v1.clone()),
            ("member_id", v1.clone()),
            ("unit", v1.clone()),
            ("year", v1.clone()),
            ("recused", v1.clone()),
            ("points", points.to_owned()),
            ("comments", comments.to_owned()),
            ("submitted", submitted.to_owned()),
        ]
    };
    let mk = |b: Value, fs: Vec<(&'static str, String)>, at: &str| {
        let refs: Vec<(&str, &str)> = fs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        sheet_state(&f, sheet, &v1, b, &refs, at)
    };
    let a = mk(body(3, json!({}), false), fields(&v1, &v1, &v1), &v1);
    let b = mk(body(5, json!({}), true), fields(&v3, &v1, &v3), &v3);
    let c = mk(
        body(3, json!({"ban_linh": "ghi chú sau"}), false),
        fields(&v1, &v4, &v1),
        &v4,
    );
    let dir = r.tmp.path().to_owned();
    let ba = f.bundle(&dir, "a", &[("score", a)], &[]);
    let bb = f.bundle(&dir, "b", &[("score", b)], &[]);
    let bc = f.bundle(&dir, "c", &[("score", c)], &[]);
    for file in [&ba, &bb, &bc] {
        import(&mut r.chair.store, file);
    }
    for file in [&ba, &bc, &bb] {
        import(&mut r.m2.store, file);
    }
    let at_chair = wire(&r.chair.store, Kind::Score, sheet);
    let at_m2 = wire(&r.m2.store, Kind::Score, sheet);
    assert_eq!(
        at_chair.body, at_m2.body,
        "the same bundles, in another order, must give the same sheet"
    );
}

/// review.rs named_committee: a second committee of the same unit, campaign and year, set up
/// by another unit-01 PC that names itself chair, cannot take over the review: only the first
/// committee set up decides.
#[test]
fn a_later_committee_of_the_same_unit_cannot_take_over_a_review() {
    let mut r = in_review(None);
    let f = Forger::new(53, "01");
    f.trusted_by(&mut r.chair.store);
    let v = version_at(FIXTURE_MS + 60_000, EVIL);
    let second = "01ffffff-0000-7000-8000-0000000f0c01";
    let committee = f.line(
        second,
        "01",
        json!({"name": "Hội đồng thứ hai", "unit": "01", "campaign_id": PRESET_CAMPAIGN_ID,
            "year": 2026, "quorum": 1,
            "members": [{"id": "gia", "name": "Chủ tịch giả", "role": "chair",
                "fingerprint": f.fingerprint()},
                {"id": "phu", "name": "Ủy viên giả", "fingerprint": f.fingerprint()}]}),
        &v,
    );
    let [d, t] = approval(&f, &r.n, second, "gia", &v);
    let b = f.bundle(
        r.tmp.path(),
        "takeover",
        &[("committee", committee), ("decision", d), ("transition", t)],
        &[],
    );
    let rep = import(&mut r.chair.store, &b);
    assert!(
        r.chair.store.get(Kind::Committee, second).is_ok(),
        "the second committee itself may be set up: {rep:?}"
    );
    assert_eq!(
        r.chair.store.review_status(&r.n).unwrap(),
        "in_review",
        "the first committee reviews; a later one's decision is refused: {rep:?}"
    );
}
