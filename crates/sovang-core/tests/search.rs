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
    let (hoa, a, none) = ([hoa.as_str()], [a.as_str()], []);
    let cases: [(&str, &[&str], &str); 11] = [
        ("n", &hoa, "one letter: the words it begins"),
        ("t", &a, "Trần and Thị, one record once"),
        ("a", &a, "one letter is also a whole word"),
        ("ng", &hoa, "two letters: the prefix index"),
        ("ngu", &hoa, "three letters: the vocabulary"),
        ("NGUYỄ", &hoa, "exact marks, any case"),
        ("tra", &a, "without marks, folded words match"),
        ("thị a", &a, "every word must match"),
        ("v h", &hoa, "one-letter prefixes together"),
        ("xyz", &none, "a prefix of no word finds nothing"),
        ("nguyen xyz", &none, "one unknown word empties the result"),
    ];
    for (q, want, why) in cases {
        let got = ids(f.store.search(q, &people, None, 10).unwrap());
        assert_eq!(got, want, "{q:?}: {why}");
    }
    let both = person(&mut f.store, "Hoa Thị Trần", "00070");
    let ranked = ids(f.store.search("Hoà", &people, None, 10).unwrap());
    assert_eq!(
        ranked,
        [hoa[0], both.as_str()],
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
    edit_database(
        f.dir.path(),
        "DELETE FROM search_doc; DELETE FROM search_terms;
         INSERT INTO search_title(search_title) VALUES ('delete-all');
         INSERT INTO search_all(search_all) VALUES ('delete-all');
         INSERT INTO meta (key, value) VALUES ('search_rebuild', 'pending');",
    );
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

#[test]
fn check_names_each_broken_link_between_a_record_and_its_index_rows() {
    let f = fixture("00070");
    let mut store = f.store;
    let tam = person(&mut store, "Lê Văn Tám", "00070");
    assert!(store.check().unwrap().is_empty(), "a new store is whole");
    drop(store);
    let cases = [
        (
            "UPDATE people SET search_rowid = search_rowid + 1000 WHERE id = '{id}'",
            "search_index",
            "a record pointing at a search row that is not its own",
        ),
        (
            "UPDATE people SET change_seq = change_seq + 1000 WHERE id = '{id}'",
            "change_log",
            "a change numbered after the last number given out, which export would skip",
        ),
        (
            "DELETE FROM search_terms WHERE term = 'tam'",
            "search_terms",
            "an indexed word missing from the vocabulary",
        ),
    ];
    for (sql, want, why) in cases {
        let copy = tempfile::tempdir().unwrap();
        copy_dir(f.dir.path(), copy.path());
        edit_database(copy.path(), &sql.replace("{id}", &tam));
        let broken = Store::open(copy.path(), f.clock.clone()).unwrap();
        let found: Vec<&str> = broken.check().unwrap().iter().map(|p| p.check).collect();
        assert!(
            found.contains(&want),
            "{why}: expected {want}, got {found:?}"
        );
    }
}
