//! Realistic Vietnamese demo data across Hà Nội's wards and communes, the same for the same seed.
//! Records go through the same validation and write path as the user's own; a second thread
//! generates and validates while the store writes.

use std::collections::HashMap;
use std::sync::mpsc::sync_channel;

use chrono::{Datelike, Duration, NaiveDate};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::collate::VietCollator;
use crate::error::{Code, Error, Result};
use crate::records::{
    self, Campaign, Ctx, Entry, Kind, Nomination, Person, Prepared, Project, ProjectUpdate,
    PRESET_CAMPAIGN_ID,
};
use crate::store::Store;
use crate::units::UnitTree;

mod pools;
mod review;
use pools::*;
pub use review::review;

const BATCH: usize = 5_000;

/// The units demo records belong to: Hà Nội's communes and wards within this installation's
/// scope, or else the installation's own unit.
fn demo_units(store: &Store) -> Vec<(String, String)> {
    let tree = store.units();
    let own = &store.installation().unit;
    let scope = tree.scope(own);
    let mut list: Vec<(String, String)> = scope
        .iter()
        .filter(|c| {
            tree.get(c)
                .is_some_and(|n| n.parent.as_deref() == Some("01") && n.kind != "district")
        })
        .map(|c| {
            (
                c.clone(),
                tree.get(c).map(|n| n.name.clone()).unwrap_or_default(),
            )
        })
        .collect();
    if list.is_empty() {
        list.push((own.clone(), store.installation().unit_name.clone()));
    }
    list.sort();
    list
}

struct Gen {
    rng: ChaCha8Rng,
    today: NaiveDate,
    start: NaiveDate,
    stamp_ms: i64,
    step_ms: i64,
}

impl Gen {
    fn pick<'a, T>(&mut self, list: &'a [T]) -> &'a T {
        list.choose(&mut self.rng)
            .expect("demo lists are not empty")
    }

    fn date(&mut self) -> NaiveDate {
        let days = (self.today - self.start).num_days();
        self.start + Duration::days(self.rng.random_range(0..=days))
    }

    /// The next UUIDv7, later than the previous one: demo records are "created" one after the
    /// other from 1 Jan 2023 on, which also keeps the database's indexes appending.
    fn id(&mut self) -> String {
        self.stamp_ms += self.rng.random_range(1..self.step_ms.max(2));
        let bytes: [u8; 10] = self.rng.random();
        uuid::Builder::from_unix_timestamp_millis(self.stamp_ms as u64, &bytes)
            .into_uuid()
            .to_string()
    }

    fn name(&mut self) -> (String, &'static str) {
        let total: u32 = FAMILY.iter().map(|f| f.1).sum();
        let mut r = self.rng.random_range(0..total);
        let family = FAMILY.iter().find(|f| {
            if r < f.1 {
                true
            } else {
                r -= f.1;
                false
            }
        });
        let family = family.map(|f| f.0).unwrap_or("Nguyễn");
        let female = self.rng.random_bool(0.5);
        let (mid, given, g) = if female {
            (*self.pick(MIDDLE_F), *self.pick(GIVEN_F), "female")
        } else {
            (*self.pick(MIDDLE_M), *self.pick(GIVEN_M), "male")
        };
        (format!("{family} {mid} {given}"), g)
    }

    fn fill(&mut self, template: &str) -> String {
        let place = *self.pick(PLACES);
        let n = self.rng.random_range(2..10).to_string();
        template.replace("{p}", place).replace("{n}", &n)
    }
}

/// One block of related records in one unit, in an order where every link points backwards.
fn block(
    g: &mut Gen,
    unit: &(String, String),
    size: usize,
    cx: &Ctx,
) -> Result<Vec<(Kind, String, Prepared)>> {
    let mut out = Vec::with_capacity(size);
    let mut people = Vec::new();
    let mut entries: Vec<String> = Vec::new();
    let mut projects: Vec<(String, NaiveDate)> = Vec::new();
    for i in 0..size {
        let slot = i % 20;
        let kind = match slot {
            0..=5 => Kind::Person,
            6..=12 => Kind::Entry,
            13..=14 => Kind::Project,
            15..=17 => Kind::Update,
            _ => Kind::Nomination,
        };
        let kind = match kind {
            Kind::Entry | Kind::Nomination if people.is_empty() => Kind::Person,
            Kind::Update if projects.is_empty() => Kind::Project,
            k => k,
        };
        let item = match kind {
            Kind::Person => {
                let (full_name, gender) = g.name();
                let born = NaiveDate::from_ymd_opt(
                    g.rng.random_range(1989..2011),
                    g.rng.random_range(1..13),
                    g.rng.random_range(1..29),
                );
                let p = Person {
                    full_name,
                    unit: unit.0.clone(),
                    birth_date: born.map(|d| d.to_string()),
                    gender: Some(gender.into()),
                    membership: if g.rng.random_bool(0.8) {
                        "member"
                    } else {
                        "youth"
                    }
                    .into(),
                    position: Some((*g.pick(POSITIONS)).into()),
                    ..Default::default()
                };
                let id = g.id();
                people.push(id.clone());
                (kind, id, records::prepare_body(p, cx)?)
            }
            Kind::Entry => {
                let (title, values) = *g.pick(DEEDS);
                let date = g.date();
                let person = g.pick(&people).clone();
                let e = Entry {
                    unit: unit.0.clone(),
                    title: g.fill(title),
                    description: format!("{} {}", g.pick(DEED_DETAILS), g.pick(DEED_DETAILS)),
                    deed_date: Some(date.to_string()),
                    place: Some(format!("{}, {}", g.pick(PLACES), unit.1)),
                    subject: "person".into(),
                    person_id: Some(person),
                    values: values.iter().map(|v| (*v).into()).collect(),
                    recorded_by: g.name().0,
                    verified_by: None,
                    status: "recorded".into(),
                    ..Default::default()
                };
                let e = if g.rng.random_bool(0.6) {
                    Entry {
                        verified_by: Some(g.name().0),
                        status: "verified".into(),
                        ..e
                    }
                } else {
                    e
                };
                let id = g.id();
                entries.push(id.clone());
                (kind, id, records::prepare_body(e, cx)?)
            }
            Kind::Project => {
                let (name, field) = *g.pick(PROJECTS);
                let start = g.date();
                let days = g.rng.random_range(14..240);
                let end = start + Duration::days(days);
                let status = if end <= g.today {
                    *g.pick(&["completed", "handed_over"])
                } else if g.rng.random_bool(0.3) {
                    "planned"
                } else {
                    "in_progress"
                };
                let volunteers = g.rng.random_range(10..200);
                let p = Project {
                    unit: unit.0.clone(),
                    name: format!("{name} {}", unit.1),
                    field: field.into(),
                    description: format!(
                        "Công trình thanh niên chào mừng Đại hội Đoàn các cấp năm {}.",
                        start.year()
                    ),
                    start_date: Some(start.to_string()),
                    end_date: Some(end.to_string()),
                    budget_vnd: Some(g.rng.random_range(5..500) * 1_000_000),
                    volunteers: Some(volunteers),
                    volunteer_days: Some(volunteers * g.rng.random_range(1..10)),
                    beneficiaries: Some(g.rng.random_range(50..5000)),
                    location: Some(format!("{}, {}", g.pick(PLACES), unit.1)),
                    status: status.into(),
                };
                let id = g.id();
                projects.push((id.clone(), start));
                (kind, id, records::prepare_body(p, cx)?)
            }
            Kind::Update => {
                let (project_id, start) = g.pick(&projects).clone();
                let room = (g.today - start).num_days().max(0);
                let date = start + Duration::days(g.rng.random_range(0..=room.min(200)));
                let u = ProjectUpdate {
                    project_id,
                    unit: unit.0.clone(),
                    date: Some(date.to_string()),
                    note: (*g.pick(UPDATES)).into(),
                    progress_percent: Some(g.rng.random_range(1..=10) * 10),
                };
                let id = g.id();
                (kind, id, records::prepare_body(u, cx)?)
            }
            _ => {
                let year = g.rng.random_range(2023..=g.today.year().min(2027));
                let person = g.pick(&people).clone();
                let evidence = EVIDENCE
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                    .collect();
                let linked: Vec<String> = entries.iter().rev().take(2).cloned().collect();
                let n = Nomination {
                    campaign_id: PRESET_CAMPAIGN_ID.into(),
                    unit: unit.0.clone(),
                    person_id: person,
                    year,
                    category: (*g.pick(CATEGORIES)).into(),
                    evidence,
                    values: vec![
                        "guong_mau".into(),
                        (*g.pick(&["tien_phong", "sang_tao", "hoi_nhap"])).into(),
                    ],
                    entry_ids: linked,
                    project_ids: projects
                        .last()
                        .map(|p| vec![p.0.clone()])
                        .unwrap_or_default(),
                    summary: Some(format!(
                        "Gương thanh niên tiêu biểu của {} năm {year}",
                        unit.1
                    )),
                    status: "draft".into(),
                };
                let id = g.id();
                (kind, id, records::prepare_body(n, cx)?)
            }
        };
        out.push(item);
    }
    Ok(out)
}

/// Adds `count` demo records; `progress` is told the running total after each batch.
pub fn generate(
    store: &mut Store,
    count: u64,
    seed: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    if !store.campaigns().contains_key(PRESET_CAMPAIGN_ID) {
        return Err(Error::plain(Code::UnknownReference, PRESET_CAMPAIGN_ID));
    }
    // The same seed gives the same ids: a second run would collide, so it is refused up front.
    let actor = format!("Dữ liệu mẫu #{seed}");
    let used: bool = store.connection().query_row(
        "SELECT EXISTS (SELECT 1 FROM people WHERE created_by = ?1)",
        [&actor],
        |r| r.get(0),
    )?;
    if used {
        return Err(Error::plain(Code::DemoSeedUsed, &seed.to_string()));
    }
    let previous_actor = store.actor().to_owned();
    store.set_actor(&actor);
    let units = demo_units(store);
    let tree: UnitTree = store.units().clone();
    let campaigns: HashMap<String, Campaign> = store.campaigns().clone();
    let today = store.clock().today();
    let (tx, rx) = sync_channel::<Result<Vec<(Kind, String, Prepared)>>>(2);
    let producer = std::thread::spawn(move || {
        let collator = VietCollator::new();
        let cx = Ctx {
            today,
            units: &tree,
            campaigns: &campaigns,
            collator: &collator,
        };
        let start = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or(today);
        let span_ms = (today - start).num_milliseconds().max(1);
        let mut g = Gen {
            rng: ChaCha8Rng::seed_from_u64(seed),
            today,
            start,
            stamp_ms: start
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp_millis())
                .unwrap_or(0),
            step_ms: 2 * span_ms / count.max(1) as i64,
        };
        let mut left = count as usize;
        while left > 0 {
            let mut batch = Vec::with_capacity(BATCH.min(left));
            while batch.len() < BATCH && left > 0 {
                let size = left.min(g.rng.random_range(40..120));
                let unit = g.pick(&units).clone();
                match block(&mut g, &unit, size, &cx) {
                    Ok(b) => batch.extend(b),
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
                left -= size;
            }
            if tx.send(Ok(batch)).is_err() {
                return;
            }
        }
    });
    store.bulk_mode(true)?;
    let mut done = 0u64;
    let mut result = Ok(());
    for batch in rx {
        match batch.and_then(|b| {
            let n = b.len() as u64;
            store.insert_batch(b).map(|_| n)
        }) {
            Ok(n) => {
                done += n;
                progress(done);
            }
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    let _ = producer.join();
    store.bulk_mode(false)?;
    if result.is_ok() {
        result = demo_targets(store);
    }
    store.set_actor(&previous_actor);
    result.map(|_| done)
}

/// Yearly targets for the installation's own unit, near what the demo records reach (some
/// met, some not), so that the overview's progress chart has something to show. Only a unit
/// with none above it sets its own targets; a ward's come from the city.
fn demo_targets(store: &mut Store) -> Result<()> {
    let unit = store.installation().unit.clone();
    if !records::sets_own_targets(store.units(), &unit) {
        return Ok(());
    }
    let this_year = store.clock().today().year();
    let Some(c) = store.campaigns().get(PRESET_CAMPAIGN_ID).cloned() else {
        return Ok(());
    };
    // Per metric: how far the target lies from what was done (percent).
    let reach = [90, 110, 125, 80, 105];
    for year in c.start_year..=c.end_year.min(this_year) {
        let o = store.overview(year)?;
        if !o.targets.is_empty() {
            continue;
        }
        for (metric, pct) in records::TARGET_METRICS.iter().zip(reach) {
            let a = o.achieved(metric);
            store.put(
                Kind::Target,
                serde_json::json!({
                    "campaign_id": PRESET_CAMPAIGN_ID, "unit": unit, "year": year,
                    "metric": metric, "target": (a * pct / 100).max(1),
                }),
            )?;
        }
    }
    Ok(())
}
