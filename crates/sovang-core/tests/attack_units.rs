//! Attacks on the import through unit records: a unit that exists here only as a tombstone.
//! The in-memory unit tree (`load_units`) leaves deleted units out, while the held-record
//! check (`Waiting::Unit`) and the `units.code` primary key still see them.

mod common;

use std::time::Duration;

use common::{fixture, version_at, Forger, FIXTURE_MS};
use serde_json::{json, Value};
use sovang_core::store::{ImportOptions, ImportReport};
use sovang_core::{Code, Kind};

const NODE: &str = "00000000000000aa";

/// A line of `f` with the record in the trash.
fn deleted(line: String) -> String {
    let mut v: Value = serde_json::from_str(&line).unwrap();
    v["deleted_at"] = json!("2026-11-26T08:00:00.000Z");
    v["deleted_by"] = json!("Máy lỗi");
    v.to_string() + "\n"
}

fn branch(f: &Forger, id: &str, code: &str, version: &str) -> String {
    let body = json!({"code": code, "name": "Chi đoàn Tổ 9", "unit_type": "branch",
        "parent": "00070"});
    f.line(id, "00070", body, version)
}

fn person(f: &Forger, id: &str, unit: &str, version: &str) -> String {
    let body = json!({"full_name": "Đỗ Văn Treo", "unit": unit, "birth_date": "2000-03-12"});
    f.line(id, unit, body, version)
}

/// A ward's bundle holds its branch as a tombstone and a person of that branch (what a ward
/// that deleted a branch while another of its PCs added someone to it sends, merged). The
/// person is held for the unit; `release_held` then finds the unit "here" (the `units` table
/// has the tombstone's code), applies it again, holds it again, and loops for ever, inside
/// the import's write transaction. Once such a row is committed (the person arrived first,
/// the tombstone later), every later import hangs the same way.
#[test]
fn a_record_of_a_deleted_unit_never_hangs_the_import() {
    let mut city = fixture("01");
    let f = Forger::new(41, "00070");
    f.trusted_by(&mut city.store);
    let v = version_at(FIXTURE_MS, NODE);
    let tmp = tempfile::tempdir().unwrap();
    let b = f.bundle(
        tmp.path(),
        "b",
        &[
            (
                "unit",
                deleted(branch(
                    &f,
                    "01900000-0000-7000-8000-0000000e0001",
                    "00070.09",
                    &v,
                )),
            ),
            (
                "person",
                person(&f, "01900000-0000-7000-8000-0000000e0002", "00070.09", &v),
            ),
        ],
        &[],
    );
    let (send, receive) = std::sync::mpsc::channel();
    let mut store = city.store;
    std::thread::spawn(move || {
        let r = store.import_bundle(&b, ImportOptions::default(), &mut |_| {});
        let _ = send.send(r);
    });
    let r: ImportReport = receive
        .recv_timeout(Duration::from_secs(60))
        .expect("the import never ends: release_held loops on a record held for a deleted unit");
    assert!(r.error.is_none(), "{r:?}");
}

/// A ward deleted its branch, then created a branch again under the same code (a new
/// record). The import's duplicate check asks the unit tree, which has no deleted units, so
/// the insert hits the `units.code` primary key and the whole bundle fails: the ward's good
/// records with it.
#[test]
fn a_unit_code_taken_by_a_tombstone_is_rejected_alone() {
    let mut city = fixture("01");
    let f = Forger::new(42, "00070");
    f.trusted_by(&mut city.store);
    let v = version_at(FIXTURE_MS, NODE);
    let later = version_at(FIXTURE_MS + 1000, NODE);
    let units = deleted(branch(
        &f,
        "01900000-0000-7000-8000-0000000e0011",
        "00070.08",
        &v,
    )) + &branch(
        &f,
        "01900000-0000-7000-8000-0000000e0012",
        "00070.08",
        &later,
    );
    let tmp = tempfile::tempdir().unwrap();
    let b = f.bundle(
        tmp.path(),
        "b",
        &[
            ("unit", units),
            (
                "person",
                person(&f, "01900000-0000-7000-8000-0000000e0013", "00070", &later),
            ),
        ],
        &[],
    );
    let r = city
        .store
        .import_bundle(&b, ImportOptions::default(), &mut |_| {});
    assert!(
        r.error.is_none(),
        "one unit record must not abort the whole bundle: {:?}",
        r.error
    );
    assert!(city
        .store
        .get(Kind::Person, "01900000-0000-7000-8000-0000000e0013")
        .is_ok());
    assert!(
        r.rejections.iter().any(|x| x.code == Code::DuplicateCode),
        "{r:?}"
    );
}
