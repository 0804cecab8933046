//! Units: the organisation tree, with validity dates and successors for merged units.

use serde::{Deserialize, Serialize};

use super::validate as v;
use super::{Body, Ctx, Index, Kind};
use crate::error::{Code, Error, Result};

pub const UNIT_TYPES: &[&str] = &[
    "province",
    "ward",
    "commune",
    "special_zone",
    "district",
    "branch",
    "school",
    "agency",
    "other",
];

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// Official code for real units; for user units the store makes one under the parent's.
    #[serde(default)]
    pub code: String,
    pub name: String,
    pub unit_type: String,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_to: Option<String>,
    /// The unit that took this one over after a merge.
    #[serde(default)]
    pub successor: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl Body for Unit {
    const KIND: Kind = Kind::Unit;

    fn check(&mut self, cx: &Ctx) -> Result<()> {
        let mut p = v::Problems::default();
        p.add(v::required("code", &mut self.code).and_then(|_| v::max_len("code", &self.code, 40)));
        p.add(
            v::required("name", &mut self.name).and_then(|_| v::max_len("name", &self.name, 200)),
        );
        p.add(v::one_of("unit_type", &self.unit_type, UNIT_TYPES));
        v::optional(&mut self.parent);
        v::optional(&mut self.successor);
        v::optional(&mut self.note);
        let from = p.add(v::date("valid_from", &mut self.valid_from)).flatten();
        let to = p.add(v::date("valid_to", &mut self.valid_to)).flatten();
        p.add(v::end_after_start("valid_to", from, to));
        if let Some(parent) = &mut self.parent {
            if p.add(v::known_unit("parent", parent, cx.units)).is_some()
                && cx.units.is_within(parent, &self.code)
            {
                p.push(Error::field_arg(Code::UnitCycle, "parent", &self.code));
            }
        }
        if let Some(s) = &mut self.successor {
            if p.add(v::known_unit("successor", s, cx.units)).is_some()
                && (*s == self.code || cx.units.successor_chain_contains(s, &self.code))
            {
                p.push(Error::field_arg(Code::UnitCycle, "successor", &self.code));
            }
        }
        p.finish()
    }

    fn index(&self, _cx: &Ctx) -> Index {
        Index {
            unit: self.parent.clone().unwrap_or_else(|| self.code.clone()),
            title: self.name.clone(),
            search: self.code.clone(),
            year: None,
            status: Some(
                if self.valid_to.is_some() {
                    "historical"
                } else {
                    "active"
                }
                .into(),
            ),
            extra: vec![
                Some(self.code.clone()),
                self.parent.clone(),
                self.successor.clone(),
                Some(self.unit_type.clone()),
            ],
            refs: Vec::new(),
            ..Default::default()
        }
        .with_year(self.valid_from.as_deref())
    }
}
