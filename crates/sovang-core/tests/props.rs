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
        let people = ListFilter { kind: Some(Kind::Person), ..Default::default() };
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
