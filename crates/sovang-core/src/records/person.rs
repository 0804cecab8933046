//! People: union members and youths. Only what the work needs (personal data rules).

use serde::{Deserialize, Serialize};

use super::validate as v;
use super::{Body, Ctx, Index, Kind};
use crate::error::Result;

pub const GENDERS: &[&str] = &["male", "female", "other"];
/// A Youth Union member, or a youth who is not (yet) one.
pub const MEMBERSHIPS: &[&str] = &["member", "youth"];

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub full_name: String,
    pub unit: String,
    #[serde(default)]
    pub birth_date: Option<String>,
    /// "male", "female" or "other".
    #[serde(default)]
    pub gender: Option<String>,
    /// "member" (đoàn viên) or "youth" (thanh niên).
    #[serde(default = "default_membership")]
    pub membership: String,
    /// The Youth Union membership card's number ("Số thẻ đoàn viên"): what a spreadsheet
    /// import matches people by first.
    #[serde(default)]
    pub member_no: Option<String>,
    #[serde(default)]
    pub position: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

fn default_membership() -> String {
    "member".into()
}

impl Body for Person {
    const KIND: Kind = Kind::Person;

    fn check(&mut self, cx: &Ctx) -> Result<()> {
        let mut p = v::Problems::default();
        p.add(
            v::required("full_name", &mut self.full_name)
                .and_then(|_| v::max_len("full_name", &self.full_name, 120)),
        );
        p.add(v::known_unit("unit", &mut self.unit, cx.units));
        let born = p.add(v::date("birth_date", &mut self.birth_date)).flatten();
        p.add(v::not_after("birth_date", born, cx.today));
        v::optional(&mut self.gender);
        if let Some(g) = &self.gender {
            p.add(v::one_of("gender", g, GENDERS));
        }
        p.add(v::one_of("membership", &self.membership, MEMBERSHIPS));
        v::optional(&mut self.member_no);
        if let Some(no) = &self.member_no {
            p.add(v::max_len("member_no", no, 30));
        }
        v::optional(&mut self.position);
        v::optional(&mut self.phone);
        v::optional(&mut self.note);
        if let Some(phone) = &self.phone {
            p.add(v::max_len("phone", phone, 20));
        }
        p.finish()
    }

    fn index(&self, cx: &Ctx) -> Index {
        Index {
            unit: self.unit.clone(),
            title: self.full_name.clone(),
            search: String::new(),
            status: Some(self.membership.clone()),
            sort_key: Some(cx.collator.name_key(&self.full_name)),
            extra: vec![None],
            ..Default::default()
        }
    }
}
