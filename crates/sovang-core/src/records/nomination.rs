//! Nominations under a campaign: a youth, evidence per criterion, values, linked records.
//! Review (scores, decisions) comes in later records that point here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::validate as v;
use super::{codes, Body, Campaign, Ctx, Index, Kind, Ref};
use crate::error::{Code, Error, Result};

pub const NOMINATION_STATUSES: &[&str] = &["draft", "submitted"];

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nomination {
    pub campaign_id: String,
    pub unit: String,
    pub person_id: String,
    pub year: i32,
    pub category: String,
    /// Evidence text per criterion code.
    #[serde(default)]
    pub evidence: BTreeMap<String, String>,
    /// Codes of the values claimed.
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub entry_ids: Vec<String>,
    #[serde(default)]
    pub project_ids: Vec<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default = "default_status")]
    pub status: String,
}

fn default_status() -> String {
    "draft".into()
}

impl Nomination {
    /// What the campaign decides: the year, the category, the criteria and values named.
    fn check_against(&self, c: &Campaign, p: &mut v::Problems) {
        p.add(c.check_year(self.year));
        if !c.categories.is_empty() && !codes(&c.categories).contains(self.category.as_str()) {
            p.push(Error::field_arg(
                Code::InvalidValue,
                "category",
                &self.category,
            ));
        }
        let criteria = codes(&c.criteria);
        for (k, text) in &self.evidence {
            if !criteria.contains(k.as_str()) {
                p.push(Error::field_arg(Code::InvalidValue, "evidence", k));
            }
            p.add(v::max_len(&format!("evidence.{k}"), text, 20_000));
        }
        p.add(c.check_values(&self.values));
    }
}

impl Body for Nomination {
    const KIND: Kind = Kind::Nomination;

    fn check(&mut self, cx: &Ctx) -> Result<()> {
        let mut p = v::Problems::default();
        p.add(v::required("campaign_id", &mut self.campaign_id));
        p.add(v::known_unit("unit", &mut self.unit, cx.units));
        p.add(v::required("person_id", &mut self.person_id));
        self.evidence.retain(|_, text| !text.trim().is_empty());
        for text in self.evidence.values_mut() {
            *text = text.trim().to_owned();
        }
        self.values.sort();
        self.values.dedup();
        self.entry_ids.dedup();
        self.project_ids.dedup();
        v::optional(&mut self.summary);
        p.add(v::one_of("status", &self.status, NOMINATION_STATUSES));
        match cx.campaigns.get(&self.campaign_id) {
            None => p.push(Error::field_arg(
                Code::UnknownReference,
                "campaign_id",
                &self.campaign_id,
            )),
            Some(c) => self.check_against(c, &mut p),
        }
        p.finish()
    }

    fn index(&self, _cx: &Ctx) -> Index {
        let mut refs = vec![
            Ref::new(Kind::Person, &self.person_id, "person_id"),
            Ref::new(Kind::Campaign, &self.campaign_id, "campaign_id"),
        ];
        refs.extend(
            self.entry_ids
                .iter()
                .map(|id| Ref::new(Kind::Entry, id, "entry_ids")),
        );
        refs.extend(
            self.project_ids
                .iter()
                .map(|id| Ref::new(Kind::Project, id, "project_ids")),
        );
        Index {
            unit: self.unit.clone(),
            title: format!("{}", self.year),
            search: self.summary.clone().unwrap_or_default(),
            year: Some(self.year),
            status: Some(self.status.clone()),
            extra: vec![Some(self.person_id.clone())],
            refs,
            ref_in_search: true,
            ref_in_title: true,
            ..Default::default()
        }
    }
}
