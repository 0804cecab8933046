//! The shapes `get`, `attach` and `history` return, declared as types so that the desktop
//! app's TypeScript can be generated from them. `get` and `attach` still build JSON; a test
//! deserializes it into these (unknown fields refused), which keeps the two in step.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::records::Kind;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub id: String,
    pub record_kind: Kind,
    pub record_id: String,
    pub sha256: String,
    pub file_name: String,
    pub mime: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: i64,
    pub created_at: String,
    pub created_by: String,
}

/// A record as `get` returns it: who/when, its version, the body under `data`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct RecordView {
    pub kind: Kind,
    pub id: String,
    pub title: String,
    pub version: String,
    pub created_at: Option<String>,
    pub created_by: Option<String>,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
    pub deleted_at: Option<String>,
    pub deleted_by: Option<String>,
    /// The kind's body (`Person`, `Entry`, …).
    pub data: Value,
    pub attachments: Vec<Attachment>,
}

/// One change in a record's history: field → `[old, new]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct HistoryRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub version: String,
    pub changes: Value,
    /// The bundle that brought this change, when another installation made it.
    #[serde(default)]
    pub bundle_id: Option<String>,
    /// The fingerprint of the key that signed that bundle.
    #[serde(default)]
    pub signer: Option<String>,
}

/// `get`'s JSON as its declared type.
pub fn record_view(v: Value) -> crate::Result<RecordView> {
    serde_json::from_value(v).map_err(|e| {
        crate::Error::plain(crate::error::Code::Storage, &format!("record shape: {e}"))
    })
}
