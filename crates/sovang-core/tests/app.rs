//! What the desktop app relies on: first run, settings, moving the data folder, the
//! overview's figures, reversed lists, and records in their declared shapes.

mod common;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use common::{entry_json, fixture, person};
use serde_json::json;
use sovang_core::app::{App, Setup};
use sovang_core::clock::ManualClock;
use sovang_core::store::{find_reference_units, record_view, ListFilter, DB_FILE};
use sovang_core::{Code, Kind, Lang};

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap(),
    ))
}

fn setup(unit: &str, branch: Option<&str>, user: &str) -> Setup {
    Setup {
        lang: Lang::En,
        unit: unit.into(),
        branch: branch.map(Into::into),
        user: user.into(),
    }
}

#[test]
fn first_run_creates_the_database_once_the_wizard_is_complete() {
    let home = tempfile::tempdir().unwrap();
    let (cfg, data) = (home.path().join("cfg"), home.path().join("data"));
    let mut app = App::start(cfg.clone(), Some(data.clone()), clock()).unwrap();
    assert!(
        !app.status().initialized,
        "a new machine starts in the wizard"
    );
    assert_eq!(
        app.store().err().map(|e| e.code),
        Some(Code::NotInitialized)
    );

    let err = app.setup(setup("00070", None, "   ")).unwrap_err();
    assert_eq!(
        (err.code, err.field.as_deref()),
        (Code::Required, Some("user"))
    );
    assert!(
        !data.join(DB_FILE).exists(),
        "a refused wizard creates no database"
    );
    let err = app.setup(setup("99999", None, "Minh Anh")).unwrap_err();
    assert_eq!(
        err.code,
        Code::UnknownUnit,
        "only units of the reference list"
    );

    let status = app
        .setup(setup("00070", None, "Nguyễn Thị Minh Anh"))
        .unwrap();
    assert!(status.initialized);
    assert_eq!(
        status.installation.as_ref().unwrap().unit_name,
        "Phường Hoàn Kiếm"
    );
    assert!(
        status.campaign.is_some(),
        "the 2023–2027 campaign comes with the database"
    );
    let p = person(app.store().unwrap(), "Lê Văn Tám", "00070");
    let created_by = app.store().unwrap().get(Kind::Person, &p).unwrap()["created_by"].clone();
    assert_eq!(
        created_by, "Nguyễn Thị Minh Anh",
        "changes carry the wizard's user name"
    );

    drop(app);
    let app = App::start(cfg, Some(data), clock()).unwrap();
    let s = app.status();
    assert!(s.initialized, "the next start opens the same data");
    assert_eq!(
        s.settings.lang,
        Lang::En,
        "the language chosen in the wizard is kept"
    );
}

#[test]
fn a_branch_under_a_ward_becomes_the_installations_unit() {
    let home = tempfile::tempdir().unwrap();
    let mut app = App::start(home.path().join("c"), Some(home.path().join("d")), clock()).unwrap();
    let status = app.setup(setup("00070", Some(" "), "An")).unwrap();
    assert_eq!(
        status.installation.unwrap().unit,
        "00070",
        "a blank branch name means no branch"
    );

    let home = tempfile::tempdir().unwrap();
    let mut app = App::start(home.path().join("c"), Some(home.path().join("d")), clock()).unwrap();
    let s = app
        .setup(setup("00070", Some("Chi đoàn Khu phố 3"), "An"))
        .unwrap();
    let inst = s.installation.unwrap();
    assert_eq!(
        (inst.unit.as_str(), inst.unit_name.as_str()),
        ("00070-1", "Chi đoàn Khu phố 3")
    );
    let rows = app.store().unwrap().unit_rows().unwrap();
    assert_eq!(
        rows[0].code, "00070-1",
        "the unit tree starts at the installation's unit"
    );
    let err = app
        .store()
        .unwrap()
        .put(
            Kind::Person,
            json!({"full_name": "Hà Thu", "unit": "00070"}),
        )
        .unwrap_err();
    assert_eq!(
        err.code,
        Code::UnitOutOfScope,
        "a branch cannot write for its ward"
    );
}

#[test]
fn settings_persist_and_refuse_a_blank_name() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("c");
    let mut app = App::start(cfg.clone(), Some(home.path().join("d")), clock()).unwrap();
    app.setup(setup("00070", None, "An")).unwrap();
    app.set_lang(Lang::Vi).unwrap();
    assert_eq!(app.set_user("  ").unwrap_err().code, Code::Required);
    app.set_user("Trần Bình").unwrap();
    let again = App::start(cfg, Some(home.path().join("d")), clock()).unwrap();
    let s = again.status().settings;
    assert_eq!((s.lang, s.user.as_str()), (Lang::Vi, "Trần Bình"));
}

#[test]
fn moving_the_data_folder_copies_everything_and_keeps_the_old_one() {
    let home = tempfile::tempdir().unwrap();
    let old = home.path().join("old");
    let mut app = App::start(home.path().join("c"), Some(old.clone()), clock()).unwrap();
    app.setup(setup("00070", None, "An")).unwrap();
    let p = person(app.store().unwrap(), "Lê Văn Tám", "00070");
    let photo = home.path().join("a.png");
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\nrest").unwrap();
    app.store()
        .unwrap()
        .attach(Kind::Person, &p, &photo)
        .unwrap();

    let busy = home.path().join("busy");
    std::fs::create_dir_all(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), "mine").unwrap();
    let err = app.move_data(&busy).unwrap_err();
    assert_eq!(
        err.field.as_deref(),
        Some("data_dir"),
        "a folder holding other files is refused"
    );
    assert_eq!(app.data_dir(), old, "and the app stays where it was");

    let new = home.path().join("new");
    let s = app.move_data(&new).unwrap();
    assert_eq!(s.data_dir, new.display().to_string());
    let got = app.store().unwrap().get(Kind::Person, &p).unwrap();
    let sha = got["attachments"][0]["sha256"].as_str().unwrap().to_owned();
    assert!(
        app.store().unwrap().read_attachment(&sha).is_ok(),
        "attachments came along"
    );
    assert!(
        old.join(DB_FILE).exists(),
        "the old folder is left untouched"
    );
}

#[test]
fn overview_counts_the_year_and_measures_targets() {
    // The city, which sets its own targets (a ward's come from the city).
    let mut f = fixture("01");
    let p = person(&mut f.store, "Lê Văn Tám", "01");
    for t in ["Một", "Hai"] {
        let mut e = entry_json("01", &p, t);
        e["deed_date"] = json!("2026-03-01");
        f.store.put(Kind::Entry, e).unwrap();
    }
    f.store
        .put(
            Kind::Project,
            json!({"unit": "01", "name": "Thắp sáng", "field": "infrastructure",
                   "start_date": "01/02/2026", "volunteers": 30, "status": "in_progress"}),
        )
        .unwrap();
    for (metric, target) in [("entries", 4), ("volunteers", 20)] {
        f.store
            .put(
                Kind::Target,
                json!({"campaign_id": sovang_core::records::PRESET_CAMPAIGN_ID, "unit": "01",
                       "year": 2026, "metric": metric, "target": target}),
            )
            .unwrap();
    }
    let o = f.store.overview(2026).unwrap();
    let count = |k: &str| o.counts.iter().find(|c| c.key == k).unwrap().count;
    assert_eq!((count("entry"), count("project")), (2, 1));
    assert_eq!(o.people, 1);
    let by = |s: &str| {
        o.projects_by_status
            .iter()
            .find(|c| c.key == s)
            .unwrap()
            .count
    };
    assert_eq!(by("in_progress"), 1);
    let t: Vec<(&str, i64, i64)> = o
        .targets
        .iter()
        .map(|t| (t.metric.as_str(), t.target, t.actual))
        .collect();
    assert_eq!(
        t,
        vec![("entries", 4, 2), ("volunteers", 20, 30)],
        "targets with what was done"
    );
    assert!(f.store.overview(2025).unwrap().targets.is_empty());
}

#[test]
fn reversed_lists_page_through_everything_backwards() {
    let mut f = fixture("00070");
    let names = ["An", "Bình", "Châu", "Dũng", "Đức", "Giang", "Hà"];
    for n in names {
        person(&mut f.store, &format!("Nguyễn {n}"), "00070");
    }
    let collect = |store: &sovang_core::Store, reverse: bool| {
        let filter = ListFilter {
            reverse,
            ..Default::default()
        };
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .list(Kind::Person, &filter, after.as_deref(), 3)
                .unwrap();
            out.extend(page.items.into_iter().map(|i| i.title));
            match page.next {
                Some(n) => after = Some(n),
                None => break out,
            }
        }
    };
    let forward = collect(&f.store, false);
    let mut backward = collect(&f.store, true);
    backward.reverse();
    assert_eq!(forward.len(), names.len(), "every person once");
    assert_eq!(forward, backward, "Z→A is A→Z backwards, page after page");
    assert_eq!(
        forward[4], "Nguyễn Đức",
        "đ sorts after d in Vietnamese order"
    );
}

#[test]
fn records_match_their_declared_shape_and_streams_attach() {
    let mut f = fixture("00070");
    let p = person(&mut f.store, "Lê Văn Tám", "00070");
    let mut png: &[u8] = b"\x89PNG\r\n\x1a\nbytes";
    let a = f
        .store
        .attach_from(Kind::Person, &p, "ảnh.png", "ảnh.png", &mut png)
        .unwrap();
    assert_eq!(a["mime"], "image/png", "the type is sniffed from the bytes");
    let view = record_view(f.store.get(Kind::Person, &p).unwrap()).unwrap();
    assert_eq!(view.attachments.len(), 1);
    assert_eq!(view.attachments[0].file_name, "ảnh.png");
    let rows = f.store.history(&p).unwrap();
    assert_eq!(
        rows.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(),
        ["create", "attach"]
    );

    let mut text: &[u8] = b"not a photo";
    let err = f
        .store
        .attach_from(Kind::Person, &p, "x.exe", "x.exe", &mut text)
        .unwrap_err();
    assert_eq!(err.code, Code::AttachmentType);
    assert_eq!(
        f.store.get(Kind::Person, &p).unwrap()["attachments"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        f.store
            .read_attachment("0".repeat(64).as_str())
            .unwrap_err()
            .code,
        Code::NotFound,
        "only stored attachments can be read"
    );
}

#[test]
fn the_wizard_finds_units_without_diacritics() {
    let found = find_reference_units("hoan kiem", 20);
    assert!(
        found
            .iter()
            .any(|u| u.code == "00070" && u.province == "Thành phố Hà Nội"),
        "{found:?}"
    );
    assert!(find_reference_units("zzzz", 20).is_empty());
}

#[test]
fn the_window_exchanges_bundles_through_staged_files_and_cards() {
    let home = tempfile::tempdir().unwrap();
    let start = |name: &str, unit: &str| {
        let mut app = App::start(
            home.path().join(name).join("cfg"),
            Some(home.path().join(name).join("data")),
            clock(),
        )
        .unwrap();
        app.setup(setup(unit, None, "Cán bộ")).unwrap();
        app
    };
    let (mut ward, mut city) = (start("ward", "00070"), start("city", "01"));
    let status = ward.sync_status().unwrap();
    assert_eq!(
        status.default_destination.as_deref(),
        Some("01"),
        "a ward sends to the city above it by default"
    );
    assert_eq!(status.destinations[0].code, "01");
    let card_path = ward.export_card().unwrap();
    let card = App::read_card(&std::fs::read(&card_path).unwrap()).unwrap();
    assert_eq!(card.fingerprint, status.identity.fingerprint);
    let mut forged = serde_json::to_value(&card).unwrap();
    forged["fingerprint"] = json!("11111-22222-33333-44444-55555-66666-77777-88888");
    let err = App::read_card(forged.to_string().as_bytes()).unwrap_err();
    assert_eq!(
        err.code,
        Code::CardInvalid,
        "a card whose fingerprint is not its key's is refused"
    );
    city.store().unwrap().trust_add(&card).unwrap();

    person(ward.store().unwrap(), "Ngô Thị Lan", "00070");
    let mut phases = Vec::new();
    let report = ward
        .export_bundle(Some("01".into()), false, &mut |p| phases.push(p.phase))
        .unwrap();
    assert_eq!(report.records, 1);
    assert_eq!(phases.last(), Some(&"done"), "progress ends with done");
    let file = ward.last_export().unwrap().to_owned();
    assert!(
        file.starts_with(ward.bundles_dir()),
        "bundles go to the bundles folder"
    );

    let staged = city
        .stage_bytes("tu-phuong.sovang", &std::fs::read(&file).unwrap())
        .unwrap();
    let preview = city.preview_bundle(&staged.token).unwrap();
    assert_eq!(preview.created, 1);
    assert!(preview.dry_run);
    let done = city.import_staged(&staged.token, &mut |_| {}).unwrap();
    assert_eq!(
        done.created, 1,
        "the preview changed nothing; the import does"
    );
    assert_eq!(
        city.preview_bundle(&staged.token).unwrap_err().code,
        Code::NotFound,
        "an imported file is no longer staged"
    );
}

/// The Sync screen offers installations, not only units: a chair at the city sends to each
/// committee member's PC (another installation of the city) by its key, or to every trusted
/// installation of a unit at once; held records and a record's history name who sent them.
#[test]
fn the_sync_screen_offers_each_trusted_installation_and_names_senders() {
    use sovang_core::app::Direction;
    let home = tempfile::tempdir().unwrap();
    let start = |name: &str, unit: &str| {
        let mut app = App::start(
            home.path().join(name).join("cfg"),
            Some(home.path().join(name).join("data")),
            clock(),
        )
        .unwrap();
        app.setup(setup(unit, None, "Cán bộ")).unwrap();
        app
    };
    let mut chair = start("chair", "01");
    let mut members = [start("m1", "01"), start("m2", "01")];
    let mut ward = start("ward", "00070");
    let card = |a: &mut App| {
        let path = a.export_card().unwrap();
        App::read_card(&std::fs::read(path).unwrap()).unwrap()
    };
    let before = chair.sync_status().unwrap();
    assert!(
        before
            .destinations
            .iter()
            .all(|d| d.direction != Direction::Same),
        "this unit is no destination while no other installation of it is trusted"
    );
    let keys: Vec<String> = members
        .iter_mut()
        .map(|m| {
            let c = card(m);
            chair.store().unwrap().trust_add(&c).unwrap();
            c.fingerprint
        })
        .collect();
    let ward_card = card(&mut ward);
    chair.store().unwrap().trust_add(&ward_card).unwrap();

    let status = chair.sync_status().unwrap();
    let same: Vec<_> = status
        .destinations
        .iter()
        .filter(|d| d.direction == Direction::Same)
        .collect();
    assert_eq!(
        same.len(),
        3,
        "the city as a whole, then each member's PC: {same:?}"
    );
    assert_eq!(
        (same[0].to.as_str(), same[0].fingerprint.as_deref()),
        ("01", None)
    );
    for (d, key) in same[1..].iter().zip(&keys) {
        assert_eq!(d.to, *key, "one installation is sent to by its key");
        assert_eq!(
            (d.code.as_str(), d.name.as_str()),
            ("01", "Thành phố Hà Nội")
        );
        assert!(d.installation.is_some());
    }
    let down: Vec<_> = status
        .destinations
        .iter()
        .filter(|d| d.code == "00070")
        .map(|d| d.to.as_str())
        .collect();
    assert_eq!(
        down,
        ["00070", ward_card.fingerprint.as_str()],
        "a unit below with its trusted installation"
    );
    assert_eq!(status.held, 0);

    // Each member's PC gets the same bundle: what was sent is remembered per installation.
    person(chair.store().unwrap(), "Ngô Thị Lan", "01");
    for key in &keys {
        let r = chair
            .export_bundle(Some(key.clone()), false, &mut |_| {})
            .unwrap();
        assert_eq!((r.records, r.recipients.clone()), (1, vec![key.clone()]));
        let name = chair
            .last_export()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let first = key.split('-').next().unwrap();
        assert!(
            name.contains(&format!("-to-01-{first}-")),
            "the file says for which installation: {name}"
        );
    }

    // A ward's deed that arrives before its person is held, and the Sync screen counts it.
    let lan = person(ward.store().unwrap(), "Phạm Thu Trang", "00070");
    let city_card = card(&mut chair);
    ward.store().unwrap().trust_add(&city_card).unwrap();
    ward.export_bundle(Some("01".into()), false, &mut |_| {})
        .unwrap();
    let first = ward.last_export().unwrap().to_owned();
    let deed = ward
        .store()
        .unwrap()
        .put(Kind::Entry, entry_json("00070", &lan, "Dọn rác bờ hồ"))
        .unwrap();
    let deed = deed["id"].as_str().unwrap().to_owned();
    ward.export_bundle(Some("01".into()), false, &mut |_| {})
        .unwrap();
    let second = ward.last_export().unwrap().to_owned();
    for (file, held) in [(second, 1), (first, 0)] {
        let staged = chair.stage_file(&file).unwrap();
        chair.import_staged(&staged.token, &mut |_| {}).unwrap();
        assert_eq!(chair.sync_status().unwrap().held, held);
        assert_eq!(chair.held_list().unwrap().len(), held as usize);
    }
    let history = chair.history(&deed).unwrap();
    let change = history.last().unwrap();
    assert!(change.change.bundle_id.is_some(), "{change:?}");
    assert_eq!(
        change.change.signer.as_deref(),
        Some(ward_card.fingerprint.as_str())
    );
    assert_eq!(
        (
            change.signer_unit.as_deref(),
            change.signer_unit_name.as_deref()
        ),
        (Some("00070"), Some("Phường Hoàn Kiếm")),
        "the sending key's unit, as the trust list names it"
    );
    let own = person(chair.store().unwrap(), "Lý Văn Sơn", "01");
    let local = chair.history(&own).unwrap();
    assert!(
        local
            .iter()
            .all(|h| h.signer_unit.is_none() && h.change.bundle_id.is_none()),
        "a change made here names no sender"
    );
}

#[test]
fn the_window_previews_a_sheet_with_the_users_mapping_imports_it_and_saves_its_errors() {
    let home = tempfile::tempdir().unwrap();
    let mut app = App::start(
        home.path().join("cfg"),
        Some(home.path().join("data")),
        clock(),
    )
    .unwrap();
    app.setup(setup("00070", None, "Cán bộ")).unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/sheets/doan-vien.xlsx");
    let bytes = std::fs::read(&fixture).unwrap();
    let refused = app.stage_sheet("ghi-chu.docx", &bytes).unwrap_err();
    assert_eq!(
        refused.code,
        Code::SheetUnreadable,
        "only spreadsheets are staged"
    );
    let staged = app.stage_sheet("Danh sách đoàn viên.xlsx", &bytes).unwrap();

    let preview = app
        .preview_sheet(&staged.token, Kind::Person, &vec![])
        .unwrap();
    assert_eq!((preview.new, preview.errors), (3, 4));
    // The user leaves the gender column out: the row whose gender was unreadable is valid.
    let map = vec![("D".to_owned(), "-".to_owned())];
    let preview = app
        .preview_sheet(&staged.token, Kind::Person, &map)
        .unwrap();
    assert_eq!(
        (preview.new, preview.errors),
        (4, 3),
        "the user's mapping is applied"
    );
    assert_eq!(preview.layout.columns[3].field, None);

    let done = app.import_sheet(&staged.token, Kind::Person, &map).unwrap();
    assert_eq!(done.new, 4);
    let again = app
        .preview_sheet(&staged.token, Kind::Person, &map)
        .unwrap();
    assert_eq!(
        (again.new, again.unchanged),
        (0, 4),
        "what was imported is already there"
    );
    let rejected = app
        .save_rejected_rows(&staged.token, Kind::Person, &map)
        .unwrap();
    assert!(std::path::Path::new(&rejected).exists());
    let template = app.save_sheet_template(Kind::Project).unwrap();
    assert!(template.ends_with("mau-cong-trinh.xlsx"), "{template}");
    let fields = App::sheet_fields(Kind::Person);
    assert!(fields
        .iter()
        .any(|f| f.field == "member_no" && f.label == "Số thẻ đoàn viên"));
}

#[test]
fn the_window_restores_a_backup_and_an_erased_persons_export_goes_with_them() {
    let home = tempfile::tempdir().unwrap();
    let (cfg, data) = (home.path().join("cfg"), home.path().join("data"));
    let clock = clock();
    let mut app = App::start(cfg, Some(data.clone()), clock.clone()).unwrap();
    app.setup(setup("00070", None, "Cán bộ")).unwrap();
    assert!(
        app.status().backup_warning.is_none(),
        "a new installation is not warned before its first week"
    );
    let kept = person(app.store().unwrap(), "Hà Văn Giữ", "00070");
    let (dir, c) = app.backup_target().unwrap();
    let b = sovang_core::backup::create(&dir, sovang_core::backup::Reason::Manual, c.as_ref())
        .unwrap()
        .backup
        .id;
    let gone = person(app.store().unwrap(), "Hà Thị Đi", "00070");
    let r = app.restore_backup(&b).unwrap();
    assert!(r.safety_backup.is_some());
    assert!(app.store().unwrap().get(Kind::Person, &kept).is_ok());
    assert_eq!(
        app.store()
            .unwrap()
            .get(Kind::Person, &gone)
            .unwrap_err()
            .code,
        Code::NotFound,
        "the window's store is the restored one"
    );
    let unknown = app.restore_backup("khong-co").unwrap_err();
    assert_eq!(unknown.code, Code::BackupNotFound);
    assert!(
        app.store().is_ok(),
        "a refused restore leaves the store open"
    );

    let export = app.export_person_data(&kept).unwrap();
    assert!(std::path::Path::new(&export.file).exists());
    app.store().unwrap().delete(Kind::Person, &kept).unwrap();
    app.purge("person", &kept).unwrap();
    assert!(
        !std::path::Path::new(&export.file).exists(),
        "the personal data exported for them is deleted with them"
    );
    clock.advance_ms(8 * 24 * 3600 * 1000);
    let warning = app
        .status()
        .backup_warning
        .expect("over a week since the last backup");
    assert!(warning.vi.contains("đã quá 7 ngày"), "{}", warning.vi);
}
