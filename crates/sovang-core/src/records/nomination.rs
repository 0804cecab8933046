//! Nominations under a campaign: a youth, evidence per criterion, values, linked records.
//! Review (scores, decisions) comes in later records that point here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::validate as v;
use super::{codes, Body, Ctx, Index, Kind};
use crate::error::{Code, Error, Result};

pub const NOMINATION_STATUSES: &[&str] = &["draft", "submitted"];

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

impl Body for Nomination {
    const KIND: Kind = Kind::Nomination;

    fn check(&mut self, cx: &Ctx) -> Result<()> {
        v::required("campaign_id", &mut self.campaign_id)?;
        v::known_unit("unit", &mut self.unit, cx.units)?;
        v::required("person_id", &mut self.person_id)?;
        let c = cx.campaigns.get(&self.campaign_id).ok_or_else(|| {
            Error::field_arg(Code::UnknownReference, "campaign_id", &self.campaign_id)
        })?;
        if !(c.start_year..=c.end_year).contains(&self.year) {
            return Err(Error::field_arg(
                Code::YearOutsideCampaign,
                "year",
                &self.year.to_string(),
            ));
        }
        if !c.categories.is_empty() && !codes(&c.categories).contains(self.category.as_str()) {
            return Err(Error::field_arg(
                Code::InvalidValue,
                "category",
                &self.category,
            ));
        }
        let criteria = codes(&c.criteria);
        self.evidence.retain(|_, text| !text.trim().is_empty());
        for (k, text) in self.evidence.iter_mut() {
            if !criteria.contains(k.as_str()) {
                return Err(Error::field_arg(Code::InvalidValue, "evidence", k));
            }
            let field = format!("evidence.{k}");
            v::max_len(&field, text, 20_000)?;
            *text = text.trim().to_owned();
        }
        let values = codes(&c.values);
        if let Some(bad) = self.values.iter().find(|x| !values.contains(x.as_str())) {
            return Err(Error::field_arg(Code::InvalidValue, "values", bad));
        }
        self.values.sort();
        self.values.dedup();
        self.entry_ids.dedup();
        self.project_ids.dedup();
        v::optional(&mut self.summary);
        v::one_of("status", &self.status, NOMINATION_STATUSES)?;
        Ok(())
    }

    fn index(&self, _cx: &Ctx) -> Index {
        let mut refs = vec![
            (Kind::Person, self.person_id.clone()),
            (Kind::Campaign, self.campaign_id.clone()),
        ];
        refs.extend(self.entry_ids.iter().map(|id| (Kind::Entry, id.clone())));
        refs.extend(
            self.project_ids
                .iter()
                .map(|id| (Kind::Project, id.clone())),
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
