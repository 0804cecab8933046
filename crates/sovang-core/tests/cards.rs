//! Unit cards: the fingerprint two people compare by phone binds an installation's key to its
//! unit, so a card or a bundle that claims another unit for a key is refused.

mod common;

use common::{fixture, Forger};
use sovang_core::store::ImportOptions;
use sovang_core::sync::identity::fingerprint;
use sovang_core::{Code, Kind};

fn key_bytes(card: &sovang_core::sync::identity::UnitCard) -> [u8; 32] {
    hex::decode(&card.public_key).unwrap().try_into().unwrap()
}

#[test]
fn a_ward_card_edited_to_claim_the_city_is_refused_when_trusted() {
    let ward = fixture("00070");
    let mut other = fixture("00004");
    let real = ward.store.identity().unwrap();

    let mut claims_city = real.clone();
    claims_city.unit = "01".into();
    claims_city.unit_name = "Thành đoàn Hà Nội".into();
    let err = other.store.trust_add(&claims_city).unwrap_err();
    assert_eq!(
        (err.code, err.field.as_deref()),
        (Code::CardInvalid, Some("card")),
        "the fingerprint covers the unit: a card whose unit was edited no longer matches it"
    );

    // Whoever edits the unit can compute the fingerprint again, but it is not the one the
    // ward reads out over the phone.
    claims_city.fingerprint = fingerprint(&key_bytes(&real), "01");
    assert_ne!(claims_city.fingerprint, real.fingerprint);
    let err = claims_city.confirm(&real.fingerprint).unwrap_err();
    assert_eq!(
        err.code,
        Code::FingerprintMismatch,
        "the fingerprint read by phone must be the card's"
    );
    real.confirm(&real.fingerprint.replace('-', " "))
        .expect("the real card matches its fingerprint however it is typed");

    // Once the ward's key is trusted for the ward, no card makes it the city's.
    other.store.trust_add(&real).unwrap();
    let err = other.store.trust_add(&claims_city).unwrap_err();
    assert_eq!(
        err.code,
        Code::CardOtherUnit,
        "a key belongs to one unit: a second card for it naming another unit is refused"
    );
    let units: Vec<String> = other
        .store
        .trust_list()
        .unwrap()
        .into_iter()
        .map(|k| k.unit)
        .collect();
    assert_eq!(
        units,
        ["00070"],
        "the refused card left the trust list as it was"
    );
}

#[test]
fn a_bundle_signed_by_a_ward_key_that_claims_the_city_is_refused_whole() {
    let mut city = fixture("01");
    let ward_pc = Forger::new(7, "00070");
    ward_pc.trusted_by(&mut city.store);
    let tmp = tempfile::tempdir().unwrap();

    // The same key, its manifest naming the city: the fingerprint it names is not trusted.
    let as_city = Forger::new(7, "01");
    let line = as_city.line(
        "01900000-0000-7000-8000-00000000c001",
        "01",
        serde_json::json!({"full_name": "Đỗ Văn Mạo", "unit": "01", "birth_date": "2000-03-12"}),
        "001795680000000-00000-00000000000000aa",
    );
    let file = as_city.bundle(tmp.path(), "claims-city", &[("person", line)], &[]);
    let report = city
        .store
        .import_bundle(&file, ImportOptions::default(), &mut |_| {});
    assert_eq!(
        report.error.map(|e| e.code),
        Some(Code::BundleUntrusted),
        "the key is trusted for the ward only: a bundle naming it for the city is not its"
    );
    assert!(
        city.store
            .get(Kind::Person, "01900000-0000-7000-8000-00000000c001")
            .is_err(),
        "a refused bundle writes nothing"
    );
}
