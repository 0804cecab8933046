//! Committee review across installations: a ward submits, the city's committee takes the
//! nomination into review, two members score on their own installations (blind), the chair
//! decides with a quorum, reopens, returns it with feedback, and the ward sees it returned,
//! edits and submits again. Bad steps are refused with their own codes and change nothing.

mod common;

use std::path::{Path, PathBuf};

use common::{fixture, id, person, Fixture};
use serde_json::json;
use sovang_core::records::PRESET_CAMPAIGN_ID;
use sovang_core::store::{DecisionInput, ExportOptions, ImportOptions, ScoreInput};
use sovang_core::{Code, Kind, Store};

fn exchange(from: &mut Store, to: &mut Store, dir: &Path, name: &str, dest: &str) -> PathBuf {
    let out = dir.join(format!("{name}.sovang"));
    let opts = ExportOptions {
        to: Some(dest.into()),
        full: false,
        ..Default::default()
    };
    from.export_bundle(&out, &opts, &mut |_| {}).unwrap();
    let r = to.import_bundle(&out, ImportOptions::default(), &mut |_| {});
    assert!(r.error.is_none(), "import failed: {:?}", r.error);
    assert_eq!(r.rejected, 0, "nothing may be rejected: {:?}", r.rejections);
    assert_eq!(r.held, 0, "nothing may wait for a record that never comes");
    out
}

fn trust_both(a: &mut Store, b: &mut Store) {
    a.trust_add(&b.identity().unwrap()).unwrap();
    b.trust_add(&a.identity().unwrap()).unwrap();
}

struct Review {
    ward: Fixture,
    chair: Fixture,
    member: Fixture,
    tmp: tempfile::TempDir,
    committee: String,
    nomination: String,
}

fn points(n: i64) -> ScoreInput {
    let mut input = ScoreInput {
        submit: true,
        ..Default::default()
    };
    for c in [
        "ban_linh", "tri_thuc", "ung_xu", "tuan_thu", "suc_khoe", "ky_nang",
    ] {
        input.points.insert(c.into(), n);
    }
    input
}

fn decision(outcome: &str, votes: (u32, u32, u32)) -> DecisionInput {
    DecisionInput {
        outcome: sovang_core::records::ReviewStatus::parse(outcome).expect("an outcome"),
        votes_for: votes.0,
        votes_against: votes.1,
        votes_abstaining: votes.2,
        number: "12/QĐ-HĐXC".into(),
        date: "20/11/2026".into(),
        feedback: None,
    }
}

/// A ward with a submitted nomination, a city chair and a city member who trust each other,
/// and the city's committee (chair + member, quorum 2, blind) known to both city machines.
fn review() -> Review {
    let mut ward = fixture("00070");
    let mut chair = fixture("01");
    let mut member = fixture("01");
    trust_both(&mut ward.store, &mut chair.store);
    trust_both(&mut member.store, &mut chair.store);
    let tmp = tempfile::tempdir().unwrap();

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
    let nomination = id(&n);
    let submitted = w.submit(&nomination).unwrap();
    assert_eq!(
        (submitted.from.as_str(), submitted.to.as_str()),
        ("draft", "submitted")
    );

    let chair_key = chair.store.identity().unwrap().fingerprint;
    let member_key = member.store.identity().unwrap().fingerprint;
    let c = chair
        .store
        .put(
            Kind::Committee,
            json!({"name": "Hội đồng xét chọn Thành phố 2026", "unit": "01",
                "campaign_id": PRESET_CAMPAIGN_ID, "year": 2026, "quorum": 2,
                "members": [
                    {"id": "chu-tich", "name": "Nguyễn Văn Chủ", "role": "chair", "fingerprint": chair_key},
                    {"id": "uy-vien", "name": "Trần Thị Ủy", "fingerprint": member_key}]}),
        )
        .unwrap();
    let mut r = Review {
        ward,
        chair,
        member,
        tmp,
        committee: id(&c),
        nomination,
    };
    exchange(
        &mut r.ward.store,
        &mut r.chair.store,
        r.tmp.path(),
        "w1",
        "01",
    );
    r
}

#[test]
fn a_nomination_goes_from_ward_to_committee_and_back_with_every_step_recorded() {
    let mut r = review();
    let (n, c) = (r.nomination.clone(), r.committee.clone());
    let dir = r.tmp.path().to_owned();
    assert_eq!(r.chair.store.review_status(&n).unwrap(), "submitted");

    // Submitted: read-only for the ward.
    let locked = r
        .ward
        .store
        .put(
            Kind::Nomination,
            json!({"id": n, "summary": "sửa sau khi nộp"}),
        )
        .unwrap_err();
    assert_eq!(
        locked.code,
        Code::NominationLocked,
        "a submitted nomination is read-only"
    );

    // Scoring before review is refused; the committee takes it into review.
    let early = r.chair.store.score(&c, &n, points(4)).unwrap_err();
    assert_eq!(
        early.code,
        Code::NotReviewing,
        "no scores before the review starts"
    );
    r.chair.store.start_review(&n).unwrap();
    exchange(&mut r.chair.store, &mut r.member.store, &dir, "c1", "01");

    // The member scores on their own machine; blind until their own is submitted.
    let mut draft = points(3);
    draft.submit = false;
    r.member.store.score(&c, &n, draft).unwrap();
    let out = r.member.store.score(&c, &n, {
        let mut p = points(9);
        p.submit = false;
        p
    });
    assert_eq!(
        out.unwrap_err().code,
        Code::ScoreOutOfScale,
        "5 is the top of the scale"
    );
    r.chair.store.score(&c, &n, points(5)).unwrap();
    exchange(&mut r.chair.store, &mut r.member.store, &dir, "c2", "01");
    let seen = r.member.store.scores(&c, &n).unwrap();
    assert_eq!(seen.len(), 1, "blind: the member has only their own draft");
    assert_eq!(seen[0].member_id, "uy-vien");
    r.member.store.score(&c, &n, points(3)).unwrap();
    exchange(&mut r.member.store, &mut r.chair.store, &dir, "m1", "01");
    exchange(&mut r.chair.store, &mut r.member.store, &dir, "c2b", "01");
    assert_eq!(
        r.member.store.scores(&c, &n).unwrap().len(),
        2,
        "once their own sheet reached the chair, the member receives the others'"
    );

    // A sheet carries its member's seal: relayed by the chair, it is still the member's own.
    let mut observer = fixture("01");
    trust_both(&mut observer.store, &mut r.chair.store);
    let relay = dir.join("relay.sovang");
    let to_city = ExportOptions {
        to: Some(observer.store.identity().unwrap().fingerprint),
        full: true,
        ..Default::default()
    };
    r.chair
        .store
        .export_bundle(&relay, &to_city, &mut |_| {})
        .unwrap();
    let got = observer
        .store
        .import_bundle(&relay, ImportOptions::default(), &mut |_| {});
    assert_eq!(
        got.rejected, 0,
        "the member's sheet, passed on by the chair, keeps its member's seal: {:?}",
        got.rejections
    );
    assert_eq!(observer.store.scores(&c, &n).unwrap().len(), 2);
    let forged = r
        .chair
        .store
        .put(Kind::Score, json!({"committee_id": c, "nomination_id": n}))
        .unwrap_err();
    assert_eq!(
        forged.code,
        Code::InvalidArgument,
        "scores are written only by `score`"
    );

    // Results: weighted totals 30 and 18, mean 24, median 24, rank 1.
    let res = r.chair.store.results(&c).unwrap();
    assert_eq!(res.rows.len(), 1);
    let row = &res.rows[0];
    assert_eq!(row.counted, 2, "both members submitted and none recused");
    assert_eq!(row.mean, Some(24.0), "(6×5 + 6×3) / 2");
    assert_eq!(row.median, Some(24.0));
    assert_eq!(row.rank, Some(1));
    assert_eq!(res.max_total, 30.0, "six criteria × weight 1 × top score 5");
    assert_eq!(res.total_rows, 1, "the whole ranking counts its rows");
    let empty_page = r.chair.store.results_page(&c, 0).unwrap();
    assert!(
        empty_page.rows.is_empty() && empty_page.total_rows == 1,
        "a page holds at most its limit, and still says how many rows there are"
    );

    // Decisions need the quorum; approved locks the nomination.
    let short = r
        .chair
        .store
        .decide(&c, &n, decision("approved", (1, 0, 0)))
        .unwrap_err();
    assert_eq!(
        short.code,
        Code::DecisionQuorum,
        "one vote is below the quorum of two"
    );
    let d = r
        .chair
        .store
        .decide(&c, &n, decision("approved", (2, 0, 0)))
        .unwrap();
    assert_eq!(r.chair.store.review_status(&n).unwrap(), "approved");
    assert_eq!(
        r.chair.store.results(&c).unwrap().rows[0].status,
        "approved",
        "results worked out before a change are not shown after it"
    );
    let after = r.chair.store.score(&c, &n, points(1)).unwrap_err();
    assert_eq!(
        after.code,
        Code::NotReviewing,
        "a decided nomination is locked"
    );
    let again = r
        .chair
        .store
        .decide(&c, &n, decision("rejected", (0, 2, 0)))
        .unwrap_err();
    assert_eq!(
        again.code,
        Code::NotReviewing,
        "a second decision needs a reopening"
    );

    // Reopening is explicit and logged; then the committee returns it with feedback.
    let empty = r.chair.store.reopen(&id(&d), " ").unwrap_err();
    assert_eq!(empty.code, Code::Required, "a reopening needs its reason");
    r.chair
        .store
        .reopen(&id(&d), "Phát hiện thêm thông tin cần xác minh")
        .unwrap();
    assert_eq!(r.chair.store.review_status(&n).unwrap(), "in_review");
    let other = Store::open(r.chair.dir.path(), r.chair.clock.clone()).unwrap();
    assert_eq!(
        other.results(&c).unwrap().rows[0].status,
        "in_review",
        "another connection sees the reopening"
    );
    r.chair.store.results(&c).unwrap();
    other
        .connection()
        .execute(
            "UPDATE nominations SET title = 'Đổi tên' WHERE id = ?1",
            [&n],
        )
        .unwrap();
    assert_eq!(
        r.chair.store.results(&c).unwrap().rows[0].title,
        "Đổi tên",
        "a change committed by another connection (the CLI beside the app) is seen at once"
    );
    let mut back = decision("returned", (2, 0, 0));
    back.number = "13/QĐ-HĐXC".into();
    let no_feedback = r.chair.store.decide(&c, &n, back.clone()).unwrap_err();
    assert_eq!(
        no_feedback.field.as_deref(),
        Some("feedback"),
        "returning needs feedback"
    );
    back.feedback = Some("Bổ sung minh chứng cho tiêu chí Sức khỏe dồi dào".into());
    r.chair.store.decide(&c, &n, back).unwrap();

    // The ward receives it as returned, with the feedback; edits and submits again.
    exchange(&mut r.chair.store, &mut r.ward.store, &dir, "c3", "00070");
    assert_eq!(r.ward.store.review_status(&n).unwrap(), "returned");
    for table in ["scores", "committees"] {
        let n: i64 = r
            .ward
            .store
            .connection()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |x| x.get(0))
            .unwrap();
        assert_eq!(
            n, 0,
            "the committee's {table} never travel down to the ward"
        );
    }
    let decisions: i64 = r
        .ward
        .store
        .connection()
        .query_row("SELECT count(*) FROM decisions", [], |x| x.get(0))
        .unwrap();
    assert_eq!(
        decisions, 2,
        "the decisions (approved then reopened, returned) do"
    );
    let h = r.ward.store.status_history(&n).unwrap();
    let last = h.last().unwrap();
    assert_eq!(last.to, "returned");
    assert_eq!(
        last.reason.as_deref(),
        Some("Bổ sung minh chứng cho tiêu chí Sức khỏe dồi dào"),
        "the ward sees the committee's feedback"
    );
    r.ward
        .store
        .put(
            Kind::Nomination,
            json!({"id": n, "evidence": {"ban_linh": "Cứu người đuối nước ở hồ Tây",
                "suc_khoe": "Hoàn thành giải chạy Marathon Hà Nội 2026"}}),
        )
        .unwrap();
    r.ward.store.submit(&n).unwrap();
    let steps: Vec<(String, String)> = r
        .ward
        .store
        .status_history(&n)
        .unwrap()
        .into_iter()
        .map(|s| (s.from.to_string(), s.to.to_string()))
        .collect();
    let expected = [
        ("draft", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "approved"),
        ("approved", "in_review"),
        ("in_review", "returned"),
        ("returned", "submitted"),
    ];
    assert_eq!(
        steps,
        expected.map(|(a, b)| (a.to_string(), b.to_string())),
        "every step is a history row, in order, on the ward's side too"
    );
    let firsts: Vec<_> = r
        .ward
        .store
        .connection()
        .prepare("SELECT body ->> '$.submitted.evidence.suc_khoe' FROM transitions WHERE body ->> '$.to' = 'submitted' ORDER BY created_hlc")
        .unwrap()
        .query_map([], |row| row.get::<_, Option<String>>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        firsts,
        [
            None,
            Some("Hoàn thành giải chạy Marathon Hà Nội 2026".to_string())
        ],
        "each submitted version is kept as it was"
    );
}

#[test]
fn steps_out_of_order_and_outsiders_are_refused_and_change_nothing() {
    let mut r = review();
    let (n, c) = (r.nomination.clone(), r.committee.clone());
    let before = r.chair.store.status_history(&n).unwrap().len();

    let twice = r.ward.store.submit(&n).unwrap_err();
    assert_eq!(
        twice.code,
        Code::TransitionRefused,
        "submitted → submitted is no step"
    );
    assert!(
        twice.message.vi.contains("submitted → submitted"),
        "the message names the step: {}",
        twice.message.vi
    );
    let ward_review = r.ward.store.start_review(&n).unwrap_err();
    assert_eq!(
        ward_review.code,
        Code::NotAMember,
        "a ward installation has no committee to review with"
    );
    let forward = r.chair.store.forward(&n, None).unwrap_err();
    assert_eq!(
        forward.code,
        Code::TransitionRefused,
        "only an approved nomination moves on"
    );

    r.chair.store.start_review(&n).unwrap();
    // The ward's machine is no member: it cannot score or decide.
    let outsider = r.ward.store.score(&c, &n, points(5));
    assert!(
        outsider.is_err(),
        "a ward cannot score for the city's committee"
    );
    // Only the chair decides.
    let dir = r.tmp.path().to_owned();
    exchange(&mut r.chair.store, &mut r.member.store, &dir, "c1", "01");
    let not_chair = r
        .member
        .store
        .decide(&c, &n, decision("approved", (2, 0, 0)))
        .unwrap_err();
    assert_eq!(
        not_chair.code,
        Code::NotAMember,
        "a member who is not the chair cannot decide"
    );
    // Recusal needs a reason, and then counts in no total.
    let recusal = ScoreInput {
        recusal: Some("Là người thân của người được đề cử".into()),
        submit: true,
        ..Default::default()
    };
    let s = r.member.store.score(&c, &n, recusal).unwrap();
    assert!(s.recused && s.total.is_none(), "a recusal has no total");
    let incomplete = {
        let mut p = points(4);
        p.points.remove("ky_nang");
        p
    };
    let e = r.chair.store.score(&c, &n, incomplete).unwrap_err();
    assert_eq!(
        e.code,
        Code::ScoresIncomplete,
        "submitting needs every criterion"
    );
    assert!(
        e.message.vi.contains("ky_nang"),
        "the message names what is missing"
    );

    assert_eq!(
        r.chair.store.status_history(&n).unwrap().len(),
        before + 1,
        "refused steps wrote nothing: only the start of the review was added"
    );
}

#[test]
fn a_ward_cannot_decide_its_own_nomination_by_bundle() {
    use ed25519_dalek::SigningKey;
    use sovang_core::sync::bundle::{raw_manifest, write_raw};
    use sovang_core::sync::identity::{fingerprint, UnitCard, CARD_FORMAT};

    let mut r = review();
    let n = r.nomination.clone();
    // A second key of the ward (a new PC), trusted by the city, signs a made-up approval: a
    // status change and a decision of the ward's own unit.
    let key = SigningKey::from_bytes(&[9; 32]);
    let public = key.verifying_key();
    let card = UnitCard {
        format: CARD_FORMAT.into(),
        unit: "00070".into(),
        unit_name: "Phường Hoàn Kiếm".into(),
        installation: "01900000-0000-7000-8000-0000000000bb".into(),
        public_key: hex::encode(public.as_bytes()),
        fingerprint: fingerprint(public.as_bytes(), "00070"),
        created_at: "2026-11-26T08:00:00.000Z".into(),
    };
    r.chair.store.trust_add(&card).unwrap();
    let v = "001795690000000-00000-00000000000000bb";
    let line = |id: &str, body: serde_json::Value| {
        let versions: serde_json::Map<String, serde_json::Value> = body
            .as_object()
            .unwrap()
            .keys()
            .chain(["deleted".to_string()].iter())
            .map(|k| (k.clone(), json!(v)))
            .collect();
        json!({"id": id, "unit": "00070", "created_at": "2026-11-26T08:00:00.000Z",
            "created_by": "Kẻ giả mạo", "created_hlc": v, "updated_at": "2026-11-26T08:00:00.000Z",
            "updated_by": "Kẻ giả mạo", "body": body, "versions": versions})
        .to_string()
            + "\n"
    };
    let transition = line(
        "01900000-0000-7000-8000-00000000f001",
        json!({"nomination_id": n, "unit": "00070", "year": 2026, "from": "submitted", "to": "approved"}),
    );
    let decision = line(
        "01900000-0000-7000-8000-00000000f002",
        json!({"committee_id": r.committee, "nomination_id": n, "unit": "00070", "year": 2026,
            "outcome": "approved", "votes_for": 2, "votes_against": 0, "votes_abstaining": 0,
            "number": "99/QĐ", "date": "2026-11-20", "chair_id": "chu-tich"}),
    );
    let mut m = raw_manifest(&key, "00070", "Phường Hoàn Kiếm");
    m.format_version = sovang_core::sync::bundle::FORMAT_VERSION;
    m.counts.insert("transition".into(), 1);
    m.counts.insert("decision".into(), 1);
    let forged = r.tmp.path().join("forged.sovang");
    write_raw(
        &forged,
        &key,
        &mut m,
        &[
            ("records/transition.ndjson", transition.as_bytes()),
            ("records/decision.ndjson", decision.as_bytes()),
        ],
        false,
    )
    .unwrap();
    let got = r
        .chair
        .store
        .import_bundle(&forged, ImportOptions::default(), &mut |_| {});
    assert!(got.error.is_none(), "{:?}", got.error);
    assert_eq!(got.rejected, 2, "both refused: {:?}", got.rejections);
    assert!(got
        .rejections
        .iter()
        .all(|x| x.code == Code::OutOfAuthority));
    assert_eq!(
        r.chair.store.review_status(&n).unwrap(),
        "submitted",
        "the nominating unit cannot decide on its own nomination"
    );
    assert!(r.chair.store.decision_in_force(&n).unwrap().is_none());
}

/// A ward's committee reviews a branch's nomination and, once it is approved, forwards it to
/// the city above; the city's committee, with no level above it, cannot forward.
#[test]
fn an_approved_nomination_is_forwarded_to_the_level_above() {
    let mut f = fixture("00070");
    let s = &mut f.store;
    let branch = s
        .put(
            Kind::Unit,
            json!({"name": "Chi đoàn Tổ dân phố 5", "unit_type": "branch", "parent": "00070"}),
        )
        .unwrap();
    let branch = branch["data"]["code"].as_str().unwrap().to_owned();
    let p = person(s, "Hoàng Lan", &branch);
    let n = s
        .put(
            Kind::Nomination,
            json!({"campaign_id": PRESET_CAMPAIGN_ID, "unit": branch, "person_id": p,
                "year": 2026, "category": "cong_dong",
                "evidence": {"ban_linh": "Hiến máu tình nguyện 12 lần"}}),
        )
        .unwrap();
    let n = id(&n);
    let key = s.identity().unwrap().fingerprint;
    let c = s
        .put(
            Kind::Committee,
            json!({"name": "Hội đồng xét chọn phường Hoàn Kiếm", "unit": "00070",
                "campaign_id": PRESET_CAMPAIGN_ID, "year": 2026, "quorum": 1,
                "members": [{"id": "ct", "name": "Nguyễn Văn Chủ", "role": "chair", "fingerprint": key}]}),
        )
        .unwrap();
    let c = id(&c);
    s.submit(&n).unwrap();
    s.start_review(&n).unwrap();
    let early = s.forward(&n, None).unwrap_err();
    assert_eq!(
        early.code,
        Code::TransitionRefused,
        "only an approved nomination moves on"
    );
    s.score(&c, &n, points(5)).unwrap();
    s.decide(&c, &n, decision("approved", (1, 0, 0))).unwrap();
    let step = s.forward(&n, None).unwrap();
    assert_eq!(
        (step.from.as_str(), step.to.as_str()),
        ("approved", "forwarded"),
        "the ward's committee sends it on to the city"
    );
    assert_eq!(s.review_status(&n).unwrap(), "forwarded");
    let again = s.forward(&n, None).unwrap_err();
    assert_eq!(again.code, Code::TransitionRefused, "forwarded once");
}

/// A committee starts from the campaign's rubric, and members saved without an id get the
/// first free ones (the window's form leaves ids to the core).
#[test]
fn a_new_committee_takes_the_campaigns_rubric_and_its_members_get_ids() {
    use sovang_core::records::{Committee, DEFAULT_SCALE};
    let mut f = fixture("01");
    let s = &mut f.store;
    let campaign = s.campaigns().get(PRESET_CAMPAIGN_ID).unwrap().clone();
    let mut t = Committee::template("01", PRESET_CAMPAIGN_ID, &campaign, 2026);
    assert_eq!(t.rubric.len(), campaign.criteria.len(), "every criterion");
    assert!(t
        .rubric
        .iter()
        .all(|r| r.weight == 1.0 && (r.min, r.max) == DEFAULT_SCALE));
    assert!(t.blind, "blind unless the chair turns it off");
    t.name = "Hội đồng xét chọn Thành phố 2026".into();
    let key = s.identity().unwrap().fingerprint;
    let member = |id: &str, name: &str, role: &str| sovang_core::records::Member {
        id: id.into(),
        name: name.into(),
        role: role.into(),
        fingerprint: key.clone(),
    };
    t.members = vec![
        member("", "Nguyễn Văn Chủ", "chair"),
        member("m1", "Trần Thị Ủy", "member"),
        member("", "Lê Văn Ba", "member"),
    ];
    let saved = s
        .put(Kind::Committee, serde_json::to_value(&t).unwrap())
        .unwrap();
    let ids: Vec<&str> = saved["data"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["m2", "m1", "m3"],
        "given ids stay, empty ones take the free ones"
    );
}
