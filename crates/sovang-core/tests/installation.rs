//! A data folder copied to another PC becomes a new installation (new id, so a new node for
//! its versions, and a new key); one moved on the same PC stays the installation it was.

mod common;

use std::path::Path;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use common::{copy_dir, edit_database, person};
use serde_json::json;
use sovang_core::app::{App, Setup};
use sovang_core::clock::ManualClock;
use sovang_core::store::{ExportOptions, ImportOptions, Machine, DB_FILE};
use sovang_core::{Kind, Lang, Store};

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap(),
    ))
}

fn open(dir: &Path, on: &str) -> Store {
    Store::open_on(dir, clock(), &Machine::named(on)).expect("the folder must open")
}

/// (installation id, key fingerprint): what another installation knows this one by.
fn identity(s: &Store) -> (String, String) {
    let card = s.identity().unwrap();
    (card.installation, card.fingerprint)
}

/// The node part of the versions `s` writes from now on, and the node of record `id`.
fn nodes(s: &mut Store, record: &str) -> (String, String) {
    let new = person(s, "Người mới", "00070");
    let node = |id: &str| -> String {
        let hlc: String = s
            .connection()
            .query_row("SELECT hlc FROM people WHERE id = ?1", [id], |r| r.get(0))
            .unwrap();
        hlc[22..].to_owned()
    };
    (node(&new), node(record))
}

/// A ward's folder made on PC "a", with one person in it, closed.
fn ward_on_a(dir: &Path) -> String {
    let mut s = Store::init_on(dir, "00070", "Cán bộ Test", clock(), &Machine::named("a"))
        .expect("init must succeed");
    person(&mut s, "Lê Thị Cúc", "00070")
}

#[test]
fn a_folder_copied_to_another_pc_becomes_a_new_installation_and_the_original_keeps_its_own() {
    let root = tempfile::tempdir().unwrap();
    let (orig, copy) = (root.path().join("a"), root.path().join("b"));
    let cuc = ward_on_a(&orig);
    let mut a = open(&orig, "a");
    let before = identity(&a);
    let (a_node, _) = nodes(&mut a, &cuc);
    drop(a);
    copy_dir(&orig, &copy);

    let mut b = open(&copy, "b");
    let after = identity(&b);
    assert_ne!(after.0, before.0, "the copy gets a new installation id");
    assert_ne!(
        after.1, before.1,
        "the copy gets a new key: its card is new"
    );
    let (b_node, old_node) = nodes(&mut b, &cuc);
    assert_ne!(b_node, a_node, "the copy's new versions carry a new node");
    assert_eq!(
        old_node, a_node,
        "what was written before the copy keeps its node"
    );
    drop(b);
    assert_eq!(
        identity(&open(&copy, "b")),
        after,
        "opened again on its PC, the copy stays the new installation"
    );
    assert_eq!(
        identity(&open(&orig, "a")),
        before,
        "the original keeps its id and key"
    );
}

#[test]
fn a_folder_moved_on_the_same_pc_keeps_its_identity() {
    let root = tempfile::tempdir().unwrap();
    let (from, to) = (root.path().join("from"), root.path().join("to"));
    ward_on_a(&from);
    let before = identity(&open(&from, "a"));
    std::fs::rename(&from, &to).unwrap();
    assert_eq!(
        identity(&open(&to, "a")),
        before,
        "a folder moved by hand is the same installation"
    );
}

#[test]
fn moving_the_data_folder_in_the_app_keeps_the_identity() {
    let home = tempfile::tempdir().unwrap();
    let (cfg, data, moved) = (
        home.path().join("cfg"),
        home.path().join("data"),
        home.path().join("moved"),
    );
    let mut app = App::start(cfg.clone(), Some(data), clock()).unwrap();
    let setup = Setup {
        lang: Lang::Vi,
        unit: "00070".into(),
        branch: None,
        user: "Minh Anh".into(),
    };
    app.setup(setup).unwrap();
    let before = identity(app.store().unwrap());
    app.move_data(&moved).unwrap();
    assert_eq!(
        identity(app.store().unwrap()),
        before,
        "the moved folder is the same installation"
    );
    drop(app);
    let mut again = App::start(cfg, None, clock()).unwrap();
    assert_eq!(
        identity(again.store().unwrap()),
        before,
        "and stays so when the app starts again"
    );
}

#[test]
fn a_database_copied_without_its_folder_is_a_new_installation() {
    let root = tempfile::tempdir().unwrap();
    let (orig, other) = (root.path().join("a"), root.path().join("other"));
    ward_on_a(&orig);
    let before = identity(&open(&orig, "a"));
    std::fs::create_dir_all(&other).unwrap();
    std::fs::copy(orig.join(DB_FILE), other.join(DB_FILE)).unwrap();
    let copied = identity(&open(&other, "a"));
    assert_ne!(
        copied.0, before.0,
        "sovang.db alone, on the same PC, is a copy: its folder's mark is missing"
    );
    assert_ne!(copied.1, before.1);
    assert_eq!(identity(&open(&orig, "a")), before);
}

#[test]
fn a_folder_from_before_the_marks_stays_the_installation_it_says() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("a");
    ward_on_a(&dir);
    let before = identity(&open(&dir, "a"));
    edit_database(
        &dir,
        "DELETE FROM meta WHERE key IN ('machine', 'folder_mark')",
    );
    std::fs::remove_file(dir.join(sovang_core::store::MARK_FILE)).unwrap();
    assert_eq!(
        identity(&open(&dir, "b")),
        before,
        "with no marks yet, the folder is taken for what it says and marked"
    );
    assert_ne!(
        identity(&open(&dir, "c")).0,
        before.0,
        "once marked, another PC is recognised"
    );
}

#[test]
fn two_copies_editing_one_record_keep_both_edits_as_a_conflict() {
    let root = tempfile::tempdir().unwrap();
    let (orig, copy) = (root.path().join("a"), root.path().join("b"));
    // No key was made before the copy, so the two keys differ anyway: what would lose an
    // edit is the shared node, which makes one edit look like it came after the other.
    let cuc = ward_on_a(&orig);
    copy_dir(&orig, &copy);
    let (ca, cb) = (clock(), clock());
    let mut a = Store::open_on(&orig, ca.clone(), &Machine::named("a")).unwrap();
    let mut b = Store::open_on(&copy, cb.clone(), &Machine::named("b")).unwrap();
    a.trust_add(&b.identity().unwrap())
        .expect("the copy's new card is another installation's");
    b.trust_add(&a.identity().unwrap()).unwrap();

    ca.advance_ms(1000);
    a.put(Kind::Person, json!({"id": cuc, "phone": "0900000001"}))
        .unwrap();
    cb.advance_ms(5000);
    b.put(Kind::Person, json!({"id": cuc, "phone": "0900000002"}))
        .unwrap();
    let full = ExportOptions {
        to: None,
        full: true,
        ..Default::default()
    };
    let (from_a, from_b) = (root.path().join("a.sovang"), root.path().join("b.sovang"));
    a.export_bundle(&from_a, &full, &mut |_| {}).unwrap();
    b.export_bundle(&from_b, &full, &mut |_| {}).unwrap();
    for (s, bundle) in [(&mut a, &from_b), (&mut b, &from_a)] {
        let r = s.import_bundle(bundle, ImportOptions::default(), &mut |_| {});
        assert!(r.error.is_none(), "import failed: {:?}", r.error);
    }
    for s in [&a, &b] {
        let c = s.conflicts(false).unwrap();
        assert_eq!(
            c.len(),
            1,
            "concurrent edits on two installations are a conflict, not a silent overwrite"
        );
        assert_eq!(c[0].field, "phone");
        assert_eq!(
            c[0].other_value,
            json!("0900000001"),
            "the earlier edit is kept"
        );
        assert_eq!(
            s.get(Kind::Person, &cuc).unwrap()["data"]["phone"],
            "0900000002"
        );
    }
}
