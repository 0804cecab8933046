//! Youth projects ("Công trình thanh niên") and their dated progress updates.

use serde::{Deserialize, Serialize};

use super::validate as v;
use super::{join_text, Body, Ctx, Index, Kind, Ref};
use crate::error::{Code, Error, Result};

pub const PROJECT_STATUSES: &[&str] = &["planned", "in_progress", "completed", "handed_over"];
pub const PROJECT_FIELDS: &[&str] = &[
    "infrastructure",
    "environment",
    "digital",
    "education",
    "social",
    "health",
    "culture",
    "other",
];

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub unit: String,
    pub name: String,
    pub field: String,
    #[serde(default)]
    pub description: String,
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    /// Whole đồng.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub budget_vnd: Option<i64>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub volunteers: Option<i64>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub volunteer_days: Option<i64>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub beneficiaries: Option<i64>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default = "default_status")]
    pub status: String,
}

fn default_status() -> String {
    "planned".into()
}

impl Body for Project {
    const KIND: Kind = Kind::Project;

    fn check(&mut self, cx: &Ctx) -> Result<()> {
        let mut p = v::Problems::default();
        p.add(v::known_unit("unit", &mut self.unit, cx.units));
        p.add(
            v::required("name", &mut self.name).and_then(|_| v::max_len("name", &self.name, 300)),
        );
        p.add(v::one_of("field", &self.field, PROJECT_FIELDS));
        p.add(v::max_len("description", &self.description, 20_000));
        let start = p.add(v::required_date("start_date", &mut self.start_date));
        let end = p.add(v::date("end_date", &mut self.end_date)).flatten();
        p.add(v::end_after_start("end_date", start, end));
        p.add(v::non_negative("budget_vnd", self.budget_vnd));
        // Far above any youth project, and far from where a sum of them overflows.
        if self.budget_vnd.is_some_and(|b| b > crate::sheets::MAX_VND) {
            p.add::<()>(Err(Error::field_arg(
                Code::InvalidValue,
                "budget_vnd",
                &self.budget_vnd.unwrap_or_default().to_string(),
            )));
        }
        p.add(v::non_negative("volunteers", self.volunteers));
        p.add(v::non_negative("volunteer_days", self.volunteer_days));
        p.add(v::non_negative("beneficiaries", self.beneficiaries));
        v::optional(&mut self.location);
        p.add(v::one_of("status", &self.status, PROJECT_STATUSES));
        p.finish()
    }

    fn index(&self, _cx: &Ctx) -> Index {
        Index {
            unit: self.unit.clone(),
            title: self.name.clone(),
            search: join_text([
                self.location.as_deref().unwrap_or(""),
                self.description.as_str(),
            ]),
            status: Some(self.status.clone()),
            extra: vec![None],
            ..Default::default()
        }
        .with_year(self.start_date.as_deref())
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectUpdate {
    pub project_id: String,
    pub unit: String,
    pub date: Option<String>,
    pub note: String,
    /// 0–100.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub progress_percent: Option<i64>,
}

impl Body for ProjectUpdate {
    const KIND: Kind = Kind::Update;

    fn check(&mut self, cx: &Ctx) -> Result<()> {
        let mut p = v::Problems::default();
        p.add(v::required("project_id", &mut self.project_id));
        p.add(v::known_unit("unit", &mut self.unit, cx.units));
        let d = p.add(v::required_date("date", &mut self.date));
        p.add(v::not_after("date", d, cx.today));
        p.add(
            v::required("note", &mut self.note).and_then(|_| v::max_len("note", &self.note, 5_000)),
        );
        p.add(v::non_negative("progress_percent", self.progress_percent));
        if let Some(pct) = self.progress_percent.filter(|pct| *pct > 100) {
            p.push(Error::field_arg(
                Code::InvalidValue,
                "progress_percent",
                &pct.to_string(),
            ));
        }
        p.finish()
    }

    fn index(&self, _cx: &Ctx) -> Index {
        Index {
            unit: self.unit.clone(),
            title: self.note.chars().take(80).collect(),
            search: self.note.clone(),
            extra: vec![Some(self.project_id.clone())],
            refs: vec![Ref::new(Kind::Project, &self.project_id, "project_id")],
            ref_in_search: true,
            ..Default::default()
        }
        .with_year(self.date.as_deref())
    }
}
