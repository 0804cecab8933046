//! Who signs bundles and whom this installation believes: an Ed25519 key pair per
//! installation, tied to its unit, and the list of other units' public keys it trusts.

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::stamp;
use crate::error::{Code, Error, Result};
use crate::store::Store;

pub const CARD_FORMAT: &str = "sovang-unit-card";

/// A unit card's fingerprint, for two people to read to each other: eight groups of five
/// digits (read the same in Vietnamese and English) from the SHA-256 of the public key
/// followed by the unit's code. It covers both, so a card edited to claim another unit (a
/// ward claiming the province) no longer shows the fingerprint its owner reads out.
pub fn fingerprint(public_key: &[u8; 32], unit: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(public_key);
    hasher.update(unit.as_bytes());
    let digest = hasher.finalize();
    digest
        .chunks(4)
        .map(|c| {
            let n = u32::from_be_bytes([c[0], c[1], c[2], c[3]]) % 100_000;
            format!("{n:05}")
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The fingerprint a key had before schema 11, when it covered the key alone: committees
/// formed then still name their members by it.
pub fn legacy_fingerprint(public_key: &[u8; 32]) -> String {
    fingerprint(public_key, "")
}

/// An installation as a committee may name it: the fingerprint of its key and unit, or that
/// of its key alone (committees formed before schema 11, whose bodies no installation may
/// rewrite but their chair's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyId {
    pub fingerprint: String,
    pub legacy: String,
}

impl KeyId {
    pub fn new(public_key: &[u8; 32], unit: &str) -> KeyId {
        KeyId {
            fingerprint: fingerprint(public_key, unit),
            legacy: legacy_fingerprint(public_key),
        }
    }

    /// A key known without its unit (a seal made before schema 11): only the old form names it.
    pub fn key_only(public_key: &[u8; 32]) -> KeyId {
        let legacy = legacy_fingerprint(public_key);
        KeyId {
            fingerprint: legacy.clone(),
            legacy,
        }
    }

    /// From a trust-list row's hex key and unit.
    pub fn from_hex(public_key: &str, unit: &str) -> Option<KeyId> {
        let key: [u8; 32] = hex::decode(public_key).ok()?.try_into().ok()?;
        Some(KeyId::new(&key, unit))
    }

    /// Whether `fp`, as a committee lists it, names this installation.
    pub fn is_named_by(&self, fp: &str) -> bool {
        fp == self.fingerprint || fp == self.legacy
    }
}

/// A fingerprint as typed: spaces or dashes between groups, or none.
pub fn normalize_fingerprint(s: &str) -> String {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    digits
        .as_bytes()
        .chunks(5)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// This installation's public identity: what `identity show` prints and the card holds.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitCard {
    pub format: String,
    pub unit: String,
    pub unit_name: String,
    pub installation: String,
    /// Hex of the 32-byte Ed25519 public key.
    pub public_key: String,
    pub fingerprint: String,
    pub created_at: String,
}

impl UnitCard {
    /// The card's key, after checking the card is whole and its fingerprint is its key's and
    /// unit's.
    pub fn key(&self) -> Result<VerifyingKey> {
        let bad = |why: &str| Error::field_arg(Code::CardInvalid, "card", why);
        if self.format != CARD_FORMAT {
            return Err(bad("format"));
        }
        if self.unit.trim().is_empty() {
            return Err(bad("unit"));
        }
        let bytes: [u8; 32] = hex::decode(&self.public_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("public_key"))?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| bad("public_key"))?;
        if key.is_weak() {
            return Err(bad("public_key"));
        }
        if normalize_fingerprint(&self.fingerprint) != fingerprint(&bytes, &self.unit) {
            return Err(bad("fingerprint"));
        }
        Ok(key)
    }

    /// Refuses the card unless its fingerprint is `read`, the one its owner read out (typed
    /// with or without separators).
    pub fn confirm(&self, read: &str) -> Result<()> {
        let fp = normalize_fingerprint(&self.fingerprint);
        match normalize_fingerprint(read) == fp {
            true => Ok(()),
            false => Err(Error::field_arg(
                Code::FingerprintMismatch,
                "fingerprint",
                &fp,
            )),
        }
    }
}

/// A key this installation accepts bundles from.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrustedKey {
    pub fingerprint: String,
    pub public_key: String,
    pub unit: String,
    pub unit_name: String,
    pub installation: String,
    pub added_at: String,
    pub added_by: String,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
}

fn trusted_from_row(r: &rusqlite::Row) -> rusqlite::Result<TrustedKey> {
    Ok(TrustedKey {
        fingerprint: r.get(0)?,
        public_key: r.get(1)?,
        unit: r.get(2)?,
        unit_name: r.get(3)?,
        installation: r.get(4)?,
        added_at: r.get(5)?,
        added_by: r.get(6)?,
        revoked_at: r.get(7)?,
        revoked_by: r.get(8)?,
    })
}

const TRUSTED_COLUMNS: &str = "fingerprint, public_key, unit, unit_name, installation, added_at, \
    added_by, revoked_at, revoked_by";

impl Store {
    /// The installation's signing key, made on first use and kept in its database (so that it
    /// moves with the data folder).
    pub(crate) fn signing_key(&self) -> Result<SigningKey> {
        let conn = self.connection();
        let stored: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'signing_key'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(bytes) = stored
            .and_then(|h| hex::decode(h).ok())
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
        {
            return Ok(SigningKey::from_bytes(&bytes));
        }
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret)
            .map_err(|e| Error::plain(Code::Storage, &format!("random: {e}")))?;
        // Another process may have made one meanwhile: the first stored wins.
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('signing_key', ?1)",
            [hex::encode(secret)],
        )?;
        tracing::info!("signing key created");
        self.signing_key()
    }

    /// This installation's card: its unit and public key.
    pub fn identity(&self) -> Result<UnitCard> {
        let key = self.signing_key()?.verifying_key();
        let inst = self.installation();
        Ok(UnitCard {
            format: CARD_FORMAT.into(),
            unit: inst.unit.clone(),
            unit_name: inst.unit_name.clone(),
            installation: inst.id.clone(),
            public_key: hex::encode(key.as_bytes()),
            fingerprint: fingerprint(key.as_bytes(), &inst.unit),
            created_at: stamp(self.clock().now()),
        })
    }

    /// This installation as committees name it.
    pub fn key_id(&self) -> Result<KeyId> {
        let key = self.signing_key()?.verifying_key();
        Ok(KeyId::new(key.as_bytes(), &self.installation().unit))
    }

    /// The installation a fingerprint names, as committees may name it: this one or a
    /// trusted (or revoked) one; a fingerprint of the key alone finds it too.
    pub(crate) fn key_id_of(
        conn: &rusqlite::Connection,
        own: &KeyId,
        fp: &str,
    ) -> Result<Option<KeyId>> {
        if own.is_named_by(fp) {
            return Ok(Some(own.clone()));
        }
        let mut stmt = conn.prepare_cached("SELECT public_key, unit FROM trusted_keys")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (key, unit) = row?;
            if let Some(id) = KeyId::from_hex(&key, &unit).filter(|id| id.is_named_by(fp)) {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// This installation as the author of sealed review records.
    pub(crate) fn author(&self) -> Result<crate::sync::seal::Author> {
        Ok(crate::sync::seal::Author {
            key: self.signing_key()?,
            unit: self.installation().unit.clone(),
        })
    }

    pub(crate) fn sign(&self, bytes: &[u8]) -> Result<[u8; 64]> {
        Ok(self.signing_key()?.sign(bytes).to_bytes())
    }

    /// Trusts another installation's card. Adding a key again is harmless; a revoked key
    /// stays revoked (a new PC gets a new key). A key belongs to one unit: a card that names
    /// a key already trusted (or this installation's own) with another unit is refused.
    pub fn trust_add(&mut self, card: &UnitCard) -> Result<TrustedKey> {
        let key = card.key()?;
        let fp = fingerprint(key.as_bytes(), &card.unit);
        let public = hex::encode(key.as_bytes());
        if public == self.identity()?.public_key {
            return Err(Error::plain(Code::OwnKey, &fp));
        }
        let claimed: Option<String> = self
            .connection()
            .query_row(
                "SELECT unit FROM trusted_keys WHERE public_key = ?1 AND unit != ?2",
                params![public, card.unit],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(unit) = claimed {
            return Err(Error::field_arg(Code::CardOtherUnit, "unit", &unit));
        }
        let now = stamp(self.clock().now());
        self.connection().execute(
            "INSERT INTO trusted_keys (fingerprint, public_key, unit, unit_name, installation, added_at, added_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(fingerprint) DO NOTHING",
            params![fp, public, card.unit, card.unit_name, card.installation, now, self.actor()],
        )?;
        tracing::info!(fingerprint = %fp, unit = %card.unit, "key trusted");
        self.trusted(&fp)?
            .ok_or_else(|| Error::plain(Code::NotFound, &fp))
    }

    pub fn trust_list(&self) -> Result<Vec<TrustedKey>> {
        let sql = format!("SELECT {TRUSTED_COLUMNS} FROM trusted_keys ORDER BY unit, added_at");
        let mut stmt = self.connection().prepare(&sql)?;
        let rows = stmt.query_map([], trusted_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A trusted (or revoked) key by fingerprint, typed with or without separators.
    pub fn trusted(&self, fp: &str) -> Result<Option<TrustedKey>> {
        let sql = format!("SELECT {TRUSTED_COLUMNS} FROM trusted_keys WHERE fingerprint = ?1");
        Ok(self
            .connection()
            .query_row(&sql, [normalize_fingerprint(fp)], trusted_from_row)
            .optional()?)
    }

    /// Stops accepting a key's bundles from now on.
    pub fn trust_revoke(&mut self, fp: &str) -> Result<TrustedKey> {
        let fp = normalize_fingerprint(fp);
        if fp == self.identity()?.fingerprint {
            return Err(Error::plain(Code::OwnKey, &fp));
        }
        let now = stamp(self.clock().now());
        let n = self.connection().execute(
            "UPDATE trusted_keys SET revoked_at = ?1, revoked_by = ?2 WHERE fingerprint = ?3 AND revoked_at IS NULL",
            params![now, self.actor(), fp],
        )?;
        let key = self
            .trusted(&fp)?
            .ok_or_else(|| Error::field_arg(Code::NotFound, "fingerprint", &fp))?;
        if n == 1 {
            tracing::info!(fingerprint = %fp, "key revoked");
        }
        Ok(key)
    }
}
