//! Property tests: folding treats every encoding alike, and keyset paging neither skips nor repeats.

mod common;

use common::*;
use proptest::prelude::*;
use sovang_core::store::ListFilter;
use sovang_core::text::{exact, fold};
use sovang_core::Kind;
use unicode_normalization::UnicodeNormalization;

const LETTERS: &str =
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ";

fn viet_text() -> impl Strategy<Value = String> {
    let chars: Vec<char> = LETTERS
        .chars()
        .chain(LETTERS.to_uppercase().chars())
        .chain([' ', '-'])
        .collect();
    proptest::collection::vec(proptest::sample::select(chars), 0..40)
        .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #[test]
    fn fold_ignores_encoding_and_marks(s in viet_text()) {
        let nfd: String = s.nfd().collect();
        prop_assert_eq!(fold(&s), fold(&nfd), "NFC and NFD must fold alike");
        prop_assert_eq!(exact(&s), exact(&nfd), "NFC and NFD must have one exact form");
        let f = fold(&s);
        prop_assert!(f.is_ascii(), "Vietnamese letters fold to ASCII: {}", f);
        prop_assert_eq!(fold(&f), f.clone(), "folding is idempotent");
        prop_assert_eq!(fold(&exact(&s)), f, "folding the exact form gives the folded form");
    }

    #[test]
    fn lowercase_and_uppercase_fold_alike(s in viet_text()) {
        prop_assert_eq!(fold(&s.to_uppercase()), fold(&s.to_lowercase()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn paging_walks_every_record_once(
        names in proptest::collection::vec(("[A-ZĐ][a-zđ]{1,6}", "[A-ZĐ][a-zđ]{1,6}"), 1..40),
        page in 1usize..9,
    ) {
        let mut f = fixture("00070");
        for (a, b) in &names {
            person(&mut f.store, &format!("{a} {b}"), "00070");
        }
        for kind in [Kind::Person, Kind::Unit] {
            let filter = ListFilter { unit: Some("00070".into()), ..Default::default() };
            let whole = f.store.list(kind, &filter, None, 500).unwrap().items;
            let mut walked = Vec::new();
            let mut after = None;
            loop {
                let p = f.store.list(kind, &filter, after.as_deref(), page).unwrap();
                walked.extend(p.items);
                match p.next { Some(n) => after = Some(n), None => break }
            }
            prop_assert_eq!(&walked, &whole, "pages must join into the whole list");
        }
        let people = of_kind(Kind::Person);
        let mut seen = std::collections::HashSet::new();
        let mut after = None;
        loop {
            let p = f.store.search(&names[0].0, &people, after.as_deref(), page).unwrap();
            for i in &p.items {
                prop_assert!(seen.insert(i.id.clone()), "search pages must not repeat a record");
            }
            match p.next { Some(n) => after = Some(n), None => break }
        }
        let expected = names.iter().filter(|(a, b)| {
            let q = fold(&names[0].0);
            fold(a).starts_with(&q) || fold(b).starts_with(&q)
        }).count();
        prop_assert_eq!(seen.len(), expected, "search pages must cover every match");
    }
}

/// Any JSON, with real field names and odd values, is stored or refused with a typed error:
/// never a panic, never a half-written record.
#[test]
fn arbitrary_input_is_stored_or_refused_cleanly() {
    use proptest::test_runner::{Config, TestRunner};
    use serde_json::{json, Map, Value};

    let mut f = fixture("00070");
    let p = person(&mut f.store, "Cao Thị Nga", "00070");
    let keys = [
        "unit",
        "title",
        "name",
        "full_name",
        "deed_date",
        "start_date",
        "end_date",
        "date",
        "birth_date",
        "person_id",
        "project_id",
        "campaign_id",
        "year",
        "budget_vnd",
        "status",
        "values",
        "evidence",
        "category",
        "field",
        "recorded_by",
        "subject",
        "unit_type",
        "parent",
        "successor",
        "note",
        "id",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|x| json!(x)),
        prop_oneof![
            Just("00070".to_string()),
            Just("31/02/2025".to_string()),
            Just("15/08/2001".to_string()),
            Just("2024-05-01".to_string()),
            Just(p.clone()),
            Just("tien_phong".to_string()),
            Just("ban_linh".to_string()),
            ".{0,12}",
        ]
        .prop_map(Value::from),
    ];
    let value = leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    let object = proptest::collection::vec((proptest::sample::select(keys.to_vec()), value), 0..10)
        .prop_map(|kv| {
            Value::Object(
                kv.into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect::<Map<_, _>>(),
            )
        });
    let kinds = proptest::sample::select(Kind::ALL.to_vec());

    let mut runner = TestRunner::new(Config {
        cases: 300,
        ..Config::default()
    });
    let store = std::cell::RefCell::new(&mut f.store);
    runner
        .run(&(kinds, object), |(kind, input)| {
            let mut s = store.borrow_mut();
            let before = s.stats().unwrap();
            match s.put(kind, input.clone()) {
                Ok(v) => prop_assert!(v["id"].is_string(), "a stored record has an id"),
                Err(e) => {
                    prop_assert!(!e.message.vi.is_empty() && !e.message.en.is_empty());
                    let after = s.stats().unwrap();
                    prop_assert_eq!(
                        serde_json::to_value(&before).unwrap(),
                        serde_json::to_value(&after).unwrap(),
                        "a refused {:?} must change nothing: {}",
                        kind,
                        input
                    );
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(
        f.store.check().unwrap().is_empty(),
        "the data must be whole after all that"
    );
}
