//! Committee review: the path a nomination takes (submitted, in review, decided, returned,
//! forwarded), members' scores with recusal and blind scoring, decisions with quorum, lock and
//! reopening. Every step writes ordinary records (see `records::review`) in one transaction;
//! `sheets` holds the members' score sheets and `write` the sealed writing of a step.

mod sheets;
mod write;

pub(crate) use sheets::sheet_total;
pub use sheets::{ScoreInput, ScoreView};
pub(crate) use write::touch_other_sheets;
use write::Sealing;

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::Store;
use crate::error::{Code, Error, Result};
use crate::records::{Committee, Decision, Kind, Nomination, ReviewStatus, Transition};

use ReviewStatus as S;

/// Which step may follow which, and who takes it: the nominating unit (`true`) or the
/// committee (`false`). Decisions (approved, rejected, returned) come only from `decide`,
/// reopening only from `reopen`.
const STEPS: &[(ReviewStatus, ReviewStatus, bool)] = &[
    (S::Draft, S::Submitted, true),
    (S::Returned, S::Submitted, true),
    (S::Submitted, S::InReview, false),
    (S::Approved, S::Forwarded, false),
];

/// Who takes a step of a nomination's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepBy {
    /// The nominating unit (or a level above for it).
    Unit,
    /// Any member of the reviewing committee.
    Committee,
    /// The committee's chair: decisions and their reopening.
    Chair,
}

/// Who may take the step `from` → `to` (`decided`: it carries a decision), or none if the
/// path has no such step. The import judges every incoming status change by it.
pub(crate) fn step_by(from: ReviewStatus, to: ReviewStatus, decided: bool) -> Option<StepBy> {
    if let Some((_, _, by_unit)) = STEPS.iter().find(|s| (s.0, s.1) == (from, to)) {
        return (!decided).then_some(if *by_unit {
            StepBy::Unit
        } else {
            StepBy::Committee
        });
    }
    let decides = from == S::InReview && to.is_outcome();
    let reopens = from.is_outcome() && to == S::InReview;
    (decided && (decides || reopens)).then_some(StepBy::Chair)
}

/// Whether a review record may come from `unit`, for a nomination of `nomination_unit`: the
/// nominating unit submits (itself, or a level above for it); everything else (review,
/// decisions, returning, forwarding) is done by a committee of a level above, never by the
/// nominating unit itself. The import applies it to every decision and status change.
pub(crate) fn acts_for(
    kind: Kind,
    to: Option<ReviewStatus>,
    unit: &str,
    nomination_unit: &str,
    units: &crate::units::UnitTree,
) -> bool {
    let above = unit != nomination_unit && units.scope(unit).contains(nomination_unit);
    match (kind, to) {
        (Kind::Transition, Some(S::Submitted)) => unit == nomination_unit || above,
        (Kind::Transition | Kind::Decision, _) => above,
        _ => true,
    }
}

/// One change of a nomination's status, as the history shows it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct StatusChange {
    pub id: String,
    pub at: String,
    pub by: String,
    pub unit: String,
    pub from: ReviewStatus,
    pub to: ReviewStatus,
    pub reason: Option<String>,
    pub decision_id: Option<String>,
}

/// What a chair records.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DecisionInput {
    pub outcome: ReviewStatus,
    pub votes_for: u32,
    pub votes_against: u32,
    pub votes_abstaining: u32,
    pub number: String,
    pub date: String,
    pub feedback: Option<String>,
}

/// Where a nomination stands, for its unit's screen: the status, every step, and what may be
/// done next here.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct ReviewState {
    pub status: ReviewStatus,
    pub history: Vec<StatusChange>,
    /// Its unit may still edit it (a draft, or returned for changes).
    pub editable: bool,
    /// This installation may submit it now.
    pub can_submit: bool,
    /// The committee's feedback when it was returned.
    pub feedback: Option<String>,
}

impl Store {
    /// Where a nomination stands (see `ReviewState`).
    pub fn review_state(&self, nomination_id: &str) -> Result<ReviewState> {
        let n = self.nomination(nomination_id)?;
        let history = self.status_history(nomination_id)?;
        // The latest step is the status (as `review_status` reads it), else the written one.
        let written = ReviewStatus::parse(&n.status).unwrap_or_default();
        let status = history.last().map_or(written, |s| s.to);
        let feedback = match history.last() {
            Some(last) if status == S::Returned => last.reason.clone(),
            _ => None,
        };
        let editable = status.editable();
        Ok(ReviewState {
            can_submit: editable && self.scope.contains(&n.unit),
            editable,
            status,
            history,
            feedback,
        })
    }

    /// A nomination's status: its latest status change, or the status it was written with.
    pub fn review_status(&self, nomination_id: &str) -> Result<ReviewStatus> {
        let latest: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT body ->> '$.to' FROM transitions WHERE ref = ?1 AND deleted_at IS NULL \
                 ORDER BY created_hlc DESC LIMIT 1",
            )?
            .query_row([nomination_id], |r| r.get(0))
            .optional()?;
        let name = match latest {
            Some(s) => s,
            None => self.nomination(nomination_id)?.status,
        };
        Ok(ReviewStatus::parse(&name).unwrap_or_default())
    }

    /// Every status change of a nomination, oldest first.
    pub fn status_history(&self, nomination_id: &str) -> Result<Vec<StatusChange>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, created_at, created_by, unit, body FROM transitions \
             WHERE ref = ?1 AND deleted_at IS NULL ORDER BY created_hlc",
        )?;
        let rows = stmt.query_map([nomination_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, at, by, unit, body) = row?;
            let t: Transition = parse(&body)?;
            out.push(StatusChange {
                id,
                at,
                by,
                unit,
                from: t.from,
                to: t.to,
                reason: t.reason,
                decision_id: t.decision_id,
            });
        }
        Ok(out)
    }

    /// What its unit submitted the last time it handed the nomination in, if it did.
    pub fn submitted_version(&self, nomination_id: &str) -> Result<Option<Value>> {
        let latest: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT body ->> '$.submitted' FROM transitions WHERE ref = ?1 \
                 AND deleted_at IS NULL AND body ->> '$.to' = 'submitted' \
                 ORDER BY created_hlc DESC LIMIT 1",
            )?
            .query_row([nomination_id], |r| r.get(0))
            .optional()?
            .flatten();
        Ok(latest.and_then(|b| serde_json::from_str(&b).ok()))
    }

    /// Refuses a change to a nomination its unit has handed to the committee.
    pub(crate) fn ensure_editable(&self, nomination_id: &str) -> Result<()> {
        let status = self.review_status(nomination_id)?;
        if status.editable() {
            Ok(())
        } else {
            Err(Error::plain(Code::NominationLocked, status.as_str()))
        }
    }

    /// The nominating unit hands its nomination to the committee (first time or again after it
    /// was returned); what it submitted is kept with the step.
    pub fn submit(&mut self, nomination_id: &str) -> Result<StatusChange> {
        let n = self.nomination(nomination_id)?;
        self.check_scope(&n.unit)?;
        let body = self.get(Kind::Nomination, nomination_id)?["data"].clone();
        self.step(nomination_id, &n, S::Submitted, None, None, Some(body))
    }

    /// The committee takes a submitted nomination into review.
    pub fn start_review(&mut self, nomination_id: &str) -> Result<StatusChange> {
        let n = self.nomination(nomination_id)?;
        let c = self.committee_for(&n)?;
        self.step(nomination_id, &n, S::InReview, Some(&c.0), None, None)
    }

    /// The committee sends an approved nomination on to the next level.
    pub fn forward(&mut self, nomination_id: &str, reason: Option<String>) -> Result<StatusChange> {
        let n = self.nomination(nomination_id)?;
        let c = self.committee_for(&n)?;
        if !self.forwards(&c.1) {
            return Err(Error::plain(
                Code::TransitionRefused,
                "approved → forwarded",
            ));
        }
        self.step(nomination_id, &n, S::Forwarded, Some(&c.0), reason, None)
    }

    /// Whether a committee can forward what it approves: its unit has a level above.
    pub fn forwards(&self, c: &Committee) -> bool {
        self.units.get(&c.unit).is_some_and(|u| u.parent.is_some())
    }

    /// Writes one step of `STEPS`, refusing any other.
    fn step(
        &mut self,
        nomination_id: &str,
        n: &Nomination,
        to: ReviewStatus,
        committee: Option<&str>,
        reason: Option<String>,
        submitted: Option<Value>,
    ) -> Result<StatusChange> {
        let from = self.review_status(nomination_id)?;
        let by_unit = committee.is_none();
        if !STEPS.contains(&(from, to, by_unit)) {
            return Err(Error::plain(
                Code::TransitionRefused,
                &format!("{from} → {to}"),
            ));
        }
        let unit = match committee {
            Some(id) => self.committee(id)?.unit,
            None => n.unit.clone(),
        };
        let t = json!({
            "nomination_id": nomination_id, "unit": unit, "year": n.year, "from": from, "to": to,
            "reason": reason, "committee_id": committee, "submitted": submitted,
        });
        let id = self.new_id();
        self.write_step(vec![(Kind::Transition, id.clone(), t)], None)?;
        self.status_change(&id)
    }

    /// The chair records the committee's decision; the nomination takes its outcome and is
    /// locked until the decision is reopened.
    pub fn decide(
        &mut self,
        committee_id: &str,
        nomination_id: &str,
        d: DecisionInput,
    ) -> Result<Value> {
        let c = self.committee(committee_id)?;
        let me = self.member_here(&c, committee_id)?;
        if c.chair().map(|m| &m.id) != Some(&me) {
            return Err(Error::plain(Code::NotAMember, &c.name));
        }
        self.ensure_reviewing(committee_id, nomination_id)?;
        let cast = d.votes_for + d.votes_against + d.votes_abstaining;
        if cast < c.quorum {
            return Err(Error::field_arg(
                Code::DecisionQuorum,
                "votes_for",
                &c.quorum.to_string(),
            ));
        }
        if cast as usize > c.members.len() {
            return Err(Error::field_arg(
                Code::InvalidValue,
                "votes_for",
                &cast.to_string(),
            ));
        }
        // The figures it is taken on: sheets that arrive later change nothing while it holds.
        let result = self.result_to_decide(committee_id, nomination_id)?;
        let decision = json!({
            "committee_id": committee_id, "nomination_id": nomination_id, "unit": c.unit,
            "year": c.year, "outcome": d.outcome, "votes_for": d.votes_for,
            "votes_against": d.votes_against, "votes_abstaining": d.votes_abstaining,
            "number": d.number, "date": d.date, "chair_id": me, "feedback": d.feedback,
            "result": result,
        });
        let decision_id = self.new_id();
        let t = json!({
            "nomination_id": nomination_id, "unit": c.unit, "year": c.year,
            "from": S::InReview, "to": d.outcome, "reason": d.feedback,
            "committee_id": committee_id, "decision_id": decision_id,
        });
        // The decision first: a problem in it is the error reported, naming its own field.
        let records = vec![
            (Kind::Decision, decision_id.clone(), decision),
            (Kind::Transition, self.new_id(), t),
        ];
        self.write_step(records, None)?;
        self.get(Kind::Decision, &decision_id)
    }

    /// Reopens a decision (logged with its reason): the nomination is in review again.
    pub fn reopen(&mut self, decision_id: &str, reason: &str) -> Result<StatusChange> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::field(Code::Required, "reason"));
        }
        let row = self.load_row(Kind::Decision, decision_id)?;
        let d: Decision = parse(&Value::Object(row.body.clone()).to_string())?;
        let c = self.committee(&d.committee_id)?;
        let me = self.member_here(&c, &d.committee_id)?;
        if c.chair().map(|m| &m.id) != Some(&me) || !d.in_force() {
            return Err(Error::plain(
                Code::TransitionRefused,
                &format!("{} → in_review", d.outcome),
            ));
        }
        let from = self.review_status(&d.nomination_id)?;
        if from != d.outcome {
            return Err(Error::plain(
                Code::TransitionRefused,
                &format!("{from} → in_review"),
            ));
        }
        let mut changed = row.body.clone();
        changed.insert("reopened_reason".into(), Value::String(reason.into()));
        let t = json!({
            "nomination_id": d.nomination_id, "unit": c.unit, "year": c.year,
            "from": from, "to": S::InReview, "reason": reason,
            "committee_id": d.committee_id, "decision_id": decision_id,
        });
        let id = self.new_id();
        let changed = Some((
            Kind::Decision,
            &row,
            Value::Object(changed),
            Sealing::Author,
        ));
        self.write_step(vec![(Kind::Transition, id.clone(), t)], changed)?;
        self.status_change(&id)
    }

    /// The decision in force on a nomination, if any.
    pub fn decision_in_force(&self, nomination_id: &str) -> Result<Option<(String, Decision)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, body FROM decisions WHERE ref = ?1 AND deleted_at IS NULL ORDER BY created_hlc DESC",
        )?;
        let rows = stmt.query_map([nomination_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (id, body) = row?;
            let d: Decision = parse(&body)?;
            if d.in_force() {
                return Ok(Some((id, d)));
            }
        }
        Ok(None)
    }

    pub fn committee(&self, id: &str) -> Result<Committee> {
        let body = self.get(Kind::Committee, id)?["data"].to_string();
        parse(&body)
    }

    /// The committees recorded here, newest first.
    pub fn committees(&self) -> Result<Vec<(String, Committee)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, body FROM committees WHERE deleted_at IS NULL ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body) = row?;
            out.push((id, parse(&body)?));
        }
        Ok(out)
    }

    /// This installation's member of a committee, if it is one's.
    pub(crate) fn own_member(&self, c: &Committee) -> Result<Option<String>> {
        let id = self.key_id()?;
        Ok(c.member_by_key(&id).map(|m| m.id.clone()))
    }

    pub(super) fn member_here(&self, c: &Committee, committee_id: &str) -> Result<String> {
        self.check_scope(&c.unit)?;
        self.own_member(c)?
            .ok_or_else(|| Error::plain(Code::NotAMember, &format!("{} ({committee_id})", c.name)))
    }

    /// Scores and decisions need the nomination in review and no decision in force.
    pub(super) fn ensure_reviewing(&self, committee_id: &str, nomination_id: &str) -> Result<()> {
        let status = self.review_status(nomination_id)?;
        let n = self.nomination(nomination_id)?;
        let (id, _) = self.committee_for(&n)?;
        if status != S::InReview || id != committee_id {
            return Err(Error::plain(Code::NotReviewing, status.as_str()));
        }
        Ok(())
    }

    /// The committee that reviews a nomination here: of its campaign and year, whose unit
    /// covers the nomination's and is this installation's to act for; the nearest level first.
    fn committee_for(&self, n: &Nomination) -> Result<(String, Committee)> {
        let mut best: Option<(usize, String, Committee)> = None;
        for (id, c) in self.committees()? {
            let covers = acts_for(Kind::Decision, None, &c.unit, &n.unit, &self.units);
            if c.campaign_id != n.campaign_id || c.year != n.year || !covers {
                continue;
            }
            if !self.scope.contains(&c.unit) {
                continue;
            }
            let depth = self.units.ancestors(&c.unit).len();
            // The nearest level; of two committees there, the first one set up (a later one
            // cannot take over a review).
            if best
                .as_ref()
                .is_none_or(|b| depth > b.0 || (depth == b.0 && id < b.1))
            {
                best = Some((depth, id, c));
            }
        }
        best.map(|(_, id, c)| (id, c))
            .ok_or_else(|| Error::plain(Code::NotAMember, &n.unit))
    }

    fn nomination(&self, id: &str) -> Result<Nomination> {
        let body = self.get(Kind::Nomination, id)?["data"].to_string();
        parse(&body)
    }

    fn status_change(&self, transition_id: &str) -> Result<StatusChange> {
        let t: Transition = parse(&self.get(Kind::Transition, transition_id)?["data"].to_string())?;
        self.status_history(&t.nomination_id)?
            .into_iter()
            .find(|s| s.id == transition_id)
            .ok_or_else(|| Error::plain(Code::NotFound, transition_id))
    }
}

pub(super) fn parse<T: serde::de::DeserializeOwned>(body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|e| Error::plain(Code::Storage, &e.to_string()))
}
