//! The bad-bundle corpus (`tests/corpus/bundles`, written by `examples/make_corpus.rs`): each
//! file is refused with the error that names its problem, or has its bad records rejected,
//! and the database's records stay exactly as they were. Then two fuzzers: one mutates the
//! corpus files' bytes (which mostly stops at the zip or the signature), the other mutates
//! records and signs them with keys the store trusts, so that hostile content reaches
//! validation, authority and merge: each import must report its bad records one by one (the
//! whole bundle fails only for a line that is no record), change only what it accepted, and
//! leave `Store::check` clean. `FUZZ_ITERS` sets both runs' length (default 400 files and 200
//! bundles of records), `FUZZ_SEED` the seed, `FUZZ_HANG_SECS` how long one bundle may take
//! before the run aborts as hung; `make fuzz` runs them long.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::copy_dir;
use rand::{Rng, SeedableRng};
use sovang_core::clock::{Clock, ManualClock};
use sovang_core::store::ImportOptions;
use sovang_core::sync::bundle::{Bundle, Limits};
use sovang_core::sync::identity::{TrustedKey, UnitCard};
use sovang_core::sync::wire::{attachment_from_row, from_row, ATTACHMENT_COLUMNS, RECORD_COLUMNS};
use sovang_core::{Code, Kind, Store};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}

fn card(name: &str) -> UnitCard {
    let text = std::fs::read_to_string(corpus().join(format!("{name}-card.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn records(s: &Store) -> Vec<String> {
    let mut out = Vec::new();
    for kind in Kind::ALL {
        let sql = format!(
            "SELECT id || body || hlc || coalesce(deleted_at, '') FROM {}",
            kind.table()
        );
        let mut stmt = s.connection().prepare(&sql).unwrap();
        out.extend(
            stmt.query_map([], |r| r.get::<_, String>(0))
                .unwrap()
                .map(Result::unwrap),
        );
    }
    out.sort();
    out
}

/// A city installation that trusts the corpus key and has revoked the second one.
fn city() -> common::Fixture {
    let mut f = common::fixture("01");
    f.store.trust_add(&card("trusted")).unwrap();
    let revoked = f.store.trust_add(&card("revoked")).unwrap();
    f.store.trust_revoke(&revoked.fingerprint).unwrap();
    f
}

#[test]
fn every_bad_bundle_is_refused_with_its_reason_and_changes_nothing() {
    let expected: &[(&str, Code)] = &[
        ("not-a-zip", Code::BundleNotZip),
        ("truncated", Code::BundleTruncated),
        ("untrusted-key", Code::BundleUntrusted),
        ("revoked-key", Code::BundleRevoked),
        ("bad-signature", Code::BundleSignature),
        ("hash-mismatch", Code::BundleHash),
        ("unneeded-entry-changed", Code::BundleHash),
        ("tampered-malformed-record", Code::BundleHash),
        ("grown-entry", Code::BundleHash),
        ("path-traversal", Code::BundleEntryName),
        ("absolute-path", Code::BundleEntryName),
        ("unknown-entry", Code::BundleEntryName),
        ("unlisted-entry", Code::BundleEntryName),
        ("missing-entry", Code::BundleMissingEntry),
        ("symlink", Code::BundleEntryName),
        ("duplicate-entry", Code::BundleDuplicateEntry),
        ("too-many-entries", Code::BundleTooManyEntries),
        ("zip-bomb", Code::BundleRatio),
        ("newer-format", Code::BundleTooNew),
        ("malformed-manifest", Code::BundleManifest),
        ("manifest-over-bound", Code::BundleManifest),
        ("deep-manifest", Code::BundleManifest),
    ];
    let mut f = city();
    let before = records(&f.store);
    for (name, code) in expected {
        let file = corpus().join("bundles").join(format!("{name}.sovang"));
        let r = f
            .store
            .import_bundle(&file, ImportOptions::default(), &mut |_| {});
        let err = r
            .error
            .clone()
            .unwrap_or_else(|| panic!("{name} must be refused: {r:?}"));
        assert_eq!(err.code, *code, "{name}: {}", err.message.en);
        assert!(
            !err.message.vi.is_ascii() && !err.message.vi.is_empty(),
            "{name}: the message is in Vietnamese"
        );
        assert_eq!(records(&f.store), before, "{name} must change nothing");
    }
    let ver = f.store.import_bundle(
        &corpus().join("bundles/newer-format.sovang"),
        ImportOptions::default(),
        &mut |_| {},
    );
    assert!(
        ver.error.unwrap().message.vi.contains("cập nhật"),
        "a newer format says to update the app"
    );
    // Past the inflated-bytes limit (a small one here: the default is 16 GB).
    let small = Limits {
        max_total_bytes: 100,
        ..Limits::default()
    };
    let r = f.store.import_bundle(
        &corpus().join("bundles/good.sovang"),
        ImportOptions {
            dry_run: false,
            limits: small,
        },
        &mut |_| {},
    );
    assert_eq!(r.error.map(|e| e.code), Some(Code::BundleTooLarge));
    let few = Limits {
        max_entries: 2,
        ..Limits::default()
    };
    let r = f.store.import_bundle(
        &corpus().join("bundles/good.sovang"),
        ImportOptions {
            dry_run: false,
            limits: few,
        },
        &mut |_| {},
    );
    assert_eq!(r.error.map(|e| e.code), Some(Code::BundleTooManyEntries));
    assert_eq!(records(&f.store), before);
}

/// Opens a corpus file as an import does, counting the trust lookups (where the signature
/// work starts).
fn open_counting(name: &str, limits: Limits) -> (Result<Bundle, sovang_core::Error>, u32) {
    let trusted = city()
        .store
        .trusted(&card("trusted").fingerprint)
        .unwrap()
        .unwrap();
    let lookups = std::cell::Cell::new(0);
    let lookup = |fp: &str| {
        lookups.set(lookups.get() + 1);
        Ok((fp == trusted.fingerprint).then(|| trusted.clone()))
    };
    let path = corpus().join("bundles").join(format!("{name}.sovang"));
    let opened = Bundle::open(&path, &lookup, limits);
    (opened, lookups.get())
}

#[test]
fn a_manifest_over_the_bound_is_refused_before_any_signature_work() {
    let (r, lookups) = open_counting("manifest-over-bound", Limits::default());
    assert_eq!(r.err().map(|e| e.code), Some(Code::BundleManifest));
    assert_eq!(lookups, 0, "its signer is never looked up");
    let one_more = Limits {
        max_manifest_bytes: Limits::default().max_manifest_bytes + 1,
        ..Limits::default()
    };
    let (r, _) = open_counting("manifest-over-bound", one_more);
    assert!(
        r.is_ok(),
        "the file is otherwise good and signed, so the bound alone refuses it"
    );
    let (r, lookups) = open_counting("deep-manifest", Limits::default());
    assert_eq!(r.err().map(|e| e.code), Some(Code::BundleManifest));
    assert_eq!(
        lookups, 1,
        "the head reader skips the nesting to the key; the full manifest, read only once the \
         signature holds, refuses it"
    );
}

#[test]
fn bad_records_are_rejected_one_by_one_and_good_ones_arrive() {
    let mut f = city();
    let before = records(&f.store);
    for (name, code) in [
        ("invalid-record", Code::Required),
        ("out-of-authority", Code::OutOfAuthority),
        ("malformed-record", Code::RecordUnreadable),
    ] {
        let file = corpus().join("bundles").join(format!("{name}.sovang"));
        let r = f
            .store
            .import_bundle(&file, ImportOptions::default(), &mut |_| {});
        assert!(r.error.is_none(), "{name}: the file itself is fine");
        assert_eq!((r.rejected, r.created), (1, 0), "{name}: {r:?}");
        assert_eq!(r.rejections[0].code, code, "{name}");
        assert_eq!(
            records(&f.store),
            before,
            "{name}: a rejected record changes nothing"
        );
    }
    let r = f.store.import_bundle(
        &corpus().join("bundles/good.sovang"),
        ImportOptions::default(),
        &mut |_| {},
    );
    assert_eq!(r.created, 1, "the corpus's good bundle is accepted: {r:?}");
    assert!(f.store.check().unwrap().is_empty());
}

/// One random change to a file's bytes.
fn mutate(rng: &mut impl Rng, bytes: &mut Vec<u8>) {
    let len = bytes.len().max(1);
    match rng.random_range(0..6) {
        0 => {
            let i = rng.random_range(0..len).min(bytes.len().saturating_sub(1));
            if let Some(b) = bytes.get_mut(i) {
                *b ^= 1 << rng.random_range(0..8);
            }
        }
        1 => bytes.truncate(rng.random_range(0..len)),
        2 => {
            let i = rng.random_range(0..=bytes.len());
            let n = rng.random_range(1..64);
            let junk: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            bytes.splice(i..i, junk);
        }
        3 => {
            let i = rng.random_range(0..len);
            let n = rng.random_range(1..32).min(bytes.len().saturating_sub(i));
            for b in &mut bytes[i..i + n] {
                *b = rng.random();
            }
        }
        4 => {
            // A length or count field set to an extreme.
            let i = rng.random_range(0..len);
            let n = 4.min(bytes.len().saturating_sub(i));
            for b in &mut bytes[i..i + n] {
                *b = 0xFF;
            }
        }
        _ => {
            let i = rng.random_range(0..len);
            let n = rng.random_range(1..256).min(bytes.len().saturating_sub(i));
            bytes.drain(i..i + n);
        }
    }
}

/// Reads a bundle as an import does: open and verify, then every line of every kind.
fn read_all(path: &Path, trusted: &TrustedKey) -> Result<u64, sovang_core::Error> {
    let lookup = |fp: &str| Ok((fp == trusted.fingerprint).then(|| trusted.clone()));
    let mut b = Bundle::open(path, &lookup, Limits::default())?;
    let mut n = 0;
    for kind in sovang_core::sync::RECORD_KINDS {
        if let Some(mut lines) = b.lines(kind)? {
            while let Some(line) = lines.next_line()? {
                let _: serde_json::Value = serde_json::from_slice(line)
                    .map_err(|e| sovang_core::Error::plain(Code::BundleRecord, &e.to_string()))?;
                n += 1;
            }
            lines.finish()?;
        }
    }
    Ok(n)
}

#[test]
fn fuzz_the_bundle_reader_with_mutated_corpus_files() {
    let iters: u64 = std::env::var("FUZZ_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261126);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let f = city();
    let trusted = f
        .store
        .trusted(&card("trusted").fingerprint)
        .unwrap()
        .unwrap();
    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(corpus().join("bundles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.ends_with("zip-bomb.sovang"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    inputs.sort();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fuzz.sovang");
    let (mut refused, mut read) = (0, 0);
    for i in 0..iters {
        let mut bytes = inputs[(i as usize) % inputs.len()].clone();
        for _ in 0..rng.random_range(1..4) {
            mutate(&mut rng, &mut bytes);
        }
        std::fs::write(&path, &bytes).unwrap();
        let result = std::panic::catch_unwind(|| read_all(&path, &trusted));
        match result {
            Ok(Ok(_)) => read += 1,
            Ok(Err(e)) => {
                assert!(!e.message.vi.is_empty(), "every refusal carries a message");
                refused += 1;
            }
            Err(_) => {
                let keep =
                    std::env::temp_dir().join(format!("sovang-fuzz-crash-{seed}-{i}.sovang"));
                std::fs::write(&keep, &bytes).unwrap();
                panic!(
                    "the reader panicked on input {i} (seed {seed}), saved to {}",
                    keep.display()
                );
            }
        }
    }
    assert_eq!(refused + read, iters);
    assert!(
        refused > iters / 2,
        "most mutations must be caught ({refused} of {iters})"
    );
}

// The merge fuzzer: hostile records under a trusted signature.

const PNG: &[u8] = b"\x89PNG\r\n\x1a\nphoto-of-the-deed";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0jpeg-of-the-deed";

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// What the merge fuzzer starts from: a city installation (closed, copied afresh now and
/// then) holding a ward's records with a photo and a submitted nomination under review with
/// the chair's sheet, its own records and another ward's; every record as it travels, to
/// mutate; and two forged keys the city trusts: a second PC of the ward, and one of the city
/// (whose authority covers everything, so that its records reach the merge of any kind).
struct Bed {
    root: tempfile::TempDir,
    seeds: Vec<(String, serde_json::Value)>,
    pools: Pools,
    forgers: Vec<common::Forger>,
}

/// The values a mutation draws from, by what a field holds.
struct Pools {
    ids: Vec<String>,
    units: Vec<&'static str>,
    nodes: Vec<String>,
    shas: Vec<String>,
    generic: Vec<serde_json::Value>,
}

fn bed() -> Bed {
    use common::{entry_json, id, person};
    use serde_json::json;
    use sovang_core::records::PRESET_CAMPAIGN_ID;
    use sovang_core::store::ExportOptions;

    let root = tempfile::tempdir().unwrap();
    let mut ward = common::fixture("00070");
    let common::Fixture {
        dir: city_dir,
        store: mut city,
        ..
    } = common::fixture("01");
    city.trust_add(&ward.store.identity().unwrap()).unwrap();
    let w = &mut ward.store;
    let p1 = person(w, "Nguyễn Văn An", "00070");
    let p2 = person(w, "Trần Thị Bình", "00070");
    let e = w
        .put(Kind::Entry, entry_json("00070", &p1, "Hiến máu nhân đạo"))
        .unwrap();
    let photo = root.path().join("anh.png");
    std::fs::write(&photo, PNG).unwrap();
    w.attach(Kind::Entry, &id(&e), &photo).unwrap();
    let project = w
        .put(
            Kind::Project,
            json!({"unit": "00070", "name": "Thắp sáng ngõ 12", "field": "infrastructure",
                "start_date": "01/03/2025", "budget_vnd": 15000000, "status": "in_progress"}),
        )
        .unwrap();
    w.put(
        Kind::Update,
        json!({"project_id": id(&project), "unit": "00070", "date": "01/05/2025",
            "note": "Lắp 20 bóng đèn"}),
    )
    .unwrap();
    let n = w
        .put(
            Kind::Nomination,
            json!({"campaign_id": PRESET_CAMPAIGN_ID, "unit": "00070", "person_id": p2,
                "year": 2026, "category": "cong_dong", "entry_ids": [id(&e)],
                "evidence": {"ban_linh": "Cứu người đuối nước"}, "values": ["tien_phong"]}),
        )
        .unwrap();
    let n = id(&n);
    w.submit(&n).unwrap();
    let b = root.path().join("ward.sovang");
    w.export_bundle(&b, &ExportOptions::default(), &mut |_| {})
        .unwrap();
    let r = city.import_bundle(&b, ImportOptions::default(), &mut |_| {});
    assert!(
        r.error.is_none() && r.rejected == 0 && r.held == 0,
        "the ward's records arrive whole: {r:?}"
    );
    person(&mut city, "Lê Văn Thành", "01");
    person(&mut city, "Phạm Thị Phường", "00004");
    let key = city.identity().unwrap().fingerprint;
    let committee = city
        .put(
            Kind::Committee,
            json!({"name": "Hội đồng xét chọn 2026", "unit": "01",
                "campaign_id": PRESET_CAMPAIGN_ID, "year": 2026, "quorum": 1,
                "members": [{"id": "chu-tich", "name": "Nguyễn Văn Chủ", "role": "chair",
                    "fingerprint": key}]}),
        )
        .unwrap();
    city.start_review(&n).unwrap();
    city.score(&id(&committee), &n, common::points(4)).unwrap();
    let forgers = vec![
        common::Forger::new(0x51, "00070"),
        common::Forger::new(0x52, "01"),
    ];
    for f in &forgers {
        f.trusted_by(&mut city);
    }
    assert!(city.check().unwrap().is_empty());

    let mut seeds = Vec::new();
    for kind in Kind::ALL {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM {}", kind.table());
        let mut stmt = city.connection().prepare(&sql).unwrap();
        let rows = stmt.query_map([], from_row).unwrap();
        for r in rows {
            let v = serde_json::to_value(r.unwrap()).unwrap();
            seeds.push((kind.name().to_owned(), v));
        }
    }
    let sql = format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments");
    let mut stmt = city.connection().prepare(&sql).unwrap();
    for a in stmt.query_map([], attachment_from_row).unwrap() {
        seeds.push((
            "attachment".into(),
            serde_json::to_value(a.unwrap()).unwrap(),
        ));
    }
    drop(stmt);
    let mut ids: Vec<String> = seeds
        .iter()
        .filter_map(|(_, v)| v["id"].as_str().map(str::to_owned))
        .collect();
    ids.extend(["01900000-0000-7000-8000-00000000f001".into(), String::new()]);
    let mut nodes: Vec<String> = seeds
        .iter()
        .filter_map(|(_, v)| v["created_hlc"].as_str())
        .map(|v| sovang_core::sync::merge::node_of(v).to_owned())
        .collect();
    nodes.sort();
    nodes.dedup();
    nodes.push("ffffffffffffffff".into());
    let sha = |b: &[u8]| hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b));
    let pools = Pools {
        ids,
        units: vec!["01", "00070", "00004", "99999", "", "PARENT-1"],
        nodes,
        shas: vec![
            sha(PNG),
            sha(JPEG),
            "0".repeat(64),
            "A".repeat(64),
            "../x".into(),
        ],
        generic: vec![
            json!(null),
            json!(true),
            json!(0),
            json!(-1),
            json!(2026),
            json!(1.5),
            json!(1e300),
            json!(u64::MAX),
            json!(""),
            json!(" "),
            json!("x".repeat(5000)),
            json!("Nguyễn Thị Ánh\u{0}\u{202e}"),
            json!("19/05/2025"),
            json!("2025-05-19"),
            json!("2090-01-01"),
            json!("2025-02-30"),
            json!([]),
            json!(["trach_nhiem"]),
            json!([[[]]]),
            json!({}),
            json!({"ban_linh": 9}),
        ],
    };
    drop(city);
    copy_dir(city_dir.path(), &root.path().join("template"));
    Bed {
        root,
        seeds,
        pools,
        forgers,
    }
}

impl Bed {
    /// A record to mutate: of a kind picked first (the unit tree would crowd out the rest).
    fn seed(&self, rng: &mut impl Rng) -> (String, serde_json::Value) {
        let kinds: BTreeSet<&str> = self.seeds.iter().map(|(k, _)| k.as_str()).collect();
        let kinds: Vec<&str> = kinds.into_iter().collect();
        let kind = Pools::pick(rng, &kinds).to_string();
        self.seed_of(rng, &kind)
    }

    /// A record of `kind` (any record if there is none).
    fn seed_of(&self, rng: &mut impl Rng, kind: &str) -> (String, serde_json::Value) {
        let of_kind: Vec<_> = self.seeds.iter().filter(|(k, _)| k == kind).collect();
        if of_kind.is_empty() {
            return Pools::pick(rng, &self.seeds).clone();
        }
        (*Pools::pick(rng, &of_kind)).clone()
    }

    /// A fresh copy of the city, the previous one (if any) deleted: a long run makes hundreds.
    fn open(&self, n: u64, previous: Option<Round>) -> Round {
        if let Some(Round { store, dir, .. }) = previous {
            drop(store);
            std::fs::remove_dir_all(dir).unwrap();
        }
        let dir = self.root.path().join(format!("store{n}"));
        copy_dir(&self.root.path().join("template"), &dir);
        let clock = Arc::new(ManualClock::new(
            chrono::DateTime::from_timestamp_millis(common::FIXTURE_MS).unwrap(),
        ));
        let store = Store::open(&dir, clock.clone()).unwrap();
        Round { store, clock, dir }
    }
}

/// A copy of the city being fuzzed, on a clock of its own.
struct Round {
    store: Store,
    clock: Arc<ManualClock>,
    dir: PathBuf,
}

/// Aborts the run when one step takes longer than `FUZZ_HANG_SECS` (default 120): an import
/// that never ends is a finding no assertion would see. The step's input stays on disk.
struct Watchdog(Arc<std::sync::Mutex<Option<(std::time::Instant, String)>>>);

impl Watchdog {
    fn start() -> Watchdog {
        let limit = std::time::Duration::from_secs(env_u64("FUZZ_HANG_SECS", 120));
        let state = Arc::new(std::sync::Mutex::new(Some((
            std::time::Instant::now(),
            "set-up".to_string(),
        ))));
        let watched = state.clone();
        std::thread::spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_millis(500));
            let Some((since, what)) = watched.lock().unwrap().clone() else {
                return;
            };
            if since.elapsed() > limit {
                eprintln!("merge fuzzer: {what} still runs after {limit:?}: a hang");
                std::process::abort();
            }
        });
        Watchdog(state)
    }

    fn step(&self, what: String) {
        *self.0.lock().unwrap() = Some((std::time::Instant::now(), what));
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Ok(mut state) = self.0.lock() {
            *state = None;
        }
    }
}

impl Pools {
    fn pick<'a, T>(rng: &mut impl Rng, list: &'a [T]) -> &'a T {
        &list[rng.random_range(0..list.len())]
    }

    /// A version: mostly well formed, near `now_ms` (some a day or years ahead), on a node
    /// the records know; sometimes malformed.
    fn version(&self, rng: &mut impl Rng, now_ms: i64) -> String {
        const DAY: i64 = 86_400_000;
        let node = Self::pick(rng, &self.nodes);
        let ms = match rng.random_range(0..10) {
            0 => now_ms - 400 * DAY,
            1 => now_ms + DAY + 1,
            2 => 4_070_908_800_000, // 2099
            3 => {
                return Self::pick(
                    rng,
                    &[
                        "",
                        "x",
                        "001795680000000-00000-",
                        "999999999999999-99999-FFFFFFFFFFFFFFFF",
                    ],
                )
                .to_string()
            }
            _ => now_ms + rng.random_range(-3_600_000..3_600_000),
        };
        let counter = *Self::pick(rng, &[0, 1, 99_999]);
        format!("{ms:015}-{counter:05}-{node}")
    }

    /// A value for field `key`: what such a field holds, or (a quarter of the time) anything.
    fn value(&self, rng: &mut impl Rng, key: &str, now_ms: i64) -> serde_json::Value {
        use serde_json::json;
        if rng.random_range(0..5) == 0 {
            return Self::pick(rng, &self.generic).clone();
        }
        match key {
            "id" | "record_id" => json!(Self::pick(rng, &self.ids)),
            k if k.ends_with("_id") => json!(Self::pick(rng, &self.ids)),
            k if k.ends_with("_ids") => json!([Self::pick(rng, &self.ids)]),
            "unit" | "parent" | "successor" | "code" | "to" => json!(Self::pick(rng, &self.units)),
            "record_kind" => json!(Self::pick(rng, &sovang_core::sync::RECORD_KINDS)),
            "sha256" => json!(Self::pick(rng, &self.shas)),
            "mime" => json!(Self::pick(
                rng,
                &["image/png", "image/jpeg", "application/pdf", "text/html"]
            )),
            "size" => json!(Self::pick(rng, &[0u64, 17, 1 << 40])),
            k if k.ends_with("hlc") => json!(self.version(rng, now_ms)),
            k if k.ends_with("_at") => json!(Self::pick(
                rng,
                &[
                    "2026-11-26T09:00:00.000Z",
                    "2099-01-01T00:00:00.000Z",
                    "hôm qua"
                ]
            )),
            _ => Self::pick(rng, &self.generic).clone(),
        }
    }
}

/// One random change to a record as it travels (`kind` is the file it goes in).
fn mutate_record(
    rng: &mut impl Rng,
    pools: &Pools,
    now_ms: i64,
    kind: &mut String,
    rec: &mut serde_json::Value,
    donor: &serde_json::Value,
) {
    use serde_json::{json, Value};
    let Some(obj) = rec.as_object_mut() else {
        return;
    };
    let attachment = obj.contains_key("sha256");
    let pick_key = |rng: &mut dyn rand::RngCore, m: &serde_json::Map<String, Value>| {
        let keys: Vec<String> = m.keys().cloned().collect();
        (!keys.is_empty()).then(|| keys[rng.next_u32() as usize % keys.len()].clone())
    };
    let newer = |rng: &mut dyn rand::RngCore| {
        let node = &pools.nodes[rng.next_u32() as usize % pools.nodes.len()];
        common::version_at(now_ms + 1 + (rng.next_u32() % 3_600_000) as i64, node)
    };
    match rng.random_range(0..12) {
        // Another record's valid value for a field, at a newer version: reaches the merge.
        10 | 11 => {
            let Some(from) = donor.get("body").and_then(Value::as_object) else {
                return;
            };
            let Some(key) = pick_key(rng, from) else {
                return;
            };
            let value = from[&key].clone();
            let v = newer(rng);
            if let Some(body) = obj.get_mut("body").and_then(Value::as_object_mut) {
                body.insert(key.clone(), value);
            }
            if let Some(versions) = obj.get_mut("versions").and_then(Value::as_object_mut) {
                versions.insert(key, json!(v));
            }
        }
        // A field's value; a body field usually with a newer version, so that it wins.
        0..=3 => {
            let in_body = !attachment && rng.random_range(0..5) > 0;
            let target = if in_body {
                obj.get_mut("body").and_then(Value::as_object_mut)
            } else {
                Some(&mut *obj)
            };
            let Some(m) = target else { return };
            let key = match pick_key(rng, m) {
                Some(k) if rng.random_range(0..6) > 0 => k,
                _ => Pools::pick(rng, &["note", "unit", "person_id", "status", "zzz"]).to_string(),
            };
            let value = pools.value(rng, &key, now_ms);
            m.insert(key.clone(), value);
            if in_body && rng.random_bool(0.7) {
                let v = newer(rng);
                if let Some(versions) = obj.get_mut("versions").and_then(Value::as_object_mut) {
                    versions.insert(key, json!(v));
                }
            }
        }
        // A version: of a field, of the deletion, or of the creation.
        4 => {
            let v = pools.version(rng, now_ms);
            if attachment || rng.random_range(0..4) == 0 {
                let key = if attachment && rng.random_bool(0.5) {
                    "hlc"
                } else {
                    "created_hlc"
                };
                obj.insert(key.into(), json!(v));
            } else if let Some(versions) = obj.get_mut("versions").and_then(Value::as_object_mut) {
                if let Some(k) = pick_key(rng, versions) {
                    versions.insert(k, json!(v));
                }
            }
        }
        // What a field's value replaced: a seen set, its node matching the version or not.
        5 => {
            let Some(field) = obj
                .get("body")
                .and_then(Value::as_object)
                .and_then(|b| pick_key(rng, b))
            else {
                return;
            };
            let v = pools.version(rng, now_ms);
            let node = if rng.random_bool(0.8) {
                sovang_core::sync::merge::node_of(&v).to_owned()
            } else {
                Pools::pick(rng, &pools.nodes).clone()
            };
            let seen = obj.entry("seen").or_insert_with(|| json!({}));
            if let Some(seen) = seen.as_object_mut() {
                seen.insert(field, json!({ node: v }));
            }
        }
        // A field gone (from the record, its body or its versions).
        6 => {
            let place = rng.random_range(0..5);
            let m = match place {
                1 | 2 if !attachment => obj.get_mut("body").and_then(Value::as_object_mut),
                3 if !attachment => obj.get_mut("versions").and_then(Value::as_object_mut),
                _ => Some(&mut *obj),
            };
            if let Some(m) = m {
                if let Some(k) = pick_key(rng, m) {
                    m.remove(&k);
                }
            }
        }
        // Deleted or restored, at a newer version.
        7 => {
            let deleting = obj.get("deleted_at").is_none_or(Value::is_null);
            let at = deleting.then(|| json!("2026-11-26T09:00:00.000Z"));
            obj.insert("deleted_at".into(), at.clone().unwrap_or(Value::Null));
            obj.insert(
                "deleted_by".into(),
                at.map_or(Value::Null, |_| json!("Máy lỗi")),
            );
            let v = newer(rng);
            if attachment {
                obj.insert("hlc".into(), json!(v));
            } else if let Some(versions) = obj.get_mut("versions").and_then(Value::as_object_mut) {
                versions.insert("deleted".into(), json!(v));
            }
        }
        // The record's id or owner.
        8 => {
            let key = if rng.random_bool(0.5) { "id" } else { "unit" };
            let value = pools.value(rng, key, now_ms);
            obj.insert(key.into(), value.clone());
            if key == "unit" && rng.random_bool(0.5) {
                if let Some(body) = obj.get_mut("body").and_then(Value::as_object_mut) {
                    body.insert("unit".into(), value);
                }
            }
        }
        // In another kind's file.
        _ => *kind = Pools::pick(rng, &sovang_core::sync::RECORD_KINDS).to_string(),
    }
}

/// Every record's stored state by (kind, id), attachments' rows included.
fn stored(s: &Store) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    let tables = Kind::ALL
        .iter()
        .map(|k| (k.name(), k.table()))
        .chain([("attachment", "attachments")]);
    for (kind, table) in tables {
        let cols = if kind == "attachment" {
            "coalesce(deleted_at, '') || hlc || record_id || sha256"
        } else {
            "unit || body || hlc || coalesce(deleted_at, '')"
        };
        let sql = format!("SELECT id, {cols} FROM {table}");
        let mut stmt = s.connection().prepare(&sql).unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .unwrap();
        for row in rows {
            let (id, state) = row.unwrap();
            out.insert((kind.to_owned(), id), state);
        }
    }
    out
}

fn held(s: &Store) -> BTreeSet<(String, String)> {
    let mut stmt = s
        .connection()
        .prepare("SELECT kind, id FROM sync_held")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

/// Whether a line parses as what its file holds: a line that does not is rejected alone, one
/// that does is judged as a record.
fn parses(kind: &str, line: &str) -> bool {
    use sovang_core::sync::wire::{WireAttachment, WireRecord};
    if kind == "attachment" {
        serde_json::from_str::<WireAttachment>(line).is_ok()
    } else if kind == sovang_core::sync::ERASURE {
        serde_json::from_str::<sovang_core::store::WireErasure>(line).is_ok()
    } else {
        serde_json::from_str::<WireRecord>(line).is_ok()
    }
}

/// What one import of mutated records broke, if anything: an error of the whole bundle (its
/// file is sound, only records are bad), a line that is no record not rejected as such, a
/// change to a record the bundle did not bring (or brought only rejected), or problems in the
/// store's own check.
fn judge_import(
    r: &sovang_core::store::ImportReport,
    records: &[(String, String)],
    before: &BTreeMap<(String, String), String>,
    held_before: &BTreeSet<(String, String)>,
    after: &BTreeMap<(String, String), String>,
) -> Option<String> {
    if let Some(e) = &r.error {
        return Some(format!(
            "the whole bundle failed ({:?}: {}) though only its records are bad",
            e.code, e.message.en
        ));
    }
    let unreadable = records
        .iter()
        .flat_map(|(kind, lines)| lines.lines().map(move |l| (kind, l)))
        .filter(|(kind, l)| !l.is_empty() && !parses(kind, l))
        .count();
    let reported = r
        .rejections
        .iter()
        .filter(|x| x.code == Code::RecordUnreadable)
        .count();
    if reported != unreadable {
        return Some(format!(
            "{unreadable} lines are no records, {reported} were rejected as such"
        ));
    }
    // How many times the bundle brings each record, and how many of those were rejected.
    let mut brought: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (kind, lines) in records {
        for l in lines.lines().filter(|l| parses(kind, l)) {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let id = v["id"].as_str().unwrap_or_default().to_owned();
            *brought.entry((kind.clone(), id)).or_default() += 1;
        }
    }
    for rej in &r.rejections {
        *brought
            .entry((rej.kind.clone(), rej.id.clone()))
            .or_default() -= 1;
    }
    let keys: BTreeSet<&(String, String)> = before.keys().chain(after.keys()).collect();
    for key in keys {
        if before.get(key) == after.get(key) {
            continue;
        }
        let accepted = brought.get(key).is_some_and(|n| *n > 0);
        if !accepted && !held_before.contains(key) {
            return Some(format!(
                "{key:?} changed though the bundle brought it only rejected or not at all"
            ));
        }
    }
    None
}

/// The store's own check, as a finding if it finds anything.
fn checked(s: &Store) -> Option<String> {
    let problems = s.check().unwrap();
    (!problems.is_empty()).then(|| format!("check: {problems:?}"))
}

#[test]
fn fuzz_the_merge_with_mutated_records_under_a_trusted_signature() {
    let iters = env_u64("FUZZ_ITERS", 200);
    let seed = env_u64("FUZZ_SEED", 20261126);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let started = std::time::Instant::now();
    let watchdog = Watchdog::start();
    let bed = bed();
    let mut round = bed.open(0, None);
    let set_up = started.elapsed();
    let dir = bed.root.path().join("bundles");
    std::fs::create_dir_all(&dir).unwrap();
    let mut findings: Vec<String> = Vec::new();
    let (mut errors, mut rejected, mut held_n, mut written) = (0u64, 0u64, 0u64, 0u64);
    for i in 0..iters {
        // Start again from the template now and then, and after anything went wrong.
        if i > 0 && i % 40 == 0 {
            round = bed.open(i, Some(round));
        }
        let Round { store, clock, .. } = &mut round;
        let now_ms = clock.now().timestamp_millis();
        let mut picked: Vec<(String, serde_json::Value)> = (0..rng.random_range(1..=6))
            .map(|_| bed.seed(&mut rng))
            .collect();
        for _ in 0..rng.random_range(1..=4) {
            let n = rng.random_range(0..picked.len());
            let donor = bed.seed_of(&mut rng, &picked[n].0).1;
            let (kind, rec) = &mut picked[n];
            mutate_record(&mut rng, &bed.pools, now_ms, kind, rec, &donor);
        }
        if rng.random_range(0..8) == 0 {
            let again = Pools::pick(&mut rng, &picked).clone();
            picked.push(again);
        }
        let mut records: Vec<(String, String)> = Vec::new();
        for (kind, rec) in &picked {
            let line = format!("{rec}\n");
            match records.iter_mut().find(|(k, _)| k == kind) {
                Some((_, lines)) => lines.push_str(&line),
                None => records.push((kind.clone(), line)),
            }
        }
        let files: Vec<Vec<u8>> = [PNG, JPEG]
            .iter()
            .filter(|_| rng.random_bool(0.5))
            .map(|f| f.to_vec())
            .collect();
        let forger = Pools::pick(&mut rng, &bed.forgers);
        let as_str: Vec<(&str, String)> = records
            .iter()
            .map(|(k, l)| (k.as_str(), l.clone()))
            .collect();
        let path = forger.bundle(&dir, &format!("m{i}"), &as_str, &files);
        watchdog.step(format!("input {i} (seed {seed}, {})", path.display()));

        let before = stored(store);
        let held_before = held(store);
        let imported = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            store.import_bundle(&path, ImportOptions::default(), &mut |_| {})
        }));
        let finding = match imported {
            Err(_) => Some("the import panicked".to_string()),
            Ok(r) => {
                errors += r.error.is_some() as u64;
                rejected += r.rejected;
                held_n += r.held;
                written += r.created + r.updated;
                // The check takes longer than the import: run where something was kept, and
                // before each fresh start.
                let kept = r.created + r.updated + r.held + r.released > 0;
                judge_import(&r, &records, &before, &held_before, &stored(store)).or_else(|| {
                    (kept || (i + 1) % 40 == 0)
                        .then(|| checked(store))
                        .flatten()
                })
            }
        };
        // Now and then a day passes: records held for a clock ahead are released.
        let finding = finding.or_else(|| {
            (rng.random_range(0..10) == 0)
                .then(|| {
                    clock.advance_ms(86_400_000 + 1);
                    let held_before = held(store);
                    let before = stored(store);
                    let released = store.release_held();
                    let after = stored(store);
                    let stray = after
                        .iter()
                        .find(|(k, v)| before.get(*k) != Some(*v) && !held_before.contains(*k));
                    match (released, stray) {
                        (Err(e), _) => Some(format!("release failed: {e:?}")),
                        (_, Some((k, _))) => Some(format!("release changed {k:?}")),
                        _ => checked(store),
                    }
                })
                .flatten()
        });
        match finding {
            Some(what) => {
                let keep =
                    std::env::temp_dir().join(format!("sovang-merge-fuzz-{seed}-{i}.sovang"));
                std::fs::copy(&path, &keep).unwrap();
                findings.push(format!("input {i}: {what} (saved to {})", keep.display()));
                round = bed.open(i + 1_000_000, Some(round));
            }
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    drop(watchdog);
    eprintln!(
        "merge fuzzer: {iters} bundles (seed {seed}) in {:.1?} (set-up {set_up:.1?}): {errors} \
         refused whole, {rejected} records rejected, {held_n} held, {written} written; {} findings",
        started.elapsed(),
        findings.len()
    );
    assert!(
        written > 0 && rejected > 0,
        "the mutated records must reach both sides of the rules"
    );
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}
