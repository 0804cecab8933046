//! Seals: an author's Ed25519 signature over a committee review record (a score sheet, a
//! decision, a status change), so that whoever passes it on (the chair relays every member's
//! sheets) can neither forge nor alter it. The seal travels inside the record's body, under
//! `seal`; a chair's reopening of a submitted sheet carries a seal of its own. See
//! `docs/bundle-format.md`, "Sealed review records".

use std::collections::BTreeMap;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::identity::fingerprint;

/// The body field that holds the author's seal.
pub const SEAL: &str = "seal";
/// The body field of a score sheet that holds the chair's reopening (sealed by the chair).
pub const REOPENED: &str = "reopened";
/// Fields the author's seal does not cover: itself, a chair's reopening, and the deletion.
const UNCOVERED: [&str; 3] = [SEAL, REOPENED, super::merge::DELETED];

/// What signs every sealed content first: a seal can never pass for another signature.
const DOMAIN: &[u8] = b"sovang-seal-v1\n";

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seal {
    /// Hex of the author's 32-byte Ed25519 public key.
    pub key: String,
    /// Hex of the 64-byte signature.
    pub sig: String,
}

impl Seal {
    pub fn sign(key: &SigningKey, content: &[u8]) -> Seal {
        let mut msg = DOMAIN.to_vec();
        msg.extend_from_slice(content);
        Seal {
            key: hex::encode(key.verifying_key().as_bytes()),
            sig: hex::encode(key.sign(&msg).to_bytes()),
        }
    }

    /// The fingerprint of the key that made this seal, if the seal holds over `content`.
    pub fn verify(&self, content: &[u8]) -> Option<String> {
        let key: [u8; 32] = hex::decode(&self.key).ok()?.try_into().ok()?;
        let sig: [u8; 64] = hex::decode(&self.sig).ok()?.try_into().ok()?;
        let mut msg = DOMAIN.to_vec();
        msg.extend_from_slice(content);
        let vk = VerifyingKey::from_bytes(&key).ok()?;
        if vk.is_weak() {
            return None;
        }
        vk.verify_strict(&msg, &Signature::from_bytes(&sig))
            .ok()
            .map(|_| fingerprint(&key))
    }
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
        let seal = Seal::sign(&key(1), &c);
        let fp = fingerprint(key(1).verifying_key().as_bytes());
        assert_eq!(seal.verify(&c), Some(fp));
    }

    #[test]
    fn any_change_of_a_covered_value_or_version_breaks_the_seal() {
        let c = content("score", "s1", "v1", &body(4), &versions("v1"));
        let seal = Seal::sign(&key(1), &c);
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
