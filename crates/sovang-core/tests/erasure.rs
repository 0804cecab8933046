//! Erasing for good: a purge leaves no trace in the data folder's files, travels to every
//! installation that had the data, is refused where the eraser has no authority, and keeps
//! the audit chain whole. Attachments taken off a record lose their file once unused.

mod common;

use std::path::{Path, PathBuf};

use common::{
    copy_dir, entry_json, fixture, id, trust_both, version_at, Fixture, Forger, FIXTURE_MS,
};
use serde_json::json;
use sovang_core::backup::Reason;
use sovang_core::store::{ExportOptions, ImportOptions, ImportReport};
use sovang_core::{Code, Kind, Store};

const NAME: &str = "Phạm Thị Thanh Xuân";
const PHONE: &str = "0912345678";
/// Bytes only the purged person's photo holds.
const PHOTO: &[u8] = b"\x89PNG\r\n\x1a\nanh-the-cua-nguoi-bi-xoa-7f3a";

/// A person with a phone number, a Golden Book entry and a photo, in `unit`.
fn someone(f: &mut Fixture, unit: &str) -> (String, String) {
    let p = f
        .store
        .put(
            Kind::Person,
            json!({"full_name": NAME, "unit": unit, "birth_date": "12/03/2001", "phone": PHONE}),
        )
        .unwrap();
    let person = id(&p);
    let e = f
        .store
        .put(
            Kind::Entry,
            entry_json(unit, &person, "Hiến máu tình nguyện"),
        )
        .unwrap();
    let photo = f.dir.path().join("anh-the.png");
    std::fs::write(&photo, PHOTO).unwrap();
    f.store.attach(Kind::Person, &person, &photo).unwrap();
    std::fs::remove_file(&photo).unwrap();
    (person, id(&e))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Every file under `dir`, but not the folders `skip` names.
fn files_under(dir: &Path, skip: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if skip.contains(&p) {
            continue;
        }
        if p.is_dir() {
            out.extend(files_under(&p, skip));
        } else {
            out.push(p);
        }
    }
    out
}

/// The files among `files` that hold the name, the phone number or the photo.
fn traces(files: &[PathBuf]) -> Vec<String> {
    let mut found = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).unwrap();
        for (what, needle) in [
            ("name", NAME.as_bytes()),
            ("phone", PHONE.as_bytes()),
            ("photo", PHOTO),
        ] {
            if contains(&bytes, needle) {
                found.push(format!("{what} in {}", f.display()));
            }
        }
    }
    found
}

/// A bundle's `format_version`, read from its manifest.
fn format_of(bundle: &Path) -> u64 {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(bundle).unwrap()).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_reader(zip.by_name("manifest.json").unwrap()).unwrap();
    manifest["format_version"].as_u64().unwrap()
}

fn import(s: &mut Store, file: &Path) -> ImportReport {
    let r = s.import_bundle(file, ImportOptions::default(), &mut |_| {});
    assert!(r.error.is_none(), "import failed: {:?}", r.error);
    r
}

fn export(s: &mut Store, out: &Path, full: bool) {
    let opts = ExportOptions {
        full,
        ..Default::default()
    };
    s.export_bundle(out, &opts, &mut |_| {}).unwrap();
}

#[test]
fn a_purged_person_leaves_no_trace_in_the_data_folder() {
    let mut f = fixture("00070");
    let (person, entry) = someone(&mut f, "00070");
    f.store
        .put(Kind::Person, json!({"id": person, "phone": "0987000111"}))
        .unwrap(); // an edit leaves the old value in freed space: it must go too
    f.store
        .put(Kind::Person, json!({"id": person, "phone": PHONE}))
        .unwrap();
    let before = f.store.backup(Reason::Manual).unwrap().backup.id;

    let refused = f.store.purge("person", &person).unwrap_err();
    assert_eq!(
        refused.code,
        Code::PurgeNotInTrash,
        "a live person is not erased: the trash comes first"
    );
    assert!(
        f.store.get(Kind::Person, &person).is_ok(),
        "a refused purge changes nothing"
    );

    f.store.delete(Kind::Person, &person).unwrap();
    let r = f.store.purge("person", &person).unwrap();
    assert_eq!(
        (r.records, r.attachments, r.files),
        (2, 1, 1),
        "the person, the entry and the photo: {r:?}"
    );
    assert_eq!(
        f.store.get(Kind::Person, &person).unwrap_err().code,
        Code::NotFound
    );
    assert_eq!(
        f.store.get(Kind::Entry, &entry).unwrap_err().code,
        Code::NotFound
    );
    assert_eq!(
        f.store.check().unwrap(),
        vec![],
        "the audit chain holds with the erased rows blanked"
    );
    let history = f.store.history(&person).unwrap();
    assert!(
        history.iter().all(|h| h.changes == json!({})),
        "the audit keeps that things happened, not the values: {history:?}"
    );
    assert!(
        history.iter().any(|h| h.action == "erase"),
        "the erasure itself is in the history"
    );

    let after = f.store.backup(Reason::Manual).unwrap().backup.id;
    let bundle = f.dir.path().join("after.sovang");
    export(&mut f.store, &bundle, true);
    let backups = sovang_core::backup::root(f.dir.path());
    let old = [backups.join(&before), backups.join("attachments")];
    let mut files = files_under(f.dir.path(), &old);
    assert!(files.iter().any(|p| p.ends_with("sovang.db")));
    assert!(
        files.iter().any(|p| p.starts_with(backups.join(&after))),
        "the backup made after is read"
    );
    files.push(bundle);
    assert_eq!(
        traces(&files),
        Vec::<String>::new(),
        "nothing of the erased person is left"
    );

    let listed = f.store.backups().unwrap();
    let old = listed.iter().find(|b| b.id == before).unwrap();
    assert!(
        old.erased_since > 0,
        "a backup older than the erasure is marked: {old:?}"
    );
    let new = listed.iter().find(|b| b.id == after).unwrap();
    assert_eq!(new.erased_since, 0);
}

struct Pair {
    ward: Fixture,
    city: Fixture,
    tmp: tempfile::TempDir,
}

fn ward_and_city() -> Pair {
    let mut ward = fixture("00070");
    let mut city = fixture("01");
    trust_both(&mut ward.store, &mut city.store);
    Pair {
        ward,
        city,
        tmp: tempfile::tempdir().unwrap(),
    }
}

#[test]
fn an_erasure_reaches_the_city_and_the_erased_records_never_come_back() {
    let mut p = ward_and_city();
    let (person, entry) = someone(&mut p.ward, "00070");
    let first = p.tmp.path().join("first.sovang");
    export(&mut p.ward.store, &first, false);
    import(&mut p.city.store, &first);
    let sha = p.city.store.get(Kind::Person, &person).unwrap()["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(p.city.store.attachment_path(&sha).exists());

    assert_eq!(
        format_of(&first),
        3,
        "a bundle with no erasure stays readable by older apps"
    );
    p.ward.store.delete(Kind::Person, &person).unwrap();
    p.ward.store.purge("person", &person).unwrap();
    let second = p.tmp.path().join("second.sovang");
    export(&mut p.ward.store, &second, false);
    assert_eq!(
        format_of(&second),
        4,
        "one with erasures makes an older app say \"update\", not keep what was erased"
    );
    let r = import(&mut p.city.store, &second);
    assert_eq!(
        r.erased, 3,
        "the person, the entry and the photo are erased at the city: {r:?}"
    );
    for (kind, id) in [(Kind::Person, &person), (Kind::Entry, &entry)] {
        assert_eq!(p.city.store.get(kind, id).unwrap_err().code, Code::NotFound);
    }
    assert!(
        !p.city.store.attachment_path(&sha).exists(),
        "the photo's file is gone at the city"
    );
    assert_eq!(p.city.store.check().unwrap(), vec![]);

    // The first bundle again (a USB stick found in a drawer): nothing erased comes back.
    let again = import(&mut p.city.store, &first);
    assert_eq!(again.created, 0, "{again:?}");
    assert!(
        again
            .rejections
            .iter()
            .all(|r| r.code == Code::RecordErased)
            && again.rejected == 3,
        "each erased record is refused as erased: {again:?}"
    );
    assert_eq!(
        p.city.store.get(Kind::Person, &person).unwrap_err().code,
        Code::NotFound
    );
    let files = files_under(
        p.city.dir.path(),
        &[sovang_core::backup::root(p.city.dir.path())],
    );
    assert_eq!(
        traces(&files),
        Vec::<String>::new(),
        "nothing is left at the city either"
    );
}

/// An erasure line as a (buggy or hostile) ward would write it.
fn marker(id: &str, kind: &str, unit: &str) -> String {
    json!({"id": id, "kind": kind, "unit": unit, "erased_at": "2026-11-26T08:00:00.000Z",
        "erased_by": "Máy lỗi", "version": version_at(FIXTURE_MS, "7")})
    .to_string()
        + "\n"
}

#[test]
fn a_ward_cannot_erase_what_is_not_its_own() {
    let mut city = fixture("01");
    let ward = Forger::new(7, "00070");
    ward.trusted_by(&mut city.store);
    let city_person = common::person(&mut city.store, "Lê Văn Thành", "01");
    let ward_person = common::person(&mut city.store, "Lê Văn Thắng", "00070");
    let other = common::person(&mut city.store, "Lê Văn Tâm", "00070");
    let deed = id(&city
        .store
        .put(Kind::Entry, entry_json("00070", &other, "Dọn rác"))
        .unwrap());
    let nominee = common::person(&mut city.store, "Lê Thị Mai", "00070");
    let nomination = common::nominate(&mut city.store, "00070", &nominee, "Hiến máu 5 lần");
    city.store.submit(&nomination).unwrap();
    let clock_before = hlc_last(&city.store);
    let far = "004102444800000-00000-0000000000000007"; // the year 2100
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        marker(&city_person, "person", "00070"),
        marker(&city_person, "person", "01"),
        marker(&uuid::Uuid::now_v7().to_string(), "unit", "00070"),
        marker(&other, "entry", "00070"),
        marker(&deed, "entry", "00070"),
        marker(&nominee, "person", "00070"),
        marker(&ward_person, "person", "00070").replace(&version_at(FIXTURE_MS, "7"), far),
        marker(&other, "person", "00070").replace("2026-11-26T08:00:00.000Z", "hôm qua"),
        marker(&other, "person", "00070").replace("Máy lỗi", &"x".repeat(201)),
    ]
    .concat();
    let bundle = ward.bundle(dir.path(), "hostile", &[("erasure", lines)], &[]);
    let r = import(&mut city.store, &bundle);
    let codes: Vec<(String, Code)> = r
        .rejections
        .iter()
        .map(|x| (x.id.clone(), x.code))
        .collect();
    let refused = |id: &str, code: Code| codes.contains(&(id.to_owned(), code));
    assert!(
        refused(&city_person, Code::ErasureRefused),
        "the city's person is not the ward's, whatever unit the marker claims: {codes:?}"
    );
    assert!(
        refused(&city_person, Code::OutOfAuthority),
        "a marker naming the city's unit is outside the ward's authority: {codes:?}"
    );
    assert!(
        codes.iter().any(|(_, c)| *c == Code::InvalidValue),
        "a unit holds no personal data: it cannot be erased: {codes:?}"
    );
    assert!(
        refused(&other, Code::ErasureRefused),
        "a marker whose kind is not the record's is refused: {codes:?}"
    );
    assert!(
        refused(&other, Code::InvalidDate) && refused(&other, Code::TooLong),
        "when and by whom must be a time and a name: {codes:?}"
    );
    assert!(
        refused(&deed, Code::ErasureRefused),
        "a deed goes with its person, never on its own: {codes:?}"
    );
    assert!(
        refused(&nominee, Code::ErasureRefused),
        "a nomination in review stays, as in a local purge: {codes:?}"
    );
    for (kind, id) in [
        (Kind::Person, &city_person),
        (Kind::Person, &other),
        (Kind::Entry, &deed),
        (Kind::Nomination, &nomination),
    ] {
        assert!(
            city.store.get(kind, id).is_ok(),
            "{} {id} stays",
            kind.name()
        );
    }
    assert_eq!(r.erased, 1, "the ward may erase its own person: {r:?}");
    assert_eq!(
        city.store.get(Kind::Person, &ward_person).unwrap_err().code,
        Code::NotFound
    );
    assert_eq!(
        hlc_last(&city.store),
        clock_before,
        "a marker dated in 2100 does not move the city's clock"
    );
    assert_eq!(city.store.check().unwrap(), vec![]);
    assert_eq!(
        city.store.purge("person", &nominee).unwrap_err().code,
        Code::PurgeNotInTrash
    );
    city.store.delete(Kind::Person, &nominee).ok();
    if city.store.get(Kind::Person, &nominee).unwrap()["deleted_at"].is_string() {
        assert_eq!(
            city.store.purge("person", &nominee).unwrap_err().code,
            Code::NominationLocked,
            "nor does a local purge take a nomination in review"
        );
    }
}

fn hlc_last(s: &Store) -> String {
    s.connection()
        .query_row("SELECT value FROM meta WHERE key = 'hlc_last'", [], |r| {
            r.get(0)
        })
        .unwrap()
}

#[test]
fn a_unit_that_named_an_id_first_does_not_stop_its_owner() {
    let mut p = ward_and_city();
    let squatter = Forger::new(11, "00073");
    squatter.trusted_by(&mut p.city.store);
    // The other ward names the ward's person before anyone sent it to the city.
    let x = common::person(&mut p.ward.store, "Bùi Văn Xa", "00070");
    let early = squatter.bundle(
        p.tmp.path(),
        "squat",
        &[("erasure", marker(&x, "person", "00073"))],
        &[],
    );
    assert_eq!(import(&mut p.city.store, &early).erased, 1);
    // The ward's deed about the person, then the person: both land.
    p.ward
        .store
        .put(Kind::Entry, entry_json("00070", &x, "Trồng cây"))
        .unwrap();
    let up = p.tmp.path().join("up.sovang");
    export(&mut p.ward.store, &up, false);
    let r = import(&mut p.city.store, &up);
    assert_eq!(
        r.created, 2,
        "another ward's marker stops nothing of this ward: {r:?}"
    );
    // The ward erases the person for real: that reaches the city.
    p.ward.store.delete(Kind::Person, &x).unwrap();
    p.ward.store.purge("person", &x).unwrap();
    let gone = p.tmp.path().join("gone.sovang");
    export(&mut p.ward.store, &gone, false);
    let r = import(&mut p.city.store, &gone);
    assert_eq!(r.erased, 2, "{r:?}");
    assert_eq!(
        p.city.store.get(Kind::Person, &x).unwrap_err().code,
        Code::NotFound
    );
}

#[test]
fn a_marker_for_a_record_not_here_yet_stops_only_what_its_unit_could_erase() {
    let mut p = ward_and_city();
    let hostile = Forger::new(9, "00070");
    hostile.trusted_by(&mut p.ward.store);
    // The ward hears of an erasure before the records: one of its own unit, one the city's.
    let own = uuid::Uuid::now_v7().to_string();
    let citys = common::person(&mut p.city.store, "Trịnh Văn Bình", "01");
    let lines = [
        marker(&own, "person", "00070"),
        marker(&citys, "person", "00070"),
    ]
    .concat();
    let early = hostile.bundle(p.tmp.path(), "early", &[("erasure", lines)], &[]);
    assert_eq!(
        import(&mut p.ward.store, &early).erased,
        2,
        "kept: the records may come later"
    );
    let down = p.tmp.path().join("down.sovang");
    let opts = ExportOptions {
        to: Some("00070".into()),
        ..Default::default()
    };
    p.city
        .store
        .export_bundle(&down, &opts, &mut |_| {})
        .unwrap();
    import(&mut p.ward.store, &down);
    assert!(
        p.ward.store.get(Kind::Person, &citys).is_ok(),
        "a ward's marker does not stop the city's record"
    );
}

#[test]
fn an_attachment_taken_off_loses_its_file_once_no_record_uses_it() {
    let mut p = ward_and_city();
    let a = common::person(&mut p.ward.store, "Đỗ Minh Khoa", "00070");
    let b = common::person(&mut p.ward.store, "Đỗ Minh Khang", "00070");
    let photo = p.tmp.path().join("giay-khen.png");
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\ngiay-khen-chung").unwrap();
    let on_a = p.ward.store.attach(Kind::Person, &a, &photo).unwrap();
    let on_b = p.ward.store.attach(Kind::Person, &b, &photo).unwrap();
    let sha = on_a["sha256"].as_str().unwrap().to_owned();
    let b1 = p.tmp.path().join("b1.sovang");
    export(&mut p.ward.store, &b1, false);
    import(&mut p.city.store, &b1);

    p.ward.store.detach(on_a["id"].as_str().unwrap()).unwrap();
    assert!(
        p.ward.store.attachment_path(&sha).exists(),
        "the other person still uses the file"
    );
    let again = p
        .ward
        .store
        .detach(on_a["id"].as_str().unwrap())
        .unwrap_err();
    assert_eq!(again.code, Code::AlreadyDeleted);
    p.ward.store.detach(on_b["id"].as_str().unwrap()).unwrap();
    assert!(
        !p.ward.store.attachment_path(&sha).exists(),
        "no record uses it: the file is gone"
    );
    let history = p.ward.store.history(&a).unwrap();
    assert!(history.iter().any(|h| h.action == "detach"), "{history:?}");
    assert_eq!(
        p.ward.store.get(Kind::Person, &a).unwrap()["attachments"],
        json!([])
    );
    let listed = p.ward.store.detached_attachments().unwrap();
    assert_eq!(
        listed.len(),
        2,
        "both wait in the trash to be erased for good"
    );

    let b2 = p.tmp.path().join("b2.sovang");
    export(&mut p.ward.store, &b2, false);
    import(&mut p.city.store, &b2);
    assert!(
        !p.city.store.attachment_path(&sha).exists(),
        "taken off at the city too"
    );

    // Erasing one of them for good removes its row (its file name) everywhere.
    let aid = on_a["id"].as_str().unwrap();
    let r = p.ward.store.purge("attachment", aid).unwrap();
    assert_eq!(r.attachments, 1);
    assert_eq!(p.ward.store.detached_attachments().unwrap().len(), 1);
    assert_eq!(p.ward.store.check().unwrap(), vec![]);
    let b3 = p.tmp.path().join("b3.sovang");
    export(&mut p.ward.store, &b3, false);
    assert_eq!(import(&mut p.city.store, &b3).erased, 1);
    assert_eq!(p.city.store.check().unwrap(), vec![]);
}

#[test]
fn check_names_the_first_broken_link_of_the_audit_chain() {
    let mut f = fixture("00070");
    for i in 0..4 {
        let p = common::person(&mut f.store, &format!("Người {i}"), "00070");
        f.store
            .put(Kind::Person, json!({"id": p, "phone": "0900000000"}))
            .unwrap();
    }
    assert_eq!(f.store.check().unwrap(), vec![]);
    let rows: Vec<i64> = {
        let mut stmt = f
            .store
            .connection()
            .prepare("SELECT seq FROM audit ORDER BY seq")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(rows.len() >= 4, "each edit is an audit row: {rows:?}");
    let dir = f.dir.path().to_owned();
    let broken = |f: &Fixture| {
        f.store
            .check()
            .unwrap()
            .into_iter()
            .filter(|p| p.check == "audit_chain")
            .map(|p| p.detail)
            .collect::<Vec<_>>()
    };
    let scratch = tempfile::tempdir().unwrap();
    let variant = |sql: &str| {
        let to = scratch.path().join(format!("v{}", sql.len()));
        copy_dir(&dir, &to);
        common::edit_database(&to, sql);
        let store = Store::open(&to, f.clock.clone()).unwrap();
        store
            .check()
            .unwrap()
            .into_iter()
            .filter(|p| p.check == "audit_chain")
            .map(|p| p.detail)
            .collect::<Vec<_>>()
    };
    let second = rows[1];
    assert_eq!(
        variant(&format!(
            "UPDATE audit SET changes = '{{\"phone\":[\"1\",\"2\"]}}' WHERE seq = {second}"
        )),
        [format!("row {second}: changes")],
        "a value changed in place"
    );
    assert_eq!(
        variant(&format!(
            "UPDATE audit SET actor = 'Ai đó' WHERE seq = {second}"
        )),
        [format!("row {second}: hash")],
        "who did it changed"
    );
    assert_eq!(
        variant(&format!("DELETE FROM audit WHERE seq = {second}")),
        [format!("row {}: prev_hash", rows[2])],
        "a row removed: the next one names what is missing"
    );
    assert_eq!(
        variant(&format!(
            "UPDATE audit SET changes = '{{}}', salt = NULL WHERE seq = {second}"
        )),
        [format!("row {second}: blanked")],
        "values removed with no erasure to explain it"
    );
    let record: String = f
        .store
        .connection()
        .query_row(
            "SELECT record_id FROM audit WHERE seq = ?1",
            [second],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        variant(&format!(
            "UPDATE audit SET changes = '{{}}', salt = NULL WHERE seq = {second}; \
             INSERT INTO erasures (id, kind, unit, erased_at, erased_by, hlc, change_seq) \
             VALUES ('{record}', 'person', '00070', 'x', 'x', 'x', 1)"
        )),
        [format!("row {second}: blanked")],
        "a marker added beside the chain does not explain it: only a chained erase row does"
    );
    assert_eq!(broken(&f), Vec::<String>::new());

    // The rows last seen by a backup must still be there: cutting the tail is seen too.
    f.store.backup(Reason::Manual).unwrap();
    let last = *rows.last().unwrap();
    assert_eq!(
        variant(&format!("DELETE FROM audit WHERE seq = {last}")).len(),
        1,
        "the backup's last row is gone"
    );
}

#[test]
fn rows_written_before_the_chain_are_chained_when_the_store_opens() {
    let mut f = fixture("00070");
    let nam = common::person(&mut f.store, "Hoàng Văn Nam", "00070");
    for phone in ["0901000001", "0901000002"] {
        f.store
            .put(Kind::Person, json!({"id": nam, "phone": phone}))
            .unwrap();
    }
    let dir = f.dir.path().to_owned();
    let clock = f.clock.clone();
    drop(f.store);
    common::edit_database(
        &dir,
        "UPDATE audit SET salt = NULL, changes_hash = NULL, prev_hash = NULL, hash = NULL; \
         DELETE FROM meta WHERE key = 'audit_chained';",
    );
    let store = Store::open(&dir, clock.clone()).unwrap();
    let unchained: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM audit WHERE hash IS NULL", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(unchained, 0, "every row is chained once the store is open");
    let rows: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
        .unwrap();
    assert!(rows >= 2, "the edits are in the audit: {rows}");
    assert_eq!(store.check().unwrap(), vec![]);
    // Once only: hashes cleared after that are tampering, reported, not sealed again.
    drop(store);
    common::edit_database(&dir, "UPDATE audit SET hash = NULL, prev_hash = NULL");
    let store = Store::open(&dir, clock).unwrap();
    let problems = store.check().unwrap();
    assert!(
        problems.iter().any(|p| p.check == "audit_chain"),
        "a cleared chain is reported: {problems:?}"
    );
}
