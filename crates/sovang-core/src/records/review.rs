//! Committee review of nominations: committees with their rubric, members' scores, decisions,
//! and the status changes of a nomination. Each is a record of the unit that made it, so it
//! travels in bundles like any other; the rules that involve several records (who may score,
//! quorum, locks, which status may follow which) live in `store::review`.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::validate as v;
use super::{codes, Body, Campaign, Ctx, Index, Kind, Ref};
use crate::error::{Code, Error, Result};
use crate::sync::identity::KeyId;
use crate::sync::seal::{Reopening, Seal};

/// Where a nomination stands on its path, shared with the UI (which asks the core what may be
/// done next rather than comparing these itself).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    #[default]
    Draft,
    Submitted,
    InReview,
    Returned,
    Approved,
    Rejected,
    Forwarded,
}

impl ReviewStatus {
    /// In the order of the path.
    pub const ALL: [ReviewStatus; 7] = [
        ReviewStatus::Draft,
        ReviewStatus::Submitted,
        ReviewStatus::InReview,
        ReviewStatus::Returned,
        ReviewStatus::Approved,
        ReviewStatus::Rejected,
        ReviewStatus::Forwarded,
    ];

    /// What a decision may decide.
    pub const OUTCOMES: [ReviewStatus; 3] = [
        ReviewStatus::Approved,
        ReviewStatus::Rejected,
        ReviewStatus::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Draft => "draft",
            ReviewStatus::Submitted => "submitted",
            ReviewStatus::InReview => "in_review",
            ReviewStatus::Returned => "returned",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Forwarded => "forwarded",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn is_outcome(self) -> bool {
        Self::OUTCOMES.contains(&self)
    }

    /// Its unit may still edit it (a draft, or returned for changes).
    pub fn editable(self) -> bool {
        matches!(self, ReviewStatus::Draft | ReviewStatus::Returned)
    }

    /// The committee has it (its inbox, its ranking).
    pub fn handed_in(self) -> bool {
        !matches!(self, ReviewStatus::Draft)
    }
}

impl std::fmt::Display for ReviewStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status compares with its name (what bundles, the CLI and tests spell).
impl PartialEq<&str> for ReviewStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A nomination's statuses by name, in the order of its path (the vocabulary the UI lists).
pub const REVIEW_STATUSES: [&str; 7] = [
    "draft",
    "submitted",
    "in_review",
    "returned",
    "approved",
    "rejected",
    "forwarded",
];

/// What a decision may decide, by name.
pub const OUTCOMES: [&str; 3] = ["approved", "rejected", "returned"];

pub const MEMBER_ROLES: &[&str] = &["chair", "member"];

/// The scale every criterion has unless the rubric says otherwise.
pub const DEFAULT_SCALE: (i64, i64) = (1, 5);

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// A stable id for the member within the committee (their scores point at it); given
    /// when the committee is saved if left empty.
    #[serde(default)]
    pub id: String,
    pub name: String,
    /// `chair` or `member`.
    #[serde(default = "member_role")]
    pub role: String,
    /// The key fingerprint of the installation the member scores on: a member's scores are
    /// accepted only when that key signed them (or this installation is that one).
    pub fingerprint: String,
}

impl Member {
    /// Whether this member scores on the installation `id`.
    pub fn is(&self, id: &KeyId) -> bool {
        id.is_named_by(&self.fingerprint)
    }
}

fn member_role() -> String {
    "member".into()
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricItem {
    /// A criterion code of the campaign.
    pub criterion: String,
    #[serde(default = "one")]
    pub weight: f64,
    #[serde(default = "scale_min")]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub min: i64,
    #[serde(default = "scale_max")]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub max: i64,
}

fn one() -> f64 {
    1.0
}
fn scale_min() -> i64 {
    DEFAULT_SCALE.0
}
fn scale_max() -> i64 {
    DEFAULT_SCALE.1
}

fn yes() -> bool {
    true
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Committee {
    pub name: String,
    /// The unit the committee belongs to; it reviews nominations of the units under it.
    pub unit: String,
    pub campaign_id: String,
    pub year: i32,
    pub members: Vec<Member>,
    pub quorum: u32,
    /// Empty: the campaign's criteria, each with weight 1 on the default scale.
    #[serde(default)]
    pub rubric: Vec<RubricItem>,
    /// Members see others' scores of a nomination only once they submitted their own.
    #[serde(default = "yes")]
    pub blind: bool,
}

impl Committee {
    pub fn chair(&self) -> Option<&Member> {
        self.members.iter().find(|m| m.role == "chair")
    }

    pub fn member(&self, id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }

    /// A new committee of `unit` for `campaign`'s `year`: the campaign's rubric, blind
    /// scoring, no members yet (what the window's form starts from).
    pub fn template(unit: &str, campaign_id: &str, campaign: &Campaign, year: i32) -> Self {
        Committee {
            unit: unit.into(),
            campaign_id: campaign_id.into(),
            year,
            quorum: 1,
            rubric: default_rubric(campaign),
            blind: true,
            ..Default::default()
        }
    }

    /// The fields that say who reviews and how: only the chair's installation changes them.
    pub const COMPOSITION: [&'static str; 4] = ["members", "quorum", "blind", "rubric"];

    /// The member who scores on the installation `id`.
    pub fn member_by_key(&self, id: &KeyId) -> Option<&Member> {
        self.members.iter().find(|m| m.is(id))
    }
}

/// Every criterion of the campaign, weight 1, on the default scale.
fn default_rubric(c: &Campaign) -> Vec<RubricItem> {
    c.criteria
        .iter()
        .map(|l| RubricItem {
            criterion: l.code.clone(),
            weight: one(),
            min: DEFAULT_SCALE.0,
            max: DEFAULT_SCALE.1,
        })
        .collect()
}

impl Body for Committee {
    const KIND: Kind = Kind::Committee;

    fn check(&mut self, cx: &Ctx) -> Result<()> {
        let mut p = v::Problems::default();
        p.add(v::required("name", &mut self.name));
        p.add(v::max_len("name", &self.name, 200));
        p.add(v::known_unit("unit", &mut self.unit, cx.units));
        p.add(v::required("campaign_id", &mut self.campaign_id));
        // A member without an id gets the first free `m1`, `m2`…
        let taken: HashSet<String> = self.members.iter().map(|m| m.id.clone()).collect();
        let mut free = (1..)
            .map(|n| format!("m{n}"))
            .filter(|id| !taken.contains(id));
        let mut ids = HashSet::new();
        for m in &mut self.members {
            m.name = m.name.trim().to_owned();
            m.fingerprint = crate::sync::identity::normalize_fingerprint(&m.fingerprint);
            if m.id.trim().is_empty() {
                m.id = free.next().unwrap_or_default();
            }
            p.add(v::required("members.name", &mut m.name));
            p.add(v::one_of("members.role", &m.role, MEMBER_ROLES));
            if !ids.insert(m.id.clone()) {
                p.push(Error::field_arg(Code::DuplicateCode, "members.id", &m.id));
            }
        }
        if self.members.iter().filter(|m| m.role == "chair").count() != 1 {
            p.push(Error::field(Code::CommitteeChair, "members"));
        }
        if self.quorum == 0 || self.quorum as usize > self.members.len() {
            p.push(Error::field_arg(
                Code::InvalidValue,
                "quorum",
                &self.quorum.to_string(),
            ));
        }
        match cx.campaigns.get(&self.campaign_id) {
            None => p.push(Error::field_arg(
                Code::UnknownReference,
                "campaign_id",
                &self.campaign_id,
            )),
            Some(c) => {
                p.add(c.check_year(self.year));
                if self.rubric.is_empty() {
                    self.rubric = default_rubric(c);
                }
                let known = codes(&c.criteria);
                let mut seen = HashSet::new();
                for r in &self.rubric {
                    if !known.contains(r.criterion.as_str()) || !seen.insert(&r.criterion) {
                        p.push(Error::field_arg(Code::InvalidValue, "rubric", &r.criterion));
                    }
                    if !(r.weight > 0.0 && r.weight.is_finite()) || r.min >= r.max || r.min < 0 {
                        p.push(Error::field_arg(Code::InvalidValue, "rubric", &r.criterion));
                    }
                }
            }
        }
        p.finish()
    }

    fn index(&self, _cx: &Ctx) -> Index {
        Index {
            unit: self.unit.clone(),
            title: self.name.clone(),
            year: Some(self.year),
            extra: vec![Some(self.campaign_id.clone())],
            refs: vec![Ref::new(Kind::Campaign, &self.campaign_id, "campaign_id")],
            unsearchable: true,
            ..Default::default()
        }
    }
}

/// One member's scores of one nomination, or their recusal.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Score {
    pub committee_id: String,
    pub nomination_id: String,
    pub member_id: String,
    /// The committee's unit (scores belong to it).
    pub unit: String,
    pub year: i32,
    /// Points per criterion code.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "Record<string, number>"))]
    pub points: BTreeMap<String, i64>,
    /// A comment per criterion code.
    #[serde(default)]
    pub comments: BTreeMap<String, String>,
    #[serde(default)]
    pub recused: bool,
    /// Why the member recused (a conflict of interest).
    #[serde(default)]
    pub recusal_reason: Option<String>,
    /// Once submitted, the scores count and the member may see the others'; the sheet is
    /// final until the chair reopens it.
    #[serde(default)]
    pub submitted: bool,
    /// The member's seal (see `sync::seal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<Seal>,
    /// The chair's latest reopening of the submitted sheet, sealed by the chair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopened: Option<Reopening>,
}

impl Score {
    /// Whether its member may still change it: not submitted yet, or reopened by the chair
    /// since the state it was submitted in (`sealed_at`: the version of the member's seal).
    pub fn is_open(&self, sealed_at: &str) -> bool {
        !self.submitted || self.reopened.as_ref().is_some_and(|r| r.of == sealed_at)
    }
}

impl Body for Score {
    const KIND: Kind = Kind::Score;

    fn check(&mut self, cx: &Ctx) -> Result<()> {
        let mut p = v::Problems::default();
        p.add(v::required("committee_id", &mut self.committee_id));
        p.add(v::required("nomination_id", &mut self.nomination_id));
        p.add(v::required("member_id", &mut self.member_id));
        p.add(v::known_unit("unit", &mut self.unit, cx.units));
        v::optional(&mut self.recusal_reason);
        self.comments.retain(|_, t| !t.trim().is_empty());
        for (k, t) in self.comments.iter_mut() {
            *t = t.trim().to_owned();
            p.add(v::max_len(&format!("comments.{k}"), t, 5_000));
        }
        if self.recused {
            if self.recusal_reason.is_none() {
                p.push(Error::field(Code::Required, "recusal_reason"));
            }
            self.points.clear();
        }
        p.finish()
    }

    fn index(&self, _cx: &Ctx) -> Index {
        Index {
            unit: self.unit.clone(),
            title: self.member_id.clone(),
            year: Some(self.year),
            extra: vec![Some(self.nomination_id.clone())],
            refs: vec![
                Ref::new(Kind::Nomination, &self.nomination_id, "nomination_id"),
                Ref::new(Kind::Committee, &self.committee_id, "committee_id"),
            ],
            unsearchable: true,
            ..Default::default()
        }
    }
}

/// A committee's decision on a nomination.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub committee_id: String,
    pub nomination_id: String,
    pub unit: String,
    pub year: i32,
    /// `approved`, `rejected` or `returned` (for changes).
    pub outcome: ReviewStatus,
    pub votes_for: u32,
    pub votes_against: u32,
    pub votes_abstaining: u32,
    /// The decision's number, e.g. "12/QĐ-HĐXC".
    pub number: String,
    /// ISO date (accepted as dd/mm/yyyy).
    pub date: Option<String>,
    /// The chair who recorded it (a member id).
    pub chair_id: String,
    /// The committee's feedback (required when returning for changes).
    #[serde(default)]
    pub feedback: Option<String>,
    /// Set when the decision was reopened: it no longer locks the nomination.
    #[serde(default)]
    pub reopened_reason: Option<String>,
    /// The result the committee decided on: later sheets change nothing while it is in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<DecidedResult>,
    /// The chair's seal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<Seal>,
}

/// The result a decision was taken on.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecidedResult {
    /// The members whose totals were counted.
    pub counted: Vec<String>,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub rank: Option<u32>,
    /// How many nominations the ranking held then.
    pub ranked: u32,
}

impl Decision {
    pub fn in_force(&self) -> bool {
        self.reopened_reason.is_none()
    }

    pub fn votes_cast(&self) -> u32 {
        self.votes_for + self.votes_against + self.votes_abstaining
    }
}

impl Body for Decision {
    const KIND: Kind = Kind::Decision;

    fn check(&mut self, cx: &Ctx) -> Result<()> {
        let mut p = v::Problems::default();
        p.add(v::required("committee_id", &mut self.committee_id));
        p.add(v::required("nomination_id", &mut self.nomination_id));
        p.add(v::known_unit("unit", &mut self.unit, cx.units));
        if !self.outcome.is_outcome() {
            p.push(Error::field_arg(
                Code::InvalidValue,
                "outcome",
                self.outcome.as_str(),
            ));
        }
        p.add(v::required("number", &mut self.number));
        p.add(v::max_len("number", &self.number, 100));
        p.add(v::required("chair_id", &mut self.chair_id));
        v::optional(&mut self.feedback);
        v::optional(&mut self.reopened_reason);
        let date = p.add(v::required_date("date", &mut self.date));
        p.add(v::not_after("date", date, cx.today));
        if self.outcome == ReviewStatus::Returned && self.feedback.is_none() {
            p.push(Error::field(Code::Required, "feedback"));
        }
        if self.outcome == ReviewStatus::Approved && self.votes_for <= self.votes_against {
            p.push(Error::field(Code::DecisionVotes, "votes_for"));
        }
        p.finish()
    }

    fn index(&self, _cx: &Ctx) -> Index {
        Index {
            unit: self.unit.clone(),
            title: self.number.clone(),
            year: Some(self.year),
            status: Some(self.outcome.as_str().to_owned()),
            extra: vec![Some(self.nomination_id.clone())],
            // Not the committee: it stays with its unit, while decisions go down to the ward.
            refs: vec![Ref::new(
                Kind::Nomination,
                &self.nomination_id,
                "nomination_id",
            )],
            unsearchable: true,
            ..Default::default()
        }
    }
}

/// One change of a nomination's status: who (the record's creator), when, from what, to
/// what, why. The latest one (by version) is the nomination's status.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    pub nomination_id: String,
    /// The unit that made the change: the nomination's for submitting, the committee's for
    /// the rest.
    pub unit: String,
    pub year: i32,
    pub from: ReviewStatus,
    pub to: ReviewStatus,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub committee_id: Option<String>,
    #[serde(default)]
    pub decision_id: Option<String>,
    /// What was submitted: the nomination's body at that moment, so that every submitted
    /// version stays readable after the ward edits it again.
    #[serde(default)]
    pub submitted: Option<serde_json::Value>,
    /// Its author's seal: the chair's or a member's for the committee's steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<Seal>,
}

impl Body for Transition {
    const KIND: Kind = Kind::Transition;

    fn check(&mut self, cx: &Ctx) -> Result<()> {
        let mut p = v::Problems::default();
        p.add(v::required("nomination_id", &mut self.nomination_id));
        p.add(v::known_unit("unit", &mut self.unit, cx.units));
        v::optional(&mut self.reason);
        if let Some(r) = &self.reason {
            p.add(v::max_len("reason", r, 20_000));
        }
        p.finish()
    }

    fn index(&self, _cx: &Ctx) -> Index {
        Index {
            unit: self.unit.clone(),
            title: self.to.as_str().to_owned(),
            year: Some(self.year),
            status: Some(self.to.as_str().to_owned()),
            extra: vec![Some(self.nomination_id.clone())],
            refs: vec![Ref::new(
                Kind::Nomination,
                &self.nomination_id,
                "nomination_id",
            )],
            unsearchable: true,
            ..Default::default()
        }
    }
}
