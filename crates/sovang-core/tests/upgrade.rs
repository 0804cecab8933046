//! Installations upgraded past schema 11, when fingerprints came to cover the unit: what was
//! made before (seals naming no unit, committees naming members by the fingerprint of the key
//! alone, bundles of format 2) keeps working. Written from a hostile review of that change.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{
    edit_database, export_to, fingerprint_of, fixture, id, nominate, person, points, trust_both,
    Fixture,
};
use ed25519_dalek::Signer;
use serde_json::{json, Map, Value};
use sovang_core::records::PRESET_CAMPAIGN_ID;
use sovang_core::store::ImportOptions;
use sovang_core::sync::identity::legacy_fingerprint;
use sovang_core::sync::seal;
use sovang_core::{Kind, Store};

fn key_of(s: &Store) -> [u8; 32] {
    hex::decode(s.identity().unwrap().public_key)
        .unwrap()
        .try_into()
        .unwrap()
}

fn signing_key(s: &Store) -> ed25519_dalek::SigningKey {
    let secret: String = s
        .connection()
        .query_row(
            "SELECT value FROM meta WHERE key = 'signing_key'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    ed25519_dalek::SigningKey::from_bytes(&hex::decode(secret).unwrap().try_into().unwrap())
}

/// Seals every record of `kind` here again as the app did before schema 11: `sovang-seal-v1`,
/// with no unit. Checks first that the content it computes is the one sealed now.
fn seal_as_before_schema_11(s: &Store, kind: Kind) -> Vec<(String, String)> {
    let key = signing_key(s);
    let sql = format!(
        "SELECT id, created_hlc, body, field_hlc FROM {}",
        kind.table()
    );
    let mut stmt = s.connection().prepare(&sql).unwrap();
    let rows: Vec<(String, String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = Vec::new();
    for (id, created, body, versions) in rows {
        let mut body: Map<String, Value> = serde_json::from_str(&body).unwrap();
        let mut versions: BTreeMap<String, String> = serde_json::from_str(&versions).unwrap();
        for f in body.keys() {
            versions.entry(f.clone()).or_insert_with(|| created.clone());
        }
        let content = seal::content(kind.name(), &id, &created, &body, &versions);
        let now: seal::Seal = serde_json::from_value(body["seal"].clone()).unwrap();
        assert!(
            now.verify(&content).is_some(),
            "the test computes the sealed content"
        );
        let mut msg = b"sovang-seal-v1\n".to_vec();
        msg.extend(&content);
        body.insert(
            "seal".into(),
            json!({"key": now.key, "sig": hex::encode(key.sign(&msg).to_bytes())}),
        );
        out.push((id, Value::Object(body).to_string()));
    }
    out
}

/// Closes a fixture's store, runs `sql` on its database, opens it again.
fn reopen_after(f: Fixture, sql: &str) -> Fixture {
    let Fixture { dir, clock, store } = f;
    drop(store);
    edit_database(dir.path(), sql);
    let store = Store::open(dir.path(), clock.clone()).unwrap();
    Fixture { dir, clock, store }
}

fn rewrite_bodies(kind: Kind, rows: &[(String, String)]) -> String {
    rows.iter()
        .map(|(id, body)| {
            format!(
                "UPDATE {} SET body = '{}' WHERE id = '{id}';",
                kind.table(),
                body.replace('\'', "''")
            )
        })
        .collect()
}

#[test]
fn a_nomination_submitted_before_the_upgrade_keeps_its_history_and_still_travels() {
    let mut ward = fixture("00070");
    let mut city = fixture("01");
    trust_both(&mut ward.store, &mut city.store);
    let p = person(&mut ward.store, "Lê Thị Thu Hà", "00070");
    let n = nominate(&mut ward.store, "00070", &p, "Cứu người đuối nước");
    ward.store.submit(&n).unwrap();
    let old = seal_as_before_schema_11(&ward.store, Kind::Transition);
    let mut ward = reopen_after(ward, &rewrite_bodies(Kind::Transition, &old));

    assert_eq!(
        ward.store.status_history(&n).unwrap().len(),
        1,
        "a status change sealed before the upgrade still reads"
    );
    let tmp = tempfile::tempdir().unwrap();
    let (b, _) = export_to(&mut ward.store, tmp.path(), "up", "01");
    let r = city
        .store
        .import_bundle(&b, ImportOptions::default(), &mut |_| {});
    assert!(r.error.is_none(), "{r:?}");
    assert_eq!(
        r.rejected, 0,
        "an old seal still holds where it travels: {r:?}"
    );
    assert_eq!(city.store.status_history(&n).unwrap().len(), 1);
}

fn committee_with(s: &mut Store, members: Value) -> String {
    let c = s
        .put(
            Kind::Committee,
            json!({"name": "Hội đồng 2026", "unit": "01", "campaign_id": PRESET_CAMPAIGN_ID,
                "year": 2026, "quorum": 1, "members": members}),
        )
        .unwrap();
    id(&c)
}

#[test]
fn a_committee_formed_before_the_upgrade_keeps_its_chair_and_members() {
    let mut chair = fixture("01");
    let m1 = fixture("01");
    let old_chair = legacy_fingerprint(&key_of(&chair.store));
    let old_m1 = legacy_fingerprint(&key_of(&m1.store));
    // A committee as formed before 0011, which rewrites no synced body.
    let k = committee_with(
        &mut chair.store,
        json!([{"id": "chu-tich", "name": "Chủ tịch", "role": "chair", "fingerprint": old_chair},
               {"id": "uy-vien-1", "name": "Một", "fingerprint": old_m1}]),
    );
    let entry = chair.store.committees().unwrap();
    assert_eq!(entry.len(), 1);
    let row = chair.store.get(Kind::Committee, &k).unwrap();
    let new_members = json!([
        {"id": "chu-tich", "name": "Chủ tịch", "role": "chair", "fingerprint": fingerprint_of(&chair.store)},
        {"id": "uy-vien-1", "name": "Một", "fingerprint": fingerprint_of(&m1.store)}]);
    chair
        .store
        .put(
            Kind::Committee,
            json!({"id": k, "version": row["version"], "data": {"members": new_members}}),
        )
        .expect("the chair, named by the old form, picks the members again");
}

/// The entries of `file`'s score lines that name `member`.
fn carries_sheet_of(file: &Path, member: &str) -> bool {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(file).unwrap()).unwrap();
    let mut s = String::new();
    if let Ok(mut e) = zip.by_name("records/score.ndjson") {
        std::io::Read::read_to_string(&mut e, &mut s).unwrap();
    }
    s.contains(member)
}

#[test]
fn members_named_by_the_old_form_still_score_blind() {
    let mut ward = fixture("00070");
    let mut chair = fixture("01");
    let mut m1 = fixture("01");
    let mut m2 = fixture("01");
    trust_both(&mut ward.store, &mut chair.store);
    trust_both(&mut m1.store, &mut chair.store);
    trust_both(&mut m2.store, &mut chair.store);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let p = person(&mut ward.store, "Lê Thị Thu Hà", "00070");
    let n = nominate(&mut ward.store, "00070", &p, "Cứu người");
    ward.store.submit(&n).unwrap();
    let (b, _) = export_to(&mut ward.store, dir, "ward-up", "01");
    chair
        .store
        .import_bundle(&b, ImportOptions::default(), &mut |_| {});
    let olds = [&chair, &m1, &m2].map(|f| legacy_fingerprint(&key_of(&f.store)));
    let members = json!([
        {"id": "chu-tich", "name": "Chủ", "role": "chair", "fingerprint": olds[0]},
        {"id": "uy-vien-1", "name": "Một", "fingerprint": olds[1]},
        {"id": "uy-vien-2", "name": "Hai", "fingerprint": olds[2]}]);
    let k = chair
        .store
        .put(
            Kind::Committee,
            json!({"name": "Hội đồng", "unit": "01", "campaign_id": PRESET_CAMPAIGN_ID,
                "year": 2026, "quorum": 2, "members": members, "blind": true}),
        )
        .unwrap();
    let k = id(&k);
    chair.store.start_review(&n).unwrap();
    let m1_fp = fingerprint_of(&m1.store);
    let (b, _) = export_to(&mut chair.store, dir, "c-m1", &m1_fp);
    m1.store
        .import_bundle(&b, ImportOptions::default(), &mut |_| {});
    m1.store
        .score(&k, &n, points(5))
        .expect("member 1, named by the old form, scores");
    let (b, _) = export_to(&mut m1.store, dir, "m1-up", "01");
    let r = chair
        .store
        .import_bundle(&b, ImportOptions::default(), &mut |_| {});
    assert_eq!(r.rejected, 0, "member 1's sheet is theirs: {r:?}");

    let (b, _) = export_to(&mut chair.store, dir, "c-m2", &fingerprint_of(&m2.store));
    assert!(
        !carries_sheet_of(&b, "uy-vien-1"),
        "member 2 has not submitted: member 1's sheet stays out of the bundle made for them"
    );
}

#[test]
fn a_bundle_of_format_2_from_a_trusted_key_is_still_read() {
    use sovang_core::sync::bundle::{raw_manifest, write_raw};
    let mut city = fixture("01");
    let ward = common::Forger::new(7, "00070");
    ward.trusted_by(&mut city.store);
    let line = ward.line(
        "01900000-0000-7000-8000-00000000c201",
        "00070",
        json!({"full_name": "Đỗ Thị Cũ", "unit": "00070", "birth_date": "2000-03-12"}),
        "001795680000000-00000-00000000000000aa",
    );
    let mut m = raw_manifest(&ward.key, "00070", "Phường Hoàn Kiếm");
    m.format_version = 2;
    m.origin.fingerprint = legacy_fingerprint(ward.key.verifying_key().as_bytes());
    m.counts.insert("person".into(), 1);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("v2.sovang");
    write_raw(
        &path,
        &ward.key,
        &mut m,
        &[("records/person.ndjson", line.as_bytes())],
        false,
    )
    .unwrap();
    let r = city
        .store
        .import_bundle(&path, ImportOptions::default(), &mut |_| {});
    assert!(
        r.error.is_none(),
        "an older app's bundle still imports: {r:?}"
    );
    assert_eq!(r.created, 1);
    assert_eq!(
        r.origin_unit.as_deref(),
        Some("00070"),
        "its unit is the trust list's"
    );

    // A bundle of the current format must name the key with its unit.
    let mut m3 = raw_manifest(&ward.key, "00070", "Phường Hoàn Kiếm");
    m3.origin.fingerprint = legacy_fingerprint(ward.key.verifying_key().as_bytes());
    let path3 = tmp.path().join("v3-old-fp.sovang");
    write_raw(&path3, &ward.key, &mut m3, &[], false).unwrap();
    let r = city
        .store
        .import_bundle(&path3, ImportOptions::default(), &mut |_| {});
    assert_eq!(
        r.error.map(|e| e.code),
        Some(sovang_core::Code::BundleManifest),
        "format 3 with the old fingerprint is refused"
    );
}
