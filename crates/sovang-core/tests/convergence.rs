//! Convergence: four installations (the city, two PCs of one ward, another ward) make random
//! creates, edits and deletes, and exchange bundles in random orders with repeats. Importing
//! anything a second time changes nothing, and once every installation has imported everyone's
//! last bundle, all hold identical records. `PROPTEST_CASES` sets how many runs (default 10).

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use serde_json::json;
use sovang_core::clock::ManualClock;
use sovang_core::store::{ExportOptions, ImportOptions};
use sovang_core::sync::wire::{from_row, WireRecord, RECORD_COLUMNS};
use sovang_core::{Kind, Store};

use common::copy_dir;

/// (unit, the unit new records go to): the city writes for both wards.
const INSTALLATIONS: [&str; 4] = ["01", "00070", "00070", "00004"];
const NAMES: [&str; 5] = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Hoàng Cường",
    "Phạm Thu Dung",
    "Đỗ Minh Đức",
];
const POSITIONS: [&str; 3] = ["Bí thư", "Phó bí thư", "Ủy viên"];

fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap()
}

/// The four installations, made once, each trusting the others; every case copies them.
fn templates() -> &'static Vec<PathBuf> {
    static T: OnceLock<(tempfile::TempDir, Vec<PathBuf>)> = OnceLock::new();
    &T.get_or_init(|| {
        let root = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(start()));
        let mut stores: Vec<Store> = INSTALLATIONS
            .iter()
            .enumerate()
            .map(|(i, unit)| {
                Store::init(
                    &root.path().join(i.to_string()),
                    unit,
                    "Cán bộ",
                    clock.clone(),
                )
                .unwrap()
            })
            .collect();
        let cards: Vec<_> = stores.iter().map(|s| s.identity().unwrap()).collect();
        for (i, s) in stores.iter_mut().enumerate() {
            for (j, c) in cards.iter().enumerate() {
                if i != j {
                    s.trust_add(c).unwrap();
                }
            }
        }
        let dirs = (0..4).map(|i| root.path().join(i.to_string())).collect();
        drop(stores);
        (root, dirs)
    })
    .1
}

#[derive(Debug, Clone)]
enum Op {
    Create {
        at: usize,
        name: usize,
        ward: bool,
    },
    Entry {
        at: usize,
        person: usize,
    },
    Edit {
        at: usize,
        person: usize,
        field: usize,
        value: usize,
    },
    Delete {
        at: usize,
        person: usize,
    },
    Restore {
        at: usize,
        person: usize,
    },
    Export {
        at: usize,
        to_parent: bool,
    },
    Import {
        at: usize,
        bundle: usize,
    },
    /// `from` exports, `at` imports that bundle at once.
    Sync {
        at: usize,
        from: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let at = 0usize..4;
    prop_oneof![
        2 => (at.clone(), 0usize..5, any::<bool>()).prop_map(|(at, name, ward)| Op::Create { at, name, ward }),
        2 => (at.clone(), 0usize..50).prop_map(|(at, person)| Op::Entry { at, person }),
        8 => (at.clone(), 0usize..50, 0usize..3, 0usize..5).prop_map(|(at, person, field, value)| Op::Edit { at, person, field, value }),
        1 => (at.clone(), 0usize..50).prop_map(|(at, person)| Op::Delete { at, person }),
        1 => (at.clone(), 0usize..50).prop_map(|(at, person)| Op::Restore { at, person }),
        2 => (at.clone(), any::<bool>()).prop_map(|(at, to_parent)| Op::Export { at, to_parent }),
        3 => (at.clone(), 0usize..50).prop_map(|(at, bundle)| Op::Import { at, bundle }),
        6 => (at, 0usize..4).prop_map(|(at, from)| Op::Sync { at, from }),
    ]
}

/// Every record in its travelling form, which is what must agree everywhere.
fn state(s: &Store) -> Vec<(Kind, WireRecord)> {
    let mut out = Vec::new();
    for kind in Kind::ALL {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM {} ORDER BY id", kind.table());
        let mut stmt = s.connection().prepare(&sql).unwrap();
        out.extend(
            stmt.query_map([], from_row)
                .unwrap()
                .map(|r| (kind, r.unwrap())),
        );
    }
    out
}

/// The people an installation may change, live or in the trash, in a stable order.
fn people(s: &Store, deleted: Option<bool>) -> Vec<String> {
    let scope = s.unit_scope(&s.installation().unit).unwrap();
    let cond = match deleted {
        Some(true) => "AND deleted_at IS NOT NULL",
        Some(false) => "AND deleted_at IS NULL",
        None => "",
    };
    let sql = format!("SELECT id, unit FROM people WHERE 1 {cond} ORDER BY id");
    let mut stmt = s.connection().prepare(&sql).unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    rows.map(Result::unwrap)
        .filter(|(_, u)| scope.contains(u))
        .map(|(id, _)| id)
        .collect()
}

fn pick(list: &[String], i: usize) -> Option<&String> {
    (!list.is_empty()).then(|| &list[i % list.len()])
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let root = tempfile::tempdir().unwrap();
    let clocks: Vec<Arc<ManualClock>> = (0..4)
        .map(|_| Arc::new(ManualClock::new(start())))
        .collect();
    let mut stores: Vec<Store> = templates()
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let dir = root.path().join(i.to_string());
            copy_dir(t, &dir);
            Store::open(&dir, clocks[i].clone()).unwrap()
        })
        .collect();
    let mut bundles: Vec<PathBuf> = Vec::new();
    for (step, op) in ops.into_iter().enumerate() {
        let at = match &op {
            Op::Create { at, .. }
            | Op::Entry { at, .. }
            | Op::Edit { at, .. }
            | Op::Delete { at, .. }
            | Op::Restore { at, .. }
            | Op::Export { at, .. }
            | Op::Import { at, .. }
            | Op::Sync { at, .. } => *at,
        };
        clocks[at].advance_ms(1 + (step as i64 * 7919) % 3000);
        if let Op::Sync { from, .. } = op {
            let out = root.path().join(format!("b{}.sovang", bundles.len()));
            let full = ExportOptions {
                to: None,
                full: true,
            };
            stores[from]
                .export_bundle(&out, &full, &mut |_| {})
                .unwrap();
            bundles.push(out);
        }
        let s = &mut stores[at];
        match op {
            Op::Create { name, ward, .. } => {
                let unit = match (INSTALLATIONS[at], ward) {
                    ("01", true) => "00004",
                    ("01", false) => "00070",
                    (u, _) => u,
                };
                s.put(
                    Kind::Person,
                    json!({"full_name": NAMES[name], "unit": unit}),
                )
                .unwrap();
            }
            Op::Entry { person, .. } => {
                if let Some(p) = pick(&people(s, Some(false)), person).cloned() {
                    let unit = s.get(Kind::Person, &p).unwrap()["data"]["unit"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    s.put(Kind::Entry, json!({"unit": unit, "title": "Hiến máu nhân đạo", "deed_date": "2025-05-19",
                        "person_id": p, "recorded_by": "Cán bộ", "values": ["trach_nhiem"]})).unwrap();
                }
            }
            Op::Edit {
                person,
                field,
                value,
                ..
            } => {
                if let Some(p) = pick(&people(s, Some(false)), person).cloned() {
                    let patch = match field {
                        0 => json!({"id": p, "phone": format!("09000000{value:02}")}),
                        1 => json!({"id": p, "position": POSITIONS[value % 3]}),
                        _ => json!({"id": p, "full_name": NAMES[value]}),
                    };
                    s.put(Kind::Person, patch).unwrap();
                }
            }
            Op::Delete { person, .. } => {
                if let Some(p) = pick(&people(s, Some(false)), person).cloned() {
                    let _ = s.delete(Kind::Person, &p);
                }
            }
            Op::Restore { person, .. } => {
                if let Some(p) = pick(&people(s, Some(true)), person).cloned() {
                    s.restore(Kind::Person, &p).unwrap();
                }
            }
            Op::Export { to_parent, .. } => {
                let to = (to_parent && INSTALLATIONS[at] != "01").then(|| "01".to_string());
                let out = root.path().join(format!("b{}.sovang", bundles.len()));
                s.export_bundle(&out, &ExportOptions { to, full: false }, &mut |_| {})
                    .unwrap();
                bundles.push(out);
            }
            Op::Import { bundle: _, .. } | Op::Sync { .. } => {
                // Mostly recent bundles, sometimes old ones again.
                let bundle = match op {
                    Op::Import { bundle, .. } => bundle,
                    _ => 0,
                };
                let n = bundles.len();
                if n == 0 {
                    continue;
                }
                let b = bundles[n - 1 - bundle % n.min(8)].display().to_string();
                let r = s.import_bundle(Path::new(&b), ImportOptions::default(), &mut |_| {});
                prop_assert!(r.error.is_none(), "import failed: {:?}", r.error);
                if std::env::var("CONVERGENCE_TRACE").is_ok() {
                    eprintln!(
                        "import: created {} updated {} conflicts {} held {} released {}",
                        r.created, r.updated, r.conflicts, r.held, r.released
                    );
                }
                prop_assert_eq!(
                    r.rejected,
                    0,
                    "nothing here is outside its signer's authority: {:?}",
                    r.rejections
                );
                let before = state(s);
                let again = s.import_bundle(Path::new(&b), ImportOptions::default(), &mut |_| {});
                prop_assert_eq!(
                    (again.created, again.updated, again.conflicts),
                    (0, 0, 0),
                    "a repeat is a no-op"
                );
                prop_assert!(
                    state(s) == before,
                    "importing the same bundle twice changes nothing"
                );
            }
        }
    }
    // Everyone sends everything it holds; everyone imports all of it, in two orders.
    let finals: Vec<PathBuf> = (0..4)
        .map(|i| {
            let out = root.path().join(format!("final{i}.sovang"));
            stores[i]
                .export_bundle(
                    &out,
                    &ExportOptions {
                        to: None,
                        full: true,
                    },
                    &mut |_| {},
                )
                .unwrap();
            out
        })
        .collect();
    for (i, s) in stores.iter_mut().enumerate() {
        for k in 0..4 {
            let b = &finals[(i + k) % 4];
            let r = s.import_bundle(b, ImportOptions::default(), &mut |_| {});
            prop_assert!(r.error.is_none() && r.rejected == 0, "{:?}", r);
            if std::env::var("CONVERGENCE_TRACE").is_ok() {
                eprintln!(
                    "final: created {} updated {} conflicts {} held {} released {}",
                    r.created, r.updated, r.conflicts, r.held, r.released
                );
            }
        }
    }
    let first = state(&stores[0]);
    for (i, s) in stores.iter().enumerate().skip(1) {
        let other = state(s);
        prop_assert_eq!(
            first.len(),
            other.len(),
            "installation {} holds as many records",
            i
        );
        for (a, b) in first.iter().zip(&other) {
            prop_assert_eq!(a, b, "installation {} differs", i);
        }
    }
    for s in &stores {
        let held: i64 = s
            .connection()
            .query_row("SELECT count(*) FROM sync_held", [], |r| r.get(0))
            .unwrap();
        prop_assert_eq!(held, 0, "every held record found its parent");
        prop_assert!(s.check().unwrap().is_empty());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(10),
        max_shrink_iters: 50,
        ..ProptestConfig::default()
    })]
    #[test]
    fn installations_converge_whatever_the_order(ops in proptest::collection::vec(op(), 30..80)) {
        run(ops)?;
    }
}
