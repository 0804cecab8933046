//! The overview screen's figures: this year's counts, projects by status, and the campaign's
//! progress against the installation's targets.

use serde::Serialize;

use super::Store;
use crate::error::Result;
use crate::records::{Kind, TARGET_METRICS};

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Count {
    pub key: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TargetProgress {
    /// One of the campaign's target metrics (`entries`, `projects`, …).
    pub metric: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub target: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub actual: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Overview {
    pub year: i32,
    /// Live records of the year by kind (`entry`, `project`, `update`, `nomination`).
    pub counts: Vec<Count>,
    /// People are not tied to a year: all of them.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub people: i64,
    /// The year's projects by status, in the statuses' order.
    pub projects_by_status: Vec<Count>,
    /// The installation's own targets for the year, with what has been done.
    pub targets: Vec<TargetProgress>,
    /// The year's projects' volunteers and beneficiaries, summed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub volunteers: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub beneficiaries: i64,
}

impl Overview {
    /// What the year reached on a target metric (`entries`, `projects`, …).
    pub fn achieved(&self, metric: &str) -> i64 {
        let count = |kind: Kind| {
            self.counts
                .iter()
                .find(|c| c.key == kind.name())
                .map_or(0, |c| c.count)
        };
        match metric {
            "entries" => count(Kind::Entry),
            "projects" => count(Kind::Project),
            "nominations" => count(Kind::Nomination),
            "volunteers" => self.volunteers,
            "beneficiaries" => self.beneficiaries,
            _ => 0,
        }
    }
}

impl Store {
    /// One pass per table: the year's counts by kind, then the year's projects grouped by
    /// status with their volunteers and beneficiaries summed (a million-record database
    /// answers in well under a second; see BENCHMARKS.md).
    pub fn overview(&self, year: i32) -> Result<Overview> {
        let mut counts = Vec::new();
        for kind in [Kind::Entry, Kind::Update, Kind::Nomination] {
            let sql = format!(
                "SELECT count(*) FROM {} WHERE deleted_at IS NULL AND year = ?1",
                kind.table()
            );
            counts.push(Count {
                key: kind.name().into(),
                count: self.conn.query_row(&sql, [year], |r| r.get(0))?,
            });
        }
        let people = self.conn.query_row(
            "SELECT count(*) FROM people WHERE deleted_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        let mut by_status = std::collections::HashMap::new();
        let (mut volunteers, mut beneficiaries) = (0i64, 0i64);
        let mut stmt = self.conn.prepare_cached(
            "SELECT status, count(*), coalesce(sum(json_extract(body, '$.volunteers')), 0), \
             coalesce(sum(json_extract(body, '$.beneficiaries')), 0) \
             FROM projects WHERE deleted_at IS NULL AND year = ?1 GROUP BY status",
        )?;
        let mut rows = stmt.query([year])?;
        while let Some(r) = rows.next()? {
            by_status.insert(r.get::<_, String>(0)?, r.get::<_, i64>(1)?);
            volunteers += r.get::<_, i64>(2)?;
            beneficiaries += r.get::<_, i64>(3)?;
        }
        let projects: i64 = by_status.values().sum();
        counts.insert(
            1,
            Count {
                key: Kind::Project.name().into(),
                count: projects,
            },
        );
        let projects_by_status = crate::records::PROJECT_STATUSES
            .iter()
            .map(|s| Count {
                key: (*s).into(),
                count: by_status.get(*s).copied().unwrap_or(0),
            })
            .collect();
        let mut overview = Overview {
            year,
            counts,
            people,
            projects_by_status,
            targets: Vec::new(),
            volunteers,
            beneficiaries,
        };
        // Five sums over a handful of target rows (one per metric at most).
        for metric in TARGET_METRICS {
            let target: Option<i64> = self.conn.query_row(
                "SELECT sum(json_extract(body, '$.target')) FROM campaign_targets \
                 WHERE deleted_at IS NULL AND year = ?1 AND unit = ?2 AND status = ?3",
                rusqlite::params![year, self.installation.unit, metric],
                |r| r.get(0),
            )?;
            if let Some(target) = target {
                let actual = overview.achieved(metric);
                overview.targets.push(TargetProgress {
                    metric: (*metric).into(),
                    target,
                    actual,
                });
            }
        }
        Ok(overview)
    }
}
