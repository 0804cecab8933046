//! Sync bundles: signed files that carry records between installations with no network.
//! `identity` holds keys and trust, `bundle` the file format and its checks, `wire` records
//! as they travel, `merge` the per-field merge. The store's `export`, `import` and
//! `conflicts` modules use them inside its transactions.

pub mod bundle;
pub mod identity;
pub mod merge;
pub mod seal;
pub mod wire;

use serde::Serialize;

use crate::records::Kind;

/// Kinds in the order a bundle lists and an import applies them: what others link to first.
pub const APPLY_ORDER: [Kind; 12] = [
    Kind::Unit,
    Kind::Campaign,
    Kind::Target,
    Kind::Person,
    Kind::Project,
    Kind::Update,
    Kind::Entry,
    Kind::Nomination,
    Kind::Committee,
    Kind::Score,
    // A decision before the status changes it makes: they name it.
    Kind::Decision,
    Kind::Transition,
];

/// Kinds that stay among the installations of the committee's own unit (the chair's and the
/// members'): a bundle for another unit never carries the committee or its scores.
pub const COMMITTEE_ONLY: [Kind; 2] = [Kind::Committee, Kind::Score];

/// The kinds of committee review, which bundles of format version 1 do not hold.
pub const REVIEW_KINDS: [Kind; 4] = [
    Kind::Committee,
    Kind::Transition,
    Kind::Score,
    Kind::Decision,
];

/// Attachments' metadata travels as a kind of its own, after the records.
pub const ATTACHMENT: &str = "attachment";

/// Erasure markers travel as an entry of their own, applied before the records.
pub const ERASURE: &str = "erasure";

/// The names of the NDJSON entries a bundle may hold.
pub const RECORD_KINDS: [&str; 14] = [
    "unit",
    "campaign",
    "target",
    "person",
    "project",
    "update",
    "entry",
    "nomination",
    "committee",
    "transition",
    "score",
    "decision",
    ATTACHMENT,
    ERASURE,
];

/// The version of reference data, identical on every installation: never exported.
pub const REFERENCE_VERSION: &str = "000000000000000-00000-0000000000000000";

/// How far an export or import has come, for progress bars.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Progress {
    /// `verify`, `records`, `attachments` or `done`.
    pub phase: &'static str,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub done: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
}
