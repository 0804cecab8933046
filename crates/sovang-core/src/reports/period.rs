//! A unit's report over a period (a month, a quarter, a year, or the campaign so far): Golden
//! Book entries by the value they show, youth projects by status with their value in đồng,
//! nominations by category and outcome, the year's targets against what was done, and one row
//! per sub-unit, the ones furthest behind their targets first. This one function computes the
//! numbers; the JSON, the workbook and the PDF all show them.
//!
//! A record counts when its unit is in the chosen unit's scope (the unit, the units under it,
//! and the units merged into them): what the level above sent down is not the unit's. Entries
//! count by their deed's date, projects by their start date, nominations by their year (a
//! month or a quarter counts its year's nominations).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::error::{Code, Error, Message, Result};
use crate::messages::review_status_label;
use crate::records::{ReviewStatus, PRESET_CAMPAIGN_ID, PROJECT_STATUSES, TARGET_METRICS};
use crate::sheets::columns::PROJECT_STATUS_LABELS;
use crate::store::Store;

/// The period a report covers.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Period {
    Month {
        year: i32,
        month: u32,
    },
    Quarter {
        year: i32,
        quarter: u32,
    },
    Year {
        year: i32,
    },
    /// From the campaign's first year to today.
    Campaign,
}

const ROMAN: [&str; 4] = ["I", "II", "III", "IV"];

impl Period {
    /// `2026-11`, `2026-Q3`, `2026` or `campaign`.
    pub fn parse(s: &str) -> Result<Period> {
        let s = s.trim();
        let bad = || Error::field_arg(Code::InvalidValue, "period", s);
        if s.eq_ignore_ascii_case("campaign") {
            return Ok(Period::Campaign);
        }
        let (y, rest) = s.split_once('-').map_or((s, None), |(y, r)| (y, Some(r)));
        let year: i32 = y.parse().map_err(|_| bad())?;
        if !(1900..=2200).contains(&year) {
            return Err(bad());
        }
        match rest {
            None => Ok(Period::Year { year }),
            Some(q) if q.starts_with(['Q', 'q']) => match q[1..].parse() {
                Ok(quarter @ 1..=4) => Ok(Period::Quarter { year, quarter }),
                _ => Err(bad()),
            },
            Some(m) => match m.parse() {
                Ok(month @ 1..=12) => Ok(Period::Month { year, month }),
                _ => Err(bad()),
            },
        }
    }

    /// The first and last day it covers.
    pub fn range(&self, campaign_start: i32, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(today);
        let month_end = |y: i32, m: u32| {
            let next = if m == 12 {
                ymd(y + 1, 1, 1)
            } else {
                ymd(y, m + 1, 1)
            };
            next.pred_opt().unwrap_or(next)
        };
        match *self {
            Period::Month { year, month } => (ymd(year, month, 1), month_end(year, month)),
            Period::Quarter { year, quarter } => {
                (ymd(year, quarter * 3 - 2, 1), month_end(year, quarter * 3))
            }
            Period::Year { year } => (ymd(year, 1, 1), ymd(year, 12, 31)),
            Period::Campaign => (ymd(campaign_start, 1, 1), today),
        }
    }

    /// The year whose targets it is measured against (for the campaign, its years so far are
    /// summed; this is the last of them).
    pub fn target_year(&self, today: NaiveDate) -> i32 {
        match *self {
            Period::Month { year, .. } | Period::Quarter { year, .. } | Period::Year { year } => {
                year
            }
            Period::Campaign => today.year(),
        }
    }

    pub fn label(&self) -> Message {
        match *self {
            Period::Month { year, month } => Message {
                vi: format!("tháng {month} năm {year}"),
                en: format!("{year}-{month:02}"),
            },
            Period::Quarter { year, quarter } => Message {
                vi: format!("quý {} năm {year}", ROMAN[quarter as usize - 1]),
                en: format!("Q{quarter} {year}"),
            },
            Period::Year { year } => Message {
                vi: format!("năm {year}"),
                en: format!("{year}"),
            },
            Period::Campaign => Message {
                vi: "từ đầu Cuộc vận động đến nay".into(),
                en: "the campaign so far".into(),
            },
        }
    }
}

/// A count under a code, with the code's Vietnamese label.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LabeledCount {
    pub code: String,
    pub label: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: i64,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ProjectFigures {
    pub status: String,
    pub label: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: i64,
    /// "Giá trị làm lợi": the projects' value, whole đồng.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub value_vnd: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub volunteers: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub beneficiaries: i64,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TargetFigures {
    pub metric: String,
    pub label: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub target: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub actual: i64,
}

/// One sub-unit's figures.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SubUnitFigures {
    pub code: String,
    pub name: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub entries: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub projects: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub value_vnd: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub nominations: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub volunteers: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub beneficiaries: i64,
    /// Of the year's targets it has, the least reached, as a share (0.4 = 40 %); `None`
    /// without targets.
    pub completion: Option<f64>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PeriodReport {
    pub unit: String,
    pub unit_name: String,
    pub period: Period,
    pub period_label: Message,
    /// ISO dates.
    pub from: String,
    pub to: String,
    /// Members and youths of the scope (people are not tied to a period).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub people: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub entries: i64,
    /// Entries by the campaign value the deed shows (an entry may show several).
    pub entries_by_value: Vec<LabeledCount>,
    pub projects: Vec<ProjectFigures>,
    pub projects_total: ProjectFigures,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub nominations: i64,
    pub nominations_by_category: Vec<LabeledCount>,
    pub nominations_by_outcome: Vec<LabeledCount>,
    /// The year's targets of the unit (what the level above set), against the period's figures
    /// (for the campaign: every campaign year's so far, summed).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub target_year: i32,
    /// "năm 2026", or "các năm 2023–2026" for the campaign.
    pub target_label: Message,
    pub targets: Vec<TargetFigures>,
    /// One row per sub-unit, those furthest behind their targets first.
    pub sub_units: Vec<SubUnitFigures>,
}

/// What was counted per unit code, before it is summed into the report and its sub-units.
#[derive(Default)]
struct PerUnit {
    entries: i64,
    by_value: BTreeMap<String, i64>,
    projects: BTreeMap<String, ProjectFigures>,
    by_category: BTreeMap<String, i64>,
    by_outcome: BTreeMap<String, i64>,
    nominations: i64,
}

/// A target metric's Vietnamese name.
pub fn metric_label(metric: &str) -> &'static str {
    match metric {
        "entries" => "Việc tốt ghi vào Sổ vàng",
        "projects" => "Công trình thanh niên",
        "nominations" => "Đề cử",
        "volunteers" => "Lượt người tham gia công trình",
        _ => "Người hưởng lợi",
    }
}

impl Store {
    /// The report of `unit` (with its sub-units and the units merged into them) over `period`.
    pub fn period_report(&self, unit: &str, period: Period) -> Result<PeriodReport> {
        self.period_report_with(unit, period, true)
    }

    /// The report, with `by_value` false leaving `entries_by_value` empty: the one pass that
    /// reads every entry's body, which the Overview does not show (it opens on this report).
    pub fn period_report_with(
        &self,
        unit: &str,
        period: Period,
        by_value: bool,
    ) -> Result<PeriodReport> {
        let name = self
            .units()
            .get(unit)
            .map(|u| u.name.clone())
            .ok_or_else(|| Error::field_arg(Code::UnknownUnit, "unit", unit))?;
        let campaign = self.campaigns().get(PRESET_CAMPAIGN_ID);
        let today = self.clock().today();
        let start_year = campaign.map_or(2023, |c| c.start_year);
        let (from, to) = period.range(start_year, today);
        let (f, t) = (from.to_string(), to.to_string());
        let years = (from.year(), to.year());
        // A whole year is its records' `year` column (indexed, the year of their date): no
        // date needs reading from the bodies. A month, a quarter or the campaign so far do.
        let whole_years = matches!(period, Period::Year { .. });
        let scope = self.unit_scope(unit)?;
        let mut per: HashMap<String, PerUnit> = HashMap::new();
        let conn = self.connection();

        let mut stmt = conn.prepare(
            "SELECT unit, count(*) FROM entries WHERE deleted_at IS NULL AND year BETWEEN ?1 AND ?2 \
             AND (?5 OR body ->> '$.deed_date' BETWEEN ?3 AND ?4) GROUP BY unit",
        )?;
        let mut rows = stmt.query(rusqlite::params![years.0, years.1, f, t, whole_years])?;
        while let Some(r) = rows.next()? {
            per.entry(r.get(0)?).or_default().entries = r.get(1)?;
        }
        if by_value {
            let mut stmt = conn.prepare(
                "SELECT e.unit, v.value, count(*) FROM entries e, json_each(e.body, '$.values') v \
                 WHERE e.deleted_at IS NULL AND e.year BETWEEN ?1 AND ?2 \
                 AND (?5 OR e.body ->> '$.deed_date' BETWEEN ?3 AND ?4) GROUP BY e.unit, v.value",
            )?;
            let mut rows = stmt.query(rusqlite::params![years.0, years.1, f, t, whole_years])?;
            while let Some(r) = rows.next()? {
                let p = per.entry(r.get(0)?).or_default();
                *p.by_value.entry(r.get(1)?).or_default() += r.get::<_, i64>(2)?;
            }
        }
        let mut stmt = conn.prepare(
            "SELECT unit, status, count(*), coalesce(sum(body ->> '$.budget_vnd'), 0), \
             coalesce(sum(body ->> '$.volunteers'), 0), coalesce(sum(body ->> '$.beneficiaries'), 0) \
             FROM projects WHERE deleted_at IS NULL AND year BETWEEN ?1 AND ?2 \
             AND (?5 OR body ->> '$.start_date' BETWEEN ?3 AND ?4) GROUP BY unit, status",
        )?;
        let mut rows = stmt.query(rusqlite::params![years.0, years.1, f, t, whole_years])?;
        while let Some(r) = rows.next()? {
            let status: String = r.get(1)?;
            let fig = ProjectFigures {
                status: status.clone(),
                label: String::new(),
                count: r.get(2)?,
                value_vnd: r.get(3)?,
                volunteers: r.get(4)?,
                beneficiaries: r.get(5)?,
            };
            per.entry(r.get(0)?)
                .or_default()
                .projects
                .insert(status, fig);
        }
        let mut stmt = conn.prepare(
            "SELECT unit, coalesce(body ->> '$.category', ''), coalesce(status, ''), count(*) \
             FROM nominations WHERE deleted_at IS NULL AND year BETWEEN ?1 AND ?2 \
             GROUP BY unit, 2, 3",
        )?;
        let mut rows = stmt.query(rusqlite::params![years.0, years.1])?;
        while let Some(r) = rows.next()? {
            let p = per.entry(r.get(0)?).or_default();
            let n: i64 = r.get(3)?;
            *p.by_category.entry(r.get(1)?).or_default() += n;
            *p.by_outcome.entry(r.get(2)?).or_default() += n;
            p.nominations += n;
        }
        per.retain(|code, _| scope.contains(code));
        let mut people = 0i64;
        let mut stmt = conn.prepare_cached(
            "SELECT unit, count(*) FROM people WHERE deleted_at IS NULL GROUP BY unit",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            if scope.contains(&r.get::<_, String>(0)?) {
                people += r.get::<_, i64>(1)?;
            }
        }

        let target_year = period.target_year(today);
        // The years whose targets the period answers to: its own, or every campaign year so far.
        let target_years = match period {
            Period::Campaign => (start_year, target_year),
            _ => (target_year, target_year),
        };
        let targets_of = self.targets_between(target_years)?;

        // Every code of the scope, to the sub-unit (a child of `unit`) it lies under.
        // A unit merged into another (the 2025 reorganisation) is no sub-unit of its own: its
        // records count under the unit it became (`scope` holds a unit's predecessors).
        let live: Vec<&String> = self
            .units()
            .children(unit)
            .iter()
            .filter(|c| self.units().get(c).is_some_and(|u| u.successor.is_none()))
            .collect();
        let mut sub_of: HashMap<String, String> = HashMap::new();
        for child in &live {
            for code in self.units().scope(child) {
                sub_of.insert(code, (*child).clone());
            }
        }
        let mut subs: BTreeMap<String, PerUnit> = BTreeMap::new();
        let mut total = PerUnit::default();
        for (code, p) in &per {
            add(&mut total, p);
            if let Some(child) = sub_of.get(code) {
                add(subs.entry(child.clone()).or_default(), p);
            }
        }

        let value_label = |code: &str| {
            campaign
                .and_then(|c| c.values.iter().find(|v| v.code == code))
                .map_or(code.to_owned(), |v| v.name_vi.clone())
        };
        let category_label = |code: &str| {
            campaign
                .and_then(|c| c.categories.iter().find(|v| v.code == code))
                .map_or(code.to_owned(), |v| v.name_vi.clone())
        };
        let outcome_label = |code: &str| {
            serde_json::from_value::<ReviewStatus>(serde_json::Value::String(code.to_owned()))
                .map_or(code.to_owned(), |s| review_status_label(s).0.to_owned())
        };
        let labeled = |m: &BTreeMap<String, i64>, label: &dyn Fn(&str) -> String| {
            m.iter()
                .map(|(code, count)| LabeledCount {
                    code: code.clone(),
                    label: label(code),
                    count: *count,
                })
                .collect::<Vec<_>>()
        };
        let projects: Vec<ProjectFigures> = PROJECT_STATUSES
            .iter()
            .map(|s| {
                let mut f = total.projects.get(*s).cloned().unwrap_or_default();
                f.status = (*s).into();
                f.label = PROJECT_STATUS_LABELS
                    .iter()
                    .find(|(c, _)| c == s)
                    .map_or(String::new(), |(_, l)| (*l).into());
                f
            })
            .collect();
        let projects_total = sum_projects(&total);

        let actual = |p: &PerUnit, metric: &str| -> i64 {
            let pr = sum_projects(p);
            match metric {
                "entries" => p.entries,
                "projects" => pr.count,
                "nominations" => p.nominations,
                "volunteers" => pr.volunteers,
                _ => pr.beneficiaries,
            }
        };
        let targets = TARGET_METRICS
            .iter()
            .filter_map(|m| {
                let target = *targets_of.get(unit)?.get(*m)?;
                Some(TargetFigures {
                    metric: (*m).into(),
                    label: metric_label(m).into(),
                    target,
                    actual: actual(&total, m),
                })
            })
            .collect();

        let mut sub_units: Vec<SubUnitFigures> = live
            .iter()
            .map(|child| {
                let child = *child;
                let p = subs.remove(child).unwrap_or_default();
                let pr = sum_projects(&p);
                let completion = targets_of.get(child).and_then(|ts| {
                    ts.iter()
                        .filter(|(_, target)| **target > 0)
                        .map(|(m, target)| actual(&p, m) as f64 / *target as f64)
                        .min_by(f64::total_cmp)
                });
                SubUnitFigures {
                    code: child.clone(),
                    name: self
                        .units()
                        .get(child)
                        .map_or(child.clone(), |u| u.name.clone()),
                    entries: p.entries,
                    projects: pr.count,
                    value_vnd: pr.value_vnd,
                    nominations: p.nominations,
                    volunteers: pr.volunteers,
                    beneficiaries: pr.beneficiaries,
                    completion,
                }
            })
            .collect();
        // The furthest behind first; those without targets after, by name.
        sub_units.sort_by(|a, b| match (a.completion, b.completion) {
            (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| a.name.cmp(&b.name)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => self.collate(&a.name, &b.name),
        });

        Ok(PeriodReport {
            unit: unit.to_owned(),
            unit_name: name,
            period,
            period_label: period.label(),
            from: f,
            to: t,
            people,
            entries: total.entries,
            entries_by_value: labeled(&total.by_value, &value_label),
            projects,
            projects_total,
            nominations: total.nominations,
            nominations_by_category: labeled(&total.by_category, &category_label),
            nominations_by_outcome: labeled(&total.by_outcome, &outcome_label),
            target_year,
            target_label: match target_years.0 == target_years.1 {
                true => Message {
                    vi: format!("năm {target_year}"),
                    en: format!("{target_year}"),
                },
                false => Message {
                    vi: format!("các năm {}–{}", target_years.0, target_years.1),
                    en: format!("{}–{}", target_years.0, target_years.1),
                },
            },
            targets,
            sub_units,
        })
    }
}

fn add(to: &mut PerUnit, p: &PerUnit) {
    to.entries += p.entries;
    to.nominations += p.nominations;
    for (k, v) in &p.by_value {
        *to.by_value.entry(k.clone()).or_default() += v;
    }
    for (k, v) in &p.by_category {
        *to.by_category.entry(k.clone()).or_default() += v;
    }
    for (k, v) in &p.by_outcome {
        *to.by_outcome.entry(k.clone()).or_default() += v;
    }
    for (k, f) in &p.projects {
        let e = to.projects.entry(k.clone()).or_default();
        e.count += f.count;
        e.value_vnd += f.value_vnd;
        e.volunteers += f.volunteers;
        e.beneficiaries += f.beneficiaries;
    }
}

fn sum_projects(p: &PerUnit) -> ProjectFigures {
    let mut t = ProjectFigures {
        status: "total".into(),
        label: "Cộng".into(),
        ..Default::default()
    };
    for f in p.projects.values() {
        t.count += f.count;
        t.value_vnd += f.value_vnd;
        t.volunteers += f.volunteers;
        t.beneficiaries += f.beneficiaries;
    }
    t
}

impl SubUnitFigures {
    /// What it did on a target metric.
    pub fn achieved(&self, metric: &str) -> i64 {
        match metric {
            "entries" => self.entries,
            "projects" => self.projects,
            "nominations" => self.nominations,
            "volunteers" => self.volunteers,
            _ => self.beneficiaries,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_cover_their_days() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            Period::parse("2026-Q3").unwrap().range(2023, today),
            (d(2026, 7, 1), d(2026, 9, 30))
        );
        assert_eq!(
            Period::parse("2024-02").unwrap().range(2023, today),
            (d(2024, 2, 1), d(2024, 2, 29)),
            "a leap February"
        );
        assert_eq!(
            Period::parse("2026-12").unwrap().range(2023, today),
            (d(2026, 12, 1), d(2026, 12, 31))
        );
        assert_eq!(
            Period::parse("campaign").unwrap().range(2023, today),
            (d(2023, 1, 1), today)
        );
        assert_eq!(
            Period::parse("2026-Q3").unwrap().label().vi,
            "quý III năm 2026"
        );
        for bad in ["2026-Q5", "2026-13", "26", "x", "2026-"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }
}
