//! Seals: an author's Ed25519 signature over a committee review record (a score sheet, a
//! decision, a status change), so that whoever passes it on (the chair relays every member's
//! sheets) can neither forge nor alter it. The seal travels inside the record's body, under
//! `seal`; a chair's reopening of a submitted sheet carries a seal of its own. See
//! `docs/bundle-format.md`, "Sealed review records".

use std::collections::BTreeMap;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::identity::KeyId;
use super::merge::{Merged, DELETED};
use super::wire::WireRecord;
use crate::records::Kind;

/// The body field that holds the author's seal.
pub const SEAL: &str = "seal";
/// The body field of a score sheet that holds the chair's reopening (sealed by the chair).
pub const REOPENED: &str = "reopened";
/// Fields the author's seal does not cover: itself, a chair's reopening, and the deletion.
const UNCOVERED: [&str; 3] = [SEAL, REOPENED, DELETED];

/// The kinds whose records carry their author's seal.
pub const SEALED: [crate::records::Kind; 3] = [
    crate::records::Kind::Score,
    crate::records::Kind::Decision,
    crate::records::Kind::Transition,
];

/// What signs every sealed content first: a seal can never pass for another signature.
const DOMAIN: &[u8] = b"sovang-seal-v2\n";
/// The domain of seals made before schema 11, which named no unit.
const DOMAIN_V1: &[u8] = b"sovang-seal-v1\n";

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seal {
    /// Hex of the author's 32-byte Ed25519 public key.
    pub key: String,
    /// The author's unit: with the key, it makes the fingerprint a committee names. Empty in
    /// a seal made before schema 11 (`sovang-seal-v1`), which only the key's old fingerprint
    /// matches.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    /// Hex of the 64-byte signature.
    pub sig: String,
}

/// Who seals on this installation: its key and its unit.
pub struct Author {
    pub key: SigningKey,
    pub unit: String,
}

impl Author {
    pub fn seal(&self, content: &[u8]) -> Seal {
        Seal::sign(&self.key, &self.unit, content)
    }
}

/// What a seal signs: the domain, the author's unit on a line, then the content.
fn message(unit: &str, content: &[u8]) -> Vec<u8> {
    let mut msg = DOMAIN.to_vec();
    msg.extend_from_slice(unit.as_bytes());
    msg.push(b'\n');
    msg.extend_from_slice(content);
    msg
}

impl Seal {
    pub fn sign(key: &SigningKey, unit: &str, content: &[u8]) -> Seal {
        Seal {
            key: hex::encode(key.verifying_key().as_bytes()),
            unit: unit.to_owned(),
            sig: hex::encode(key.sign(&message(unit, content)).to_bytes()),
        }
    }

    /// The installation that made this seal (its key, and its unit if the seal names one), if
    /// the seal holds over `content`.
    pub fn verify(&self, content: &[u8]) -> Option<KeyId> {
        let key: [u8; 32] = hex::decode(&self.key).ok()?.try_into().ok()?;
        let sig: [u8; 64] = hex::decode(&self.sig).ok()?.try_into().ok()?;
        if self.unit.contains('\n') {
            return None;
        }
        let vk = VerifyingKey::from_bytes(&key).ok()?;
        if vk.is_weak() {
            return None;
        }
        let (msg, id) = match self.unit.is_empty() {
            true => ([DOMAIN_V1, content].concat(), KeyId::key_only(&key)),
            false => (message(&self.unit, content), KeyId::new(&key, &self.unit)),
        };
        vk.verify_strict(&msg, &Signature::from_bytes(&sig))
            .ok()
            .map(|_| id)
    }
}

/// The version of a record's seal: the state of it its author last signed.
pub fn sealed_at(rec: &WireRecord) -> &str {
    rec.versions
        .get(SEAL)
        .map_or(rec.created_hlc.as_str(), String::as_str)
}

/// Merges two states of a sealed record as wholes: the state its author sealed last keeps
/// every field the seal covers (a field-by-field mixture of two sealed states would be a
/// state nobody sealed, and could differ between installations); a chair's reopening merges
/// by its own version; the deletion stays as it is here (sealed records are never trashed).
pub fn merge_sealed(kind: Kind, local: &WireRecord, incoming: &WireRecord) -> Merged {
    let key = |r: &WireRecord| {
        (
            sealed_at(r).to_owned(),
            canonical(&Value::Object(r.body.clone())),
        )
    };
    let (older, newer) = match key(incoming) > key(local) {
        true => (local, incoming),
        false => (incoming, local),
    };
    // A submitted sheet stays as it was unless the later state carries the chair's reopening
    // of it: whatever order the states arrive in, every installation keeps the same one.
    let winner = match kind == Kind::Score && is_final_over(older, newer) {
        true => older,
        false => newer,
    };
    let mut out = winner.clone();
    out.deleted_at.clone_from(&local.deleted_at);
    out.deleted_by.clone_from(&local.deleted_by);
    if let Some(v) = local.versions.get(DELETED) {
        out.versions.insert(DELETED.into(), v.clone());
    }
    let reopened_at = |r: &WireRecord| r.versions.get(REOPENED).cloned().unwrap_or_default();
    let reopening = if reopened_at(incoming) > reopened_at(local) {
        incoming
    } else {
        local
    };
    match reopening.body.get(REOPENED) {
        Some(r) => {
            out.body.insert(REOPENED.into(), r.clone());
            out.versions.insert(REOPENED.into(), reopened_at(reopening));
        }
        None => {
            out.body.remove(REOPENED);
            out.versions.remove(REOPENED);
        }
    }
    out.seen.clear();
    let values_changed = out.body != local.body;
    let changed = out != *local;
    Merged {
        record: out,
        values_changed,
        changed,
        conflicts: Vec::new(),
    }
}

/// Whether `older`, a submitted sheet, stands against `newer`, a later state of it that no
/// reopening of `older` (or of a later state) allows.
fn is_final_over(older: &WireRecord, newer: &WireRecord) -> bool {
    let submitted = older.body.get("submitted") == Some(&Value::Bool(true));
    let reopened = newer
        .body
        .get(REOPENED)
        .and_then(|r| r.get("of"))
        .and_then(Value::as_str)
        .is_some_and(|of| of >= sealed_at(older));
    submitted && sealed_at(newer) > sealed_at(older) && !reopened
}

/// A chair's reopening of a submitted sheet: the sheet may change once more, after which it
/// is final again.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reopening {
    pub reason: String,
    /// The chair's member id.
    pub by: String,
    /// The version of the member's seal on the sheet it reopened.
    pub of: String,
    pub seal: Seal,
}

impl Reopening {
    /// What the chair signs: which sheet, which state of it, and why.
    pub fn content(score_id: &str, of: &str, reason: &str, by: &str) -> Vec<u8> {
        canonical(&serde_json::json!({
            "kind": "score-reopening", "score_id": score_id, "of": of, "reason": reason, "by": by,
        }))
    }
}

/// What an author's seal covers: the record's kind, id and creation, and every body field
/// with its version, but not the uncovered fields (canonical JSON, keys sorted).
pub fn content(
    kind: &str,
    id: &str,
    created_hlc: &str,
    body: &Map<String, Value>,
    versions: &BTreeMap<String, String>,
) -> Vec<u8> {
    let covered = |k: &String| !UNCOVERED.contains(&k.as_str());
    let body: Map<String, Value> = body
        .iter()
        .filter(|(k, _)| covered(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let versions: Map<String, Value> = versions
        .iter()
        .filter(|(k, _)| covered(k))
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    canonical(&serde_json::json!({
        "kind": kind, "id": id, "created_hlc": created_hlc, "body": body, "versions": versions,
    }))
}

/// JSON with every object's keys in byte order, whatever order the map keeps (serde_json
/// keeps insertion order when a dependency turns on `preserve_order`, as Tauri's does).
pub fn canonical(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend(serde_json::to_vec(k).unwrap_or_default());
                out.push(b':');
                write_canonical(&m[k], out);
            }
            out.push(b'}');
        }
        Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(x, out);
            }
            out.push(b']');
        }
        scalar => out.extend(serde_json::to_vec(scalar).unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn body(points: i64) -> Map<String, Value> {
        let v = serde_json::json!({"member_id": "m1", "points": {"b": points, "a": 1},
            "submitted": true, "seal": {"key": "x", "sig": "y"}});
        v.as_object().unwrap().clone()
    }

    fn versions(v: &str) -> BTreeMap<String, String> {
        ["member_id", "points", "submitted", "seal", "deleted"]
            .iter()
            .map(|k| ((*k).to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn a_seal_holds_over_its_content_and_names_its_key() {
        let c = content("score", "s1", "v1", &body(4), &versions("v1"));
        let seal = Seal::sign(&key(1), "01", &c);
        let fp = super::super::identity::fingerprint(key(1).verifying_key().as_bytes(), "01");
        assert_eq!(seal.verify(&c).map(|id| id.fingerprint), Some(fp));
    }

    #[test]
    fn a_seal_made_before_units_were_signed_names_the_key_alone() {
        let c = content("score", "s1", "v1", &body(4), &versions("v1"));
        let k = key(1);
        let old = Seal {
            key: hex::encode(k.verifying_key().as_bytes()),
            unit: String::new(),
            sig: hex::encode(k.sign(&[DOMAIN_V1, &c].concat()).to_bytes()),
        };
        let json = serde_json::to_value(&old).unwrap();
        assert_eq!(
            json.get("unit"),
            None,
            "an old seal is written back as it came"
        );
        let id = serde_json::from_value::<Seal>(json)
            .unwrap()
            .verify(&c)
            .unwrap();
        let public = k.verifying_key();
        assert!(id.is_named_by(&super::super::identity::legacy_fingerprint(
            public.as_bytes()
        )));
        assert!(
            !id.is_named_by(&super::super::identity::fingerprint(
                public.as_bytes(),
                "01"
            )),
            "an old seal says nothing of its unit: a committee naming key and unit needs a new one"
        );
        let mut new_as_old = Seal::sign(&k, "01", &c);
        new_as_old.unit.clear();
        assert_eq!(
            new_as_old.verify(&c),
            None,
            "a new seal cannot drop its unit"
        );
    }

    #[test]
    fn a_seal_relabelled_with_another_unit_does_not_verify() {
        let c = content("score", "s1", "v1", &body(4), &versions("v1"));
        let mut seal = Seal::sign(&key(1), "00070", &c);
        seal.unit = "01".into();
        assert_eq!(
            seal.verify(&c),
            None,
            "the unit is signed: a relay cannot make a ward's seal pass for the city's"
        );
    }

    #[test]
    fn any_change_of_a_covered_value_or_version_breaks_the_seal() {
        let c = content("score", "s1", "v1", &body(4), &versions("v1"));
        let seal = Seal::sign(&key(1), "01", &c);
        let altered = [
            content("score", "s1", "v1", &body(5), &versions("v1")),
            content("score", "s2", "v1", &body(4), &versions("v1")),
            content("decision", "s1", "v1", &body(4), &versions("v1")),
            content("score", "s1", "v1", &body(4), &versions("v2")),
        ];
        for a in altered {
            assert_eq!(seal.verify(&a), None, "an altered record must not verify");
        }
    }

    #[test]
    fn the_seal_and_the_reopening_are_not_covered_and_key_order_does_not_matter() {
        let mut b = body(4);
        let c = content("score", "s1", "v1", &b, &versions("v1"));
        b.insert(
            "seal".into(),
            serde_json::json!({"key": "other", "sig": "other"}),
        );
        b.insert("reopened".into(), serde_json::json!({"reason": "x"}));
        assert_eq!(c, content("score", "s1", "v1", &b, &versions("v1")));
        let reordered: Value = serde_json::from_str(r#"{"b":1,"a":{"d":2,"c":3}}"#).unwrap();
        assert_eq!(
            canonical(&reordered),
            br#"{"a":{"c":3,"d":2},"b":1}"#.to_vec()
        );
    }
}
