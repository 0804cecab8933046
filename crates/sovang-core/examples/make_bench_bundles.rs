//! Writes ward bundles for the city-level import benchmark: `N` bundles of `PER` people each,
//! signed by the keys of Hà Nội's wards (several bundles per ward, as weeks of work would give),
//! with each ward's unit card beside them.
//! `cargo run --release -p sovang-core --example make_bench_bundles -- OUT_DIR N PER`

use std::path::PathBuf;

use ed25519_dalek::SigningKey;
use serde_json::json;
use sha2::{Digest, Sha256};
use sovang_core::sync::bundle::{raw_manifest, write_raw};
use sovang_core::sync::identity::{fingerprint, UnitCard, CARD_FORMAT};

const GIVEN: [&str; 8] = ["An", "Bình", "Chi", "Dũng", "Hà", "Lan", "Minh", "Tuấn"];
const FAMILY: [&str; 6] = [
    "Nguyễn Văn",
    "Trần Thị",
    "Lê Hoàng",
    "Phạm Thu",
    "Đỗ Minh",
    "Vũ Ngọc",
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = PathBuf::from(&args[1]);
    let n: usize = args[2].parse().unwrap();
    let per: usize = args[3].parse().unwrap();
    std::fs::create_dir_all(out.join("cards")).unwrap();
    let wards: Vec<_> = sovang_core::units::reference_units()
        .into_iter()
        .filter(|u| u.parent.as_deref() == Some("01"))
        .collect();
    let key = |i: usize| SigningKey::from_bytes(&Sha256::digest(format!("bench-ward-{i}")).into());
    for (i, w) in wards.iter().enumerate() {
        let public = key(i).verifying_key();
        let card = UnitCard {
            format: CARD_FORMAT.into(),
            unit: w.code.clone(),
            unit_name: w.name.clone(),
            installation: format!("01900000-0000-7000-8000-{i:012}"),
            public_key: hex::encode(public.as_bytes()),
            fingerprint: fingerprint(public.as_bytes(), &w.code),
            created_at: "2026-11-26T08:00:00.000Z".into(),
        };
        let path = out.join("cards").join(format!("{}.json", w.code));
        std::fs::write(path, serde_json::to_string_pretty(&card).unwrap()).unwrap();
    }
    for b in 0..n {
        let wi = b % wards.len();
        let ward = &wards[wi];
        let node = format!("{:016x}", 0xbe00_0000_0000u64 + wi as u64);
        let mut lines = String::new();
        for r in 0..per {
            let seq = b * per + r;
            let id = uuid::Builder::from_unix_timestamp_millis(1_790_000_000_000 + seq as u64, &{
                let mut rand = [0u8; 10];
                rand[..8].copy_from_slice(&(seq as u64).to_be_bytes());
                rand
            })
            .into_uuid()
            .to_string();
            let v = format!("{:015}-00000-{node}", 1_790_000_000_000u64 + seq as u64);
            let name = format!("{} {} {}", FAMILY[seq % 6], GIVEN[(seq / 6) % 8], seq);
            let rec = json!({
                "id": id, "unit": ward.code,
                "created_at": "2026-11-26T08:00:00.000Z", "created_by": "Cán bộ", "created_hlc": v,
                "updated_at": "2026-11-26T08:00:00.000Z", "updated_by": "Cán bộ",
                "body": {"full_name": name, "unit": ward.code, "birth_date": "2001-05-12", "gender": null,
                         "membership": "member", "note": null, "phone": null, "position": null},
                "versions": {"full_name": v, "unit": v, "birth_date": v, "gender": v, "membership": v,
                             "note": v, "phone": v, "position": v, "deleted": v}
            });
            lines.push_str(&rec.to_string());
            lines.push('\n');
        }
        let k = key(wi);
        let mut m = raw_manifest(&k, &ward.code, &ward.name);
        m.bundle_id = uuid::Uuid::from_u128(b as u128).to_string();
        m.counts.insert("person".into(), per as u64);
        let path = out.join(format!("ward-{b:04}.sovang"));
        write_raw(
            &path,
            &k,
            &mut m,
            &[("records/person.ndjson", lines.as_bytes())],
            false,
        )
        .unwrap();
    }
    println!(
        "{n} bundles of {per} records, {} ward keys, in {}",
        wards.len(),
        out.display()
    );
}
