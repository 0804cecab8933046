//! A committee with its year's nominations under review and every member's scores, for the
//! results benchmark and demonstrations. Written in bulk, like the other demo data: the review
//! steps' checks (who scores where) are for people, not for generated data.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::demo_units;
use crate::error::Result;
use crate::records::{self, Kind, PRESET_CAMPAIGN_ID};
use crate::store::Store;

const CRITERIA: [&str; 6] = [
    "ban_linh", "tri_thuc", "ung_xu", "tuan_thu", "suc_khoe", "ky_nang",
];

/// Adds a committee of the installation's unit for `year` with `members` members (this
/// installation's key is the chair's), `nominations` nominations in review, and every member's
/// submitted scores (one in twenty recused). Returns the committee's id.
pub fn review(
    store: &mut Store,
    year: i32,
    nominations: usize,
    members: usize,
    seed: u64,
) -> Result<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let own = store.installation().unit.clone();
    let key = store.identity()?.fingerprint;
    let units = demo_units(store);
    let mut roster = Vec::new();
    for i in 0..members {
        let fingerprint = if i == 0 {
            key.clone()
        } else {
            format!("{:040}", rng.random_range(0..u64::MAX))
        };
        roster.push(json!({
            "id": format!("tv{i}"), "name": format!("Thành viên {}", i + 1),
            "role": if i == 0 { "chair" } else { "member" }, "fingerprint": fingerprint,
        }));
    }
    let committee = json!({
        "name": format!("Hội đồng xét chọn năm {year}"), "unit": own,
        "campaign_id": PRESET_CAMPAIGN_ID, "year": year,
        "quorum": members.div_ceil(2), "members": roster,
    });
    let committee_id = store.new_id();
    let cx = store.ctx();
    let mut batch = vec![(
        Kind::Committee,
        committee_id.clone(),
        records::prepare(Kind::Committee, committee, &cx)?,
    )];
    for i in 0..nominations {
        let (unit, _) = &units[i % units.len()];
        let person = store.new_id();
        let nomination = store.new_id();
        let p = json!({"full_name": format!("Đoàn viên {:04}", i + 1), "unit": unit});
        batch.push((
            Kind::Person,
            person.clone(),
            records::prepare(Kind::Person, p, &cx)?,
        ));
        let n = json!({"campaign_id": PRESET_CAMPAIGN_ID, "unit": unit, "person_id": person,
            "year": year, "category": "cong_dong",
            "evidence": {"ban_linh": "Tham gia tình nguyện mùa hè xanh"}});
        batch.push((
            Kind::Nomination,
            nomination.clone(),
            records::prepare(Kind::Nomination, n, &cx)?,
        ));
        for (from, to, by) in [
            ("draft", "submitted", unit.as_str()),
            ("submitted", "in_review", own.as_str()),
        ] {
            let t = json!({"nomination_id": nomination, "unit": by, "year": year, "from": from, "to": to});
            batch.push((
                Kind::Transition,
                store.new_id(),
                records::prepare(Kind::Transition, t, &cx)?,
            ));
        }
        for m in 0..members {
            let recused = rng.random_range(0..20) == 0;
            let points: serde_json::Map<String, serde_json::Value> = CRITERIA
                .iter()
                .map(|c| (c.to_string(), json!(rng.random_range(1..=5))))
                .collect();
            let s = json!({"committee_id": committee_id, "nomination_id": nomination,
                "member_id": format!("tv{m}"), "unit": own, "year": year,
                "points": if recused { json!({}) } else { json!(points) },
                "recused": recused, "recusal_reason": recused.then_some("Người thân"),
                "submitted": true});
            batch.push((
                Kind::Score,
                store.new_id(),
                records::prepare(Kind::Score, s, &cx)?,
            ));
        }
    }
    store.insert_batch(batch)?;
    Ok(committee_id)
}
