mod common;

use common::*;
use serde_json::json;
use sovang_core::store::ListFilter;
use sovang_core::{Code, Kind, Store};

#[test]
fn init_loads_reference_units_and_is_repeatable() {
    let f = fixture("00070");
    let st = f.store.stats().unwrap();
    assert_eq!(
        st.units,
        34 + 3321,
        "init loads every province and commune/ward"
    );
    assert_eq!(f.store.installation().unit_name, "Phường Hoàn Kiếm");
    drop(f.store);
    let again =
        Store::init(f.dir.path(), "00070", "x", f.clock.clone()).expect("init again is harmless");
    assert_eq!(
        again.stats().unwrap().units,
        34 + 3321,
        "a second init must not duplicate units"
    );
    drop(again);
    let err = Store::init(f.dir.path(), "00004", "x", f.clock.clone())
        .err()
        .unwrap();
    assert_eq!(
        err.code,
        Code::InitializedForOtherUnit,
        "a data folder belongs to one unit"
    );
}

#[test]
fn unknown_unit_at_init_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(sovang_core::clock::SystemClock);
    let err = Store::init(dir.path(), "99999", "x", clock).err().unwrap();
    assert_eq!(err.code, Code::UnknownUnit);
}

#[test]
fn create_update_audit_and_version() {
    let mut f = fixture("00070");
    let p = person(&mut f.store, "Nguyễn Thị Minh Anh", "00070");
    let e = f
        .store
        .put(
            Kind::Entry,
            entry_json("00070", &p, "Nhặt được ví trả lại người mất"),
        )
        .unwrap();
    let v1 = e["version"].as_str().unwrap().to_string();
    assert_eq!(e["title"], "Nhặt được ví trả lại người mất");
    f.clock.advance_ms(1000);
    let e2 = f
        .store
        .put(
            Kind::Entry,
            json!({"id": id(&e), "version": v1, "place": "Hồ Gươm"}),
        )
        .unwrap();
    assert_eq!(e2["data"]["place"], "Hồ Gươm", "merge keeps the new field");
    assert_eq!(
        e2["data"]["title"], "Nhặt được ví trả lại người mất",
        "merge keeps the untouched fields"
    );
    assert!(
        e2["version"].as_str().unwrap() > v1.as_str(),
        "an edit must raise the version"
    );
    let stale = f
        .store
        .put(
            Kind::Entry,
            json!({"id": id(&e), "version": v1, "place": "X"}),
        )
        .unwrap_err();
    assert_eq!(
        stale.code,
        Code::StaleVersion,
        "an edit from an old copy must be refused"
    );
    let h = f.store.history(&id(&e)).unwrap();
    assert_eq!(h.len(), 2, "one audit row per change");
    assert_eq!(
        h[1].changes["place"],
        json!([null, "Hồ Gươm"]),
        "audit keeps old and new values"
    );
    assert_eq!(h[1].actor, "Cán bộ Test");
    assert_eq!(
        h[0].changes["place"],
        json!(null),
        "the creation shows the values before the edit (no place then)"
    );
    assert_eq!(h[0].changes["title"][1], "Nhặt được ví trả lại người mất");

    // Databases written before creations stopped being stored keep their own creation row.
    let p = person(&mut f.store, "Trần Thị Bình", "00070");
    f.store
        .connection()
        .execute(
            "INSERT INTO audit (at, actor, kind, record_id, action, hlc, changes) \
             VALUES ('2026-01-01T00:00:00.000Z', 'Người cũ', 'person', ?1, 'create', '0', '{}')",
            [&p],
        )
        .unwrap();
    let h = f.store.history(&p).unwrap();
    assert_eq!(h.len(), 1, "a stored creation is not shown twice");
    assert_eq!(
        h[0].actor, "Người cũ",
        "the stored creation row is the one shown"
    );
}

#[test]
fn validation_errors_are_typed_and_change_nothing() {
    let mut f = fixture("00070");
    let before = f.store.stats().unwrap().projects;
    let cases = [
        (
            json!({"unit":"00070","name":"Đường sáng","field":"infrastructure","start_date":"10/05/2025","end_date":"01/05/2025"}),
            Code::EndBeforeStart,
            "end_date",
        ),
        (
            json!({"unit":"00070","name":"Đường sáng","field":"infrastructure","start_date":"10/05/2025","budget_vnd":-5}),
            Code::NegativeAmount,
            "budget_vnd",
        ),
        (
            json!({"unit":"99999","name":"Đường sáng","field":"infrastructure","start_date":"10/05/2025"}),
            Code::UnknownUnit,
            "unit",
        ),
        (
            json!({"unit":"00070","name":"  ","field":"infrastructure","start_date":"10/05/2025"}),
            Code::Required,
            "name",
        ),
        (
            json!({"unit":"00070","name":"A","field":"infrastructure","start_date":"31/02/2025"}),
            Code::InvalidDate,
            "start_date",
        ),
        (
            json!({"unit":"00070","name":"A","field":"infrastructure","start_date":"10/05/2025","colour":"red"}),
            Code::UnknownField,
            "colour",
        ),
        (
            json!({"unit":"00070","name":"A","field":"infrastructure","start_date":"10/05/2025","budget_vnd":"nhiều"}),
            Code::WrongType,
            "budget_vnd",
        ),
        (
            json!({"unit":"00004","name":"A","field":"infrastructure","start_date":"10/05/2025"}),
            Code::UnitOutOfScope,
            "unit",
        ),
    ];
    for (input, code, field) in cases {
        let err = f.store.put(Kind::Project, input.clone()).unwrap_err();
        assert_eq!(err.code, code, "input {input}");
        assert_eq!(
            err.field.as_deref(),
            Some(field),
            "the error must name the field for {input}"
        );
        assert!(!err.message.vi.is_empty() && !err.message.en.is_empty());
    }
    let many = f
        .store
        .put(
            Kind::Project,
            json!({"unit":"00070","name":"","field":"x","start_date":"10/05/2025","end_date":"01/05/2025","budget_vnd":-1}),
        )
        .unwrap_err();
    let fields: Vec<&str> = std::iter::once(&many)
        .chain(&many.others)
        .map(|e| e.field.as_deref().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["name", "field", "end_date", "budget_vnd"],
        "every problem is reported at once, in form order"
    );
    let err = f
        .store
        .put(
            Kind::Person,
            json!({"full_name":"Trần An","unit":"00070","birth_date":"01/01/2030"}),
        )
        .unwrap_err();
    assert_eq!(
        err.code,
        Code::FutureDate,
        "a birth date in the future is refused"
    );
    assert_eq!(
        f.store.stats().unwrap().projects,
        before,
        "refused input must store nothing"
    );
}

#[test]
fn nomination_year_must_be_in_campaign() {
    let mut f = fixture("00070");
    let p = person(&mut f.store, "Phạm Quốc Bảo", "00070");
    let campaign = sovang_core::records::PRESET_CAMPAIGN_ID;
    let mut n = json!({"campaign_id": campaign, "unit":"00070","person_id": p, "year": 2029,
        "category":"cong_dong", "evidence": {"ban_linh":"Tham gia cứu hộ bão Yagi"}, "values":["tien_phong"]});
    let err = f.store.put(Kind::Nomination, n.clone()).unwrap_err();
    assert_eq!(err.code, Code::YearOutsideCampaign);
    n["year"] = json!(2025);
    n["project_ids"] = json!(["01900000-0000-7000-8000-000000000000"]);
    let missing = f.store.put(Kind::Nomination, n.clone()).unwrap_err();
    assert_eq!(
        missing.code,
        Code::UnknownReference,
        "a linked project must exist"
    );
    assert_eq!(
        missing.field.as_deref(),
        Some("project_ids"),
        "the error names the field that holds the link"
    );
    n["project_ids"] = json!([]);
    let ok = f.store.put(Kind::Nomination, n).unwrap();
    assert_eq!(
        ok["title"], "Phạm Quốc Bảo — 2025",
        "a nomination is shown by its nominee"
    );
}

#[test]
fn delete_goes_to_trash_and_restores() {
    let mut f = fixture("00070");
    let p = person(&mut f.store, "Đỗ Thu Hà", "00070");
    f.store.delete(Kind::Person, &p).unwrap();
    let filter = ListFilter::default();
    let people = of_kind(Kind::Person);
    assert!(
        f.store
            .list(Kind::Person, &filter, None, 10)
            .unwrap()
            .items
            .is_empty(),
        "trashed records leave lists"
    );
    assert!(
        f.store
            .search("ha", &people, None, 10)
            .unwrap()
            .items
            .is_empty(),
        "and search"
    );
    let trash = ListFilter {
        trash: true,
        ..Default::default()
    };
    assert_eq!(
        f.store
            .list(Kind::Person, &trash, None, 10)
            .unwrap()
            .items
            .len(),
        1,
        "and sit in the trash"
    );
    assert_eq!(
        f.store.delete(Kind::Person, &p).unwrap_err().code,
        Code::AlreadyDeleted
    );
    f.store.restore(Kind::Person, &p).unwrap();
    assert_eq!(
        f.store
            .search("đỗ thu", &people, None, 10)
            .unwrap()
            .items
            .len(),
        1,
        "restore brings it back to search"
    );
    assert_eq!(
        f.store.restore(Kind::Person, &p).unwrap_err().code,
        Code::NotDeleted
    );
    assert!(
        f.store.check().unwrap().is_empty(),
        "check must pass after delete and restore"
    );
}

#[test]
fn units_scope_includes_branches_and_predecessors() {
    let mut f = fixture("01");
    let branch = f
        .store
        .put(
            Kind::Unit,
            json!({"name":"Chi đoàn Tổ dân phố 5","unit_type":"branch","parent":"00070"}),
        )
        .unwrap();
    assert_eq!(
        branch["data"]["code"], "00070-1",
        "a user unit without code gets one under its parent"
    );
    f.store
        .put(
            Kind::Unit,
            json!({"code":"Q-HK","name":"Quận Hoàn Kiếm (cũ)","unit_type":"district","parent":"01",
        "valid_from":"01/01/1990","valid_to":"30/06/2025","successor":"00070"}),
        )
        .unwrap();
    let p_old = person(&mut f.store, "Vũ Minh Khoa", "Q-HK");
    let p_branch = person(&mut f.store, "Hoàng Lan", "00070-1");
    let p_other = person(&mut f.store, "Bùi Hải", "00004");
    let filter = ListFilter {
        unit: Some("00070".into()),
        ..Default::default()
    };
    let ids: Vec<String> = f
        .store
        .list(Kind::Person, &filter, None, 50)
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert!(
        ids.contains(&p_old) && ids.contains(&p_branch),
        "a ward's list includes its branches and predecessors"
    );
    assert!(!ids.contains(&p_other), "but not other wards");
    let cycle = f
        .store
        .put(Kind::Unit, json!({"id":"00070","parent":"00070-1"}))
        .unwrap_err();
    assert_eq!(
        cycle.code,
        Code::UnitCycle,
        "a unit cannot move under its own branch"
    );
    assert_eq!(
        f.store.delete(Kind::Unit, "00070").unwrap_err().code,
        Code::InUse,
        "a unit in use cannot be deleted"
    );
}

#[test]
fn search_folds_ranks_and_pages() {
    let mut f = fixture("00070");
    let p1 = person(&mut f.store, "Nguyễn Văn Hoà", "00070");
    let p2 = person(&mut f.store, "Nguyen Van Hoa", "00070");
    let people = of_kind(Kind::Person);
    let r = f.store.search("nguy", &people, None, 10).unwrap();
    assert_eq!(
        r.items.len(),
        2,
        "a prefix without marks finds both spellings"
    );
    let r = f.store.search("Hoà", &people, None, 10).unwrap();
    assert_eq!(r.items[0].id, p1, "the exact-diacritic match comes first");
    assert_eq!(r.items[1].id, p2);
    let nfd: String = unicode_normalization::UnicodeNormalization::nfd("NGUYỄN").collect();
    assert_eq!(
        f.store.search(&nfd, &people, None, 10).unwrap().items[0].id,
        p1,
        "NFD input matches NFC text"
    );
    let page1 = f.store.search("van", &people, None, 1).unwrap();
    let page2 = f
        .store
        .search("van", &people, page1.next.as_deref(), 1)
        .unwrap();
    assert_eq!(page1.items.len() + page2.items.len(), 2);
    assert_ne!(
        page1.items[0].id, page2.items[0].id,
        "pages never repeat a record"
    );
    assert!(page2.next.is_none(), "the last page has no next cursor");
    let e = f
        .store
        .put(
            Kind::Entry,
            entry_json("00070", &p1, "Hiến máu tình nguyện"),
        )
        .unwrap();
    let all = ListFilter::default();
    let r = f.store.search("doan hien mau", &all, None, 10).unwrap();
    assert!(r.items.is_empty(), "every word must match");
    let mixed = f.store.search("hoà", &people, None, 100).unwrap();
    let ids: Vec<&str> = mixed.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        [p1.as_str(), p2.as_str()],
        "a kind filter keeps that kind only, exact marks first"
    );
    let entries = of_kind(Kind::Entry);
    let only = f.store.search("hoà", &entries, None, 100).unwrap();
    assert_eq!(
        only.items.len(),
        1,
        "the entry is found through its person's name"
    );
    assert_eq!(only.items[0].id, id(&e));
    let r = f.store.search("hoa hien", &all, None, 10).unwrap();
    assert_eq!(
        r.items[0].id,
        id(&e),
        "an entry is found by its person's name"
    );
    let units = f
        .store
        .search("hoan kiem", &of_kind(Kind::Unit), None, 5)
        .unwrap();
    assert_eq!(
        units.items[0].id,
        sovang_core::store::reference_id("00070"),
        "units are searchable"
    );
    assert_eq!(
        f.store
            .search("x", &all, Some("bogus"), 5)
            .unwrap_err()
            .code,
        Code::InvalidCursor
    );
}

#[test]
fn people_list_in_vietnamese_order_with_keyset_pages() {
    let mut f = fixture("00070");
    for n in [
        "Trần Văn Đức",
        "Lê Thị Anh",
        "Phạm Dũng",
        "Nguyễn Ân",
        "Hồ Bình",
        "Ngô Ăn",
    ] {
        person(&mut f.store, n, "00070");
    }
    let mut got = Vec::new();
    let mut after = None;
    loop {
        let page = f
            .store
            .list(Kind::Person, &ListFilter::default(), after.as_deref(), 4)
            .unwrap();
        got.extend(page.items.into_iter().map(|i| i.title));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(
        got,
        [
            "Lê Thị Anh",
            "Ngô Ăn",
            "Nguyễn Ân",
            "Hồ Bình",
            "Phạm Dũng",
            "Trần Văn Đức"
        ],
        "by given name in Vietnamese alphabet order, across pages"
    );
}

#[test]
fn attachments_dedupe_limit_and_type() {
    let mut f = fixture("00070");
    let p = person(&mut f.store, "Lý Thu Trang", "00070");
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("anh.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\nrest-of-image").unwrap();
    let a1 = f.store.attach(Kind::Person, &p, &png).unwrap();
    let a2 = f.store.attach(Kind::Person, &p, &png).unwrap();
    assert_eq!(
        a1["id"], a2["id"],
        "the same file twice on one record is one attachment"
    );
    assert_eq!(
        f.store.get(Kind::Person, &p).unwrap()["attachments"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let txt = dir.path().join("ghi-chu.txt");
    std::fs::write(&txt, b"hello").unwrap();
    assert_eq!(
        f.store.attach(Kind::Person, &p, &txt).unwrap_err().code,
        Code::AttachmentType
    );
    f.store.set_attachment_limit(10);
    let err = f.store.attach(Kind::Person, &p, &png).unwrap_err();
    assert_eq!(err.code, Code::AttachmentTooLarge);
    assert!(err.message.vi.contains("MB"), "the message says the size");
    assert_eq!(
        f.store.stats().unwrap().attachments,
        1,
        "refused files add nothing"
    );
    assert!(f.store.check().unwrap().is_empty());
}

#[test]
fn project_updates_by_parent_and_filters_a_kind_lacks() {
    let mut f = fixture("00070");
    let p = f
        .store
        .put(
            Kind::Project,
            json!({"unit":"00070","name":"Thắp sáng ngõ 12","field":"infrastructure",
                   "start_date":"01/03/2025","budget_vnd":15000000,"status":"in_progress"}),
        )
        .unwrap();
    for (d, note) in [
        ("05/03/2025", "Khởi công"),
        ("20/04/2025", "Lắp xong 30 bóng đèn"),
    ] {
        f.clock.advance_ms(10);
        f.store
            .put(
                Kind::Update,
                json!({"project_id": id(&p), "unit":"00070","date": d, "note": note}),
            )
            .unwrap();
    }
    let other = f
        .store
        .put(
            Kind::Update,
            json!({"project_id": "nope", "unit":"00070","date":"01/05/2025","note":"x"}),
        )
        .unwrap_err();
    assert_eq!(
        other.code,
        Code::UnknownReference,
        "an update needs an existing project"
    );
    assert_eq!(other.field.as_deref(), Some("project_id"));
    let by_project = ListFilter {
        parent: Some(id(&p)),
        ..Default::default()
    };
    let page = f.store.list(Kind::Update, &by_project, None, 10).unwrap();
    let notes: Vec<&str> = page.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(
        notes,
        ["Lắp xong 30 bóng đèn", "Khởi công"],
        "a project's updates, newest first"
    );
    let err = f
        .store
        .list(
            Kind::Person,
            &ListFilter {
                year: Some(2025),
                ..Default::default()
            },
            None,
            10,
        )
        .unwrap_err();
    assert_eq!(
        err.code,
        Code::InvalidValue,
        "people have no year to filter by"
    );
    assert_eq!(err.field.as_deref(), Some("year"));
}

#[test]
fn renaming_a_person_refreshes_what_shows_their_name() {
    let mut f = fixture("00070");
    let p = person(&mut f.store, "Trịnh Văn Cũ", "00070");
    let e = f
        .store
        .put(Kind::Entry, entry_json("00070", &p, "Dọn rác bờ hồ"))
        .unwrap();
    let n = f
        .store
        .put(
            Kind::Nomination,
            json!({"campaign_id": sovang_core::records::PRESET_CAMPAIGN_ID, "unit":"00070",
                   "person_id": p, "year": 2025, "category":"cong_dong"}),
        )
        .unwrap();
    f.store
        .put(Kind::Person, json!({"id": p, "full_name": "Trịnh Văn Mới"}))
        .unwrap();
    let all = ListFilter::default();
    let hits: Vec<String> = f
        .store
        .search("trinh van moi", &all, None, 10)
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert!(
        hits.contains(&id(&e)),
        "the entry is found by the person's new name: {hits:?}"
    );
    assert!(
        f.store
            .search("trinh van cu", &all, None, 10)
            .unwrap()
            .items
            .is_empty(),
        "and no longer by the old one"
    );
    assert_eq!(
        f.store.get(Kind::Nomination, &id(&n)).unwrap()["title"],
        "Trịnh Văn Mới — 2025",
        "the nomination shows the new name"
    );
    assert!(
        f.store.check().unwrap().is_empty(),
        "indexes stay consistent"
    );
}

#[test]
fn an_interrupted_init_is_finished_by_the_next_one() {
    let f = fixture("00070");
    drop(f.store);
    // What an init killed after writing who it is, before loading the reference data, leaves.
    edit_database(
        f.dir.path(),
        "DELETE FROM search_title; DELETE FROM search_all; DELETE FROM search_doc;
         DELETE FROM campaigns; DELETE FROM audit; DELETE FROM units;",
    );
    let store = Store::init(f.dir.path(), "00070", "x", f.clock.clone()).unwrap();
    let st = store.stats().unwrap();
    assert_eq!(
        st.units,
        34 + 3321,
        "the second init loads the missing reference units"
    );
    assert!(
        store
            .campaigns()
            .contains_key(sovang_core::records::PRESET_CAMPAIGN_ID),
        "and the campaign"
    );
    assert!(
        store.check().unwrap().is_empty(),
        "and leaves the data whole"
    );
}

#[test]
fn two_processes_of_one_installation_never_go_back_in_version() {
    let mut f = fixture("00070");
    let p = person(&mut f.store, "Lương Thế Vinh", "00070");
    // A second process, opened now, whose clock stays a minute behind the first one's.
    let behind = std::sync::Arc::new(sovang_core::clock::ManualClock::new(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 26, 8, 0, 0).unwrap(),
    ));
    let mut other = Store::open(f.dir.path(), behind).unwrap();
    f.clock.advance_ms(60_000);
    let v1 = f
        .store
        .put(Kind::Person, json!({"id": p, "position": "Bí thư"}))
        .unwrap();
    let v2 = other
        .put(Kind::Person, json!({"id": p, "position": "Phó Bí thư"}))
        .unwrap();
    assert!(
        v2["version"].as_str().unwrap() > v1["version"].as_str().unwrap(),
        "a later change must carry a later version, whatever the process's clock says"
    );
    assert_eq!(
        f.store.get(Kind::Person, &p).unwrap()["data"]["position"],
        "Phó Bí thư"
    );
}
