//! Score sheets: a member's points (or recusal) on one nomination, written and sealed on the
//! member's own installation; final once submitted until the chair reopens it; shown to the
//! other members only after their own sheet is in.

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::parse;
use super::write::Sealing;
use crate::error::{Code, Error, Result};
use crate::records::{Committee, Kind, Score};
use crate::store::rows::StoredRow;
use crate::store::Store;
use crate::sync::seal::{Reopening, REOPENED, SEAL};

/// A member's scores as a viewer may see them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct ScoreView {
    pub id: String,
    pub member_id: String,
    pub member_name: String,
    #[cfg_attr(feature = "ts", ts(type = "Record<string, number>"))]
    pub points: std::collections::BTreeMap<String, i64>,
    #[cfg_attr(feature = "ts", ts(type = "Record<string, string>"))]
    pub comments: std::collections::BTreeMap<String, String>,
    pub recused: bool,
    pub recusal_reason: Option<String>,
    pub submitted: bool,
    /// Σ weight × points, for submitted scores that are not recusals.
    pub total: Option<f64>,
    /// Its member may still change it: not submitted, or reopened by the chair since.
    pub open: bool,
    /// This installation is the chair's and may reopen it (it is submitted and final).
    pub can_reopen: bool,
}

/// What a member enters for one nomination.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScoreInput {
    #[cfg_attr(feature = "ts", ts(type = "Record<string, number>"))]
    pub points: std::collections::BTreeMap<String, i64>,
    #[cfg_attr(feature = "ts", ts(type = "Record<string, string>"))]
    pub comments: std::collections::BTreeMap<String, String>,
    pub recusal: Option<String>,
    pub submit: bool,
}

impl Store {
    /// A member's scores of a nomination, written on the member's own installation; `submit`
    /// makes them count (and shows the member the others' scores).
    pub fn score(
        &mut self,
        committee_id: &str,
        nomination_id: &str,
        input: ScoreInput,
    ) -> Result<ScoreView> {
        let c = self.committee(committee_id)?;
        let me = self.member_here(&c, committee_id)?;
        self.ensure_reviewing(committee_id, nomination_id)?;
        if input.recusal.is_none() {
            check_points(&c, &input)?;
        }
        let existing = self.score_row(committee_id, nomination_id, &me)?;
        let mut body = json!({
            "committee_id": committee_id, "nomination_id": nomination_id, "member_id": me,
            "unit": c.unit, "year": c.year, "points": input.points, "comments": input.comments,
            "recused": input.recusal.is_some(), "recusal_reason": input.recusal,
            "submitted": input.submit,
        });
        if let Some(row) = &existing {
            let stored: Score = parse(&serde_json::Value::Object(row.body.clone()).to_string())?;
            if !stored.is_open(&sealed_at(row)) {
                return Err(Error::plain(Code::SheetFinal, &c.name));
            }
            // The chair's reopening stays with the sheet: it says which state it reopened.
            if let Some(r) = row.body.get(REOPENED) {
                body[REOPENED] = r.clone();
            }
        }
        let id = match existing {
            Some(row) => {
                self.write_step(Vec::new(), Some((Kind::Score, &row, body, Sealing::Author)))?;
                row.id
            }
            None => {
                let id = self.new_id();
                self.write_step(vec![(Kind::Score, id.clone(), body)], None)?;
                id
            }
        };
        self.sheet_view(&c, &id)
    }

    /// A stored sheet as this installation shows it.
    fn sheet_view(&self, c: &Committee, id: &str) -> Result<ScoreView> {
        let row = self.load_row(Kind::Score, id)?;
        let s: Score = parse(&serde_json::Value::Object(row.body.clone()).to_string())?;
        let chair_here = self.own_member(c)?.as_deref() == c.chair().map(|m| m.id.as_str());
        Ok(score_view(
            c,
            id.to_owned(),
            s,
            &sealed_at(&row),
            chair_here,
        ))
    }

    /// The chair reopens a member's submitted sheet, with a reason: the member may change it
    /// once more. Logged in the sheet's history, sealed by the chair, and sent on like the
    /// sheet itself.
    pub fn reopen_sheet(&mut self, score_id: &str, reason: &str) -> Result<ScoreView> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::field(Code::Required, "reason"));
        }
        let row = self.load_row(Kind::Score, score_id)?;
        let s: Score = parse(&serde_json::Value::Object(row.body.clone()).to_string())?;
        let c = self.committee(&s.committee_id)?;
        let me = self.member_here(&c, &s.committee_id)?;
        if c.chair().map(|m| &m.id) != Some(&me) {
            return Err(Error::plain(Code::NotAMember, &c.name));
        }
        self.ensure_reviewing(&s.committee_id, &s.nomination_id)?;
        let of = sealed_at(&row);
        if s.is_open(&of) {
            return Err(Error::plain(Code::SheetOpen, &c.name));
        }
        let content = Reopening::content(score_id, &of, reason, &me);
        let reopening = Reopening {
            reason: reason.to_owned(),
            by: me,
            of,
            seal: self.author()?.seal(&content),
        };
        let mut body = row.body.clone();
        body.insert(
            REOPENED.into(),
            serde_json::to_value(reopening).unwrap_or_default(),
        );
        let change = (
            Kind::Score,
            &row,
            serde_json::Value::Object(body),
            Sealing::Keep,
        );
        self.write_step(Vec::new(), Some(change))?;
        self.sheet_view(&c, score_id)
    }

    /// The scores of a nomination this installation may show: with a blind committee, a
    /// member sees only their own until they have submitted it.
    pub fn scores(&self, committee_id: &str, nomination_id: &str) -> Result<Vec<ScoreView>> {
        let c = self.committee(committee_id)?;
        let all = self.nomination_scores(committee_id, nomination_id)?;
        let me = self.own_member(&c)?;
        let mine_submitted = all
            .iter()
            .any(|(_, s, _)| Some(&s.member_id) == me.as_ref() && s.submitted);
        let chair_here = me.is_some() && me.as_deref() == c.chair().map(|m| m.id.as_str());
        Ok(all
            .into_iter()
            .filter(|(_, s, _)| {
                !c.blind || me.is_none() || mine_submitted || Some(&s.member_id) == me.as_ref()
            })
            .map(|(id, s, at)| score_view(&c, id, s, &at, chair_here))
            .collect())
    }

    /// A committee's scores of one nomination, with their record ids.
    pub(super) fn nomination_scores(
        &self,
        committee_id: &str,
        nomination_id: &str,
    ) -> Result<Vec<(String, Score, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, body, coalesce(field_hlc ->> '$.seal', created_hlc) FROM scores \
             WHERE committee_id = ?1 AND ref = ?2 AND deleted_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map(rusqlite::params![committee_id, nomination_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body, sealed_at) = row?;
            out.push((id, parse(&body)?, sealed_at));
        }
        Ok(out)
    }

    pub(super) fn score_row(
        &self,
        committee_id: &str,
        nomination_id: &str,
        member: &str,
    ) -> Result<Option<StoredRow>> {
        let id: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT id FROM scores WHERE ref = ?1 AND committee_id = ?2 \
                 AND body ->> '$.member_id' = ?3 AND deleted_at IS NULL",
            )?
            .query_row([nomination_id, committee_id, member], |r| r.get(0))
            .optional()?;
        id.map(|id| self.load_row(Kind::Score, &id)).transpose()
    }
}

/// The version of the member's seal on a stored sheet: the state a reopening names.
fn sealed_at(row: &StoredRow) -> String {
    row.field_hlc
        .get(SEAL)
        .and_then(serde_json::Value::as_str)
        .unwrap_or(&row.created_hlc)
        .to_owned()
}

/// Points on each rubric criterion within its scale, and all of them when submitting.
fn check_points(c: &Committee, input: &ScoreInput) -> Result<()> {
    for (k, v) in &input.points {
        let Some(r) = c.rubric.iter().find(|r| &r.criterion == k) else {
            return Err(Error::field_arg(
                Code::InvalidValue,
                &format!("points.{k}"),
                k,
            ));
        };
        if *v < r.min || *v > r.max {
            return Err(Error::field_arg(
                Code::ScoreOutOfScale,
                &format!("points.{k}"),
                &format!("{}–{}", r.min, r.max),
            ));
        }
    }
    if input.submit {
        let missing: Vec<&str> = c
            .rubric
            .iter()
            .filter(|r| !input.points.contains_key(&r.criterion))
            .map(|r| r.criterion.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(Error::field_arg(
                Code::ScoresIncomplete,
                "points",
                &missing.join(", "),
            ));
        }
    }
    Ok(())
}

/// Σ weight × points of a submitted, complete score.
pub(crate) fn weighted_total(c: &Committee, s: &Score) -> Option<f64> {
    sheet_total(c, s.submitted, s.recused, |k| s.points.get(k).copied())
}

/// Σ weight × points over the rubric, for a submitted sheet without recusal that scores every
/// criterion; otherwise none.
pub(crate) fn sheet_total(
    c: &Committee,
    submitted: bool,
    recused: bool,
    points: impl Fn(&str) -> Option<i64>,
) -> Option<f64> {
    if !submitted || recused {
        return None;
    }
    let mut total = 0.0;
    for r in &c.rubric {
        total += r.weight * points(&r.criterion)? as f64;
    }
    Some(total)
}

fn score_view(c: &Committee, id: String, s: Score, sealed_at: &str, chair: bool) -> ScoreView {
    let total = weighted_total(c, &s);
    let open = s.is_open(sealed_at);
    ScoreView {
        id,
        member_name: c
            .member(&s.member_id)
            .map(|m| m.name.clone())
            .unwrap_or_default(),
        member_id: s.member_id,
        points: s.points,
        comments: s.comments,
        recused: s.recused,
        recusal_reason: s.recusal_reason,
        submitted: s.submitted,
        total,
        open,
        can_reopen: chair && !open,
    }
}
