//! The record kinds, their validation, and what each gives the index.
//! Every kind is a typed body stored as JSON, with the columns lists and search need beside it.

mod campaign;
mod entry;
mod nomination;
mod person;
mod project;
mod review;
mod unit;
pub mod validate;

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;

pub use campaign::{
    preset_campaign, sets_own_targets, Campaign, Labeled, Target, PRESET_CAMPAIGN_ID,
    TARGET_METRICS,
};
pub use entry::{Entry, ENTRY_STATUSES, ENTRY_SUBJECTS};
pub use nomination::{Nomination, NOMINATION_STATUSES};
pub use person::{Person, GENDERS, MEMBERSHIPS};
pub use project::{Project, ProjectUpdate, PROJECT_FIELDS, PROJECT_STATUSES};
pub use review::{
    Committee, DecidedResult, Decision, Member, ReviewStatus, RubricItem, Score, Transition,
    DEFAULT_SCALE, MEMBER_ROLES, OUTCOMES, REVIEW_STATUSES,
};
pub use unit::{Unit, UNIT_TYPES};

use crate::collate::VietCollator;
use crate::error::{Code, Error, Result};
use crate::units::UnitTree;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Unit,
    Person,
    Entry,
    Project,
    Update,
    Campaign,
    Target,
    Nomination,
    Committee,
    Score,
    Decision,
    Transition,
}

impl Kind {
    pub const ALL: [Kind; 12] = [
        Kind::Unit,
        Kind::Person,
        Kind::Entry,
        Kind::Project,
        Kind::Update,
        Kind::Campaign,
        Kind::Target,
        Kind::Nomination,
        Kind::Committee,
        Kind::Score,
        Kind::Decision,
        Kind::Transition,
    ];

    /// The kinds a person works with in lists, search and the trash; the review's own records
    /// are shown through the nominations they concern.
    pub const LISTED: [Kind; 8] = [
        Kind::Unit,
        Kind::Person,
        Kind::Entry,
        Kind::Project,
        Kind::Update,
        Kind::Campaign,
        Kind::Target,
        Kind::Nomination,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Unit => "unit",
            Kind::Person => "person",
            Kind::Entry => "entry",
            Kind::Project => "project",
            Kind::Update => "update",
            Kind::Campaign => "campaign",
            Kind::Target => "target",
            Kind::Nomination => "nomination",
            Kind::Committee => "committee",
            Kind::Score => "score",
            Kind::Decision => "decision",
            Kind::Transition => "transition",
        }
    }

    pub fn parse(s: &str) -> Result<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| Error::field_arg(Code::InvalidValue, "kind", s))
    }

    pub fn table(self) -> &'static str {
        match self {
            Kind::Unit => "units",
            Kind::Person => "people",
            Kind::Entry => "entries",
            Kind::Project => "projects",
            Kind::Update => "project_updates",
            Kind::Campaign => "campaigns",
            Kind::Target => "campaign_targets",
            Kind::Nomination => "nominations",
            Kind::Committee => "committees",
            Kind::Score => "scores",
            Kind::Decision => "decisions",
            Kind::Transition => "transitions",
        }
    }

    /// Columns beside the common ones, filled from `Index::extra` in this order.
    pub fn extra_columns(self) -> &'static [&'static str] {
        match self {
            Kind::Unit => &["code", "parent", "successor", "kind"], // `kind` holds the unit type
            _ => &["ref"],
        }
    }

    /// The kind a record's `ref` column points at, whose title it shows or is searched by.
    pub fn parent_kind(self) -> Option<Kind> {
        match self {
            Kind::Entry | Kind::Nomination => Some(Kind::Person),
            Kind::Update => Some(Kind::Project),
            Kind::Target | Kind::Committee => Some(Kind::Campaign),
            Kind::Score | Kind::Decision | Kind::Transition => Some(Kind::Nomination),
            _ => None,
        }
    }

    /// Whether records of this kind have a year to filter by (people do not).
    pub fn has_year(self) -> bool {
        self != Kind::Person
    }

    /// Whether records of this kind have a status to filter by.
    pub fn has_status(self) -> bool {
        !matches!(
            self,
            Kind::Update | Kind::Campaign | Kind::Committee | Kind::Score
        )
    }

    /// How lists of this kind are ordered: people by name, units by code, the rest newest first.
    pub fn list_order(self) -> ListOrder {
        match self {
            Kind::Person => ListOrder::SortKey,
            Kind::Unit => ListOrder::Code,
            _ => ListOrder::NewestFirst,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    SortKey,
    Code,
    NewestFirst,
}

/// What validation may look at besides the record itself. No database: the store checks
/// links to other records (`Index::refs`) inside its transaction.
pub struct Ctx<'a> {
    pub today: NaiveDate,
    pub units: &'a UnitTree,
    pub campaigns: &'a HashMap<String, Campaign>,
    pub collator: &'a VietCollator,
}

/// A link from a record to another one, and the field that holds it (named in the error when
/// the linked record is missing).
#[derive(Debug, Clone)]
pub struct Ref {
    pub kind: Kind,
    pub id: String,
    pub field: &'static str,
}

impl Ref {
    pub fn new(kind: Kind, id: &str, field: &'static str) -> Self {
        Ref {
            kind,
            id: id.to_owned(),
            field,
        }
    }
}

/// What a record gives the store beside its body.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub unit: String,
    pub title: String,
    /// Text found by search beside the title (which is always searchable).
    pub search: String,
    pub year: Option<i32>,
    pub status: Option<String>,
    pub sort_key: Option<Vec<u8>>,
    /// Values of `Kind::extra_columns`, in order.
    pub extra: Vec<Option<String>>,
    /// Kept out of search (targets are numbers, not text anyone looks for).
    pub unsearchable: bool,
    /// Live records this one links to; the store refuses the record if one is missing.
    pub refs: Vec<Ref>,
    /// Adds the first ref's title to the search text (an entry is found by its person's name).
    pub ref_in_search: bool,
    /// Puts the first ref's title in front of the title (a nomination is shown by its nominee).
    pub ref_in_title: bool,
}

impl Index {
    /// Sets the year from an ISO date, if there is one.
    pub(crate) fn with_year(mut self, iso: Option<&str>) -> Self {
        self.year = iso
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(|d| d.year());
        self
    }
}

pub trait Body: Serialize + DeserializeOwned {
    const KIND: Kind;
    /// Normalizes (dates to ISO, trimmed text) and validates; the first problem is returned.
    fn check(&mut self, cx: &Ctx) -> Result<()>;
    fn index(&self, cx: &Ctx) -> Index;
}

/// A validated record ready to store: its canonical body and its index data.
pub struct Prepared {
    pub body: Value,
    /// `body` as stored, and the title's index words (exact and folded) and the other folded
    /// search words (`text::other_words`): computed here so that a bulk load does this work on
    /// the thread that validates, not on the one that writes.
    pub body_json: String,
    pub title_exact: String,
    pub title_folded: String,
    pub search_folded: String,
    pub index: Index,
}

/// Reads a body of type `T`, naming the field of any problem.
fn deserialize<T: Body>(body: Value) -> Result<T> {
    serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let quoted = |prefix: &str| {
            inner
                .strip_prefix(prefix)
                .map(|rest| rest.split('`').next().unwrap_or(rest).to_owned())
        };
        if let Some(name) = quoted("unknown field `") {
            return Error::field_arg(Code::UnknownField, &name, &name);
        }
        if let Some(name) = quoted("missing field `") {
            let name = if path == "." {
                name
            } else {
                format!("{path}.{name}")
            };
            return Error::field(Code::Required, &name);
        }
        if path == "." {
            return Error::field(Code::NotAnObject, "data");
        }
        Error::field(Code::WrongType, &path)
    })
}

/// Validates a typed body (the bulk path: no JSON parsing).
pub fn prepare_body<T: Body>(mut typed: T, cx: &Ctx) -> Result<Prepared> {
    typed.check(cx)?;
    finish(typed, cx)
}

/// The index data and stored forms of a body that is already valid.
fn finish<T: Body>(typed: T, cx: &Ctx) -> Result<Prepared> {
    let index = typed.index(cx);
    let body = serde_json::to_value(&typed)
        .map_err(|e| Error::plain(Code::InvalidJson, &e.to_string()))?;
    let body_json = body.to_string();
    let title_exact = crate::text::index_words(&crate::text::exact(&index.title));
    let title_folded = crate::text::fold(&title_exact);
    // Indexed together with the title's words: only the others, once each.
    let search_folded = crate::text::other_words(
        &crate::text::index_words(&crate::text::fold(&index.search)),
        &title_folded,
    );
    Ok(Prepared {
        body,
        body_json,
        title_exact,
        title_folded,
        search_folded,
        index,
    })
}

fn build_typed<T: Body>(body: Value, cx: &Ctx, validate: bool) -> Result<Prepared> {
    let typed = deserialize::<T>(body)?;
    if validate {
        prepare_body(typed, cx)
    } else {
        finish(typed, cx)
    }
}

fn build(kind: Kind, body: Value, cx: &Ctx, validate: bool) -> Result<Prepared> {
    match kind {
        Kind::Unit => build_typed::<Unit>(body, cx, validate),
        Kind::Person => build_typed::<Person>(body, cx, validate),
        Kind::Entry => build_typed::<Entry>(body, cx, validate),
        Kind::Project => build_typed::<Project>(body, cx, validate),
        Kind::Update => build_typed::<ProjectUpdate>(body, cx, validate),
        Kind::Campaign => build_typed::<Campaign>(body, cx, validate),
        Kind::Target => build_typed::<Target>(body, cx, validate),
        Kind::Nomination => build_typed::<Nomination>(body, cx, validate),
        Kind::Committee => build_typed::<Committee>(body, cx, validate),
        Kind::Score => build_typed::<Score>(body, cx, validate),
        Kind::Decision => build_typed::<Decision>(body, cx, validate),
        Kind::Transition => build_typed::<Transition>(body, cx, validate),
    }
}

/// Validates a body of `kind` given as JSON.
pub fn prepare(kind: Kind, body: Value, cx: &Ctx) -> Result<Prepared> {
    build(kind, body, cx, true)
}

/// Index data of a stored body, without validating it again (rules may have changed since it
/// was stored; re-indexing must not refuse an old record).
pub fn reindex(kind: Kind, body: Value, cx: &Ctx) -> Result<Prepared> {
    build(kind, body, cx, false)
}

/// Joins the non-empty parts of a record's searchable text.
pub(crate) fn join_text<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    parts
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Codes of a campaign's lists, for membership checks.
pub(crate) fn codes(list: &[Labeled]) -> HashSet<&str> {
    list.iter().map(|l| l.code.as_str()).collect()
}
