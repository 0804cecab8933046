//! Sync bundles between installations: export, verified import, merge, held records,
//! tombstones, conflicts, authority, and refused files that change nothing.

mod common;

use std::path::{Path, PathBuf};

use common::{entry_json, fixture, id, person, version_at, Fixture, Forger, FIXTURE_MS};
use serde_json::json;
use sovang_core::store::{ExportOptions, ImportOptions, ImportReport};
use sovang_core::{Code, Kind, Store};

fn export(s: &mut Store, dir: &Path, name: &str, opts: ExportOptions) -> PathBuf {
    let out = dir.join(format!("{name}.sovang"));
    s.export_bundle(&out, &opts, &mut |_| {})
        .expect("export must succeed");
    out
}

fn import(s: &mut Store, file: &Path) -> ImportReport {
    let r = s.import_bundle(file, ImportOptions::default(), &mut |_| {});
    assert!(r.error.is_none(), "import failed: {:?}", r.error);
    r
}

fn trust(from: &Store, to: &mut Store) {
    to.trust_add(&from.identity().unwrap())
        .expect("a valid card must be trusted");
}

/// Every record's stored state, for comparing installations and before/after.
fn dump(s: &Store) -> Vec<(String, String, String, String, Option<String>)> {
    let mut out = Vec::new();
    for kind in Kind::ALL {
        let sql = format!(
            "SELECT id, body, hlc, deleted_at FROM {} ORDER BY id",
            kind.table()
        );
        let mut stmt = s.connection().prepare(&sql).unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    kind.name().to_string(),
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

fn counts(r: &ImportReport) -> [u64; 6] {
    [
        r.created,
        r.updated,
        r.unchanged,
        r.conflicts,
        r.held,
        r.rejected,
    ]
}

struct Pair {
    ward: Fixture,
    city: Fixture,
    tmp: tempfile::TempDir,
}

impl Pair {
    /// The ward's bundle of what it has not sent yet.
    fn ward_bundle(&mut self, name: &str) -> PathBuf {
        export(
            &mut self.ward.store,
            self.tmp.path(),
            name,
            ExportOptions::default(),
        )
    }

    /// The city's bundle for the ward.
    fn city_bundle(&mut self, name: &str) -> PathBuf {
        let to_ward = ExportOptions {
            to: Some("00070".into()),
            full: false,
            ..Default::default()
        };
        export(&mut self.city.store, self.tmp.path(), name, to_ward)
    }
}

fn ward_and_city() -> Pair {
    let ward = fixture("00070");
    let mut city = fixture("01");
    let mut w = ward;
    trust(&w.store, &mut city.store);
    trust(&city.store, &mut w.store);
    Pair {
        ward: w,
        city,
        tmp: tempfile::tempdir().unwrap(),
    }
}

#[test]
fn ward_records_reach_the_city_once_and_repeats_change_nothing() {
    let mut p = ward_and_city();
    let w = &mut p.ward.store;
    let a = person(w, "Nguyễn Thị Minh Anh", "00070");
    w.put(Kind::Entry, entry_json("00070", &a, "Dọn rác bờ hồ"))
        .unwrap();
    let photo = p.tmp.path().join("anh.png");
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\nfake-but-typed").unwrap();
    w.attach(Kind::Person, &a, &photo).unwrap();
    let b1 = p.ward_bundle("b1");

    let r = import(&mut p.city.store, &b1);
    assert_eq!(
        counts(&r),
        [3, 0, 0, 0, 0, 0],
        "a person, an entry and an attachment are new at the city: {r:?}"
    );
    let got = p.city.store.get(Kind::Person, &a).unwrap();
    assert_eq!(got["data"]["full_name"], "Nguyễn Thị Minh Anh");
    assert_eq!(got["attachments"].as_array().unwrap().len(), 1);
    let sha = got["attachments"][0]["sha256"].as_str().unwrap();
    assert_eq!(
        p.city.store.read_attachment(sha).unwrap(),
        b"\x89PNG\r\n\x1a\nfake-but-typed",
        "the attachment's bytes arrive with it"
    );
    let found = p
        .city
        .store
        .search("minh anh", &Default::default(), None, 10)
        .unwrap();
    assert!(
        !found.items.is_empty(),
        "imported records are searchable at once"
    );
    assert!(
        p.city.store.check().unwrap().is_empty(),
        "the city's data stays whole"
    );

    let before = dump(&p.city.store);
    let again = import(&mut p.city.store, &b1);
    assert_eq!(
        counts(&again),
        [0, 0, 3, 0, 0, 0],
        "importing the same bundle again changes nothing"
    );
    assert_eq!(dump(&p.city.store), before);

    // Nothing new: the next bundle for the same destination is empty.
    let b2 = p.ward_bundle("b2");
    let r2 = import(&mut p.city.store, &b2);
    assert_eq!(counts(&r2), [0; 6], "nothing changed, nothing sent: {r2:?}");
}

#[test]
fn an_imported_record_shows_its_creation_and_each_later_change_in_its_history() {
    let mut p = ward_and_city();
    let w = &mut p.ward.store;
    w.set_actor("Cán bộ Phường Hoàn Kiếm");
    let a = person(w, "Nguyễn Văn An", "00070");
    w.put(Kind::Person, json!({"id": a, "phone": "0912000001"}))
        .unwrap();
    let b1 = p.ward_bundle("b1");
    import(&mut p.city.store, &b1);
    p.ward
        .store
        .put(Kind::Person, json!({"id": a, "phone": "0912000002"}))
        .unwrap();
    let b2 = p.ward_bundle("b2");
    import(&mut p.city.store, &b2);

    let h = p.city.store.history(&a).unwrap();
    let actions: Vec<&str> = h.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        ["create", "update"],
        "the city saw the record arrive, then change once"
    );
    assert_eq!(
        h[0].actor, "Cán bộ Phường Hoàn Kiếm",
        "who created it, there"
    );
    assert_eq!(
        h[0].changes["phone"],
        json!([null, "0912000001"]),
        "the creation shows the values the record arrived with, not today's"
    );
    assert_eq!(h[0].changes["full_name"], json!([null, "Nguyễn Văn An"]));
    assert_eq!(
        h[1].changes["phone"],
        json!(["0912000001", "0912000002"]),
        "the imported change keeps old and new values"
    );
    let stored: i64 = p
        .city
        .store
        .connection()
        .query_row(
            "SELECT count(*) FROM audit WHERE record_id = ?1",
            [&a],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        stored, 1,
        "a creation is read from the record's own columns: only the change is stored"
    );
}

#[test]
fn edits_merge_field_by_field_and_deletions_stay_deleted() {
    let mut p = ward_and_city();
    let a = person(&mut p.ward.store, "Trần Văn Bình", "00070");
    let b1 = p.ward_bundle("b1");
    import(&mut p.city.store, &b1);

    p.ward.clock.advance_ms(1000);
    p.ward
        .store
        .put(Kind::Person, json!({"id": a, "phone": "0912345678"}))
        .unwrap();
    p.city.clock.advance_ms(2000);
    p.city
        .store
        .put(Kind::Person, json!({"id": a, "position": "Bí thư"}))
        .expect("the city may edit a ward's record");
    let up = p.ward_bundle("up");
    let down = p.city_bundle("down");
    let r_city = import(&mut p.city.store, &up);
    let r_ward = import(&mut p.ward.store, &down);
    assert_eq!(r_city.updated, 1, "the city takes the ward's phone");
    assert_eq!(r_ward.updated, 1, "the ward takes the city's position");
    assert_eq!(
        r_city.conflicts + r_ward.conflicts,
        0,
        "different fields never conflict"
    );
    for s in [&p.ward.store, &p.city.store] {
        let v = s.get(Kind::Person, &a).unwrap();
        assert_eq!(v["data"]["phone"], "0912345678");
        assert_eq!(v["data"]["position"], "Bí thư");
    }
    assert_eq!(
        dump(&p.ward.store),
        dump(&p.city.store),
        "both hold the same records"
    );

    p.ward.clock.advance_ms(1000);
    p.ward.store.delete(Kind::Person, &a).unwrap();
    let del = p.ward_bundle("del");
    import(&mut p.city.store, &del);
    assert!(p.city.store.get(Kind::Person, &a).unwrap()["deleted_at"].is_string());
    let r = import(&mut p.city.store, &b1);
    assert_eq!(r.unchanged, 1, "an older bundle is already known");
    assert!(
        p.city.store.get(Kind::Person, &a).unwrap()["deleted_at"].is_string(),
        "a deleted record never comes back from an older bundle"
    );
}

#[test]
fn a_record_before_its_parent_is_held_then_applied() {
    let mut p = ward_and_city();
    let project = p
        .ward
        .store
        .put(
            Kind::Project,
            json!({"unit":"00070","name":"Thắp sáng ngõ 12","field":"infrastructure","start_date":"01/05/2025"}),
        )
        .unwrap();
    let b1 = p.ward_bundle("b1");
    let update = p
        .ward
        .store
        .put(
            Kind::Update,
            json!({"project_id": id(&project), "unit":"00070","date":"10/05/2025","note":"Đã lắp 20 bóng đèn"}),
        )
        .unwrap();
    let b2 = p.ward_bundle("b2");

    let r2 = import(&mut p.city.store, &b2);
    assert_eq!(r2.held, 1, "the update waits for its project: {r2:?}");
    assert!(p.city.store.get(Kind::Update, &id(&update)).is_err());
    let r1 = import(&mut p.city.store, &b1);
    assert_eq!(
        r1.created, 2,
        "the project arrives and lets its update through: {r1:?}"
    );
    assert_eq!(r1.released, 1);
    let got = p.city.store.get(Kind::Update, &id(&update)).unwrap();
    assert_eq!(got["data"]["note"], "Đã lắp 20 bóng đèn");
    assert!(p.city.store.check().unwrap().is_empty());
}

#[test]
fn concurrent_edits_of_one_field_conflict_converge_and_settle_everywhere() {
    let mut p = ward_and_city();
    let a = person(&mut p.ward.store, "Lê Thị Cúc", "00070");
    let b1 = p.ward_bundle("b1");
    import(&mut p.city.store, &b1);
    p.ward.clock.advance_ms(1000);
    p.ward
        .store
        .put(Kind::Person, json!({"id": a, "phone": "0900000001"}))
        .unwrap();
    p.city.clock.advance_ms(5000);
    p.city
        .store
        .put(Kind::Person, json!({"id": a, "phone": "0900000002"}))
        .unwrap();
    let up = p.ward_bundle("up");
    let down = p.city_bundle("down");
    assert_eq!(import(&mut p.city.store, &up).conflicts, 1);
    assert_eq!(import(&mut p.ward.store, &down).conflicts, 1);
    for s in [&p.ward.store, &p.city.store] {
        assert_eq!(
            s.get(Kind::Person, &a).unwrap()["data"]["phone"],
            "0900000002",
            "the later version wins on both sides"
        );
    }
    assert_eq!(dump(&p.ward.store), dump(&p.city.store));
    let c = p.ward.store.conflicts(false).unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].field, "phone");
    assert_eq!(
        c[0].other_value,
        json!("0900000001"),
        "both values are kept"
    );

    let err = p.ward.store.resolve_conflict(&c[0].id, "0999").unwrap_err();
    assert_eq!(
        err.code,
        Code::ConflictValue,
        "only one of the two values may be kept"
    );
    p.ward.clock.advance_ms(10_000);
    p.ward.store.resolve_conflict(&c[0].id, "b").unwrap();
    assert!(p.ward.store.conflicts(false).unwrap().is_empty());
    let settle = p.ward_bundle("settle");
    import(&mut p.city.store, &settle);
    assert_eq!(
        p.city.store.get(Kind::Person, &a).unwrap()["data"]["phone"],
        "0900000001"
    );
    assert!(
        p.city.store.conflicts(false).unwrap().is_empty(),
        "the ward's choice settles the city's copy of the conflict"
    );
}

#[test]
fn records_outside_the_signers_authority_are_rejected_by_record() {
    // Ward 00004's installation holds one of its own people, and trusts a PC of ward 00070
    // whose software is hostile: what it signs passes the signature and reaches the import's
    // rules, which alone stand between it and 00004's records.
    let mut other = fixture("00004");
    let mine = person(&mut other.store, "Phạm Văn Dũng", "00004");
    let forger = Forger::new(31, "00070");
    forger.trusted_by(&mut other.store);
    let v = version_at(FIXTURE_MS + 3_600_000, "00000000000000f1");
    let body = |name: &str, unit: &str| json!({"full_name": name, "unit": unit, "birth_date": "2000-03-12"});
    let good = "01900000-0000-7000-8000-00000000d001";
    let foreign = "01900000-0000-7000-8000-00000000d002";
    let lines = [
        // Its own ward's new person: fine.
        forger.line(good, "00070", body("Nguyễn Văn Được", "00070"), &v),
        // A new person of ward 00004: only `may_send` refuses it.
        forger.line(foreign, "00004", body("Trần Thị Không", "00004"), &v),
        // 00004's stored person, claimed for 00070 at a newer version: it claims what it may
        // send, so only the stored record's owner refuses it (else the merge moves it).
        forger.line(&mine, "00070", body("Phạm Văn Bị Chiếm", "00070"), &v),
    ]
    .concat();
    let tmp = tempfile::tempdir().unwrap();
    let b = forger.bundle(tmp.path(), "hostile", &[("person", lines)], &[]);
    let before = dump(&other.store);
    let r = import(&mut other.store, &b);
    assert_eq!(
        (r.created, r.updated, r.rejected),
        (1, 0, 2),
        "the ward's own record arrives, the other two are refused: {r:?}"
    );
    let refused: Vec<(&str, Code)> = r
        .rejections
        .iter()
        .map(|x| (x.id.as_str(), x.code))
        .collect();
    assert_eq!(
        refused,
        [
            (foreign, Code::OutOfAuthority),
            (mine.as_str(), Code::OutOfAuthority)
        ],
        "each out-of-authority record is refused by itself, with the reason"
    );
    assert!(other.store.get(Kind::Person, foreign).is_err());
    let after: Vec<_> = dump(&other.store)
        .into_iter()
        .filter(|row| row.1 != good)
        .collect();
    assert_eq!(
        after, before,
        "apart from the ward's own new record, 00004's data is exactly as it was"
    );
}

#[test]
fn a_full_export_carries_only_what_its_unit_may_send() {
    let mut ward = fixture("00070");
    let mut city = fixture("01");
    trust(&city.store, &mut ward.store);
    let tmp = tempfile::tempdir().unwrap();
    // The city writes a record of ward 00004 and sends it to ward 00070, which keeps it but
    // must never pass it on as its own: 00070 has no authority over 00004's records.
    let theirs = person(&mut city.store, "Phạm Văn Dũng", "00004");
    let b = export(
        &mut city.store,
        tmp.path(),
        "city",
        ExportOptions::default(),
    );
    assert_eq!(import(&mut ward.store, &b).created, 1);
    let own = person(&mut ward.store, "Lê Thị Mình", "00070");
    let relay = export(
        &mut ward.store,
        tmp.path(),
        "relay",
        ExportOptions {
            to: None,
            full: true,
            ..Default::default()
        },
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&relay).unwrap()).unwrap();
    let mut people = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("records/person.ndjson").unwrap(),
        &mut people,
    )
    .unwrap();
    assert!(people.contains(&own), "the ward's own person is sent");
    assert!(
        !people.contains(&theirs),
        "a record of another ward is not the ward's to send: {people}"
    );
}

#[test]
fn dry_run_reports_and_changes_nothing() {
    let mut p = ward_and_city();
    person(&mut p.ward.store, "Đỗ Minh Châu", "00070");
    let b = p.ward_bundle("b");
    let before = dump(&p.city.store);
    let r = p.city.store.import_bundle(
        &b,
        ImportOptions {
            dry_run: true,
            ..Default::default()
        },
        &mut |_| {},
    );
    assert!(r.error.is_none() && r.dry_run);
    assert_eq!(r.created, 1, "the preview says what would be created");
    assert_eq!(dump(&p.city.store), before, "a dry run writes nothing");
}

#[test]
fn untrusted_revoked_and_tampered_bundles_are_refused_and_change_nothing() {
    let mut p = ward_and_city();
    person(&mut p.ward.store, "Vũ Thị Hoa", "00070");
    let b = p.ward_bundle("b");
    let mut stranger = fixture("00004");
    let before = dump(&stranger.store);
    let r = stranger
        .store
        .import_bundle(&b, ImportOptions::default(), &mut |_| {});
    assert_eq!(
        r.error.as_ref().map(|e| e.code),
        Some(Code::BundleUntrusted)
    );
    assert_eq!(dump(&stranger.store), before);

    // One byte of the first entry's content changed: its hash (or inflating it) fails.
    let mut bytes = std::fs::read(&b).unwrap();
    let name_len = u16::from_le_bytes([bytes[26], bytes[27]]) as usize;
    let extra_len = u16::from_le_bytes([bytes[28], bytes[29]]) as usize;
    bytes[30 + name_len + extra_len + 5] ^= 0x01;
    let bad = p.tmp.path().join("bad.sovang");
    std::fs::write(&bad, &bytes).unwrap();
    let before = dump(&p.city.store);
    let r = p
        .city
        .store
        .import_bundle(&bad, ImportOptions::default(), &mut |_| {});
    let code = r.error.as_ref().map(|e| e.code);
    assert!(
        matches!(
            code,
            Some(Code::BundleHash | Code::BundleTruncated | Code::BundleSignature)
        ),
        "a changed byte must be caught: {code:?}"
    );
    assert_eq!(dump(&p.city.store), before);

    let fp = p.ward.store.identity().unwrap().fingerprint;
    p.city.store.trust_revoke(&fp).unwrap();
    let r = p
        .city
        .store
        .import_bundle(&b, ImportOptions::default(), &mut |_| {});
    assert_eq!(r.error.as_ref().map(|e| e.code), Some(Code::BundleRevoked));
    assert!(r.error.unwrap().message.vi.contains("thu hồi"));
    assert_eq!(dump(&p.city.store), before);
    stranger.clock.advance_ms(1);
}

/// The attachment rows a store holds, by record and content (ids differ where two PCs attach
/// the same file).
fn attachment_rows(s: &Store) -> Vec<(String, String, Option<String>)> {
    let mut stmt = s
        .connection()
        .prepare("SELECT record_id, sha256, deleted_at FROM attachments ORDER BY 1, 2")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn an_attachment_made_while_its_record_was_trashed_elsewhere_converges() {
    let mut p = ward_and_city();
    let x = person(&mut p.ward.store, "Vũ Thị Ảnh", "00070");
    let b1 = p.ward_bundle("b1");
    import(&mut p.city.store, &b1);
    // At the same time: the ward attaches a photo, the city trashes the person.
    let photo = p.tmp.path().join("anh.png");
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\nthe deed").unwrap();
    p.ward.store.attach(Kind::Person, &x, &photo).unwrap();
    p.city.store.delete(Kind::Person, &x).unwrap();
    let b2 = p.ward_bundle("b2");
    let c1 = p.city_bundle("c1");
    let r = import(&mut p.city.store, &b2);
    import(&mut p.ward.store, &c1);
    assert_eq!(
        r.rejected, 0,
        "a concurrent attachment is no edit of a trashed record: {:?}",
        r.rejections
    );
    assert_eq!(
        attachment_rows(&p.city.store),
        attachment_rows(&p.ward.store),
        "both PCs hold the photo (shown again if the person is restored), or they never agree"
    );
}

/// Attaches a small PNG, the `i`th, to person `who`.
fn attach_png(s: &mut Store, dir: &Path, who: &str, i: usize) {
    let file = dir.join(format!("anh-{i}.png"));
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(format!("anh so {i}").bytes());
    std::fs::write(&file, png).unwrap();
    s.attach(Kind::Person, who, &file).unwrap();
}

#[test]
fn more_attachments_than_one_bundle_carries_go_in_the_next_bundle() {
    let mut p = ward_and_city();
    for i in 0..3 {
        let who = person(&mut p.ward.store, &format!("Người thứ {}", i + 1), "00070");
        attach_png(&mut p.ward.store, p.tmp.path(), &who, i);
    }
    let two_a_bundle = |to: &str| ExportOptions {
        to: Some(to.into()),
        max_attachments: Some(2),
        ..Default::default()
    };
    let mut bundles = Vec::new();
    let mut more = Vec::new();
    for n in 0..3 {
        let out = p.tmp.path().join(format!("part-{n}.sovang"));
        let r = p
            .ward
            .store
            .export_bundle(&out, &two_a_bundle("01"), &mut |_| {})
            .unwrap();
        more.push(r.more);
        bundles.push((out, r.counts.get("attachment").copied().unwrap_or(0)));
    }
    assert_eq!(
        more,
        [true, false, false],
        "the first bundle stops at two attachments and says more remain; the second is the rest"
    );
    assert_eq!(
        bundles.iter().map(|b| b.1).collect::<Vec<_>>(),
        [2, 1, 0],
        "each attachment travels once, in order"
    );
    for (b, _) in &bundles {
        import(&mut p.city.store, b);
    }
    assert_eq!(
        attachment_rows(&p.city.store).len(),
        3,
        "the parts together bring every attachment"
    );
    assert!(p.city.store.check().unwrap().is_empty());
}

#[test]
fn a_full_export_that_stops_short_is_carried_on_by_the_next_bundle() {
    let mut ward = fixture("00070");
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..3 {
        let who = person(&mut ward.store, &format!("Người {i}"), "00070");
        attach_png(&mut ward.store, tmp.path(), &who, i);
    }
    let opts = |full: bool| ExportOptions {
        to: None,
        full,
        max_attachments: Some(2),
    };
    let mut e = |name: &str, o: ExportOptions| {
        let out = tmp.path().join(format!("{name}.sovang"));
        let r = ward.store.export_bundle(&out, &o, &mut |_| {}).unwrap();
        (out, r)
    };
    // Everything was sent once already (to a PC since lost).
    assert!(e("first", opts(false)).1.more);
    assert!(!e("second", opts(false)).1.more);
    // A new installation needs everything: a full bundle stops short, then, as the app says,
    // a bundle that is not full carries on.
    let (full, r) = e("full", opts(true));
    assert!(r.more, "{r:?}");
    let (rest, r) = e("rest", opts(false));
    assert!(!r.more, "{r:?}");
    let mut city = fixture("01");
    trust(&ward.store, &mut city.store);
    for b in [&full, &rest] {
        import(&mut city.store, b);
    }
    assert_eq!(
        attachment_rows(&city.store).len(),
        3,
        "the bundle after a full one that stopped short starts where it stopped"
    );
}

#[test]
fn the_attachment_limit_counts_only_what_goes_to_the_destination() {
    let mut city = fixture("01");
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..3 {
        let who = person(&mut city.store, &format!("Người {i}"), "00073");
        attach_png(&mut city.store, tmp.path(), &who, i);
    }
    let out = tmp.path().join("to-70.sovang");
    let opts = ExportOptions {
        to: Some("00070".into()),
        full: false,
        max_attachments: Some(2),
    };
    let r = city.store.export_bundle(&out, &opts, &mut |_| {}).unwrap();
    assert!(
        !r.more,
        "ward 00073's photos never go to ward 00070, so they fill no bundle for it: {r:?}"
    );
}
