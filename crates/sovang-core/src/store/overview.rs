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
}

impl Store {
    pub fn overview(&self, year: i32) -> Result<Overview> {
        let one =
            |sql: &str| -> Result<i64> { Ok(self.conn.query_row(sql, [year], |r| r.get(0))?) };
        let count_of = |kind: Kind| {
            one(&format!(
                "SELECT count(*) FROM {} WHERE deleted_at IS NULL AND year = ?1",
                kind.table()
            ))
        };
        let mut counts = Vec::new();
        for kind in [Kind::Entry, Kind::Project, Kind::Update, Kind::Nomination] {
            counts.push(Count {
                key: kind.name().into(),
                count: count_of(kind)?,
            });
        }
        let people = self.conn.query_row(
            "SELECT count(*) FROM people WHERE deleted_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        let mut projects_by_status = Vec::new();
        for status in crate::records::PROJECT_STATUSES {
            let n: i64 = self.conn.query_row(
                "SELECT count(*) FROM projects WHERE deleted_at IS NULL AND year = ?1 AND status = ?2",
                rusqlite::params![year, status],
                |r| r.get(0),
            )?;
            projects_by_status.push(Count {
                key: (*status).into(),
                count: n,
            });
        }
        let mut targets = Vec::new();
        for metric in TARGET_METRICS {
            let target: Option<i64> = self.conn.query_row(
                "SELECT sum(json_extract(body, '$.target')) FROM campaign_targets \
                 WHERE deleted_at IS NULL AND year = ?1 AND unit = ?2 AND status = ?3",
                rusqlite::params![year, self.installation.unit, metric],
                |r| r.get(0),
            )?;
            let Some(target) = target else { continue };
            let actual = match *metric {
                "entries" => count_of(Kind::Entry)?,
                "projects" => count_of(Kind::Project)?,
                "nominations" => count_of(Kind::Nomination)?,
                field => one(&format!(
                    "SELECT coalesce(sum(json_extract(body, '$.{field}')), 0) FROM projects \
                     WHERE deleted_at IS NULL AND year = ?1"
                ))?,
            };
            targets.push(TargetProgress {
                metric: (*metric).into(),
                target,
                actual,
            });
        }
        Ok(Overview {
            year,
            counts,
            people,
            projects_by_status,
            targets,
        })
    }
}
