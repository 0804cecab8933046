//! A committee whose members score on separate PCs: a ward, a city chair and two members on
//! four installations. Bundles go to installations (not units), sheets are signed by their
//! members and passed on by the chair, a member sees the others' sheets only after its own
//! reached the chair, a submitted sheet is final, and a decision fixes its result.

mod common;

use std::path::Path;

use common::{
    export_to, fingerprint_of, fixture, id, nominate, person, points, trust_both, Fixture,
};
use serde_json::json;
use sovang_core::records::PRESET_CAMPAIGN_ID;
use sovang_core::store::{ExportOptions, ImportOptions, ImportReport};
use sovang_core::{Code, Kind, Store};

/// Imports a bundle that must go in whole: no rejection, nothing held.
fn import_clean(to: &mut Store, file: &Path) -> ImportReport {
    let r = to.import_bundle(file, ImportOptions::default(), &mut |_| {});
    assert!(r.error.is_none(), "import failed: {:?}", r.error);
    assert_eq!(
        r.rejected, 0,
        "a normal bundle imports with no rejection: {:?}",
        r.rejections
    );
    assert_eq!(
        r.held, 0,
        "nothing may wait for a record that never comes: {r:?}"
    );
    r
}

fn fingerprint(s: &Store) -> String {
    fingerprint_of(s)
}

/// Four installations: the ward that nominates, the city's chair and two members.
struct Committee {
    ward: Fixture,
    chair: Fixture,
    m1: Fixture,
    m2: Fixture,
    tmp: tempfile::TempDir,
}

fn four_installations() -> Committee {
    let mut ward = fixture("00070");
    let mut chair = fixture("01");
    let mut m1 = fixture("01");
    let mut m2 = fixture("01");
    trust_both(&mut ward.store, &mut chair.store);
    trust_both(&mut m1.store, &mut chair.store);
    trust_both(&mut m2.store, &mut chair.store);
    Committee {
        ward,
        chair,
        m1,
        m2,
        tmp: tempfile::tempdir().unwrap(),
    }
}

#[test]
fn what_was_sent_is_remembered_per_installation_not_per_unit() {
    let mut c = four_installations();
    let p = person(&mut c.chair.store, "Nguyễn Văn Thành Đoàn", "01");
    let dir = c.tmp.path().to_owned();
    let m1_key = fingerprint(&c.m1.store);
    let m2_key = fingerprint(&c.m2.store);

    let (b1, r1) = export_to(&mut c.chair.store, &dir, "to-m1", &m1_key);
    assert_eq!(
        r1.destination.as_deref(),
        Some("01"),
        "the unit the key speaks for"
    );
    assert_eq!(r1.recipients, std::slice::from_ref(&m1_key));
    import_clean(&mut c.m1.store, &b1);
    let (b2, r2) = export_to(&mut c.chair.store, &dir, "to-m2", &m2_key);
    assert!(
        r2.records > 0,
        "the second member of the same unit still gets everything: {r2:?}"
    );
    import_clean(&mut c.m2.store, &b2);
    assert!(c.m2.store.get(Kind::Person, &p).is_ok());

    // A bundle for the unit goes to every trusted installation of it: nothing new now.
    let (_, r3) = export_to(&mut c.chair.store, &dir, "to-01", "01");
    assert_eq!(
        r3.records, 0,
        "both installations of unit 01 have it all: {r3:?}"
    );
    let recipients = r3.recipients.clone();
    assert!(
        [m1_key, m2_key].iter().all(|k| recipients.contains(k)),
        "a unit code names each of its trusted installations: {recipients:?}"
    );

    let bad = c.chair.store.export_bundle(
        &dir.join("nobody.sovang"),
        &ExportOptions {
            to: Some("12345-67890".into()),
            full: false,
            ..Default::default()
        },
        &mut |_| {},
    );
    assert_eq!(
        bad.map(|_| ()).unwrap_err().code,
        Code::UnknownDestination,
        "a fingerprint nobody trusts is no destination"
    );
    assert!(!dir.join("nobody.sovang").exists());
}

/// The ward's nomination, submitted and received by the chair; the city's committee (the
/// chair and both members, quorum 2, blind) in review, known on all three city PCs.
struct InReview {
    c: Committee,
    nomination: String,
    committee: String,
}

fn in_review() -> InReview {
    let mut c = four_installations();
    let dir = c.tmp.path().to_owned();
    let w = &mut c.ward.store;
    let p = person(w, "Lê Thị Thu Hà", "00070");
    let n = nominate(w, "00070", &p, "Cứu người đuối nước ở hồ Tây");
    w.submit(&n).unwrap();
    let (b, _) = export_to(w, &dir, "ward-up", "01");
    import_clean(&mut c.chair.store, &b);
    let members = json!([
        {"id": "chu-tich", "name": "Nguyễn Văn Chủ", "role": "chair", "fingerprint": fingerprint(&c.chair.store)},
        {"id": "uy-vien-1", "name": "Trần Thị Một", "fingerprint": fingerprint(&c.m1.store)},
        {"id": "uy-vien-2", "name": "Phạm Văn Hai", "fingerprint": fingerprint(&c.m2.store)}]);
    let committee = c
        .chair
        .store
        .put(
            Kind::Committee,
            json!({"name": "Hội đồng xét chọn Thành phố 2026", "unit": "01",
                "campaign_id": PRESET_CAMPAIGN_ID, "year": 2026, "quorum": 2, "members": members}),
        )
        .unwrap();
    c.chair.store.start_review(&n).unwrap();
    for (name, m) in [("c-m1", &mut c.m1), ("c-m2", &mut c.m2)] {
        let key = fingerprint(&m.store);
        let (b, _) = export_to(&mut c.chair.store, &dir, name, &key);
        import_clean(&mut m.store, &b);
    }
    InReview {
        c,
        nomination: n,
        committee: id(&committee),
    }
}

/// Member 1 submits 5 on every criterion and sends its sheet to the chair.
fn member_1_scores_for_the_chair(c: &mut Committee, k: &str, n: &str) {
    c.m1.store.score(k, n, points(5)).unwrap();
    let (b, _) = export_to(&mut c.m1.store, c.tmp.path(), "m1-up", "01");
    import_clean(&mut c.chair.store, &b);
}

/// Score sheets stored on an installation, whoever may see them: what a look into the
/// database file would find.
fn sheets_in_file(s: &Store) -> i64 {
    s.connection()
        .query_row("SELECT count(*) FROM scores", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn members_on_separate_pcs_get_the_others_sheets_from_the_chair_only_after_their_own() {
    let InReview {
        mut c,
        nomination: n,
        committee: k,
    } = in_review();
    let dir = c.tmp.path().to_owned();
    let (m1_key, m2_key) = (fingerprint(&c.m1.store), fingerprint(&c.m2.store));

    c.m1.store.score(&k, &n, points(5)).unwrap();
    let (b, _) = export_to(&mut c.m1.store, &dir, "m1-up", "01");
    import_clean(&mut c.chair.store, &b);
    let (b, _) = export_to(&mut c.chair.store, &dir, "c-m2-a", &m2_key);
    import_clean(&mut c.m2.store, &b);
    assert_eq!(
        sheets_in_file(&c.m2.store),
        0,
        "blind scoring: member 2's database holds no other sheet before its own is in"
    );

    c.m2.store.score(&k, &n, points(3)).unwrap();
    let (b, _) = export_to(&mut c.m2.store, &dir, "m2-up", "01");
    import_clean(&mut c.chair.store, &b);
    let (b, _) = export_to(&mut c.chair.store, &dir, "c-m2-b", &m2_key);
    import_clean(&mut c.m2.store, &b);
    let (b, _) = export_to(&mut c.chair.store, &dir, "c-m1-b", &m1_key);
    import_clean(&mut c.m1.store, &b);
    for (who, s) in [("member 1", &c.m1.store), ("member 2", &c.m2.store)] {
        let seen: Vec<String> = s
            .scores(&k, &n)
            .unwrap()
            .into_iter()
            .map(|v| v.member_id)
            .collect();
        assert_eq!(
            seen.len(),
            2,
            "{who} sees both members' sheets, passed on by the chair: {seen:?}"
        );
    }
    let res = c.m1.store.results(&k).unwrap();
    assert_eq!(
        res.rows[0].mean,
        Some(24.0),
        "(6×5 + 6×3) / 2 on member 1's PC"
    );
}

#[test]
fn a_submitted_sheet_is_final_until_the_chair_reopens_it() {
    let InReview {
        mut c,
        nomination: n,
        committee: k,
    } = in_review();
    let dir = c.tmp.path().to_owned();
    let m1_key = fingerprint(&c.m1.store);
    let can = |s: &Store| s.results(&k).unwrap().rows[0].can;
    assert!(can(&c.m1.store).score, "in review, a member may score");
    c.m1.store.score(&k, &n, points(5)).unwrap();
    assert!(
        !can(&c.m1.store).score,
        "the core tells the window a submitted sheet cannot be changed"
    );
    let again = c.m1.store.score(&k, &n, points(1)).unwrap_err();
    assert_eq!(again.code, Code::SheetFinal, "{again:?}");
    let (b, _) = export_to(&mut c.m1.store, &dir, "m1-up", "01");
    import_clean(&mut c.chair.store, &b);

    // The chair has not scored yet: blind, it is shown no sheet; the sheet's id is member 1's.
    let sheet = c.m1.store.scores(&k, &n).unwrap()[0].id.clone();
    let no_reason = c.chair.store.reopen_sheet(&sheet, "  ").unwrap_err();
    assert_eq!(no_reason.code, Code::Required);
    let not_chair = c.m1.store.reopen_sheet(&sheet, "Tự mở").unwrap_err();
    assert_eq!(
        not_chair.code,
        Code::NotAMember,
        "only the chair reopens a sheet"
    );
    c.chair
        .store
        .reopen_sheet(&sheet, "Ủy viên chấm nhầm tiêu chí Sức khỏe")
        .unwrap();
    let (b, _) = export_to(&mut c.chair.store, &dir, "c-m1", &m1_key);
    import_clean(&mut c.m1.store, &b);
    assert!(
        can(&c.m1.store).score,
        "reopened, the sheet may change once more"
    );
    assert!(c.m1.store.scores(&k, &n).unwrap()[0].open);
    let fixed = c.m1.store.score(&k, &n, points(4)).unwrap();
    assert_eq!(
        fixed.total,
        Some(24.0),
        "the reopened sheet takes one change"
    );
    assert_eq!(
        c.m1.store.score(&k, &n, points(2)).unwrap_err().code,
        Code::SheetFinal,
        "submitted again, it is final again"
    );
    let (b, _) = export_to(&mut c.m1.store, &dir, "m1-up-2", "01");
    import_clean(&mut c.chair.store, &b);
    let at_chair = c.chair.store.get(Kind::Score, &sheet).unwrap();
    assert_eq!(at_chair["data"]["points"]["ban_linh"], 4);
    let history = c.chair.store.history(&sheet).unwrap();
    assert!(
        history.iter().any(|h| h.changes.get("reopened").is_some()),
        "the reopening is logged in the sheet's history: {history:?}"
    );
}

#[test]
fn a_decision_fixes_its_result_and_a_later_sheet_changes_nothing() {
    let InReview {
        mut c,
        nomination: n,
        committee: k,
    } = in_review();
    let dir = c.tmp.path().to_owned();
    member_1_scores_for_the_chair(&mut c, &k, &n);
    c.chair.store.score(&k, &n, points(3)).unwrap();
    let chair_can = c.chair.store.results(&k).unwrap().rows[0].can;
    let member_can = c.m1.store.results(&k).unwrap().rows[0].can;
    assert!(chair_can.decide && chair_can.reopen_sheets && !chair_can.reopen_decision);
    assert!(
        !member_can.decide && !member_can.reopen_sheets,
        "only the chair decides"
    );
    let d = c
        .chair
        .store
        .decide(
            &k,
            &n,
            sovang_core::store::DecisionInput {
                outcome: sovang_core::records::ReviewStatus::Approved,
                votes_for: 2,
                votes_against: 0,
                votes_abstaining: 0,
                number: "12/QĐ-HĐXC".into(),
                date: "20/11/2026".into(),
                feedback: None,
            },
        )
        .unwrap();
    assert_eq!(d["data"]["result"]["mean"], 24.0, "taken on (30 + 18) / 2");
    // Member 2 had not heard of the decision and submits afterwards.
    c.m2.store.score(&k, &n, points(1)).unwrap();
    let (b, _) = export_to(&mut c.m2.store, &dir, "m2-up", "01");
    import_clean(&mut c.chair.store, &b);
    let row = c.chair.store.results(&k).unwrap().rows[0].clone();
    assert_eq!(
        (row.mean, row.counted, row.decided),
        (Some(24.0), 2, true),
        "a sheet arriving after the decision changes neither mean nor count: {row:?}"
    );
    let late: Vec<&str> = row
        .members
        .iter()
        .filter(|m| m.late)
        .map(|m| m.member_id.as_str())
        .collect();
    assert_eq!(
        late,
        ["uy-vien-2"],
        "the late sheet is kept and shown as late"
    );
}

#[test]
fn a_bundle_made_for_one_member_is_refused_by_another_and_a_bundle_for_anyone_carries_no_sheet() {
    let InReview {
        mut c,
        nomination: n,
        committee: k,
    } = in_review();
    let dir = c.tmp.path().to_owned();
    member_1_scores_for_the_chair(&mut c, &k, &n);

    let m1_key = fingerprint(&c.m1.store);
    let (for_m1, _) = export_to(&mut c.chair.store, &dir, "for-m1", &m1_key);
    let r =
        c.m2.store
            .import_bundle(&for_m1, ImportOptions::default(), &mut |_| {});
    assert_eq!(
        r.error.map(|e| e.code),
        Some(Code::BundleNotForHere),
        "member 2 must not read the bundle made for member 1"
    );

    let anyone = dir.join("anyone.sovang");
    let opts = ExportOptions {
        to: None,
        full: true,
        ..Default::default()
    };
    let r = c
        .chair
        .store
        .export_bundle(&anyone, &opts, &mut |_| {})
        .unwrap();
    assert_eq!(
        r.counts.get("score"),
        None,
        "a bundle for anyone carries no member's sheet of a blind committee: {r:?}"
    );
}
