//! Prefix search through the vocabulary (`store::terms`): every prefix length, both tiers,
//! and the rebuild a migration asks for.

mod common;

use common::*;
use sovang_core::store::Page;
use sovang_core::{Kind, Store};

fn ids(page: Page) -> Vec<String> {
    page.items.into_iter().map(|i| i.id).collect()
}

#[test]
fn every_prefix_length_finds_the_words_it_begins() {
    let mut f = fixture("00070");
    let hoa = person(&mut f.store, "Nguyễn Văn Hoà", "00070");
    let a = person(&mut f.store, "Trần Thị A", "00070");
    let people = of_kind(Kind::Person);
    let found = |q: &str| ids(f.store.search(q, &people, None, 10).unwrap());
    assert_eq!(
        found("n"),
        [hoa.as_str()],
        "one letter: the words it begins"
    );
    assert_eq!(found("t"), [a.as_str()], "Trần and Thị, one record once");
    assert_eq!(found("a"), [a.as_str()], "one letter is also a whole word");
    assert_eq!(found("ng"), [hoa.as_str()], "two letters: the prefix index");
    assert_eq!(
        found("ngu"),
        [hoa.as_str()],
        "three letters: the vocabulary"
    );
    assert_eq!(found("NGUYỄ"), [hoa.as_str()], "exact marks, any case");
    assert_eq!(
        found("tra"),
        [a.as_str()],
        "without marks, folded words match"
    );
    assert_eq!(found("thị a"), [a.as_str()], "every word must match");
    assert_eq!(found("v h"), [hoa.as_str()], "one-letter prefixes together");
    assert!(found("xyz").is_empty(), "a prefix of no word finds nothing");
    assert!(
        found("nguyen xyz").is_empty(),
        "one unknown word empties the result"
    );
    let both = person(&mut f.store, "Hoa Thị Trần", "00070");
    let ranked = ids(f.store.search("Hoà", &people, None, 10).unwrap());
    assert_eq!(
        ranked,
        [hoa.as_str(), both.as_str()],
        "the exact-mark match ranks first, then the folded one"
    );
    assert!(
        f.store.check().unwrap().is_empty(),
        "the vocabulary is whole"
    );
}

#[test]
fn a_pending_rebuild_indexes_every_live_record_again() {
    let mut f = fixture("00070");
    let tam = person(&mut f.store, "Lê Văn Tám", "00070");
    let gone = person(&mut f.store, "Lê Thị Gấm", "00070");
    f.store.delete(Kind::Person, &gone).unwrap();
    drop(f.store);
    // What migration 0006 leaves in a database that held records: empty indexes, the flag.
    let db = rusqlite::Connection::open(f.dir.path().join("sovang.db")).unwrap();
    db.execute_batch(
        "DELETE FROM search_doc; DELETE FROM search_terms;
         INSERT INTO search_title(search_title) VALUES ('delete-all');
         INSERT INTO search_all(search_all) VALUES ('delete-all');
         INSERT INTO meta (key, value) VALUES ('search_rebuild', 'pending');",
    )
    .unwrap();
    drop(db);
    let store = Store::open(f.dir.path(), f.clock.clone()).unwrap();
    let people = of_kind(Kind::Person);
    assert_eq!(
        ids(store.search("tám", &people, None, 10).unwrap()),
        [tam.as_str()],
        "a live record is found again"
    );
    assert!(
        ids(store.search("gấm", &people, None, 10).unwrap()).is_empty(),
        "a deleted one stays out of search"
    );
    assert_eq!(
        store
            .search("hoàn kiếm", &of_kind(Kind::Unit), None, 1)
            .unwrap()
            .items
            .len(),
        1,
        "reference units are indexed too"
    );
    assert!(
        store.check().unwrap().is_empty(),
        "indexes and vocabulary agree"
    );
    let pending: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM meta WHERE key = 'search_rebuild'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(pending, 0, "the rebuild is done once");
}
