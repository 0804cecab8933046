//! Youth projects ("Công trình thanh niên") and their dated progress updates.

use serde::{Deserialize, Serialize};

use super::validate as v;
use super::{join_text, Body, Ctx, Index, Kind};
use crate::error::Result;

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
    pub budget_vnd: Option<i64>,
    #[serde(default)]
    pub volunteers: Option<i64>,
    #[serde(default)]
    pub volunteer_days: Option<i64>,
    #[serde(default)]
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
        v::known_unit("unit", &mut self.unit, cx.units)?;
        v::required("name", &mut self.name)?;
        v::max_len("name", &self.name, 300)?;
        v::one_of("field", &self.field, PROJECT_FIELDS)?;
        v::max_len("description", &self.description, 20_000)?;
        let start = v::required_date("start_date", &mut self.start_date)?;
        let end = v::date("end_date", &mut self.end_date)?;
        v::end_after_start("end_date", Some(start), end)?;
        v::non_negative("budget_vnd", self.budget_vnd)?;
        v::non_negative("volunteers", self.volunteers)?;
        v::non_negative("volunteer_days", self.volunteer_days)?;
        v::non_negative("beneficiaries", self.beneficiaries)?;
        v::optional(&mut self.location);
        v::one_of("status", &self.status, PROJECT_STATUSES)?;
        Ok(())
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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectUpdate {
    pub project_id: String,
    pub unit: String,
    pub date: Option<String>,
    pub note: String,
    /// 0–100.
    #[serde(default)]
    pub progress_percent: Option<i64>,
}

impl Body for ProjectUpdate {
    const KIND: Kind = Kind::Update;

    fn check(&mut self, cx: &Ctx) -> Result<()> {
        v::required("project_id", &mut self.project_id)?;
        v::known_unit("unit", &mut self.unit, cx.units)?;
        let d = v::required_date("date", &mut self.date)?;
        v::not_after("date", Some(d), cx.today)?;
        v::required("note", &mut self.note)?;
        v::max_len("note", &self.note, 5_000)?;
        v::non_negative("progress_percent", self.progress_percent)?;
        if let Some(p) = self.progress_percent {
            if p > 100 {
                return Err(crate::error::Error::field_arg(
                    crate::error::Code::InvalidValue,
                    "progress_percent",
                    &p.to_string(),
                ));
            }
        }
        Ok(())
    }

    fn index(&self, _cx: &Ctx) -> Index {
        Index {
            unit: self.unit.clone(),
            title: self.note.chars().take(80).collect(),
            search: self.note.clone(),
            extra: vec![Some(self.project_id.clone())],
            refs: vec![(Kind::Project, self.project_id.clone())],
            ref_in_search: true,
            ..Default::default()
        }
        .with_year(self.date.as_deref())
    }
}
