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

/// A PC that signs whatever a test wants with a key an installation trusts for `unit`: a
/// buggy or hostile installation whose signature holds, so that what it sends reaches the
/// import's rules instead of stopping at the signature.
pub struct Forger {
    pub key: ed25519_dalek::SigningKey,
    pub unit: String,
}

/// The version string of `ms` (milliseconds since 1970) on node `node`.
pub fn version_at(ms: i64, node: &str) -> String {
    format!("{ms:015}-00000-{node:0>16}")
}

/// The fixtures' time (2026-11-26 08:00 UTC) in milliseconds.
pub const FIXTURE_MS: i64 = 1_795_680_000_000;

impl Forger {
    pub fn new(seed: u8, unit: &str) -> Forger {
        Forger {
            key: ed25519_dalek::SigningKey::from_bytes(&[seed; 32]),
            unit: unit.into(),
        }
    }

    pub fn card(&self) -> sovang_core::sync::identity::UnitCard {
        use sovang_core::sync::identity::{fingerprint, UnitCard, CARD_FORMAT};
        let public = self.key.verifying_key();
        UnitCard {
            format: CARD_FORMAT.into(),
            unit: self.unit.clone(),
            unit_name: String::new(),
            installation: format!(
                "01900000-0000-7000-8000-0000000000{:02x}",
                self.key.to_bytes()[0]
            ),
            public_key: hex::encode(public.as_bytes()),
            fingerprint: fingerprint(public.as_bytes(), &self.unit),
            created_at: "2026-11-26T08:00:00.000Z".into(),
        }
    }

    pub fn fingerprint(&self) -> String {
        self.card().fingerprint
    }

    /// Makes `to` trust this key for its unit.
    pub fn trusted_by(&self, to: &mut Store) {
        to.trust_add(&self.card())
            .expect("the forger's card is valid");
    }

    /// A record as it travels: every field (and the deletion) at `version`.
    pub fn line(&self, id: &str, unit: &str, body: Value, version: &str) -> String {
        let versions: serde_json::Map<String, Value> = body
            .as_object()
            .expect("a body is an object")
            .keys()
            .cloned()
            .chain(["deleted".to_string()])
            .map(|k| (k, json!(version)))
            .collect();
        json!({"id": id, "unit": unit, "created_at": "2026-11-26T08:00:00.000Z",
            "created_by": "Máy lỗi", "created_hlc": version, "updated_at": "2026-11-26T08:00:00.000Z",
            "updated_by": "Máy lỗi", "body": body, "versions": versions})
        .to_string()
            + "\n"
    }

    /// A signed bundle of `records` (kind, NDJSON lines) and attachment `files` (bytes by
    /// their sha256), written to `dir/name.sovang`.
    pub fn bundle(
        &self,
        dir: &std::path::Path,
        name: &str,
        records: &[(&str, String)],
        files: &[Vec<u8>],
    ) -> std::path::PathBuf {
        use sha2::Digest;
        use sovang_core::sync::bundle::{raw_manifest, write_raw, FORMAT_VERSION};
        let mut m = raw_manifest(&self.key, &self.unit, "Máy lỗi");
        m.format_version = FORMAT_VERSION;
        m.bundle_id = uuid::Uuid::now_v7().to_string();
        let names: Vec<(String, &[u8])> = records
            .iter()
            .map(|(kind, lines)| (format!("records/{kind}.ndjson"), lines.as_bytes()))
            .chain(files.iter().map(|f| {
                let sha = hex::encode(sha2::Sha256::digest(f));
                (format!("attachments/{sha}"), f.as_slice())
            }))
            .collect();
        for (kind, lines) in records {
            m.counts
                .insert((*kind).into(), lines.lines().count() as u64);
        }
        let entries: Vec<(&str, &[u8])> = names.iter().map(|(n, b)| (n.as_str(), *b)).collect();
        let path = dir.join(format!("{name}.sovang"));
        write_raw(&path, &self.key, &mut m, &entries, false).expect("a forged bundle is written");
        path
    }
}

/// A nomination of `person` by `unit` in the campaign preset (2026), with `evidence` for its
/// first criterion; its id.
pub fn nominate(s: &mut Store, unit: &str, person: &str, evidence: &str) -> String {
    let n = s
        .put(
            Kind::Nomination,
            json!({"campaign_id": sovang_core::records::PRESET_CAMPAIGN_ID, "unit": unit,
                "person_id": person, "year": 2026, "category": "cong_dong",
                "evidence": {"ban_linh": evidence}, "values": ["tien_phong"]}),
        )
        .expect("a valid nomination must be stored");
    id(&n)
}

/// A submitted sheet giving `n` points on each of the preset's six criteria.
pub fn points(n: i64) -> sovang_core::store::ScoreInput {
    let mut input = sovang_core::store::ScoreInput {
        submit: true,
        ..Default::default()
    };
    for c in [
        "ban_linh", "tri_thuc", "ung_xu", "tuan_thu", "suc_khoe", "ky_nang",
    ] {
        input.points.insert(c.into(), n);
    }
    input
}

/// This installation's key fingerprint.
pub fn fingerprint_of(s: &Store) -> String {
    s.identity().unwrap().fingerprint
}

/// Each of two installations trusts the other's card.
pub fn trust_both(a: &mut Store, b: &mut Store) {
    a.trust_add(&b.identity().unwrap()).unwrap();
    b.trust_add(&a.identity().unwrap()).unwrap();
}

/// A bundle of what `from` has not sent to `to` yet (a unit code or a fingerprint), written to
/// `dir/name.sovang`.
pub fn export_to(
    from: &mut Store,
    dir: &std::path::Path,
    name: &str,
    to: &str,
) -> (std::path::PathBuf, sovang_core::store::ExportReport) {
    let out = dir.join(format!("{name}.sovang"));
    let opts = sovang_core::store::ExportOptions {
        to: Some(to.into()),
        full: false,
        ..Default::default()
    };
    let r = from.export_bundle(&out, &opts, &mut |_| {}).unwrap();
    (out, r)
}
