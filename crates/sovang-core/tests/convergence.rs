//! Convergence: four installations (the city, two PCs of one ward, another ward) make random
//! creates, edits, deletes, attachments and nominations, the city reviews them (its chair
//! scores and decides), and they exchange bundles in random orders with repeats. Their clocks
//! disagree: hours apart, and one PC of the ward is years ahead, so that the others hold what
//! it sends until their time catches up. Importing anything a second time changes nothing,
//! and once time has caught up and every installation has imported everyone's last bundle,
//! all hold identical records and attachments. `PROPTEST_CASES` sets how many runs (default
//! 10).

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use serde_json::json;
use sovang_core::clock::{Clock, ManualClock};
use sovang_core::records::{ReviewStatus, PRESET_CAMPAIGN_ID};
use sovang_core::store::{DecisionInput, ExportOptions, ImportOptions};
use sovang_core::sync::wire::{from_row, WireRecord, RECORD_COLUMNS};
use sovang_core::{Kind, Store};

use common::copy_dir;

/// (unit, the unit new records go to): the city writes for both wards.
const INSTALLATIONS: [&str; 4] = ["01", "00070", "00070", "00004"];
/// Each installation's clock against the city's: hours behind or ahead (within the day the
/// import allows), and the second ward PC in 2099, a PC whose clock battery died.
const HOUR: i64 = 3_600_000;
const FAR_AHEAD: usize = 2;
fn offset_ms(i: usize) -> i64 {
    match i {
        1 => -3 * HOUR,
        FAR_AHEAD => 4_070_908_800_000 - start().timestamp_millis(),
        3 => 5 * HOUR,
        _ => 0,
    }
}
/// Small files of the types attachments allow, each a distinct content.
const FILES: [(&str, &[u8]); 3] = [
    ("anh.png", b"\x89PNG\r\n\x1a\nthe deed"),
    ("anh.jpg", b"\xff\xd8\xff\xe0the certificate"),
    ("giay.pdf", b"%PDF-1.4 the letter"),
];
/// The city's committee: its chair (the city's installation) scores and decides alone.
const COMMITTEE: &str = "committee";
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
        let chair = &cards[0].fingerprint;
        let c = stores[0]
            .put(
                Kind::Committee,
                json!({"name": "Hội đồng xét chọn 2026", "unit": "01",
                    "campaign_id": PRESET_CAMPAIGN_ID, "year": 2026, "quorum": 1,
                    "members": [{"id": "chu-tich", "name": "Nguyễn Văn Chủ", "role": "chair",
                        "fingerprint": chair}]}),
            )
            .unwrap();
        std::fs::write(root.path().join(COMMITTEE), common::id(&c)).unwrap();
        for (name, bytes) in FILES {
            std::fs::write(root.path().join(name), bytes).unwrap();
        }
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

/// Where the templates' files are: the committee's id, the files to attach.
fn template_root() -> PathBuf {
    templates()[0].parent().unwrap().to_owned()
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
    Attach {
        at: usize,
        person: usize,
        file: usize,
    },
    /// A ward nominates one of its people and submits the nomination.
    Nominate {
        at: usize,
        person: usize,
    },
    /// The city's chair takes a nomination `steps` steps further: into review, scored,
    /// decided.
    Review {
        nomination: usize,
        steps: usize,
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
        6 => (at.clone(), 0usize..4).prop_map(|(at, from)| Op::Sync { at, from }),
        2 => (at.clone(), 0usize..50, 0usize..3).prop_map(|(at, person, file)| Op::Attach { at, person, file }),
        3 => (at, 0usize..50).prop_map(|(at, person)| Op::Nominate { at, person }),
    ]
}

/// Random operations; a review by the city's chair comes right after a bundle from a ward,
/// so that it often has a nomination to take further.
fn ops() -> impl Strategy<Value = Vec<Op>> {
    let review = (1usize..4, 0usize..50, 1usize..4).prop_map(|(from, nomination, steps)| {
        vec![Op::Sync { at: 0, from }, Op::Review { nomination, steps }]
    });
    let group = prop_oneof![10 => op().prop_map(|o| vec![o]), 1 => review];
    proptest::collection::vec(group, 30..80).prop_map(|g| g.concat())
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

/// Every live attachment by what it is (the record and the content), and whether its bytes
/// are here. Two installations that attach one file to one record keep one row each (the
/// other's is the same attachment), so the rows' ids may differ.
fn attachments(s: &Store) -> Vec<(String, String, String, bool)> {
    let mut stmt = s
        .connection()
        .prepare(
            "SELECT record_kind, record_id, sha256 FROM attachments WHERE deleted_at IS NULL \
             ORDER BY record_kind, record_id, sha256",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?)))
        .unwrap();
    rows.map(Result::unwrap)
        .map(|(k, id, sha)| {
            let here = s.read_attachment(&sha).is_ok();
            (k, id, sha, here)
        })
        .collect()
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

/// Half of the people get attachments, the other half may be deleted: a file attached on one
/// PC while another trashed its record is refused where the deletion arrived first and kept
/// where it did not, so those two diverge (see
/// `sync::an_attachment_made_while_its_record_was_trashed_elsewhere_converges`).
fn attachable(id: &str) -> bool {
    id.bytes().last().is_some_and(|b| b % 2 == 0)
}

fn pick(list: &[String], i: usize) -> Option<&String> {
    (!list.is_empty()).then(|| &list[i % list.len()])
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let root = tempfile::tempdir().unwrap();
    let clocks: Vec<Arc<ManualClock>> = (0..4)
        .map(|i| {
            let at = start() + chrono::Duration::milliseconds(offset_ms(i));
            Arc::new(ManualClock::new(at))
        })
        .collect();
    let committee = std::fs::read_to_string(template_root().join(COMMITTEE)).unwrap();
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
            | Op::Sync { at, .. }
            | Op::Attach { at, .. }
            | Op::Nominate { at, .. } => *at,
            Op::Review { .. } => 0,
        };
        clocks[at].advance_ms(1 + (step as i64 * 7919) % 3000);
        if let Op::Sync { from, .. } = op {
            let out = root.path().join(format!("b{}.sovang", bundles.len()));
            let full = ExportOptions {
                to: None,
                full: true,
                ..Default::default()
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
                let live: Vec<String> = people(s, Some(false))
                    .into_iter()
                    .filter(|p| !attachable(p))
                    .collect();
                if let Some(p) = pick(&live, person) {
                    let _ = s.delete(Kind::Person, p);
                }
            }
            Op::Restore { person, .. } => {
                if let Some(p) = pick(&people(s, Some(true)), person).cloned() {
                    s.restore(Kind::Person, &p).unwrap();
                }
            }
            Op::Attach { person, file, .. } => {
                let live: Vec<String> = people(s, Some(false))
                    .into_iter()
                    .filter(|p| attachable(p))
                    .collect();
                if let Some(p) = pick(&live, person) {
                    let path = template_root().join(FILES[file].0);
                    s.attach(Kind::Person, p, &path).unwrap();
                }
            }
            Op::Nominate { person, .. } => {
                let ward = INSTALLATIONS[at];
                let mut mine: Vec<String> = people(s, Some(false))
                    .into_iter()
                    .filter(|p| s.get(Kind::Person, p).unwrap()["data"]["unit"] == ward)
                    .collect();
                if mine.is_empty() && ward != "01" {
                    mine.push(common::person(s, NAMES[person % 5], ward));
                }
                if let (false, Some(p)) = (ward == "01", pick(&mine, person)) {
                    // One nomination per person and year: a second one is refused here.
                    if let Ok(n) = s.put(
                        Kind::Nomination,
                        json!({"campaign_id": PRESET_CAMPAIGN_ID, "unit": ward, "person_id": p,
                            "year": 2026, "category": "cong_dong",
                            "evidence": {"ban_linh": "Cứu người đuối nước"},
                            "values": ["tien_phong"]}),
                    ) {
                        s.submit(&common::id(&n)).unwrap();
                    }
                }
            }
            Op::Review { nomination, steps } => {
                let all = ids(s, "nominations");
                if let Some(n) = pick(&all, nomination) {
                    for _ in 0..steps {
                        // Whichever step is next; the others are refused by the status path.
                        let _ = s
                            .start_review(n)
                            .map(|_| ())
                            .or_else(|_| s.score(&committee, n, common::points(4)).map(|_| ()))
                            .or_else(|_| s.decide(&committee, n, approve()).map(|_| ()));
                    }
                }
            }
            Op::Export { to_parent, .. } => {
                let to = (to_parent && INSTALLATIONS[at] != "01").then(|| "01".to_string());
                let out = root.path().join(format!("b{}.sovang", bundles.len()));
                s.export_bundle(
                    &out,
                    &ExportOptions {
                        to,
                        full: false,
                        ..Default::default()
                    },
                    &mut |_| {},
                )
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
                if at != FAR_AHEAD {
                    let now = clocks[at].now().timestamp_millis();
                    let limit = format!("{:015}-99999-ffffffffffffffff", now + 24 * HOUR);
                    prop_assert!(
                        newest_version(s) <= limit,
                        "a record stamped past this PC's clock and the day allowed waits for \
                         its time"
                    );
                }
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
    // Time catches up with the PC ahead: what was held for its clock can now be applied.
    let ahead = clocks[FAR_AHEAD].now();
    for c in &clocks {
        c.advance_ms((ahead - c.now()).num_milliseconds().max(0) + HOUR);
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
                        ..Default::default()
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
    if std::env::var("CONVERGENCE_TRACE").is_ok() {
        let count = |t: &str| -> i64 {
            let sql = format!("SELECT count(*) FROM {t}");
            stores[0]
                .connection()
                .query_row(&sql, [], |r| r.get(0))
                .unwrap()
        };
        eprintln!(
            "end: nominations {} transitions {} scores {} decisions {} attachments {}",
            count("nominations"),
            count("transitions"),
            count("scores"),
            count("decisions"),
            count("attachments")
        );
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
        prop_assert_eq!(
            attachments(&stores[0]),
            attachments(s),
            "installation {} holds the same attachments, and their bytes",
            i
        );
    }
    prop_assert!(
        attachments(&stores[0]).iter().all(|a| a.3),
        "every attachment's bytes arrived"
    );
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

/// The newest version any record holds.
fn newest_version(s: &Store) -> String {
    Kind::ALL
        .iter()
        .map(|k| {
            let sql = format!("SELECT coalesce(max(hlc), '') FROM {}", k.table());
            s.connection()
                .query_row(&sql, [], |r| r.get::<_, String>(0))
                .unwrap()
        })
        .max()
        .unwrap_or_default()
}

/// The ids of a table's live records, in a stable order.
fn ids(s: &Store, table: &str) -> Vec<String> {
    let sql = format!("SELECT id FROM {table} WHERE deleted_at IS NULL ORDER BY id");
    let mut stmt = s.connection().prepare(&sql).unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

fn approve() -> DecisionInput {
    DecisionInput {
        outcome: ReviewStatus::Approved,
        votes_for: 1,
        votes_against: 0,
        votes_abstaining: 0,
        number: "12/QĐ-HĐXC".into(),
        date: "20/11/2026".into(),
        feedback: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(10),
        max_shrink_iters: 50,
        ..ProptestConfig::default()
    })]
    #[test]
    fn installations_converge_whatever_the_order(ops in ops()) {
        run(ops)?;
    }
}
