//! The period report's numbers against the same numbers counted another way (a plain walk of
//! every record's body), on a city's demo data; and a ward's report counts the ward's records
//! only, not what the city sent down.

mod common;

use std::collections::HashSet;

use common::{fixture, person};
use serde_json::{json, Value};
use sovang_core::reports::{Period, PeriodReport};
use sovang_core::{Kind, Store};

/// Every live body of a kind, with its unit: read without the report's SQL.
fn bodies(s: &Store, kind: Kind) -> Vec<(String, Value)> {
    let sql = format!(
        "SELECT unit, body FROM {} WHERE deleted_at IS NULL",
        kind.table()
    );
    let mut stmt = s.connection().prepare(&sql).unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    rows.map(|r| {
        let (u, b) = r.unwrap();
        (u, serde_json::from_str(&b).unwrap())
    })
    .collect()
}

fn within(b: &Value, field: &str, from: &str, to: &str) -> bool {
    b[field].as_str().is_some_and(|d| d >= from && d <= to)
}

#[test]
fn a_city_quarter_matches_a_walk_over_every_record() {
    let mut city = fixture("01");
    sovang_core::demo::generate(&mut city.store, 6000, 7, &mut |_| {}).unwrap();
    let r: PeriodReport = city
        .store
        .period_report("01", Period::parse("2026-Q2").unwrap())
        .unwrap();
    assert_eq!(
        (r.from.as_str(), r.to.as_str()),
        ("2026-04-01", "2026-06-30")
    );
    let scope: HashSet<String> = city.store.unit_scope("01").unwrap();
    let entries: Vec<_> = bodies(&city.store, Kind::Entry)
        .into_iter()
        .filter(|(u, b)| scope.contains(u) && within(b, "deed_date", &r.from, &r.to))
        .collect();
    assert!(entries.len() > 10, "the demo data has deeds in the quarter");
    assert_eq!(
        r.entries,
        entries.len() as i64,
        "entries by deed date in the quarter"
    );
    let shown_values: i64 = entries
        .iter()
        .map(|(_, b)| b["values"].as_array().map_or(0, Vec::len) as i64)
        .sum();
    assert_eq!(
        r.entries_by_value.iter().map(|c| c.count).sum::<i64>(),
        shown_values
    );
    let brief = city
        .store
        .period_report_with("01", Period::parse("2026-Q2").unwrap(), false)
        .unwrap();
    assert!(
        brief.entries_by_value.is_empty(),
        "the Overview's report skips the values"
    );
    assert_eq!(
        (brief.entries, brief.nominations),
        (r.entries, r.nominations)
    );

    let projects: Vec<_> = bodies(&city.store, Kind::Project)
        .into_iter()
        .filter(|(u, b)| scope.contains(u) && within(b, "start_date", &r.from, &r.to))
        .collect();
    assert_eq!(r.projects_total.count, projects.len() as i64);
    let value: i64 = projects
        .iter()
        .map(|(_, b)| b["budget_vnd"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(
        r.projects_total.value_vnd, value,
        "giá trị làm lợi, summed in đồng"
    );
    let completed = projects
        .iter()
        .filter(|(_, b)| b["status"] == "completed")
        .count() as i64;
    let row = r.projects.iter().find(|p| p.status == "completed").unwrap();
    assert_eq!(
        (row.count, row.label.as_str()),
        (completed, "Đã hoàn thành")
    );

    let nominations = bodies(&city.store, Kind::Nomination)
        .into_iter()
        .filter(|(u, b)| scope.contains(u) && b["year"] == 2026)
        .count() as i64;
    assert_eq!(
        r.nominations, nominations,
        "a quarter counts its year's nominations"
    );
    let by_category: i64 = r.nominations_by_category.iter().map(|c| c.count).sum();
    assert_eq!(by_category, nominations);

    // Sub-units: the wards' rows and the city's own records add up to the total.
    let own = entries.iter().filter(|(u, _)| u == "01").count() as i64;
    let wards: i64 = r.sub_units.iter().map(|s| s.entries).sum();
    assert_eq!(wards + own, r.entries);
    assert_eq!(r.sub_units.len(), city.store.units().children("01").len());
}

#[test]
fn a_wards_report_leaves_out_what_the_city_sent_down_and_puts_laggards_first() {
    let mut city = fixture("01");
    // The city's own deed and a ward's.
    let p_city = person(&mut city.store, "Phạm Minh Tuấn", "01");
    let p_ward = person(&mut city.store, "Lê Thị Hồng Nhung", "00070");
    for (unit, who) in [("01", &p_city), ("00070", &p_ward)] {
        city.store
            .put(
                Kind::Entry,
                json!({"unit": unit, "title": "Hiến máu tình nguyện", "deed_date": "2026-05-19",
                    "person_id": who, "recorded_by": "Cán bộ", "values": ["trach_nhiem"]}),
            )
            .unwrap();
    }
    // Targets: ward 00070 reached half of its 2, ward 00004 none of its 5.
    for (unit, target) in [("00070", 2), ("00004", 5)] {
        city.store
            .put(
                Kind::Target,
                json!({"campaign_id": sovang_core::records::PRESET_CAMPAIGN_ID, "unit": unit,
                    "year": 2026, "metric": "entries", "target": target}),
            )
            .unwrap();
    }
    let year = Period::parse("2026").unwrap();
    let ward = city.store.period_report("00070", year).unwrap();
    assert_eq!(ward.entries, 1, "the city's deed is not the ward's");
    let whole = city.store.period_report("01", year).unwrap();
    assert_eq!(whole.entries, 2);
    let order: Vec<(&str, Option<f64>)> = whole
        .sub_units
        .iter()
        .take(2)
        .map(|s| (s.code.as_str(), s.completion))
        .collect();
    assert_eq!(
        order,
        [("00004", Some(0.0)), ("00070", Some(0.5))],
        "the ward furthest behind its targets comes first"
    );
}

#[test]
fn the_city_sets_a_wards_targets_beside_last_years_figures_and_they_go_down_to_the_ward() {
    let mut city = fixture("01");
    let mut ward = fixture("00070");
    common::trust_both(&mut city.store, &mut ward.store);
    let p = person(&mut city.store, "Lê Thị Hồng Nhung", "00070");
    city.store
        .put(
            Kind::Entry,
            json!({"unit": "00070", "title": "Hiến máu tình nguyện", "deed_date": "2025-05-19",
                "person_id": p, "recorded_by": "Cán bộ", "values": ["trach_nhiem"]}),
        )
        .unwrap();
    city.store
        .set_target("00070", 2026, "entries", Some(12))
        .unwrap();
    city.store
        .set_target("00070", 2026, "entries", Some(15))
        .unwrap();
    let grid = city.store.target_grid(2026).unwrap();
    let row = grid.rows.iter().find(|r| r.unit == "00070").unwrap();
    let cell = row.cells.iter().find(|c| c.metric == "entries").unwrap();
    assert_eq!(
        (cell.target, cell.last_year),
        (Some(15), 1),
        "the target set, and 2025's deeds beside it"
    );
    assert_eq!(
        grid.rows.len(),
        city.store.units().children("01").len(),
        "a row per ward"
    );

    city.store
        .set_target("01", 2026, "entries", Some(1000))
        .expect("the city has no unit above: it sets its own targets");
    let refused = ward
        .store
        .set_target("00070", 2026, "entries", Some(1))
        .unwrap_err();
    assert_eq!(refused.code, sovang_core::Code::UnitOutOfScope);

    let tmp = tempfile::tempdir().unwrap();
    let (b, _) = common::export_to(&mut city.store, tmp.path(), "down", "00070");
    let r = ward.store.import_bundle(
        &b,
        sovang_core::store::ImportOptions::default(),
        &mut |_| {},
    );
    assert_eq!(r.rejected, 0, "{r:?}");
    let report = ward
        .store
        .period_report("00070", Period::parse("2026").unwrap())
        .unwrap();
    let target = report
        .targets
        .iter()
        .find(|t| t.metric == "entries")
        .unwrap();
    assert_eq!(target.target, 15, "the ward sees the target the city set");

    // Nor can the ward clear the target it was given.
    let given = ward
        .store
        .list(Kind::Target, &Default::default(), None, 10)
        .unwrap()
        .items;
    let given = given.iter().find(|i| i.unit == "00070").unwrap().id.clone();
    let refused = ward.store.delete(Kind::Target, &given).unwrap_err();
    assert_eq!(
        refused.code,
        sovang_core::Code::UnitOutOfScope,
        "a ward cannot trash its target"
    );
    // The city sets its wards' targets, not their branches'.
    city.store
        .put(
            Kind::Unit,
            json!({"name": "Chi đoàn Tổ dân phố 5", "unit_type": "branch", "parent": "00070"}),
        )
        .unwrap();
    let refused = city
        .store
        .set_target("00070-1", 2026, "entries", Some(2))
        .unwrap_err();
    assert_eq!(
        refused.code,
        sovang_core::Code::UnitOutOfScope,
        "a branch's targets are its ward's"
    );

    city.store
        .set_target("00070", 2026, "entries", None)
        .unwrap();
    let grid = city.store.target_grid(2026).unwrap();
    let row = grid.rows.iter().find(|r| r.unit == "00070").unwrap();
    assert_eq!(row.cells[0].target, None, "a cleared target is gone");
}

#[test]
fn a_unit_merged_into_a_ward_counts_under_the_ward_not_as_a_row_of_its_own() {
    let mut city = fixture("01");
    city.store
        .put(
            Kind::Unit,
            json!({"code":"Q-HK","name":"Quận Hoàn Kiếm (cũ)","unit_type":"district","parent":"01",
                "valid_from":"01/01/1990","valid_to":"30/06/2025","successor":"00070"}),
        )
        .unwrap();
    let p = person(&mut city.store, "Vũ Minh Khoa", "Q-HK");
    city.store
        .put(
            Kind::Entry,
            json!({"unit": "Q-HK", "title": "Dọn rác bờ hồ", "deed_date": "2025-03-02",
                "person_id": p, "recorded_by": "Cán bộ"}),
        )
        .unwrap();
    let r = city
        .store
        .period_report("01", Period::parse("2025").unwrap())
        .unwrap();
    assert!(
        r.sub_units.iter().all(|s| s.code != "Q-HK"),
        "a merged unit has no row of its own"
    );
    let ward = r.sub_units.iter().find(|s| s.code == "00070").unwrap();
    assert_eq!(ward.entries, 1, "its deed counts for the ward it became");
    let refused = city
        .store
        .set_target("Q-HK", 2026, "entries", Some(3))
        .unwrap_err();
    assert_eq!(
        refused.code,
        sovang_core::Code::UnitOutOfScope,
        "no targets for a unit that is gone"
    );
}
