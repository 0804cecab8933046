//! Records as they travel in bundles: one JSON object per line, with every field's version
//! and causal past, so that the receiver can merge field by field. Derived columns (titles,
//! search words) never travel; the receiver computes them.

use std::collections::BTreeMap;

use rusqlite::Row;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::merge::{Seen, DELETED};
use crate::records::Kind;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireRecord {
    pub id: String,
    /// The owning unit: what the authority rules look at.
    pub unit: String,
    pub created_at: String,
    pub created_by: String,
    pub created_hlc: String,
    pub updated_at: String,
    pub updated_by: String,
    #[serde(default)]
    pub deleted_at: Option<String>,
    #[serde(default)]
    pub deleted_by: Option<String>,
    pub body: Map<String, Value>,
    /// The version of each body field and of `deleted`.
    pub versions: BTreeMap<String, String>,
    /// Per field, the versions from other installations its value replaced.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub seen: BTreeMap<String, Seen>,
}

impl WireRecord {
    /// The record's version: its newest field version.
    pub fn version(&self) -> &str {
        self.versions
            .values()
            .map(String::as_str)
            .max()
            .unwrap_or(&self.created_hlc)
    }
}

impl WireRecord {
    /// The `field_hlc` column: only versions other than the creation's (the form local writes
    /// keep; `from_row` fills the rest back in).
    pub fn stored_versions(&self) -> String {
        let changed: BTreeMap<&String, &String> = self
            .versions
            .iter()
            .filter(|(_, v)| **v != self.created_hlc)
            .collect();
        serde_json::to_string(&changed).unwrap_or_else(|_| "{}".into())
    }
}

/// The columns `from_row` reads, in its order.
pub const RECORD_COLUMNS: &str = "id, unit, body, created_at, created_by, created_hlc, \
    updated_at, updated_by, field_hlc, field_seen, deleted_at, deleted_by";

fn object(s: &str) -> Map<String, Value> {
    match serde_json::from_str(s) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// A stored record (selected with `RECORD_COLUMNS`) as it travels: a field never changed since
/// the record was created has the creation's version.
pub fn from_row(r: &Row) -> rusqlite::Result<WireRecord> {
    let body = object(&r.get::<_, String>(2)?);
    let created_hlc: String = r.get(5)?;
    let field_hlc = object(&r.get::<_, String>(8)?);
    let field_seen = object(&r.get::<_, String>(9)?);
    let version_of = |k: &str| {
        field_hlc
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or(&created_hlc)
            .to_owned()
    };
    let mut versions: BTreeMap<String, String> =
        body.keys().map(|k| (k.clone(), version_of(k))).collect();
    versions.insert(DELETED.into(), version_of(DELETED));
    let seen = field_seen
        .into_iter()
        .filter_map(|(k, v)| serde_json::from_value::<Seen>(v).ok().map(|s| (k, s)))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    Ok(WireRecord {
        id: r.get(0)?,
        unit: r.get(1)?,
        created_at: r.get(3)?,
        created_by: r.get(4)?,
        created_hlc,
        updated_at: r.get(6)?,
        updated_by: r.get(7)?,
        deleted_at: r.get(10)?,
        deleted_by: r.get(11)?,
        body,
        versions,
        seen,
    })
}

/// An attachment's metadata; its bytes travel beside it as `attachments/<sha256>`. Content
/// never changes, so only the deletion merges (by the row's version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireAttachment {
    pub id: String,
    pub unit: String,
    pub record_kind: Kind,
    pub record_id: String,
    pub sha256: String,
    pub file_name: String,
    pub mime: String,
    pub size: u64,
    pub created_at: String,
    pub created_by: String,
    pub created_hlc: String,
    pub updated_at: String,
    pub updated_by: String,
    pub hlc: String,
    #[serde(default)]
    pub deleted_at: Option<String>,
    #[serde(default)]
    pub deleted_by: Option<String>,
}

pub const ATTACHMENT_COLUMNS: &str = "id, unit, record_kind, record_id, sha256, file_name, mime, \
    size, created_at, created_by, created_hlc, updated_at, updated_by, hlc, deleted_at, deleted_by";

pub fn attachment_from_row(r: &Row) -> rusqlite::Result<WireAttachment> {
    let kind: String = r.get(2)?;
    Ok(WireAttachment {
        id: r.get(0)?,
        unit: r.get(1)?,
        record_kind: Kind::parse(&kind).unwrap_or(Kind::Entry),
        record_id: r.get(3)?,
        sha256: r.get(4)?,
        file_name: r.get(5)?,
        mime: r.get(6)?,
        size: r.get::<_, i64>(7)? as u64,
        created_at: r.get(8)?,
        created_by: r.get(9)?,
        created_hlc: r.get(10)?,
        updated_at: r.get(11)?,
        updated_by: r.get(12)?,
        hlc: r.get(13)?,
        deleted_at: r.get(14)?,
        deleted_by: r.get(15)?,
    })
}
