//! A committee's results: each member's weighted total per nomination, the mean and median
//! over the members who submitted and did not recuse, and the ranking of the year's
//! nominations. The app, the CLI and the exported workbook all show these numbers.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::review::sheet_total;
use super::Store;
use crate::error::{Code, Error, Result};
use crate::records::{Committee, DecidedResult, Decision, ReviewStatus};

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct MemberTotal {
    pub member_id: String,
    pub member_name: String,
    pub submitted: bool,
    pub recused: bool,
    pub total: Option<f64>,
    /// Submitted after the decision in force was taken: shown, not counted.
    pub late: bool,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct NominationResult {
    pub nomination_id: String,
    /// The nominee and year, as the nomination's title shows them.
    pub title: String,
    pub unit: String,
    pub status: ReviewStatus,
    pub members: Vec<MemberTotal>,
    /// How many totals the mean and median are taken over.
    pub counted: u32,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    /// 1 is best; equal (mean, median) share a rank. `None` until a score counts.
    pub rank: Option<u32>,
    /// Blind scoring: this installation's member has not submitted their own scores yet.
    pub hidden: bool,
    /// A decision is in force: its mean and median are the ones it was taken on.
    pub decided: bool,
    /// What this installation may do with it now (the core decides; the window asks).
    pub can: ReviewActions,
}

/// The review steps this installation may take on one nomination.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReviewActions {
    /// Take the submitted nomination into review.
    pub start_review: bool,
    /// Fill in or change this installation's member's sheet (none yet, a draft, or reopened).
    pub score: bool,
    /// Record the committee's decision (the chair, in review).
    pub decide: bool,
    /// Reopen the decision in force (the chair).
    pub reopen_decision: bool,
    /// Send the approved nomination on to the level above (the chair).
    pub forward: bool,
    /// Reopen a member's submitted sheet (the chair, in review).
    pub reopen_sheets: bool,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub committee_id: String,
    pub committee_name: String,
    pub unit: String,
    pub year: i32,
    /// The highest total a member can give (Σ weight × the scale's top).
    pub max_total: f64,
    /// This installation's member of the committee, if any, and whether that is the chair.
    pub me: Option<String>,
    pub chair: bool,
    /// Best first: all of them, or the first page (`Store::results_page`).
    pub rows: Vec<NominationResult>,
    /// How many nominations the ranking holds, shown or not.
    pub total_rows: u32,
}

/// A committee's results and the state of the database they were worked out from: what this
/// connection has changed since it opened, and SQLite's count of other connections' commits.
pub(super) struct Memo {
    committee_id: String,
    state: (i64, u64),
    results: Results,
}

impl Store {
    /// The results of one committee, best first.
    pub fn results(&self, committee_id: &str) -> Result<Results> {
        self.with_results(committee_id, Results::clone)
    }

    /// The results with only the first `limit` rows: what a screen shows. The ranking is
    /// still worked out over every nomination; only what travels to the window is cut.
    pub fn results_page(&self, committee_id: &str, limit: usize) -> Result<Results> {
        self.with_results(committee_id, |r| Results {
            rows: r.rows.iter().take(limit).cloned().collect(),
            ..r.header()
        })
    }

    /// Working results out reads every score of the committee; reopening the ranking without
    /// any change in between reuses the last ones.
    fn with_results<T>(&self, committee_id: &str, f: impl FnOnce(&Results) -> T) -> Result<T> {
        let data_version: i64 = self
            .conn
            .pragma_query_value(None, "data_version", |r| r.get(0))?;
        let state = (data_version, self.conn.total_changes());
        if let Some(m) = self
            .results_memo
            .borrow()
            .as_ref()
            .filter(|m| m.committee_id == committee_id && m.state == state)
        {
            return Ok(f(&m.results));
        }
        let results = self.work_out_results(committee_id, false)?;
        let out = f(&results);
        *self.results_memo.borrow_mut() = Some(Memo {
            committee_id: committee_id.to_owned(),
            state,
            results,
        });
        Ok(out)
    }

    /// The result a decision on `nomination_id` is taken on now: the committee's figures for
    /// it, whatever this installation's member may see.
    pub(crate) fn result_to_decide(
        &self,
        committee_id: &str,
        nomination_id: &str,
    ) -> Result<DecidedResult> {
        let results = self.work_out_results(committee_id, true)?;
        let row = results
            .rows
            .iter()
            .find(|r| r.nomination_id == nomination_id);
        Ok(row.map_or_else(DecidedResult::default, |r| DecidedResult {
            counted: r
                .members
                .iter()
                .filter(|m| m.total.is_some() && !m.late)
                .map(|m| m.member_id.clone())
                .collect(),
            mean: r.mean,
            median: r.median,
            rank: r.rank,
            ranked: results.total_rows,
        }))
    }

    /// `reveal`: every figure, even those blind scoring hides from this installation's member.
    fn work_out_results(&self, committee_id: &str, reveal: bool) -> Result<Results> {
        let c = self.committee(committee_id)?;
        let me = self.own_member(&c)?;
        let scope = self.units.scope(&c.unit);
        let by_nomination = self.sheets(&c, committee_id)?;
        let decided = self.decided_results(committee_id)?;
        let acts = self.scope.contains(&c.unit);
        let is_chair = me.is_some() && c.chair().map(|m| &m.id) == me.as_ref();
        let forwards = self.forwards(&c);
        let mut stmt = self.conn.prepare_cached(
            "SELECT n.id, n.title, n.unit, n.sort_key, n.status, \
             (SELECT t.body ->> '$.to' FROM transitions t WHERE t.ref = n.id AND t.deleted_at IS NULL \
              ORDER BY t.created_hlc DESC LIMIT 1) \
             FROM nominations n WHERE n.year = ?1 AND n.deleted_at IS NULL \
             AND n.body ->> '$.campaign_id' = ?2",
        )?;
        let found = stmt.query_map(rusqlite::params![c.year, c.campaign_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let mut rows = Vec::new();
        for row in found {
            let (id, title, unit, own_status, latest) = row?;
            // The submitted ones wait in the committee's inbox, unranked until scored.
            let status = latest
                .or(own_status)
                .and_then(|s| ReviewStatus::parse(&s))
                .unwrap_or_default();
            if !scope.contains(&unit) || !status.handed_in() {
                continue;
            }
            let scores = by_nomination
                .get(&id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let fixed = decided.get(&id);
            let members: Vec<MemberTotal> = c
                .members
                .iter()
                .map(|m| {
                    let s = scores.iter().find(|s| s.member_id == m.id);
                    let total = s.and_then(|s| s.total);
                    MemberTotal {
                        member_id: m.id.clone(),
                        member_name: m.name.clone(),
                        submitted: s.is_some_and(|s| s.submitted),
                        recused: s.is_some_and(|s| s.recused),
                        late: total.is_some() && fixed.is_some_and(|f| !f.counted.contains(&m.id)),
                        total,
                    }
                })
                .collect();
            let mut totals: Vec<f64> = members
                .iter()
                .filter(|m| !m.late)
                .filter_map(|m| m.total)
                .collect();
            totals.sort_by(f64::total_cmp);
            let (counted, mean, median) = match fixed {
                Some(f) => (f.counted.len() as u32, f.mean, f.median),
                None => (totals.len() as u32, mean(&totals), median(&totals)),
            };
            let own_open = scores
                .iter()
                .find(|s| Some(&s.member_id) == me.as_ref())
                .is_none_or(|s| s.open);
            let can = ReviewActions {
                start_review: acts && status == ReviewStatus::Submitted,
                score: acts && me.is_some() && status == ReviewStatus::InReview && own_open,
                decide: acts && is_chair && status == ReviewStatus::InReview,
                reopen_decision: acts && is_chair && status.is_outcome(),
                forward: acts && is_chair && forwards && status == ReviewStatus::Approved,
                reopen_sheets: acts && is_chair && status == ReviewStatus::InReview,
            };
            let hidden = !reveal
                && c.blind
                && me
                    .as_ref()
                    .is_some_and(|me| !members.iter().any(|m| &m.member_id == me && m.submitted));
            rows.push(NominationResult {
                nomination_id: id,
                title,
                unit,
                status,
                members,
                counted,
                mean,
                median,
                rank: None,
                hidden,
                decided: fixed.is_some(),
                can,
            });
        }
        rank(&mut rows, &self.collator);
        for r in rows.iter_mut().filter(|r| r.hidden) {
            r.rank = None;
            r.mean = None;
            r.median = None;
            for m in &mut r.members {
                if Some(&m.member_id) != me.as_ref() {
                    m.total = None;
                }
            }
        }
        let max_total = c.rubric.iter().map(|r| r.weight * r.max as f64).sum();
        Ok(Results {
            committee_id: committee_id.to_owned(),
            committee_name: c.name.clone(),
            unit: c.unit.clone(),
            year: c.year,
            max_total,
            chair: me.is_some() && c.chair().map(|m| &m.id) == me.as_ref(),
            me,
            total_rows: rows.len() as u32,
            rows,
        })
    }

    /// The results of every committee of a year recorded here.
    pub fn results_for_year(&self, year: i32) -> Result<Vec<Results>> {
        self.committees()?
            .into_iter()
            .filter(|(_, c)| c.year == year)
            .map(|(id, _)| self.results(&id))
            .collect()
    }
}

/// What the results need of one score sheet: its member's total, worked out as it is read.
struct Sheet {
    member_id: String,
    submitted: bool,
    recused: bool,
    total: Option<f64>,
    /// Its member may still change it (see `Score::is_open`).
    open: bool,
}

/// A stored score parsed for its total only (its comments are skipped, its strings borrowed).
#[derive(Deserialize)]
struct StoredSheet<'a> {
    #[serde(borrow)]
    nomination_id: Cow<'a, str>,
    #[serde(borrow)]
    member_id: Cow<'a, str>,
    #[serde(default, borrow)]
    points: HashMap<Cow<'a, str>, i64>,
    #[serde(default)]
    recused: bool,
    #[serde(default)]
    submitted: bool,
    #[serde(default, borrow)]
    reopened: Option<ReopenedOf<'a>>,
}

/// Which state of a sheet the chair reopened.
#[derive(Deserialize)]
struct ReopenedOf<'a> {
    #[serde(borrow)]
    of: Cow<'a, str>,
}

impl Store {
    /// The results that this committee's decisions in force were taken on, by nomination.
    fn decided_results(&self, committee_id: &str) -> Result<HashMap<String, DecidedResult>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT ref, body FROM decisions WHERE deleted_at IS NULL \
             AND body ->> '$.committee_id' = ?1 ORDER BY created_hlc DESC",
        )?;
        let rows = stmt.query_map([committee_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = HashMap::new();
        let mut seen = std::collections::HashSet::new();
        for row in rows {
            let (nomination, body) = row?;
            let d: Decision = serde_json::from_str(&body)
                .map_err(|e| Error::plain(Code::Storage, &e.to_string()))?;
            // The latest decision in force on each nomination, as `decision_in_force` reads.
            if d.in_force() && seen.insert(nomination.clone()) {
                if let Some(result) = d.result {
                    out.insert(nomination, result);
                }
            }
        }
        Ok(out)
    }

    /// Every live score sheet of a committee, by nomination.
    fn sheets(&self, c: &Committee, committee_id: &str) -> Result<HashMap<String, Vec<Sheet>>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT body, coalesce(field_hlc ->> '$.seal', created_hlc) FROM scores \
             WHERE committee_id = ?1 AND deleted_at IS NULL",
        )?;
        let mut rows = stmt.query([committee_id])?;
        let mut out: HashMap<String, Vec<Sheet>> = HashMap::new();
        while let Some(row) = rows.next()? {
            let body = row.get_ref(0)?.as_bytes().unwrap_or_default();
            let s: StoredSheet = serde_json::from_slice(body)
                .map_err(|e| Error::plain(Code::Storage, &e.to_string()))?;
            let total = sheet_total(c, s.submitted, s.recused, |k| s.points.get(k).copied());
            let sealed_at = row.get_ref(1)?.as_str().unwrap_or_default();
            let reopened = s.reopened.as_ref().is_some_and(|r| r.of == sealed_at);
            out.entry(s.nomination_id.into_owned())
                .or_default()
                .push(Sheet {
                    member_id: s.member_id.into_owned(),
                    submitted: s.submitted,
                    recused: s.recused,
                    total,
                    open: !s.submitted || reopened,
                });
        }
        Ok(out)
    }
}

impl Results {
    /// Everything but the rows.
    fn header(&self) -> Results {
        Results {
            committee_id: self.committee_id.clone(),
            committee_name: self.committee_name.clone(),
            unit: self.unit.clone(),
            year: self.year,
            max_total: self.max_total,
            me: self.me.clone(),
            chair: self.chair,
            rows: Vec::new(),
            total_rows: self.total_rows,
        }
    }
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

/// The median of sorted values (the mean of the middle two for an even count).
fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// Orders best first (mean, then median; unscored last, then by title in Vietnamese order)
/// and gives equal (mean, median) the same rank: 1, 2, 2, 4.
fn rank(rows: &mut [NominationResult], collator: &crate::collate::VietCollator) {
    let key = |r: &NominationResult| (r.mean.map(|m| -m), r.median.map(|m| -m));
    rows.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        let scored = a.mean.is_none().cmp(&b.mean.is_none());
        scored
            .then(ka.0.unwrap_or(0.0).total_cmp(&kb.0.unwrap_or(0.0)))
            .then(ka.1.unwrap_or(0.0).total_cmp(&kb.1.unwrap_or(0.0)))
            .then_with(|| collator.compare(&a.title, &b.title))
    });
    let mut place = 0;
    for i in 0..rows.len() {
        if rows[i].mean.is_none() {
            continue;
        }
        let tied =
            i > 0 && (rows[i - 1].mean, rows[i - 1].median) == (rows[i].mean, rows[i].median);
        if !tied {
            place = i as u32 + 1;
        }
        rows[i].rank = Some(place);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[1.0, 2.0, 10.0]), Some(2.0), "the middle value");
        assert_eq!(
            median(&[1.0, 2.0, 4.0, 10.0]),
            Some(3.0),
            "the mean of the middle two"
        );
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
    }

    fn row(title: &str, mean: Option<f64>, median: Option<f64>) -> NominationResult {
        NominationResult {
            nomination_id: title.into(),
            title: title.into(),
            unit: "00070".into(),
            status: ReviewStatus::InReview,
            members: Vec::new(),
            counted: 0,
            mean,
            median,
            rank: None,
            hidden: false,
            decided: false,
            can: ReviewActions::default(),
        }
    }

    #[test]
    fn equal_results_share_a_rank_and_unscored_come_last() {
        let mut rows = vec![
            row("Đỗ", None, None),
            row("Bình", Some(20.0), Some(20.0)),
            row("An", Some(25.0), Some(24.0)),
            row("Cường", Some(20.0), Some(20.0)),
            row("Anh", Some(25.0), Some(26.0)),
        ];
        rank(&mut rows, &crate::collate::VietCollator::new());
        let got: Vec<(&str, Option<u32>)> =
            rows.iter().map(|r| (r.title.as_str(), r.rank)).collect();
        assert_eq!(
            got,
            [
                ("Anh", Some(1)),
                ("An", Some(2)),
                ("Bình", Some(3)),
                ("Cường", Some(3)),
                ("Đỗ", None)
            ],
            "mean first, then median; ties share a rank (in Vietnamese order); unscored last"
        );
    }
}
