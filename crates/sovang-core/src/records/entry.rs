//! Golden Book entries ("Sổ vàng Làm theo lời Bác"): an exemplary deed by a youth or a collective.

use serde::{Deserialize, Serialize};

use super::validate as v;
use super::{join_text, Body, Ctx, Index, Kind, Ref};
use crate::error::{Code, Error, Result};
use crate::records::PRESET_CAMPAIGN_ID;

pub const ENTRY_SUBJECTS: &[&str] = &["person", "collective"];
pub const ENTRY_STATUSES: &[&str] = &["recorded", "verified"];

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub unit: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub deed_date: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    /// "person" (with `person_id`) or "collective" (with `collective_name`).
    #[serde(default = "default_subject")]
    pub subject: String,
    #[serde(default)]
    pub person_id: Option<String>,
    #[serde(default)]
    pub collective_name: Option<String>,
    /// Codes of the campaign's values the deed shows.
    #[serde(default)]
    pub values: Vec<String>,
    pub recorded_by: String,
    #[serde(default)]
    pub verified_by: Option<String>,
    /// "recorded" or "verified".
    #[serde(default = "default_status")]
    pub status: String,
}

fn default_subject() -> String {
    "person".into()
}
fn default_status() -> String {
    "recorded".into()
}

impl Body for Entry {
    const KIND: Kind = Kind::Entry;

    fn check(&mut self, cx: &Ctx) -> Result<()> {
        let mut p = v::Problems::default();
        p.add(v::known_unit("unit", &mut self.unit, cx.units));
        p.add(
            v::required("title", &mut self.title)
                .and_then(|_| v::max_len("title", &self.title, 300)),
        );
        p.add(v::max_len("description", &self.description, 20_000));
        let d = p.add(v::required_date("deed_date", &mut self.deed_date));
        p.add(v::not_after("deed_date", d, cx.today));
        v::optional(&mut self.place);
        v::optional(&mut self.person_id);
        v::optional(&mut self.collective_name);
        p.add(v::one_of("subject", &self.subject, ENTRY_SUBJECTS));
        if self.subject == "person" && self.person_id.is_none() {
            p.push(Error::field(Code::Required, "person_id"));
        }
        if self.subject == "collective" {
            self.person_id = None;
            if self.collective_name.is_none() {
                p.push(Error::field(Code::Required, "collective_name"));
            }
        }
        if let Some(c) = cx.campaigns.get(PRESET_CAMPAIGN_ID) {
            p.add(c.check_values(&self.values));
        }
        p.add(v::required("recorded_by", &mut self.recorded_by));
        v::optional(&mut self.verified_by);
        p.add(v::one_of("status", &self.status, ENTRY_STATUSES));
        if self.status == "verified" && self.verified_by.is_none() {
            p.push(Error::field(Code::Required, "verified_by"));
        }
        p.finish()
    }

    fn index(&self, _cx: &Ctx) -> Index {
        let collective = self.collective_name.as_deref().unwrap_or("");
        Index {
            unit: self.unit.clone(),
            title: self.title.clone(),
            search: join_text([
                collective,
                self.place.as_deref().unwrap_or(""),
                self.description.as_str(),
            ]),
            status: Some(self.status.clone()),
            extra: vec![self.person_id.clone()],
            refs: self
                .person_id
                .iter()
                .map(|p| Ref::new(Kind::Person, p, "person_id"))
                .collect(),
            ref_in_search: true,
            ..Default::default()
        }
        .with_year(self.deed_date.as_deref())
    }
}
