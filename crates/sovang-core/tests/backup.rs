//! Backups: taken with the store open, checked, kept by the rule, copied to a second folder,
//! and restored, with erasures made since applied again and what was sent on coming back by
//! sync. A damaged backup is refused and changes nothing.

mod common;

use std::path::Path;

use common::{entry_json, fixture, person, trust_both, Fixture};
use sovang_core::backup::{self, BackupSettings, Reason};
use sovang_core::store::{ExportOptions, ImportOptions};
use sovang_core::{Code, Kind, Store};

fn people(s: &Store) -> i64 {
    s.connection()
        .query_row(
            "SELECT count(*) FROM people WHERE deleted_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// Live records of every kind, the reference units aside.
fn live(s: &Store) -> u64 {
    Kind::ALL
        .iter()
        .map(|k| {
            let sql = format!(
                "SELECT count(*) FROM {} WHERE deleted_at IS NULL AND hlc != '{}'",
                k.table(),
                sovang_core::sync::REFERENCE_VERSION
            );
            s.connection()
                .query_row(&sql, [], |r| r.get::<_, u64>(0))
                .unwrap()
        })
        .sum()
}

/// Closes the fixture's store, restores `id`, and opens it again.
fn restore(f: Fixture, id: &str) -> (Fixture, sovang_core::backup::RestoreReport) {
    let Fixture { dir, clock, store } = f;
    drop(store);
    let r = backup::restore(dir.path(), id, clock.as_ref()).expect("the restore must succeed");
    let store = Store::open(dir.path(), clock.clone()).unwrap();
    (Fixture { dir, clock, store }, r)
}

/// Sets `usb` as the second folder of the data folder `dir`.
fn use_stick(dir: &Path, usb: &Path) {
    BackupSettings {
        automatic: true,
        mirror: Some(usb.to_owned()),
    }
    .save(dir)
    .unwrap();
}

/// Attaches a photo with `bytes` to person `p`; returns the attachment (its id and sha256).
fn attach_photo(f: &mut Fixture, p: &str, bytes: &[u8]) -> serde_json::Value {
    let photo = f.dir.path().join("anh.png");
    std::fs::write(&photo, bytes).unwrap();
    f.store.attach(Kind::Person, p, &photo).unwrap()
}

/// Where the backups of data folder `dir` keep the file of content `sha`.
fn kept_file(dir: &Path, sha: &str) -> std::path::PathBuf {
    backup::root(dir)
        .join("attachments")
        .join(&sha[..2])
        .join(sha)
}

/// Edits backup `id`'s manifest in the data folder `dir` as `change` says (a hand, a newer
/// version).
fn edit_manifest(dir: &Path, id: &str, change: impl FnOnce(&mut serde_json::Value)) {
    let path = backup::root(dir).join(id).join("backup.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    change(&mut m);
    std::fs::write(&path, serde_json::to_vec(&m).unwrap()).unwrap();
}

#[test]
fn a_backup_is_checked_listed_and_restored_with_its_attachments() {
    let mut f = fixture("00070");
    let a = person(&mut f.store, "Nguyễn Văn An", "00070");
    let photo = f.dir.path().join("the.png");
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\nthe-doan-vien").unwrap();
    let att = f.store.attach(Kind::Person, &a, &photo).unwrap();
    let sha = att["sha256"].as_str().unwrap().to_owned();
    let made = f.store.backup(Reason::Manual).unwrap();
    assert_eq!(
        made.backup.records,
        live(&f.store),
        "the manifest counts the copy's live records"
    );
    let b = made.backup.id.clone();
    let v = f.store.verify_backup(&b).unwrap();
    assert!(v.ok, "a fresh backup is whole: {v:?}");

    person(&mut f.store, "Nguyễn Văn Bình", "00070");
    f.store.detach(att["id"].as_str().unwrap()).unwrap();
    assert!(!f.store.attachment_path(&sha).exists());
    assert_eq!(people(&f.store), 2);
    let (f, r) = restore(f, &b);
    assert_eq!(people(&f.store), 1, "the state of the backup is back");
    assert!(
        f.store.attachment_path(&sha).exists(),
        "with the attachment it had"
    );
    assert!(
        r.safety_backup.is_some(),
        "what was there before is backed up first"
    );
    assert_eq!(f.store.check().unwrap(), vec![]);
    let list = f.store.backups().unwrap();
    assert!(
        list.iter().any(|x| x.reason == Reason::BeforeRestore),
        "the safety backup is listed: {list:?}"
    );
    // And the state before can be had back in turn.
    let safety = r.safety_backup.unwrap();
    let (f, _) = restore(f, &safety);
    assert_eq!(people(&f.store), 2);
}

#[test]
fn a_damaged_backup_is_refused_and_changes_nothing() {
    let mut f = fixture("00070");
    person(&mut f.store, "Trần Thị Cúc", "00070");
    let b = f.store.backup(Reason::Manual).unwrap().backup.id;
    person(&mut f.store, "Trần Thị Dung", "00070");
    let copy = backup::root(f.dir.path()).join(&b).join("sovang.db");
    let mut bytes = std::fs::read(&copy).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xFF;
    std::fs::write(&copy, bytes).unwrap();
    let v = f.store.verify_backup(&b).unwrap();
    assert!(
        !v.ok && !v.problems.is_empty(),
        "a changed byte is found: {v:?}"
    );
    let listed = f.store.backups().unwrap();
    assert_eq!(
        listed[0].verified.as_ref().map(|v| v.ok),
        Some(false),
        "and remembered"
    );
    let Fixture { dir, clock, store } = f;
    drop(store);
    let e = backup::restore(dir.path(), &b, clock.as_ref()).unwrap_err();
    assert_eq!(e.code, Code::BackupDamaged);
    let store = Store::open(dir.path(), clock.clone()).unwrap();
    assert_eq!(people(&store), 2, "the current data is untouched");
    assert!(
        !backup::list(dir.path())
            .iter()
            .any(|x| x.reason == Reason::BeforeRestore),
        "a refused restore takes no safety backup either"
    );
    let missing = backup::restore(dir.path(), "../../etc", clock.as_ref()).unwrap_err();
    assert_eq!(missing.code, Code::BackupNotFound, "an id is never a path");
    let around = format!("../backups/{b}");
    let e = backup::restore(dir.path(), &around, clock.as_ref()).unwrap_err();
    assert_eq!(
        e.code,
        Code::BackupNotFound,
        "not even a path that leads back to a real backup"
    );
    // A manifest (on a stick, say) whose attachment "hash" is a path or too short to be one.
    for bad in ["a", "../../../../outside", "ẞ"] {
        edit_manifest(dir.path(), &b, |m| {
            m["attachments"] = serde_json::json!([bad])
        });
        let e = backup::restore(dir.path(), &b, clock.as_ref()).unwrap_err();
        assert_eq!(
            e.code,
            Code::BackupNotFound,
            "{bad:?} names no file: the manifest is not a backup's"
        );
    }
}

#[test]
fn restoring_a_backup_older_than_an_erasure_erases_again() {
    let mut f = fixture("00070");
    let gone = person(&mut f.store, "Vũ Thị Hạnh", "00070");
    f.store
        .put(Kind::Entry, entry_json("00070", &gone, "Tiếp sức mùa thi"))
        .unwrap();
    let sha = attach_photo(&mut f, &gone, b"\x89PNG\r\n\x1a\nanh-cua-nguoi-se-bi-xoa")["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = f.store.backup(Reason::Manual).unwrap().backup.id;
    f.store.delete(Kind::Person, &gone).unwrap();
    f.store.purge("person", &gone).unwrap();
    let old = f
        .store
        .backups()
        .unwrap()
        .into_iter()
        .find(|x| x.id == b)
        .unwrap();
    assert_eq!(
        old.erased_since, 3,
        "the person, the entry and the photo were erased after it"
    );
    let (f, r) = restore(f, &b);
    assert_eq!(r.erasures_applied, 3);
    assert_eq!(
        f.store.get(Kind::Person, &gone).unwrap_err().code,
        Code::NotFound,
        "what was erased stays erased"
    );
    assert!(
        !f.store.attachment_path(&sha).exists(),
        "and its photo is not copied back from the backup"
    );
    assert_eq!(f.store.check().unwrap(), vec![]);

    // With the database itself lost or damaged, the erasure log beside it still says.
    let Fixture { dir, clock, store } = f;
    drop(store);
    std::fs::write(dir.path().join("sovang.db"), b"not a database any more").unwrap();
    let r = backup::restore(dir.path(), &b, clock.as_ref())
        .expect("a damaged database is restored over");
    assert_eq!(r.erasures_applied, 3, "{r:?}");
    let store = Store::open(dir.path(), clock.clone()).unwrap();
    assert_eq!(
        store.get(Kind::Person, &gone).unwrap_err().code,
        Code::NotFound
    );
    assert!(
        backup::root(dir.path())
            .read_dir()
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("damaged-")),
        "the damaged files are kept aside"
    );
}

#[test]
fn restoring_never_deletes_the_backup_being_restored() {
    let mut f = fixture("00070");
    person(&mut f.store, "Mai Văn Một", "00070");
    let first = f.store.backup(Reason::Manual).unwrap().backup.id;
    let mut f = f;
    for _ in 0..4 {
        f.clock.advance_ms(60_000);
        f = restore(f, &first).0;
    }
    // The oldest safety backup is the next one retention would drop.
    let oldest = f
        .store
        .backups()
        .unwrap()
        .into_iter()
        .rev()
        .find(|b| b.reason == Reason::BeforeRestore)
        .unwrap()
        .id;
    f.clock.advance_ms(60_000);
    let (f, r) = restore(f, &oldest);
    assert_eq!(r.restored, oldest);
    assert!(
        f.store.verify_backup(&oldest).unwrap().ok,
        "the restored backup was kept whole through the restore's own safety backup"
    );
    assert_eq!(f.store.check().unwrap(), vec![]);
}

#[test]
fn backups_at_the_same_moment_do_not_spoil_each_other() {
    let mut f = fixture("00070");
    let a = person(&mut f.store, "Phan Văn Ảnh", "00070");
    let photo = f.dir.path().join("p.png");
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\ncung-luc").unwrap();
    f.store.attach(Kind::Person, &a, &photo).unwrap();
    let dir = f.dir.path().to_owned();
    let clock = f.clock.clone();
    let made: Vec<String> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..4)
            .map(|_| s.spawn(|| backup::create(&dir, Reason::BeforeImport, clock.as_ref())))
            .collect();
        runs.into_iter()
            .map(|r| r.join().unwrap().expect("each backup succeeds").backup.id)
            .collect()
    });
    for id in &made {
        assert!(f.store.verify_backup(id).unwrap().ok, "{id} is whole");
    }
}

#[test]
fn a_backup_dated_ahead_is_no_reason_to_skip_the_daily_one() {
    let f = fixture("00070");
    f.clock.advance_ms(8 * 24 * 3600 * 1000); // set up more than a week ago
    f.clock.advance_ms(30 * 24 * 3600 * 1000); // the PC's clock a month ahead, once
    f.store.backup(Reason::Manual).unwrap();
    f.clock.advance_ms(-30 * 24 * 3600 * 1000);
    assert!(
        f.store.backup_status().unwrap().stale,
        "a backup from the future does not silence the warning"
    );
    assert!(backup::daily_if_due(f.dir.path(), f.clock.as_ref())
        .unwrap()
        .is_some());
    // A day later the clock is right: the backup dated ahead is not the last good one, the
    // daily one taken yesterday is.
    f.clock.advance_ms(24 * 3600 * 1000);
    let status = f.store.backup_status().unwrap();
    assert_eq!(
        status.last_good.map(|b| b.reason),
        Some(Reason::Daily),
        "a backup from the future is never the last good one"
    );
    assert!(!status.stale, "and a day-old good backup is recent enough");
}

#[test]
fn two_pcs_sharing_a_stick_each_keep_their_own_backups_and_warning() {
    let a = fixture("00070");
    let mut b = fixture("00004");
    let usb = tempfile::tempdir().unwrap();
    use_stick(a.dir.path(), usb.path());
    use_stick(b.dir.path(), usb.path());
    person(&mut b.store, "Phí Văn Bê", "00004");
    // Eight days on, only PC B has backed up (to the shared stick too).
    a.clock.advance_ms(8 * 24 * 3600 * 1000);
    b.clock.advance_ms(8 * 24 * 3600 * 1000);
    let theirs = b.store.backup(Reason::Manual).unwrap().backup.id;
    let status = a.store.backup_status().unwrap();
    assert!(
        status.backups.iter().any(|x| x.id == theirs),
        "B's backup is listed on A (a PC set up anew restores from there)"
    );
    assert!(
        status.last_good.is_none() && status.stale,
        "but it protects nothing of A's: A is warned ({:?})",
        status.last_good
    );
    assert!(
        backup::daily_if_due(a.dir.path(), a.clock.as_ref())
            .unwrap()
            .is_some(),
        "and A takes its own daily backup"
    );
}

#[test]
fn a_new_installation_finds_the_old_ones_backups_on_the_stick() {
    let mut old = fixture("00070");
    let usb = tempfile::tempdir().unwrap();
    use_stick(old.dir.path(), usb.path());
    person(&mut old.store, "Quách Văn Cũ", "00070");
    let gone = person(&mut old.store, "Quách Văn Xoá", "00070");
    // In use for ten days; backed up; then a person erased, and the PC lost the same day.
    old.clock.advance_ms(10 * 86_400_000);
    let b = old.store.backup(Reason::Manual).unwrap().backup.id;
    old.store.delete(Kind::Person, &gone).unwrap();
    old.store.purge("person", &gone).unwrap();
    drop(old);
    let fresh = fixture("00070");
    fresh.clock.advance_ms(10 * 86_400_000);
    use_stick(fresh.dir.path(), usb.path());
    let listed = fresh.store.backups().unwrap();
    assert!(listed.iter().any(|x| x.id == b), "{listed:?}");
    let (f, r) = restore(fresh, &b);
    assert_eq!(people(&f.store), 1, "{r:?}");
    assert_eq!(
        f.store.get(Kind::Person, &gone).unwrap_err().code,
        Code::NotFound,
        "the old PC's erasure log on the stick erases again"
    );
    // Opened on another PC, the data is a new installation copied from the old one: the old
    // one's backups are its own, so it is not warned right after the restore.
    let status = f.store.backup_status().unwrap();
    assert_eq!(status.last_good.map(|x| x.id), Some(b));
    assert!(!status.stale);
}

#[test]
fn after_a_restore_what_was_sent_on_since_comes_back_by_sync() {
    let mut ward = fixture("00070");
    let mut city = fixture("01");
    trust_both(&mut ward.store, &mut city.store);
    let tmp = tempfile::tempdir().unwrap();
    let bundle = |s: &mut Store, name: &str, to: Option<&str>| {
        let out = tmp.path().join(format!("{name}.sovang"));
        let opts = ExportOptions {
            to: to.map(str::to_owned),
            ..Default::default()
        };
        s.export_bundle(&out, &opts, &mut |_| {}).unwrap();
        out
    };
    let import = |s: &mut Store, file: &Path| {
        let r = s.import_bundle(file, ImportOptions::default(), &mut |_| {});
        assert!(r.error.is_none(), "{r:?}");
        r
    };
    let a = person(&mut ward.store, "Ngô Văn Hải", "00070");
    let b1 = bundle(&mut ward.store, "b1", Some("01"));
    import(&mut city.store, &b1);
    let down1 = bundle(&mut city.store, "down1", Some("00070"));
    import(&mut ward.store, &down1);
    let before = ward.store.backup(Reason::Manual).unwrap().backup.id;
    let later = person(&mut ward.store, "Ngô Văn Hiếu", "00070");
    let seq_before: i64 = ward
        .store
        .connection()
        .query_row(
            "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'change_seq'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let b2 = bundle(&mut ward.store, "b2", Some("01"));
    import(&mut city.store, &b2);
    let down2 = bundle(&mut city.store, "down2", Some("00070"));
    import(&mut ward.store, &down2);

    // The ward's disk dies; yesterday's backup comes back.
    let (mut ward, _) = restore(ward, &before);
    assert!(ward.store.get(Kind::Person, &a).is_ok());
    assert_eq!(
        ward.store.get(Kind::Person, &later).unwrap_err().code,
        Code::NotFound
    );
    let seq_after: i64 = ward
        .store
        .connection()
        .query_row(
            "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'change_seq'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        seq_after >= seq_before,
        "change numbers go on from where they were, never reused ({seq_after} < {seq_before})"
    );
    // The usual round: the ward's bundle says what it has, the city sends the rest.
    let up = bundle(&mut ward.store, "up", Some("01"));
    import(&mut city.store, &up);
    let back = bundle(&mut city.store, "back", Some("00070"));
    import(&mut ward.store, &back);
    assert!(
        ward.store.get(Kind::Person, &later).is_ok(),
        "the person made after the backup and sent to the city is back"
    );
    assert_eq!(ward.store.check().unwrap(), vec![]);
}

#[test]
fn a_second_folder_gets_every_backup_and_can_restore_alone() {
    let mut f = fixture("00070");
    let usb = tempfile::tempdir().unwrap();
    use_stick(f.dir.path(), usb.path());
    person(&mut f.store, "Đặng Văn Long", "00070");
    let made = f.store.backup(Reason::Manual).unwrap();
    assert!(matches!(made.mirror, Some(Ok(()))), "{:?}", made.mirror);
    assert!(made.backup.mirrored);
    person(&mut f.store, "Đặng Văn Lâm", "00070");
    // This PC's backups are lost; the USB stick still has them.
    std::fs::remove_dir_all(backup::root(f.dir.path())).unwrap();
    let listed = f.store.backups().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let (mut f, _) = restore(f, &made.backup.id);
    assert_eq!(people(&f.store), 1);

    // An erasure reaches the stick's log at once, not at the next backup: this PC may be
    // lost before then.
    let gone = person(&mut f.store, "Đặng Văn Xoá", "00070");
    f.store.delete(Kind::Person, &gone).unwrap();
    f.store.purge("person", &gone).unwrap();
    let log = usb
        .path()
        .join("sovang-backups")
        .join(&f.store.installation().id)
        .join("erasures.ndjson");
    assert!(
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains(&gone),
        "the stick's erasure log names the erased person"
    );

    // An unplugged stick: the backup is still made here, and the failure is said.
    BackupSettings {
        automatic: true,
        mirror: Some(usb.path().join("gone").join("deeper")),
    }
    .save(f.dir.path())
    .unwrap();
    std::fs::write(usb.path().join("gone"), b"a file where a folder should be").unwrap();
    let made = f.store.backup(Reason::Manual).unwrap();
    assert!(matches!(made.mirror, Some(Err(_))), "{:?}", made.mirror);
    assert!(f.store.verify_backup(&made.backup.id).unwrap().ok);
}

#[test]
fn imports_and_migrations_are_backed_up_first() {
    let mut ward = fixture("00070");
    let mut city = fixture("01");
    trust_both(&mut ward.store, &mut city.store);
    person(&mut ward.store, "Lý Thị Mai", "00070");
    let out = ward.dir.path().join("b.sovang");
    ward.store
        .export_bundle(&out, &ExportOptions::default(), &mut |_| {})
        .unwrap();
    let dry = city.store.import_bundle(
        &out,
        ImportOptions {
            dry_run: true,
            ..Default::default()
        },
        &mut |_| {},
    );
    assert!(
        dry.backup.is_none(),
        "a preview changes nothing and needs no backup"
    );
    let before = live(&city.store);
    let r = city
        .store
        .import_bundle(&out, ImportOptions::default(), &mut |_| {});
    let taken = r.backup.expect("an import is backed up first");
    let listed = city.store.backups().unwrap();
    let b = listed.iter().find(|b| b.id == taken).unwrap();
    assert_eq!(b.reason, Reason::BeforeImport);
    assert_eq!(
        b.records, before,
        "the backup holds the state before the import's records"
    );

    // A database one migration behind: opening it backs it up, then migrates.
    let Fixture { dir, clock, store } = city;
    drop(store);
    common::edit_database(
        dir.path(),
        "DROP TABLE erasures; DELETE FROM schema_migrations WHERE version = 12; \
         DELETE FROM meta WHERE key = 'audit_chained'; PRAGMA user_version = 11;",
    );
    let store = Store::open(dir.path(), clock.clone()).unwrap();
    let pre = store
        .backups()
        .unwrap()
        .into_iter()
        .find(|b| b.reason == Reason::BeforeMigration)
        .expect("a backup before the migration");
    assert!(store.verify_backup(&pre.id).unwrap().ok);
    assert_eq!(store.check().unwrap(), vec![]);
    drop(store);
    // Restoring it brings that old schema up to date again.
    backup::restore(dir.path(), &pre.id, clock.as_ref()).unwrap();
    let store = Store::open(dir.path(), clock.clone()).unwrap();
    assert_eq!(people(&store), 1);
    assert_eq!(store.check().unwrap(), vec![]);
}

#[test]
fn the_daily_backup_is_taken_once_a_day_and_only_when_on() {
    let f = fixture("00070");
    let dir = f.dir.path();
    assert!(backup::daily_if_due(dir, f.clock.as_ref())
        .unwrap()
        .is_some());
    assert!(
        backup::daily_if_due(dir, f.clock.as_ref())
            .unwrap()
            .is_none(),
        "one a day"
    );
    f.clock.advance_ms(25 * 3600 * 1000);
    BackupSettings {
        automatic: false,
        mirror: None,
    }
    .save(dir)
    .unwrap();
    assert!(
        backup::daily_if_due(dir, f.clock.as_ref())
            .unwrap()
            .is_none(),
        "off is off"
    );
    let status = f.store.backup_status().unwrap();
    assert!(!status.stale, "a day old is not stale");
    f.clock.advance_ms(7 * 24 * 3600 * 1000);
    assert!(
        f.store.backup_status().unwrap().stale,
        "more than 7 days is"
    );
}

#[test]
fn a_copy_taken_while_another_connection_writes_is_one_moment() {
    let mut f = fixture("00070");
    for i in 0..200 {
        person(&mut f.store, &format!("Người {i}"), "00070");
    }
    let dir = f.dir.path().to_owned();
    let clock = f.clock.clone();
    let base_live = live(&f.store);
    let live_in = |_: &Path| base_live + 100;
    let writer = std::thread::spawn(move || {
        for i in 0..100 {
            person(&mut f.store, &format!("Người mới {i}"), "00070");
        }
        f
    });
    let base = live_in(&dir) - 100;
    let made = backup::create(&dir, Reason::Manual, clock.as_ref()).unwrap();
    let f = writer.join().unwrap();
    let got = made.backup.records;
    assert!(
        (base..=base + 100).contains(&got),
        "{got} not in {base}..={}",
        base + 100
    );
    assert!(f.store.verify_backup(&made.backup.id).unwrap().ok);
}

#[test]
fn an_erasure_applied_again_by_a_restore_still_reaches_the_city() {
    let mut ward = fixture("00070");
    let mut city = fixture("01");
    trust_both(&mut ward.store, &mut city.store);
    let tmp = tempfile::tempdir().unwrap();
    let p = person(&mut ward.store, "Lương Thị Xoá", "00070");
    let up = |s: &mut Store, name: &str| {
        let out = tmp.path().join(format!("{name}.sovang"));
        let opts = ExportOptions {
            to: Some("01".into()),
            ..Default::default()
        };
        s.export_bundle(&out, &opts, &mut |_| {}).unwrap();
        out
    };
    let b1 = up(&mut ward.store, "b1");
    let r = city
        .store
        .import_bundle(&b1, ImportOptions::default(), &mut |_| {});
    assert!(r.error.is_none(), "{r:?}");
    assert!(city.store.get(Kind::Person, &p).is_ok());
    // Backed up right after sending: the backup's change number is what the city has had.
    let b = ward.store.backup(Reason::Manual).unwrap().backup.id;
    ward.store.delete(Kind::Person, &p).unwrap();
    ward.store.purge("person", &p).unwrap();
    // The erasure is not sent before the disk is restored from the backup.
    let (mut ward, r) = restore(ward, &b);
    assert_eq!(r.erasures_applied, 1);
    let b2 = up(&mut ward.store, "b2");
    let r = city
        .store
        .import_bundle(&b2, ImportOptions::default(), &mut |_| {});
    assert!(r.error.is_none(), "{r:?}");
    assert_eq!(
        city.store.get(Kind::Person, &p).unwrap_err().code,
        Code::NotFound,
        "the erasure applied again is a change made now, and the next bundle carries it"
    );
}

#[test]
fn another_installations_erasure_log_on_a_shared_stick_erases_nothing() {
    let mut f = fixture("00070");
    let usb = tempfile::tempdir().unwrap();
    use_stick(f.dir.path(), usb.path());
    let p = person(&mut f.store, "Tạ Văn Còn", "00070");
    let b = f.store.backup(Reason::Manual).unwrap().backup.id;
    // Another PC's folder on the stick, with a log naming this person (and a kind no
    // version knows, which must not stop the restore either).
    let other = usb
        .path()
        .join("sovang-backups")
        .join("another-installation");
    std::fs::create_dir_all(&other).unwrap();
    let line = |kind: &str| {
        serde_json::json!({
            "id": p, "kind": kind, "unit": "00070",
            "erased_at": "2026-12-01T00:00:00Z", "erased_by": "máy khác", "version": ""
        })
        .to_string()
    };
    std::fs::write(
        other.join("erasures.ndjson"),
        format!("{}\n{}\n", line("person"), line("bogus")),
    )
    .unwrap();
    // And this installation's own log holds a kind no version knows.
    std::fs::write(
        f.dir.path().join("erasures.ndjson"),
        format!("{}\n", line("bogus")),
    )
    .unwrap();
    let (f, r) = restore(f, &b);
    assert_eq!(r.erasures_applied, 0, "{r:?}");
    assert!(
        f.store.get(Kind::Person, &p).is_ok(),
        "another installation's log is nobody's word here"
    );
}

#[test]
fn a_backup_taken_with_the_clock_set_back_keeps_itself() {
    let mut f = fixture("00070");
    person(&mut f.store, "Hồ Văn Pin", "00070");
    // A backup a month for 14 months: the rule keeps the newest of the last 12 months, 4
    // weeks, 7 days and 5 manual ones, so a backup dated before all of them has no place.
    for _ in 0..14 {
        f.clock.advance_ms(31 * 86_400_000);
        f.store.backup(Reason::Manual).unwrap();
    }
    // The motherboard battery died: the clock says 2010.
    f.clock.advance_ms(-17 * 365 * 86_400_000);
    let made = f.store.backup(Reason::Manual).unwrap();
    assert!(
        backup::list(f.dir.path())
            .iter()
            .any(|x| x.id == made.backup.id),
        "the backup just written is kept whatever its date: {:?}",
        made.pruned
    );
    assert!(!made.pruned.contains(&made.backup.id));
}

#[test]
fn a_copy_whose_attachments_name_no_hash_is_refused() {
    let mut f = fixture("00070");
    let p = person(&mut f.store, "Kha Văn Ảnh", "00070");
    attach_photo(&mut f, &p, b"\x89PNG\r\n\x1a\nanh");
    let b = f.store.backup(Reason::Manual).unwrap().backup.id;
    // The copy edited by hand, its manifest made to match.
    let dir = backup::root(f.dir.path()).join(&b);
    let copy = dir.join("sovang.db");
    {
        let c = rusqlite::Connection::open(&copy).unwrap();
        c.execute("UPDATE attachments SET sha256 = ?1", ["ữ".repeat(64)])
            .unwrap();
    }
    let bytes = std::fs::read(&copy).unwrap();
    edit_manifest(f.dir.path(), &b, |m| {
        m["db_sha256"] = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)).into();
        m["db_size"] = bytes.len().into();
    });
    let Fixture { dir, clock, store } = f;
    drop(store);
    let e = backup::restore(dir.path(), &b, clock.as_ref()).unwrap_err();
    assert_eq!(
        e.code,
        Code::BackupDamaged,
        "a hash that is no hash would name a path later: {e:?}"
    );
    let store = Store::open(dir.path(), clock.clone()).unwrap();
    assert_eq!(people(&store), 1, "the current data is untouched");
    assert!(
        store.backup(Reason::Manual).is_ok(),
        "and later backups still work"
    );
}

#[test]
fn a_database_a_crash_left_damaged_with_its_wal_is_restored_over() {
    let mut f = fixture("00070");
    person(&mut f.store, "Cao Văn Sập", "00070");
    let b = f.store.backup(Reason::Manual).unwrap().backup.id;
    person(&mut f.store, "Cao Văn Nguồn", "00070");
    let wal = f.dir.path().join("sovang.db-wal");
    let Fixture { dir, clock, store } = f;
    drop(store);
    // The power went: the database damaged, and a torn WAL left beside it.
    // (Pages of it: SQLite reads a file shorter than a page as empty, and drops its WAL.)
    std::fs::write(dir.path().join("sovang.db"), vec![0xa5; 16384]).unwrap();
    std::fs::write(&wal, vec![0x5a; 4096]).unwrap();
    let r = backup::restore(dir.path(), &b, clock.as_ref())
        .expect("a WAL a crash left is no other process (SQLite drops it): the restore goes on");
    assert!(r.safety_backup.is_some_and(|s| s.contains("damaged-")));
    let store = Store::open(dir.path(), clock.clone()).unwrap();
    assert_eq!(people(&store), 1);
    assert_eq!(store.check().unwrap(), vec![]);
}

#[test]
fn while_one_process_restores_no_other_restores_or_opens_the_database() {
    let mut f = fixture("00070");
    person(&mut f.store, "Ông Văn Đợi", "00070");
    let b = f.store.backup(Reason::Manual).unwrap().backup.id;
    let Fixture { dir, clock, store } = f;
    drop(store);
    // Another process is half-way through a restore: it holds the lock, its copy is staged.
    let lock = std::fs::File::create(dir.path().join(backup::RESTORE_LOCK)).unwrap();
    lock.lock().unwrap();
    let staged = dir.path().join("sovang.db.restoring");
    std::fs::write(&staged, b"the other process's copy, being written").unwrap();
    let e = backup::restore(dir.path(), &b, clock.as_ref()).unwrap_err();
    assert_eq!(
        e.code,
        Code::DatabaseInUse,
        "a second restore waits its turn"
    );
    let e = Store::open(dir.path(), clock.clone()).err().unwrap();
    assert_eq!(
        e.code,
        Code::DatabaseInUse,
        "the database is not opened between the check and the swap"
    );
    assert!(
        staged.exists(),
        "and the other's staged copy is not deleted"
    );
    // The other process dies: its lock goes with it, and the next open cleans up.
    drop(lock);
    let store = Store::open(dir.path(), clock.clone()).unwrap();
    assert!(!staged.exists(), "a copy no restore holds is left over");
    assert_eq!(people(&store), 1);
}

#[test]
fn a_damaged_file_kept_here_is_made_again_and_the_sticks_copy_restores() {
    let mut f = fixture("00070");
    let usb = tempfile::tempdir().unwrap();
    use_stick(f.dir.path(), usb.path());
    let p = person(&mut f.store, "Lạc Thị Tệp", "00070");
    let sha = attach_photo(&mut f, &p, b"\x89PNG\r\n\x1a\nanh-nguyen-ven")["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = f.store.backup(Reason::Manual).unwrap().backup.id;
    let kept = kept_file(f.dir.path(), &sha);
    // A truncated copy here is made again by the next backup.
    std::fs::write(&kept, b"\x89PNG").unwrap();
    f.clock.advance_ms(60_000);
    let second = f.store.backup(Reason::Manual).unwrap().backup.id;
    assert!(
        f.store.verify_backup(&second).unwrap().ok,
        "the next backup copies a file of the wrong size afresh"
    );
    // A bit flipped here (same size): verify finds it and drops it; the next backup copies it.
    std::fs::write(&kept, b"\x89PNG\r\n\x1a\nanh-NGUYEN-ven").unwrap();
    assert!(!f.store.verify_backup(&first).unwrap().ok);
    f.clock.advance_ms(60_000);
    let third = f.store.backup(Reason::Manual).unwrap().backup.id;
    assert!(f.store.verify_backup(&third).unwrap().ok);
    // The data folder's file damaged, the kept copy whole: backups go on naming the good copy.
    std::fs::write(f.store.attachment_path(&sha), b"\x89PNG").unwrap();
    f.clock.advance_ms(60_000);
    let fourth = f
        .store
        .backup(Reason::Manual)
        .expect("a damaged file in the data folder does not stop the backups");
    assert!(f.store.verify_backup(&fourth.backup.id).unwrap().ok);
    // Damaged here again, whole on the stick: a restore takes the stick's copy.
    std::fs::write(&kept, b"\x89PNG\r\n\x1a\nanh-NGUYEN-ven").unwrap();
    let (f, _) = restore(f, &first);
    assert_eq!(
        std::fs::read(f.store.attachment_path(&sha)).unwrap(),
        b"\x89PNG\r\n\x1a\nanh-nguyen-ven",
        "the photo cut short in the data folder comes back whole from the stick"
    );
}

#[test]
fn a_newer_versions_backup_is_refused_before_anything_is_backed_up() {
    let mut f = fixture("00070");
    person(&mut f.store, "Tân Văn Mới", "00070");
    let b = f.store.backup(Reason::Manual).unwrap().backup.id;
    edit_manifest(f.dir.path(), &b, |m| m["schema_version"] = 999.into());
    let before = backup::list(f.dir.path()).len();
    let Fixture { dir, clock, store } = f;
    drop(store);
    let e = backup::restore(dir.path(), &b, clock.as_ref()).unwrap_err();
    assert_eq!(e.code, Code::SchemaTooNew, "{e:?}");
    assert_eq!(
        backup::list(dir.path()).len(),
        before,
        "no safety backup taken, none pruned: nothing changed"
    );
}

#[test]
fn files_a_newer_versions_backup_names_are_not_pruned() {
    let mut f = fixture("00070");
    let p = person(&mut f.store, "Lê Văn Sau", "00070");
    let att = attach_photo(&mut f, &p, b"\x89PNG\r\n\x1a\nanh-ban-moi");
    let sha = att["sha256"].as_str().unwrap().to_owned();
    let b = f.store.backup(Reason::Manual).unwrap().backup.id;
    // Written by a newer version, with a reason this one does not know.
    edit_manifest(f.dir.path(), &b, |m| {
        m["reason"] = "before_something_new".into()
    });
    // The photo taken off: later backups no longer name it.
    f.store.detach(att["id"].as_str().unwrap()).unwrap();
    f.clock.advance_ms(60_000);
    f.store.backup(Reason::Manual).unwrap();
    let kept = kept_file(f.dir.path(), &sha);
    assert!(
        kept.exists(),
        "the newer version's backup still needs its photo"
    );
}

#[test]
fn an_installation_id_that_is_no_folder_name_gets_no_second_folder() {
    let mut f = fixture("00070");
    let usb = tempfile::tempdir().unwrap();
    let stick = usb.path().join("stick");
    std::fs::create_dir(&stick).unwrap();
    use_stick(f.dir.path(), &stick);
    person(&mut f.store, "Lò Văn Lạ", "00070");
    // A database made by hand names its installation "..": the stick's folder would be the
    // stick itself, and its pruning would run there.
    f.store
        .connection()
        .execute(
            "UPDATE meta SET value = '..' WHERE key = 'installation_id'",
            [],
        )
        .unwrap();
    let made = f.store.backup(Reason::Manual).unwrap();
    assert!(made.mirror.is_none(), "{:?}", made.mirror);
    assert!(
        !stick.join(&made.backup.id).exists(),
        "nothing is written outside the stick's sovang-backups folder"
    );
}
