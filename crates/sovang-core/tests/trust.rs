//! What another installation sends is untrusted even when its signature holds: clocks ahead
//! or malformed versions, attachments outside the signer's authority or over the local rules,
//! one bad record among good ones, held records and their signers, bundles out of order, and
//! the history of where each imported change came from. Every test here fails when the rule
//! it names is taken out of the import.

mod common;

use std::path::{Path, PathBuf};

use common::{fixture, id, nominate, person, version_at, Fixture, Forger, FIXTURE_MS};
use serde_json::json;
use sovang_core::store::{ExportOptions, ImportOptions, ImportReport};
use sovang_core::{Code, Kind, Store};

const WARD_NODE: &str = "00000000000000aa";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\nphoto-of-the-deed";

fn export(s: &mut Store, dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(format!("{name}.sovang"));
    s.export_bundle(&out, &ExportOptions::default(), &mut |_| {})
        .expect("export must succeed");
    out
}

fn import(s: &mut Store, file: &Path) -> ImportReport {
    let r = s.import_bundle(file, ImportOptions::default(), &mut |_| {});
    assert!(r.error.is_none(), "import failed: {:?}", r.error);
    r
}

fn codes(r: &ImportReport) -> Vec<Code> {
    r.rejections.iter().map(|x| x.code).collect()
}

struct Setup {
    ward: Fixture,
    city: Fixture,
    tmp: tempfile::TempDir,
}

fn ward_and_city() -> Setup {
    let ward = fixture("00070");
    let mut city = fixture("01");
    city.store
        .trust_add(&ward.store.identity().unwrap())
        .unwrap();
    Setup {
        ward,
        city,
        tmp: tempfile::tempdir().unwrap(),
    }
}

fn person_line(f: &Forger, id: &str, name: &str, version: &str) -> String {
    let body = json!({"full_name": name, "unit": f.unit, "birth_date": "2000-03-12"});
    f.line(id, &f.unit, body, version)
}

fn attachment_line(
    id: &str,
    unit: &str,
    record: (&str, &str),
    bytes: &[u8],
    mime: &str,
    version: &str,
) -> String {
    use sha2::Digest;
    json!({"id": id, "unit": unit, "record_kind": record.0, "record_id": record.1,
        "sha256": hex::encode(sha2::Sha256::digest(bytes)), "file_name": "anh.png", "mime": mime,
        "size": bytes.len(), "created_at": "2026-11-26T08:00:00.000Z", "created_by": "Máy lỗi",
        "created_hlc": version, "updated_at": "2026-11-26T08:00:00.000Z", "updated_by": "Máy lỗi",
        "hlc": version})
    .to_string()
        + "\n"
}

const P1: &str = "01900000-0000-7000-8000-00000000a001";
const P2: &str = "01900000-0000-7000-8000-00000000a002";

#[test]
fn a_pc_whose_clock_says_2099_is_held_and_never_drags_the_receivers_clock() {
    let mut s = ward_and_city();
    let far = 4_070_908_800_000 - FIXTURE_MS; // to 2099-01-01
    s.ward.clock.advance_ms(far);
    let p = person(&mut s.ward.store, "Nguyễn Văn Tương Lai", "00070");
    let b1 = export(&mut s.ward.store, s.tmp.path(), "b1");

    let r = import(&mut s.city.store, &b1);
    assert_eq!(
        (r.created, r.held),
        (0, 1),
        "a record stamped 2099 must wait, not win every later edit: {r:?}"
    );
    assert!(s.city.store.get(Kind::Person, &p).is_err());
    let held = s.city.store.held_list().unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].waiting_kind, "clock");
    assert_eq!(held[0].signer_unit, "00070", "shown with the sending unit");
    assert!(
        held[0].reason.vi.contains("01/01/2099"),
        "the reason says which time the record claims: {}",
        held[0].reason.vi
    );

    let own = person(&mut s.city.store, "Trần Thị Hôm Nay", "01");
    let version = s.city.store.get(Kind::Person, &own).unwrap()["version"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        version.as_str() < version_at(FIXTURE_MS + 86_400_000, "").as_str(),
        "the city's own clock must not jump to 2099: {version}"
    );

    // Time catches up: the record is applied when the store is next opened.
    s.city.clock.advance_ms(far);
    let dir = s.city.dir.path().to_owned();
    drop(s.city.store);
    let reopened = Store::open(&dir, s.city.clock.clone()).unwrap();
    assert!(
        reopened.get(Kind::Person, &p).is_ok(),
        "once this PC's time reaches the record's, it is applied"
    );
    assert!(reopened.held_list().unwrap().is_empty());
}

#[test]
fn a_record_resent_with_a_corrected_clock_replaces_the_copy_held_for_its_clock() {
    let mut s = ward_and_city();
    let f = Forger::new(21, "00070");
    f.trusted_by(&mut s.city.store);
    let ahead = version_at(4_070_908_800_000, WARD_NODE);
    let b1 = f.bundle(
        s.tmp.path(),
        "ahead",
        &[("person", person_line(&f, P1, "Lê Văn Nhanh", &ahead))],
        &[],
    );
    assert_eq!(import(&mut s.city.store, &b1).held, 1);
    let fixed = version_at(FIXTURE_MS + 1000, WARD_NODE);
    let b2 = f.bundle(
        s.tmp.path(),
        "fixed",
        &[("person", person_line(&f, P1, "Lê Văn Đúng Giờ", &fixed))],
        &[],
    );
    let r = import(&mut s.city.store, &b2);
    assert_eq!(r.created, 1, "{r:?}");
    let got = s.city.store.get(Kind::Person, P1).unwrap();
    assert_eq!(got["data"]["full_name"], "Lê Văn Đúng Giờ");
    assert!(
        s.city.store.held_list().unwrap().is_empty(),
        "the copy stamped in 2099 is dropped, or it would overwrite the record one day"
    );
}

#[test]
fn a_malformed_version_is_refused_alone() {
    let mut s = ward_and_city();
    let f = Forger::new(22, "00070");
    f.trusted_by(&mut s.city.store);
    let good = version_at(FIXTURE_MS, WARD_NODE);
    let lines = person_line(&f, P1, "Phạm Văn Lệch", "99-1-aa")
        + &person_line(&f, P2, "Phạm Thị Đúng", &good)
        + &person_line(&f, "19/05/2025", "Mã Không Phải UUID", &good);
    let b = f.bundle(s.tmp.path(), "b", &[("person", lines)], &[]);
    let r = import(&mut s.city.store, &b);
    assert_eq!((r.created, r.rejected), (1, 2), "{r:?}");
    assert_eq!(codes(&r), [Code::InvalidVersion, Code::InvalidValue]);
    assert!(s.city.store.get(Kind::Person, P1).is_err());
}

#[test]
fn a_ward_cannot_attach_a_file_to_another_wards_record() {
    let mut s = ward_and_city();
    let p = person(&mut s.ward.store, "Hoàng Thị Riêng", "00070");
    let b1 = export(&mut s.ward.store, s.tmp.path(), "b1");
    import(&mut s.city.store, &b1);
    let other = Forger::new(23, "00073");
    other.trusted_by(&mut s.city.store);
    let v = version_at(FIXTURE_MS + 1000, "00000000000000bb");
    // The row names its sender's own unit, so only the record's unit tells it apart.
    let row = attachment_line(
        "01900000-0000-7000-8000-00000000b001",
        "00073",
        ("person", &p),
        PNG,
        "image/png",
        &v,
    );
    let b = other.bundle(s.tmp.path(), "x", &[("attachment", row)], &[PNG.to_vec()]);
    let r = import(&mut s.city.store, &b);
    assert_eq!(codes(&r), [Code::OutOfAuthority], "{r:?}");
    let got = s.city.store.get(Kind::Person, &p).unwrap();
    assert!(got["attachments"].as_array().unwrap().is_empty());
}

#[test]
fn attachments_from_bundles_obey_the_size_limit_and_their_type() {
    let mut s = ward_and_city();
    s.city.store.set_attachment_limit(64);
    let f = Forger::new(24, "00070");
    f.trusted_by(&mut s.city.store);
    let v = version_at(FIXTURE_MS, WARD_NODE);
    let text = b"not a picture at all".to_vec();
    let big = [PNG, &[0u8; 100]].concat();
    let rows = attachment_line(
        "01900000-0000-7000-8000-00000000b002",
        "00070",
        ("person", P1),
        &text,
        "image/png",
        &v,
    ) + &attachment_line(
        "01900000-0000-7000-8000-00000000b003",
        "00070",
        ("person", P1),
        &big,
        "image/png",
        &v,
    ) + &attachment_line(
        "01900000-0000-7000-8000-00000000b004",
        "00070",
        ("person", P1),
        PNG,
        "image/png",
        &v,
    );
    let b = f.bundle(
        s.tmp.path(),
        "b",
        &[
            ("person", person_line(&f, P1, "Vũ Văn Ảnh", &v)),
            ("attachment", rows),
        ],
        &[text, big, PNG.to_vec()],
    );
    let r = import(&mut s.city.store, &b);
    let mut got = codes(&r);
    got.sort_by_key(|c| c.as_str());
    assert_eq!(
        got,
        [Code::AttachmentTooLarge, Code::AttachmentType],
        "a file the app would refuse locally is refused from a bundle too: {r:?}"
    );
    let person = s.city.store.get(Kind::Person, P1).unwrap();
    assert_eq!(person["attachments"].as_array().unwrap().len(), 1);
}

#[test]
fn one_bad_unit_record_is_rejected_alone() {
    let mut s = ward_and_city();
    let f = Forger::new(25, "00070");
    f.trusted_by(&mut s.city.store);
    let v = version_at(FIXTURE_MS, WARD_NODE);
    // A branch of the ward, then the same branch again under a new code.
    let branch = |code: &str, v: &str| {
        let body = json!({"code": code, "name": "Chi đoàn Tổ dân phố 1", "unit_type": "branch",
            "parent": "00070"});
        f.line("01900000-0000-7000-8000-00000000c001", "00070", body, v)
    };
    let b1 = f.bundle(s.tmp.path(), "b1", &[("unit", branch("00070.01", &v))], &[]);
    let r1 = import(&mut s.city.store, &b1);
    assert_eq!(r1.created, 1, "{r1:?}");
    let later = version_at(FIXTURE_MS + 1000, WARD_NODE);
    let b2 = f.bundle(
        s.tmp.path(),
        "b2",
        &[
            ("unit", branch("00070.02", &later)),
            ("person", person_line(&f, P1, "Đỗ Văn Vẫn Nhập", &later)),
        ],
        &[],
    );
    let r2 = import(&mut s.city.store, &b2);
    assert_eq!(codes(&r2), [Code::UnitCodeChanged], "{r2:?}");
    assert_eq!(r2.created, 1, "the other records still import: {r2:?}");
    assert!(s.city.store.units().get("00070.01").is_some());
    assert!(s.city.store.units().get("00070.02").is_none());
}

#[test]
fn a_line_that_is_no_record_is_rejected_alone_and_the_others_arrive() {
    let mut s = ward_and_city();
    let f = Forger::new(26, "00070");
    f.trusted_by(&mut s.city.store);
    let v = version_at(FIXTURE_MS, WARD_NODE);
    // A ward PC with a bug writes one broken line among good ones (the bundle is signed).
    let people = format!(
        "{}{{\"id\": \"01900000-0000-7000-8000-00000000c0ff\", \"unit\": \n{}",
        person_line(&f, P1, "Nguyễn Văn Trước", &v),
        person_line(&f, "01900000-0000-7000-8000-00000000c0f2", "Lê Thị Sau", &v),
    );
    let b = f.bundle(s.tmp.path(), "broken-line", &[("person", people)], &[]);
    let r = import(&mut s.city.store, &b);
    assert_eq!(codes(&r), [Code::RecordUnreadable], "{r:?}");
    assert_eq!(
        r.rejections[0].id, "records/person.ndjson:2",
        "the rejection says which line, as no id can be read from it"
    );
    assert_eq!(r.created, 2, "the good lines around it import: {r:?}");
    assert!(s.city.store.get(Kind::Person, P1).is_ok());
}

/// The ward's project that updates link to.
fn lit_alley(ward: &mut Store) -> serde_json::Value {
    ward.put(
        Kind::Project,
        json!({"unit":"00070","name":"Thắp sáng ngõ 12","field":"infrastructure","start_date":"01/05/2025"}),
    )
    .unwrap()
}

/// A project update of `f`'s unit whose project has not arrived, with `note`.
fn update_line(f: &Forger, project: &str, note: &str, version: &str) -> String {
    let body = json!({"project_id": project, "unit": f.unit, "date": "2025-05-10", "note": note});
    f.line(
        "01900000-0000-7000-8000-00000000d001",
        &f.unit,
        body,
        version,
    )
}

#[test]
fn a_held_record_is_checked_against_the_trust_list_when_released() {
    let mut s = ward_and_city();
    let project = lit_alley(&mut s.ward.store);
    let f = Forger::new(26, "00070");
    f.trusted_by(&mut s.city.store);
    let v = version_at(FIXTURE_MS + 1000, WARD_NODE);
    let b = f.bundle(
        s.tmp.path(),
        "u",
        &[(
            "update",
            update_line(&f, &id(&project), "Đã lắp 20 bóng", &v),
        )],
        &[],
    );
    assert_eq!(import(&mut s.city.store, &b).held, 1);
    s.city.store.trust_revoke(&f.fingerprint()).unwrap();
    let b1 = export(&mut s.ward.store, s.tmp.path(), "b1");
    let r = import(&mut s.city.store, &b1);
    assert_eq!(
        codes(&r),
        [Code::SignerRevoked],
        "a key revoked while its record waited may no longer be heard: {r:?}"
    );
    assert!(s
        .city
        .store
        .get(Kind::Update, "01900000-0000-7000-8000-00000000d001")
        .is_err());
    assert!(s.city.store.held_list().unwrap().is_empty());
}

#[test]
fn a_second_signer_cannot_replace_anothers_held_record() {
    let mut s = ward_and_city();
    let project = lit_alley(&mut s.ward.store);
    let honest = Forger::new(27, "00070");
    let other = Forger::new(28, "00073");
    honest.trusted_by(&mut s.city.store);
    other.trusted_by(&mut s.city.store);
    let v1 = version_at(FIXTURE_MS + 1000, WARD_NODE);
    let v2 = version_at(FIXTURE_MS + 2000, "00000000000000bb");
    let pid = id(&project);
    let b1 = honest.bundle(
        s.tmp.path(),
        "honest",
        &[("update", update_line(&honest, &pid, "Đã lắp 20 bóng", &v1))],
        &[],
    );
    let b2 = other.bundle(
        s.tmp.path(),
        "other",
        &[("update", update_line(&other, &pid, "Giả mạo", &v2))],
        &[],
    );
    import(&mut s.city.store, &b1);
    import(&mut s.city.store, &b2);
    assert_eq!(
        s.city.store.held_list().unwrap().len(),
        2,
        "each signer's copy is held apart"
    );
    let b3 = export(&mut s.ward.store, s.tmp.path(), "b3");
    let r = import(&mut s.city.store, &b3);
    assert_eq!(
        (r.released, r.rejected),
        (1, 1),
        "the honest copy is applied as its own signer's; the other, judged as its own \
         signer's, may not take over a record of another ward: {r:?}"
    );
    let got = s
        .city
        .store
        .get(Kind::Update, "01900000-0000-7000-8000-00000000d001")
        .expect("the honest update is applied");
    assert_eq!(got["data"]["note"], "Đã lắp 20 bóng");
}

#[test]
fn every_change_brought_by_a_bundle_names_its_signer_and_bundle() {
    let mut s = ward_and_city();
    let ward_key = s.ward.store.identity().unwrap().fingerprint;
    let p = person(&mut s.ward.store, "Ngô Thị Lịch Sử", "00070");
    let b1 = export(&mut s.ward.store, s.tmp.path(), "b1");
    let r1 = import(&mut s.city.store, &b1);
    s.ward.clock.advance_ms(1000);
    s.ward
        .store
        .put(Kind::Person, json!({"id": p, "phone": "0912345678"}))
        .unwrap();
    let b2 = export(&mut s.ward.store, s.tmp.path(), "b2");
    let r2 = import(&mut s.city.store, &b2);
    let local = person(&mut s.city.store, "Local", "01");

    let history = s.city.store.history(&p).unwrap();
    let origins: Vec<(String, Option<String>, Option<String>)> = history
        .iter()
        .map(|h| (h.action.clone(), h.bundle_id.clone(), h.signer.clone()))
        .collect();
    assert_eq!(
        origins,
        [
            (
                "create".into(),
                r1.bundle_id.clone(),
                Some(ward_key.clone())
            ),
            (
                "update".into(),
                r2.bundle_id.clone(),
                Some(ward_key.clone())
            ),
        ]
    );
    let own = s.city.store.history(&local).unwrap();
    assert_eq!(own[0].bundle_id, None, "a local creation came in no bundle");
}

#[test]
fn bundles_imported_in_any_order_all_import_with_their_photos() {
    let mut s = ward_and_city();
    let p = person(&mut s.ward.store, "Bùi Thị Ảnh", "00070");
    let b1 = export(&mut s.ward.store, s.tmp.path(), "b1");
    let photo = s.tmp.path().join("anh.png");
    std::fs::write(&photo, PNG).unwrap();
    s.ward.store.attach(Kind::Person, &p, &photo).unwrap();
    let b2 = export(&mut s.ward.store, s.tmp.path(), "b2");

    let r2 = import(&mut s.city.store, &b2);
    assert_eq!(r2.held, 1, "the photo waits for its person: {r2:?}");
    let r1 = s
        .city
        .store
        .import_bundle(&b1, ImportOptions::default(), &mut |_| {});
    assert!(
        r1.error.is_none(),
        "the earlier bundle must import after the later one: {:?}",
        r1.error
    );
    assert_eq!((r1.created, r1.released), (2, 1), "{r1:?}");
    let got = s.city.store.get(Kind::Person, &p).unwrap();
    let sha = got["attachments"][0]["sha256"].as_str().unwrap();
    assert_eq!(
        s.city.store.read_attachment(sha).unwrap(),
        PNG,
        "the held photo kept its verified bytes"
    );
    assert!(s.city.store.check().unwrap().is_empty());
}

#[test]
fn a_submitted_nomination_takes_no_later_edit_from_another_pc_of_its_unit() {
    let mut s = ward_and_city();
    let mut second = fixture("00070");
    let first_card = s.ward.store.identity().unwrap();
    second.store.trust_add(&first_card).unwrap();
    s.city
        .store
        .trust_add(&second.store.identity().unwrap())
        .unwrap();
    let w = &mut s.ward.store;
    let p = person(w, "Lê Thị Thu Hà", "00070");
    let n = nominate(w, "00070", &p, "Cứu người đuối nước ở hồ Tây");
    let to_second = export(w, s.tmp.path(), "to-second");
    import(&mut second.store, &to_second);
    import(&mut s.city.store, &to_second);
    s.ward.clock.advance_ms(1000);
    s.ward.store.submit(&n).unwrap();
    let b1 = export(&mut s.ward.store, s.tmp.path(), "submitted");
    import(&mut s.city.store, &b1);
    assert_eq!(s.city.store.review_status(&n).unwrap(), "submitted");

    // The second PC has not heard of the submission and edits the nomination afterwards.
    second.clock.advance_ms(60_000);
    second
        .store
        .put(
            Kind::Nomination,
            json!({"id": n, "evidence": {"ban_linh": "Sửa sau khi đã nộp"}}),
        )
        .unwrap();
    let b2 = export(&mut second.store, s.tmp.path(), "late-edit");
    let r = import(&mut s.city.store, &b2);
    assert_eq!(
        codes(&r),
        [Code::NominationLocked],
        "a nomination handed to the committee is locked for bundles too: {r:?}"
    );
    let got = s.city.store.get(Kind::Nomination, &n).unwrap();
    assert_eq!(
        got["data"]["evidence"]["ban_linh"],
        "Cứu người đuối nước ở hồ Tây"
    );
}

#[test]
fn a_lost_bundle_is_noticed_acknowledged_and_sent_again() {
    let mut s = ward_and_city();
    s.ward
        .store
        .trust_add(&s.city.store.identity().unwrap())
        .unwrap();
    let dir = s.tmp.path().to_owned();
    let to = |store: &mut Store, name: &str, dest: &str| {
        let out = dir.join(format!("{name}.sovang"));
        let opts = ExportOptions {
            to: Some(dest.into()),
            full: false,
            ..Default::default()
        };
        store.export_bundle(&out, &opts, &mut |_| {}).unwrap();
        out
    };
    person(&mut s.ward.store, "Người Thứ Nhất", "00070");
    let b1 = to(&mut s.ward.store, "b1", "01");
    let lost = person(&mut s.ward.store, "Người Thứ Hai", "00070");
    let _b2 = to(&mut s.ward.store, "b2-lost-on-the-way", "01");
    person(&mut s.ward.store, "Người Thứ Ba", "00070");
    let b3 = to(&mut s.ward.store, "b3", "01");

    assert!(import(&mut s.city.store, &b1).gaps.is_empty());
    let r3 = import(&mut s.city.store, &b3);
    assert_eq!(r3.gaps.len(), 1, "the lost bundle shows as a gap: {r3:?}");
    assert!(
        r3.gaps[0].message.vi.contains("Phường Hoàn Kiếm"),
        "the gap names the sending unit: {}",
        r3.gaps[0].message.vi
    );
    assert!(s.city.store.get(Kind::Person, &lost).is_err());

    // The city's next bundle down acknowledges only what arrived; the ward's next bundle up
    // carries the lost changes again.
    let down = to(&mut s.city.store, "down", "00070");
    import(&mut s.ward.store, &down);
    let again = to(&mut s.ward.store, "b4", "01");
    let r4 = import(&mut s.city.store, &again);
    assert!(r4.gaps.is_empty(), "nothing is missing any more: {r4:?}");
    assert!(
        s.city.store.get(Kind::Person, &lost).is_ok(),
        "what was not acknowledged was sent again"
    );
}

#[test]
fn the_dossier_prints_what_was_submitted_even_when_an_earlier_edit_arrives_later() {
    let mut s = ward_and_city();
    let mut second = fixture("00070");
    second
        .store
        .trust_add(&s.ward.store.identity().unwrap())
        .unwrap();
    s.city
        .store
        .trust_add(&second.store.identity().unwrap())
        .unwrap();
    let w = &mut s.ward.store;
    let p = person(w, "Lê Thị Thu Hà", "00070");
    let n = nominate(w, "00070", &p, "Bản đã nộp");
    let first = export(w, s.tmp.path(), "first");
    import(&mut second.store, &first);
    import(&mut s.city.store, &first);
    // The second PC edits first; the first PC, not knowing, submits a minute later.
    second.clock.advance_ms(10_000);
    second
        .store
        .put(
            Kind::Nomination,
            json!({"id": n, "evidence": {"ban_linh": "Sửa trước khi nộp, đến sau"}}),
        )
        .unwrap();
    s.ward.clock.advance_ms(60_000);
    s.ward.store.submit(&n).unwrap();
    let submitted = export(&mut s.ward.store, s.tmp.path(), "submitted");
    import(&mut s.city.store, &submitted);
    let late = export(&mut second.store, s.tmp.path(), "late");
    let r = import(&mut s.city.store, &late);
    assert_eq!(
        r.rejected, 0,
        "an edit made before the submission is not refused: {r:?}"
    );
    let body = sovang_core::reports::dossier_body(&s.city.store, &n).unwrap();
    assert_eq!(
        body["evidence"]["ban_linh"], "Bản đã nộp",
        "the committee judges, and the dossier prints, what was submitted"
    );
}

#[test]
fn an_attachment_that_arrives_deleted_without_its_bytes_leaves_the_store_sound() {
    let mut s = ward_and_city();
    let f = Forger::new(29, "00070");
    f.trusted_by(&mut s.city.store);
    let v = version_at(FIXTURE_MS, WARD_NODE);
    let mut row: serde_json::Value = serde_json::from_str(&attachment_line(
        "01900000-0000-7000-8000-00000000b009",
        "00070",
        ("person", P1),
        PNG,
        "image/png",
        &v,
    ))
    .unwrap();
    row["deleted_at"] = json!("2026-11-26T08:00:00.000Z");
    row["deleted_by"] = json!("Máy lỗi");
    let b = f.bundle(
        s.tmp.path(),
        "b",
        &[
            ("person", person_line(&f, P1, "Vũ Văn Xóa", &v)),
            ("attachment", row.to_string() + "\n"),
        ],
        &[],
    );
    let r = import(&mut s.city.store, &b);
    assert_eq!(r.rejected, 0, "{r:?}");
    assert!(
        s.city.store.check().unwrap().is_empty(),
        "a deleted attachment's bytes never travel: its row needs no file"
    );
}
