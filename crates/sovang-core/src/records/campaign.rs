//! Campaigns (criteria, values, categories, years) and per-unit yearly targets.

use serde::{Deserialize, Serialize};

use super::validate as v;
use super::{codes, Body, Ctx, Index, Kind, Ref};
use crate::error::{Code, Error, Result};

/// The 2023–2027 campaign's id, the same on every installation so that bundles agree.
pub const PRESET_CAMPAIGN_ID: &str = "01856685-0800-7000-8000-000020232027";

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labeled {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub start_year: i32,
    pub end_year: i32,
    pub criteria: Vec<Labeled>,
    pub values: Vec<Labeled>,
    #[serde(default)]
    pub categories: Vec<Labeled>,
}

fn labeled(list: &[(&str, &str, &str)]) -> Vec<Labeled> {
    list.iter()
        .map(|(c, vi, en)| Labeled {
            code: (*c).into(),
            name_vi: (*vi).into(),
            name_en: (*en).into(),
        })
        .collect()
}

/// "Xây dựng giá trị hình mẫu thanh niên Thủ đô thời đại mới", 2023–2027.
pub fn preset_campaign() -> Campaign {
    Campaign {
        code: "hmtn-2023-2027".into(),
        name: "Xây dựng giá trị hình mẫu thanh niên Thủ đô thời đại mới".into(),
        unit: "01".into(),
        start_year: 2023,
        end_year: 2027,
        criteria: labeled(&[
            ("ban_linh", "Bản lĩnh vững vàng", "Strong resilience"),
            ("tri_thuc", "Tri thức phong phú", "Rich knowledge"),
            ("ung_xu", "Ứng xử văn hóa", "Cultural conduct"),
            ("tuan_thu", "Tuân thủ pháp luật", "Compliance with the law"),
            ("suc_khoe", "Sức khỏe dồi dào", "Robust health"),
            ("ky_nang", "Kỹ năng thành thạo", "Proficient skills"),
        ]),
        values: labeled(&[
            ("tien_phong", "Tiên phong", "Pioneering"),
            ("guong_mau", "Gương mẫu", "Exemplary"),
            ("doan_ket", "Đoàn kết", "Solidarity"),
            ("trach_nhiem", "Trách nhiệm", "Responsibility"),
            ("sang_tao", "Sáng tạo", "Creativity"),
            ("hoi_nhap", "Hội nhập", "Integration"),
        ]),
        categories: labeled(&[
            (
                "hoc_sinh_sinh_vien",
                "Học sinh, sinh viên",
                "Pupils and students",
            ),
            (
                "thanh_nien_cong_nhan",
                "Thanh niên công nhân",
                "Young workers",
            ),
            (
                "can_bo_tre",
                "Cán bộ, công chức trẻ",
                "Young civil servants",
            ),
            (
                "luc_luong_vu_trang",
                "Thanh niên lực lượng vũ trang",
                "Young armed forces",
            ),
            (
                "khoi_nghiep",
                "Thanh niên khởi nghiệp",
                "Young entrepreneurs",
            ),
            (
                "cong_dong",
                "Thanh niên địa bàn dân cư",
                "Youth in the community",
            ),
        ]),
    }
}

impl Campaign {
    /// A year within the campaign's period (targets and nominations name one).
    pub fn check_year(&self, year: i32) -> Result<()> {
        if (self.start_year..=self.end_year).contains(&year) {
            Ok(())
        } else {
            Err(Error::field_arg(
                Code::YearOutsideCampaign,
                "year",
                &year.to_string(),
            ))
        }
    }

    /// Every code in `values` is one of the campaign's values (entries and nominations claim them).
    pub fn check_values(&self, values: &[String]) -> Result<()> {
        let known = codes(&self.values);
        match values.iter().find(|v| !known.contains(v.as_str())) {
            Some(bad) => Err(Error::field_arg(Code::InvalidValue, "values", bad)),
            None => Ok(()),
        }
    }
}

fn check_list(field: &str, list: &mut [Labeled]) -> Result<()> {
    if list.is_empty() {
        return Err(Error::field(Code::Required, field));
    }
    for l in list.iter_mut() {
        v::required(field, &mut l.code)?;
        v::required(field, &mut l.name_vi)?;
        v::required(field, &mut l.name_en)?;
    }
    Ok(())
}

impl Body for Campaign {
    const KIND: Kind = Kind::Campaign;

    fn check(&mut self, cx: &Ctx) -> Result<()> {
        let mut p = v::Problems::default();
        p.add(v::required("code", &mut self.code));
        p.add(v::required("name", &mut self.name));
        p.add(v::known_unit("unit", &mut self.unit, cx.units));
        if self.end_year < self.start_year {
            p.push(Error::field(Code::EndBeforeStart, "end_year"));
        }
        p.add(check_list("criteria", &mut self.criteria));
        p.add(check_list("values", &mut self.values));
        p.finish()
    }

    fn index(&self, _cx: &Ctx) -> Index {
        Index {
            unit: self.unit.clone(),
            title: self.name.clone(),
            search: self.code.clone(),
            year: Some(self.start_year),
            extra: vec![None],
            ..Default::default()
        }
    }
}

/// Whether `unit` may set its own targets: only a unit with none above it (the city); every
/// other unit's targets are set by the unit above (the Targets screen) and come down in bundles.
pub fn sets_own_targets(units: &crate::units::UnitTree, unit: &str) -> bool {
    units.get(unit).is_some_and(|u| u.parent.is_none())
}

pub const TARGET_METRICS: &[&str] = &[
    "entries",
    "projects",
    "nominations",
    "volunteers",
    "beneficiaries",
];

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub campaign_id: String,
    pub unit: String,
    pub year: i32,
    pub metric: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub target: i64,
}

impl Body for Target {
    const KIND: Kind = Kind::Target;

    fn check(&mut self, cx: &Ctx) -> Result<()> {
        let mut p = v::Problems::default();
        p.add(v::required("campaign_id", &mut self.campaign_id));
        p.add(v::known_unit("unit", &mut self.unit, cx.units));
        p.add(v::one_of("metric", &self.metric, TARGET_METRICS));
        p.add(v::non_negative("target", Some(self.target)));
        if let Some(c) = cx.campaigns.get(&self.campaign_id) {
            p.add(c.check_year(self.year));
        }
        p.finish()
    }

    fn index(&self, _cx: &Ctx) -> Index {
        Index {
            unit: self.unit.clone(),
            title: format!("{} {} {}", self.metric, self.year, self.target),
            unsearchable: true,
            year: Some(self.year),
            status: Some(self.metric.clone()),
            extra: vec![Some(self.campaign_id.clone())],
            refs: vec![Ref::new(Kind::Campaign, &self.campaign_id, "campaign_id")],
            ..Default::default()
        }
    }
}
