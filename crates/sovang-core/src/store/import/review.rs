//! The rules of committee review, applied to what arrives as to what is done here: each
//! sheet, decision and status change must carry its author's valid seal, and that author
//! must be the member, or the chair, the committee lists (where the committee is known here;
//! elsewhere, as at the nominating ward, the signer's authority over the step stands in). A
//! submitted sheet stays final unless the chair reopened it; a decision counts a quorum; a
//! status change is a step of the path, after the step it follows.

use rusqlite::OptionalExtension;
use serde_json::Value;

use super::apply::{Applier, Verdict};
use super::held::Waiting;
use crate::error::{Code, Error, Result};
use crate::records::{Committee, Decision, Kind, ReviewStatus, Score, Transition};
use crate::store::review::{step_by, StepBy};
use crate::sync::identity::KeyId;
use crate::sync::seal::{self, Reopening, Seal, SEAL};
use crate::sync::wire::WireRecord;

fn refused(code: Code, field: &str, arg: &str) -> Option<Verdict<()>> {
    Some(Verdict::Reject(Error::field_arg(code, field, arg)))
}

/// The installation whose seal the record carries, if it carries a valid one.
fn sealed_by(kind: Kind, rec: &WireRecord) -> Option<KeyId> {
    let s: Seal = serde_json::from_value(rec.body.get(SEAL)?.clone()).ok()?;
    let content = seal::content(
        kind.name(),
        &rec.id,
        &rec.created_hlc,
        &rec.body,
        &rec.versions,
    );
    s.verify(&content)
}

fn body<T: serde::de::DeserializeOwned>(rec: &WireRecord) -> Option<T> {
    serde_json::from_value(Value::Object(rec.body.clone())).ok()
}

impl Applier<'_, '_> {
    fn committee_here(&self, id: &str) -> Result<Option<Committee>> {
        let body: Option<String> = self
            .tx
            .prepare_cached("SELECT body FROM committees WHERE id = ?1 AND deleted_at IS NULL")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
    }

    /// The committee a decision or step names, judged where committees of its unit live: it
    /// must be here (else the record waits for it) and be the first one set up for its unit,
    /// campaign and year (a later one cannot take over a review). Elsewhere (the nominating
    /// ward never receives committees), none.
    fn named_committee(
        &self,
        id: &str,
        unit: &str,
    ) -> Result<Result<Option<Committee>, Verdict<()>>> {
        let Some(c) = self.committee_here(id)? else {
            let here = self.units.scope(&self.own_unit).contains(unit);
            return Ok(match here {
                true => Err(Verdict::Hold(Waiting::Record(
                    Kind::Committee,
                    id.to_owned(),
                ))),
                false => Ok(None),
            });
        };
        let first: Option<String> = self
            .tx
            .prepare_cached(
                "SELECT min(id) FROM committees WHERE unit = ?1 AND year = ?2 \
                 AND body ->> '$.campaign_id' = ?3 AND deleted_at IS NULL",
            )?
            .query_row(rusqlite::params![c.unit, c.year, c.campaign_id], |r| {
                r.get(0)
            })?;
        if first.as_deref() != Some(id) {
            return Ok(Err(Verdict::Reject(Error::field_arg(
                Code::OutOfAuthority,
                "committee_id",
                id,
            ))));
        }
        Ok(Ok(Some(c)))
    }

    /// What the review rules say of an incoming sheet, decision or status change (`local`:
    /// the stored state of it); none when they let it through.
    pub(super) fn judge_review(
        &self,
        kind: Kind,
        rec: &WireRecord,
        local: Option<&WireRecord>,
    ) -> Result<Option<Verdict<()>>> {
        if kind == Kind::Committee {
            return Ok(local.and_then(|l| self.judge_committee_change(l, rec)));
        }
        if !seal::SEALED.contains(&kind) {
            return Ok(None);
        }
        // Sealed records are never trashed, here or on the way (a local delete refuses them).
        if rec.deleted_at.is_some() {
            return Ok(refused(Code::InvalidArgument, "deleted", &rec.id));
        }
        // A status change is written once: another state of it is not its author's.
        if let Some(l) = local.filter(|_| kind == Kind::Transition) {
            if seal::content(kind.name(), &l.id, &l.created_hlc, &l.body, &l.versions)
                != seal::content(
                    kind.name(),
                    &rec.id,
                    &rec.created_hlc,
                    &rec.body,
                    &rec.versions,
                )
            {
                return Ok(refused(Code::TransitionRefused, "to", &rec.id));
            }
        }
        match kind {
            Kind::Score => self.judge_sheet(rec),
            Kind::Decision => self.judge_decision(rec),
            _ => self.judge_step(rec),
        }
    }

    /// Who sits on a committee and how it decides changes only in a bundle its chair (as
    /// stored here) signed, as it changes locally only on the chair's installation.
    fn judge_committee_change(&self, local: &WireRecord, rec: &WireRecord) -> Option<Verdict<()>> {
        let newer = |f: &str| {
            rec.versions.get(f) > local.versions.get(f) && rec.body.get(f) != local.body.get(f)
        };
        if !Committee::COMPOSITION.iter().any(|f| newer(f)) {
            return None;
        }
        let stored: Option<Committee> = body(local);
        let chair = stored.as_ref().and_then(|c| c.chair());
        let signer = self.signer_id();
        match chair.is_some_and(|m| signer.as_ref().is_some_and(|s| m.is(s))) {
            true => None,
            false => refused(Code::OutOfAuthority, "members", &rec.id),
        }
    }

    /// A sealed record, merged with the stored state of it, must still be a state its author
    /// sealed.
    pub(super) fn merged_seal_holds(&self, kind: Kind, merged: &WireRecord) -> bool {
        !seal::SEALED.contains(&kind) || sealed_by(kind, merged).is_some()
    }

    fn judge_sheet(&self, rec: &WireRecord) -> Result<Option<Verdict<()>>> {
        let Some(s) = body::<Score>(rec) else {
            return Ok(refused(Code::InvalidValue, "body", &rec.id));
        };
        // Scores wait for their committee (a link), so it is here.
        let Some(c) = self.committee_here(&s.committee_id)? else {
            return Ok(Some(Verdict::Hold(Waiting::Record(
                Kind::Committee,
                s.committee_id,
            ))));
        };
        let member = c.member(&s.member_id);
        let sealer = sealed_by(Kind::Score, rec);
        if !member.zip(sealer).is_some_and(|(m, k)| m.is(&k)) {
            return Ok(refused(Code::OutOfAuthority, "member_id", &s.member_id));
        }
        if let Some(r) = &s.reopened {
            let content = Reopening::content(&rec.id, &r.of, &r.reason, &r.by);
            let chair = c.chair().filter(|m| m.id == r.by);
            if !chair
                .zip(r.seal.verify(&content))
                .is_some_and(|(m, k)| m.is(&k))
            {
                return Ok(refused(Code::OutOfAuthority, "reopened", &r.by));
            }
        }
        // A sheet submitted here stays as it is unless the chair reopened it: the merge of
        // sealed states decides that (`seal::merge_sealed`), the same in any order.
        Ok(None)
    }

    fn judge_decision(&self, rec: &WireRecord) -> Result<Option<Verdict<()>>> {
        let Some(d) = body::<Decision>(rec) else {
            return Ok(refused(Code::InvalidValue, "body", &rec.id));
        };
        let Some(key) = sealed_by(Kind::Decision, rec) else {
            return Ok(refused(Code::OutOfAuthority, "seal", &d.chair_id));
        };
        let c = match self.named_committee(&d.committee_id, &d.unit)? {
            Ok(Some(c)) => c,
            Ok(None) => return Ok(None),
            Err(v) => return Ok(Some(v)),
        };
        let chair = c.chair();
        if chair.is_none_or(|m| !m.is(&key) || m.id != d.chair_id) {
            return Ok(refused(Code::OutOfAuthority, "chair_id", &d.chair_id));
        }
        let cast = d.votes_cast();
        if cast < c.quorum || cast as usize > c.members.len() {
            return Ok(refused(
                Code::DecisionQuorum,
                "votes_for",
                &c.quorum.to_string(),
            ));
        }
        Ok(None)
    }

    fn judge_step(&self, rec: &WireRecord) -> Result<Option<Verdict<()>>> {
        let Some(t) = body::<Transition>(rec) else {
            return Ok(refused(Code::InvalidValue, "body", &rec.id));
        };
        let path = format!("{} → {}", t.from, t.to);
        let Some(by) = step_by(t.from, t.to, t.decision_id.is_some()) else {
            return Ok(refused(Code::TransitionRefused, "to", &path));
        };
        let key = sealed_by(Kind::Transition, rec);
        if by != StepBy::Unit {
            let Some(key) = key else {
                return Ok(refused(Code::OutOfAuthority, "seal", &path));
            };
            let committee = match &t.committee_id {
                Some(id) => match self.named_committee(id, &t.unit)? {
                    Ok(c) => c,
                    Err(v) => return Ok(Some(v)),
                },
                None => return Ok(refused(Code::TransitionRefused, "committee_id", &path)),
            };
            if let Some(c) = committee {
                let ok = match by {
                    StepBy::Chair => c.chair().is_some_and(|m| m.is(&key)),
                    _ => c.member_by_key(&key).is_some(),
                };
                if !ok {
                    return Ok(refused(Code::OutOfAuthority, "seal", &path));
                }
            }
        } else if key.is_none() {
            // The nominating unit's steps are sealed too: what was submitted is its author's.
            return Ok(refused(Code::OutOfAuthority, "seal", &path));
        }
        if let Some(id) = &t.decision_id {
            let decided: Option<(String, String)> = self
                .tx
                .prepare_cached("SELECT body ->> '$.outcome', ref FROM decisions WHERE id = ?1")?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let Some((outcome, nomination)) = decided else {
                let waiting = Waiting::Record(Kind::Decision, id.clone());
                return Ok(Some(Verdict::Hold(waiting)));
            };
            let same_step = outcome == t.to.as_str() || outcome == t.from.as_str();
            if !same_step || nomination != t.nomination_id {
                return Ok(refused(Code::TransitionRefused, "decision_id", &path));
            }
        }
        self.follows_its_step(rec, &t, &path)
    }

    /// A step follows the one before it here: the nomination's latest earlier status change
    /// ended where this one starts. If no earlier change ended there yet, it waits for one
    /// (a bundle in between has not arrived); if the path went elsewhere, it is refused.
    fn follows_its_step(
        &self,
        rec: &WireRecord,
        t: &Transition,
        path: &str,
    ) -> Result<Option<Verdict<()>>> {
        let before: Option<String> = self
            .tx
            .prepare_cached(
                "SELECT body ->> '$.to' FROM transitions WHERE ref = ?1 AND id != ?2 \
                 AND deleted_at IS NULL AND created_hlc < ?3 ORDER BY created_hlc DESC LIMIT 1",
            )?
            .query_row([&t.nomination_id, &rec.id, &rec.created_hlc], |r| r.get(0))
            .optional()?;
        let waiting = || {
            Some(Verdict::Hold(Waiting::Step {
                nomination: t.nomination_id.clone(),
                status: t.from,
                before: rec.created_hlc.clone(),
            }))
        };
        Ok(match before {
            Some(prev) if prev == t.from.as_str() => None,
            None if t.from == ReviewStatus::Draft => None,
            // A nomination never goes back to draft: a second first step is another branch.
            _ if t.from == ReviewStatus::Draft => refused(Code::TransitionRefused, "from", path),
            _ if self.ended_at(&t.nomination_id, t.from, &rec.created_hlc)? => {
                refused(Code::TransitionRefused, "from", path)
            }
            _ => waiting(),
        })
    }

    /// Whether an earlier status change of the nomination ended at `status`.
    pub(super) fn ended_at(
        &self,
        nomination: &str,
        status: ReviewStatus,
        before: &str,
    ) -> Result<bool> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT 1 FROM transitions WHERE ref = ?1 AND body ->> '$.to' = ?2 \
                 AND deleted_at IS NULL AND created_hlc < ?3",
            )?
            .query_row([nomination, status.as_str(), before], |_| Ok(()))
            .optional()?
            .is_some())
    }
}
