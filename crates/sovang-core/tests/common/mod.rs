//! Shared set-up for the core's integration tests: a fresh store at a fixed time.
#![allow(dead_code)]

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use sovang_core::clock::ManualClock;
use sovang_core::{Kind, Store};

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    pub store: Store,
}

pub fn fixture(unit: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap(),
    ));
    let store =
        Store::init(dir.path(), unit, "Cán bộ Test", clock.clone()).expect("init must succeed");
    Fixture { dir, clock, store }
}

/// Changes a closed store's database directly: the state a crash, an interrupted command or an
/// older version would have left.
pub fn edit_database(dir: &std::path::Path, sql: &str) {
    let db = rusqlite::Connection::open(dir.join(sovang_core::store::DB_FILE)).unwrap();
    db.execute_batch(sql).unwrap();
}

/// Copies a data folder (a closed store) with everything in it.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

pub fn person(s: &mut Store, name: &str, unit: &str) -> String {
    let v = s
        .put(
            Kind::Person,
            json!({"full_name": name, "unit": unit, "birth_date": "12/03/2000"}),
        )
        .expect("a valid person must be stored");
    id(&v)
}

/// A filter keeping one kind of record.
pub fn of_kind(kind: Kind) -> sovang_core::store::ListFilter {
    sovang_core::store::ListFilter {
        kind: Some(kind),
        ..Default::default()
    }
}

pub fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

pub fn entry_json(unit: &str, person: &str, title: &str) -> Value {
    json!({"unit": unit, "title": title, "deed_date": "2025-05-19", "person_id": person,
           "recorded_by": "Lê Văn Ghi", "values": ["trach_nhiem"]})
}
