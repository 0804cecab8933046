//! The Targets screen's grid: per sub-unit of this installation's unit and per year, the
//! campaign's target metrics, each with last year's actual figure beside it. Targets are set by
//! the unit above for its sub-units (never by a unit for itself) and travel down in bundles as
//! `target` records of the sub-unit.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::json;

use super::period::{metric_label, Period};
use crate::error::{Code, Error, Result};
use crate::records::{Kind, PRESET_CAMPAIGN_ID, TARGET_METRICS};
use crate::store::Store;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TargetCell {
    pub metric: String,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub target: Option<i64>,
    /// What the sub-unit did on this metric the year before.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub last_year: i64,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TargetRow {
    pub unit: String,
    pub name: String,
    pub cells: Vec<TargetCell>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TargetGrid {
    pub year: i32,
    /// The metrics, in the grid's column order, with their Vietnamese names.
    pub metrics: Vec<(String, String)>,
    pub rows: Vec<TargetRow>,
}

impl Store {
    /// The grid of `year`'s targets for this installation's sub-units.
    pub fn target_grid(&self, year: i32) -> Result<TargetGrid> {
        let own = self.installation().unit.clone();
        // Last year's figures; the entries-by-value pass is not needed here.
        let last = self.period_report_with(&own, Period::Year { year: year - 1 }, false)?;
        let targets = self.targets_between((year, year))?;
        let mut rows: Vec<TargetRow> = last
            .sub_units
            .iter()
            .map(|sub| TargetRow {
                unit: sub.code.clone(),
                name: sub.name.clone(),
                cells: TARGET_METRICS
                    .iter()
                    .map(|metric| TargetCell {
                        metric: (*metric).into(),
                        target: targets.get(&sub.code).and_then(|t| t.get(*metric)).copied(),
                        last_year: sub.achieved(metric),
                    })
                    .collect(),
            })
            .collect();
        rows.sort_by(|a, b| self.collate(&a.name, &b.name));
        Ok(TargetGrid {
            year,
            metrics: TARGET_METRICS
                .iter()
                .map(|m| ((*m).to_owned(), metric_label(m).to_owned()))
                .collect(),
            rows,
        })
    }

    /// Every unit's targets by metric over `years` (summed over the years). One target counts
    /// per unit, year and metric: if two were set for the same (two installations at once),
    /// the latest, as the Targets screen shows and `set_target` changes it.
    pub(crate) fn targets_between(
        &self,
        years: (i32, i32),
    ) -> Result<HashMap<String, BTreeMap<String, i64>>> {
        let mut out: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
        let mut stmt = self.connection().prepare_cached(
            "SELECT t.unit, t.status, sum(t.body ->> '$.target') FROM campaign_targets t \
             WHERE t.deleted_at IS NULL AND t.year BETWEEN ?1 AND ?2 AND t.hlc = \
               (SELECT max(u.hlc) FROM campaign_targets u WHERE u.deleted_at IS NULL \
                AND u.unit = t.unit AND u.year = t.year AND u.status = t.status) \
             GROUP BY t.unit, t.status",
        )?;
        let mut rows = stmt.query([years.0, years.1])?;
        while let Some(r) = rows.next()? {
            out.entry(r.get(0)?)
                .or_default()
                .insert(r.get(1)?, r.get(2)?);
        }
        Ok(out)
    }

    /// The live target record of a unit, year and metric that counts: its id and figure.
    fn target_of(&self, unit: &str, year: i32, metric: &str) -> Result<Option<(String, i64)>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .connection()
            .query_row(
                "SELECT id, body ->> '$.target' FROM campaign_targets WHERE deleted_at IS NULL \
                 AND unit = ?1 AND year = ?2 AND status = ?3 ORDER BY hlc DESC LIMIT 1",
                rusqlite::params![unit, year, metric],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Sets (or, with `None`, clears) a sub-unit's target. Only a unit above sets a unit's
    /// targets: this installation's own unit's come from above (`records::sets_own_targets`).
    pub fn set_target(
        &mut self,
        unit: &str,
        year: i32,
        metric: &str,
        target: Option<i64>,
    ) -> Result<()> {
        let own = self.installation().unit.clone();
        let own_ok = unit == own && crate::records::sets_own_targets(self.units(), unit);
        // The unit above sets its sub-units' (its children's) targets, not its grandchildren's.
        let child = self.units().children(&own).iter().any(|c| c == unit)
            && self
                .units()
                .get(unit)
                .is_some_and(|u| u.successor.is_none());
        if !own_ok && !child {
            return Err(Error::field_arg(Code::UnitOutOfScope, "unit", unit));
        }
        match (self.target_of(unit, year, metric)?, target) {
            (None, None) => Ok(()),
            (Some((id, _)), None) => self.delete(Kind::Target, &id).map(|_| ()),
            (Some((id, _)), Some(t)) => self
                .put(Kind::Target, json!({"id": id, "data": {"target": t}}))
                .map(|_| ()),
            (None, Some(t)) => self
                .put(
                    Kind::Target,
                    json!({"campaign_id": PRESET_CAMPAIGN_ID, "unit": unit, "year": year,
                        "metric": metric, "target": t}),
                )
                .map(|_| ()),
        }
    }
}
