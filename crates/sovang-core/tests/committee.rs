//! A committee whose members score on separate PCs: a ward, a city chair and two members on
//! four installations. Bundles go to installations (not units), sheets are signed by their
//! members and passed on by the chair, a member sees the others' sheets only after its own
//! reached the chair, a submitted sheet is final, and a decision fixes its result.

mod common;

use std::path::{Path, PathBuf};

use common::{fixture, id, person, Fixture};
use serde_json::json;
use sovang_core::records::PRESET_CAMPAIGN_ID;
use sovang_core::store::{ExportOptions, ExportReport, ImportOptions, ImportReport, ScoreInput};
use sovang_core::{Code, Kind, Store};

fn export_to(from: &mut Store, dir: &Path, name: &str, to: &str) -> (PathBuf, ExportReport) {
    let out = dir.join(format!("{name}.sovang"));
    let opts = ExportOptions {
        to: Some(to.into()),
        full: false,
    };
    let r = from.export_bundle(&out, &opts, &mut |_| {}).unwrap();
    (out, r)
}

/// Imports a bundle that must go in whole: no rejection, nothing held.
fn import_clean(to: &mut Store, file: &Path) -> ImportReport {
    let r = to.import_bundle(file, ImportOptions::default(), &mut |_| {});
    assert!(r.error.is_none(), "import failed: {:?}", r.error);
    assert_eq!(
        r.rejected, 0,
        "a normal bundle imports with no rejection: {:?}",
        r.rejections
    );
    assert_eq!(
        r.held, 0,
        "nothing may wait for a record that never comes: {r:?}"
    );
    r
}

fn fingerprint(s: &Store) -> String {
    s.identity().unwrap().fingerprint
}

fn trust_both(a: &mut Store, b: &mut Store) {
    a.trust_add(&b.identity().unwrap()).unwrap();
    b.trust_add(&a.identity().unwrap()).unwrap();
}

fn points(n: i64) -> ScoreInput {
    let mut input = ScoreInput {
        submit: true,
        ..Default::default()
    };
    for c in [
        "ban_linh", "tri_thuc", "ung_xu", "tuan_thu", "suc_khoe", "ky_nang",
    ] {
        input.points.insert(c.into(), n);
    }
    input
}

/// Four installations: the ward that nominates, the city's chair and two members.
struct Committee {
    ward: Fixture,
    chair: Fixture,
    m1: Fixture,
    m2: Fixture,
    tmp: tempfile::TempDir,
}

fn four_installations() -> Committee {
    let mut ward = fixture("00070");
    let mut chair = fixture("01");
    let mut m1 = fixture("01");
    let mut m2 = fixture("01");
    trust_both(&mut ward.store, &mut chair.store);
    trust_both(&mut m1.store, &mut chair.store);
    trust_both(&mut m2.store, &mut chair.store);
    Committee {
        ward,
        chair,
        m1,
        m2,
        tmp: tempfile::tempdir().unwrap(),
    }
}

#[test]
fn what_was_sent_is_remembered_per_installation_not_per_unit() {
    let mut c = four_installations();
    let p = person(&mut c.chair.store, "Nguyễn Văn Thành Đoàn", "01");
    let dir = c.tmp.path().to_owned();
    let m1_key = fingerprint(&c.m1.store);
    let m2_key = fingerprint(&c.m2.store);

    let (b1, r1) = export_to(&mut c.chair.store, &dir, "to-m1", &m1_key);
    assert_eq!(
        r1.destination.as_deref(),
        Some("01"),
        "the unit the key speaks for"
    );
    assert_eq!(r1.recipients, [m1_key.clone()]);
    import_clean(&mut c.m1.store, &b1);
    let (b2, r2) = export_to(&mut c.chair.store, &dir, "to-m2", &m2_key);
    assert!(
        r2.records > 0,
        "the second member of the same unit still gets everything: {r2:?}"
    );
    import_clean(&mut c.m2.store, &b2);
    assert!(c.m2.store.get(Kind::Person, &p).is_ok());

    // A bundle for the unit goes to every trusted installation of it: nothing new now.
    let (_, r3) = export_to(&mut c.chair.store, &dir, "to-01", "01");
    assert_eq!(
        r3.records, 0,
        "both installations of unit 01 have it all: {r3:?}"
    );
    let mut recipients = r3.recipients.clone();
    recipients.sort();
    let mut expected = vec![m1_key, m2_key];
    expected.sort();
    assert!(
        expected.iter().all(|k| recipients.contains(k)),
        "a unit code names each of its trusted installations: {recipients:?}"
    );

    let bad = c.chair.store.export_bundle(
        &dir.join("nobody.sovang"),
        &ExportOptions {
            to: Some("12345-67890".into()),
            full: false,
        },
        &mut |_| {},
    );
    assert_eq!(
        bad.map(|_| ()).unwrap_err().code,
        Code::UnknownDestination,
        "a fingerprint nobody trusts is no destination"
    );
    assert!(!dir.join("nobody.sovang").exists());
}
