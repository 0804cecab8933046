//! The bad-bundle corpus (`tests/corpus/bundles`, written by `examples/make_corpus.rs`): each
//! file is refused with the error that names its problem, or has its bad records rejected,
//! and the database's records stay exactly as they were. Then a mutation fuzzer runs over the
//! corpus: `FUZZ_ITERS` mutated files (default 400) must each be refused or read cleanly,
//! never panic. `make fuzz` runs it long.

mod common;

use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use sovang_core::store::ImportOptions;
use sovang_core::sync::bundle::{Bundle, Limits};
use sovang_core::sync::identity::{TrustedKey, UnitCard};
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
        ("malformed-record", Code::BundleRecord),
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

#[test]
fn bad_records_are_rejected_one_by_one_and_good_ones_arrive() {
    let mut f = city();
    let before = records(&f.store);
    for (name, code) in [
        ("invalid-record", Code::Required),
        ("out-of-authority", Code::OutOfAuthority),
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
