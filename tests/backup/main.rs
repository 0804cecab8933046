//! Black-box tests of backups and erasure through the `sovang` binary: a restore killed at
//! every step (and at random moments) leaves a working database on the old state or the new,
//! never between; a purge leaves no trace in the data folder's raw files and reaches a second
//! installation; the backup commands speak JSON and refuse a damaged backup.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sovang_tests::{binary, Sovang};

fn init(s: &Sovang, unit: &str) {
    s.ok(&["--json", "init", "--unit", unit]);
}

fn trust(from: &Sovang, to: &Sovang) {
    let card = from.dir.path().join("card.json");
    let card_s = card.to_str().unwrap();
    from.ok(&["--json", "identity", "export", "--out", card_s]);
    to.ok(&["--json", "trust", "add", card_s]);
}

fn people(s: &Sovang) -> u64 {
    s.ok(&["--json", "stats"])["people"].as_u64().unwrap_or(0)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn restore_cmd(dir: &Path, id: &str) -> Command {
    let mut cmd = Command::new(binary());
    cmd.arg("--data-dir")
        .arg(dir)
        .args(["backup", "restore", id])
        .env("HOME", dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// A ward with demo data, a backup of it, and more people since: (the folder, the backup,
/// people in the backup, people now).
fn ward_with_a_backup() -> (Sovang, String, u64, u64) {
    let ward = Sovang::new();
    init(&ward, "00070");
    ward.ok(&["--json", "demo", "--records", "1500", "--seed", "3"]);
    let backed = people(&ward);
    let b = ward.ok(&["--json", "backup", "create"]);
    let id = b["backup"]["id"].as_str().unwrap().to_owned();
    ward.ok(&["--json", "demo", "--records", "600", "--seed", "4"]);
    let now = people(&ward);
    assert!(now > backed, "more people since the backup");
    (ward, id, backed, now)
}

/// After a killed restore: the database passes `check` and is one of the two states.
fn whole_and_one_of(dir: &Path, states: &[u64], what: &str) -> u64 {
    let s = Sovang {
        dir: tempfile::TempDir::new_in(dir.parent().unwrap()).unwrap(),
    };
    copy_dir(dir, s.dir.path());
    let check = s.run(&["--json", "check"]);
    assert_eq!(
        check.code, 0,
        "{what}: the database must be whole: {}",
        check.stdout
    );
    let n = people(&s);
    assert!(
        states.contains(&n),
        "{what}: {n} people, but only {states:?} are states"
    );
    n
}

#[test]
fn a_restore_killed_at_every_step_leaves_the_old_state_or_the_new() {
    let (ward, id, backed, now) = ward_with_a_backup();
    let scratch = tempfile::tempdir().unwrap();
    // Each step, stopped dead (no clean-up runs).
    let steps = [
        ("verify", now),
        ("safety", now),
        ("stage", now),
        ("prepare", now),
        ("attachments", now),
        ("swap", now),
        ("done", backed),
    ];
    for (i, (step, expected)) in steps.iter().enumerate() {
        let run = scratch.path().join(format!("step-{i}"));
        copy_dir(ward.dir.path(), &run);
        let status = restore_cmd(&run, &id)
            .env("SOVANG_ABORT_AT", step)
            .status()
            .unwrap();
        assert!(!status.success(), "the restore was stopped at {step}");
        let n = whole_and_one_of(&run, &[backed, now], step);
        assert_eq!(
            n, *expected,
            "stopped at {step}: the rename is the one moment the state changes"
        );
        // And the stopped restore can simply be run again.
        let again = restore_cmd(&run, &id).status().unwrap();
        assert!(
            again.success(),
            "a restore after one stopped at {step} succeeds"
        );
        assert_eq!(whole_and_one_of(&run, &[backed], step), backed);
    }

    // Random moments, with SIGKILL, over the whole length of a restore.
    let probe = scratch.path().join("probe");
    copy_dir(ward.dir.path(), &probe);
    let start = Instant::now();
    assert!(restore_cmd(&probe, &id).status().unwrap().success());
    let full_ms = start.elapsed().as_millis() as u64;
    let kills: u64 = std::env::var("KILL_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let (mut old, mut new) = (0, 0);
    for i in 0..kills {
        let run = scratch.path().join(format!("kill-{i}"));
        copy_dir(ward.dir.path(), &run);
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = seed % (full_ms + full_ms / 5 + 1);
        let mut child = restore_cmd(&run, &id).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        match whole_and_one_of(&run, &[backed, now], &format!("killed after {delay} ms")) {
            n if n == now => old += 1,
            _ => new += 1,
        }
        let _ = std::fs::remove_dir_all(&run);
    }
    eprintln!("{kills} kills over {full_ms} ms restores: {old} left the old state, {new} the new");
}

const NAME: &str = "Phạm Thị Thanh Xuân";
const PHONE: &str = "0912345678";
const PHOTO: &[u8] = b"\x89PNG\r\n\x1a\nanh-the-rieng-cua-nguoi-bi-xoa-91c2";

fn files_under(dir: &Path, skip: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if skip(&p) {
            continue;
        }
        if p.is_dir() {
            out.extend(files_under(&p, skip));
        } else {
            out.push(p);
        }
    }
    out
}

fn traces(files: &[PathBuf]) -> Vec<String> {
    let mut found = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).unwrap();
        for (what, needle) in [
            ("name", NAME.as_bytes()),
            ("phone", PHONE.as_bytes()),
            ("photo", PHOTO),
        ] {
            if bytes.windows(needle.len()).any(|w| w == needle) {
                found.push(format!("{what} in {}", f.display()));
            }
        }
    }
    found
}

/// The data folder's files a purge must leave clean: all but the backups taken before the
/// erasure (marked as such in `backup list`) and the attachment store only they use.
fn after_the_purge(s: &Sovang) -> Vec<PathBuf> {
    let list = s.ok(&["--json", "backup", "list"]);
    let older: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["erased_since"].as_u64().unwrap_or(0) > 0)
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        !older.is_empty(),
        "the backups from before are marked: {list}"
    );
    let root = s.dir.path().join("backups");
    let skip =
        |p: &Path| p == root.join("attachments") || older.iter().any(|id| p == root.join(id));
    files_under(s.dir.path(), &skip)
}

#[test]
fn a_purge_leaves_no_trace_in_the_files_and_reaches_the_city() {
    let (ward, city) = (Sovang::new(), Sovang::new());
    init(&ward, "00070");
    init(&city, "01");
    trust(&ward, &city);
    trust(&city, &ward);
    let p = ward.put(
        "person",
        &serde_json::json!({"full_name": NAME, "unit": "00070", "birth_date": "12/03/2001", "phone": PHONE})
            .to_string(),
    );
    assert_eq!(p.code, 0, "{}", p.stderr);
    let person = p.json()["id"].as_str().unwrap().to_owned();
    let photo = ward.dir.path().join("anh.png");
    std::fs::write(&photo, PHOTO).unwrap();
    ward.ok(&[
        "--json",
        "attach",
        "person",
        &person,
        photo.to_str().unwrap(),
    ]);
    std::fs::remove_file(&photo).unwrap();
    let entry = serde_json::json!({"unit": "00070", "person_id": person, "title": "Hiến máu",
        "deed_date": "2026-03-01", "recorded_by": "Lê Văn Ghi", "values": ["trach_nhiem"]});
    let e = ward.put("entry", &entry.to_string());
    assert_eq!(e.code, 0, "{}", e.stderr);
    ward.ok(&["--json", "backup", "create"]);
    let b1 = ward.dir.path().join("b1.sovang");
    ward.ok(&[
        "--json",
        "export",
        "--to",
        "01",
        "--out",
        b1.to_str().unwrap(),
    ]);
    city.ok(&["--json", "import", b1.to_str().unwrap()]);
    assert_eq!(people(&city), 1);

    let unconfirmed = ward.run(&["--json", "purge", "person", &person]);
    assert_eq!(unconfirmed.code, 1, "a purge needs --yes");
    let live = ward.run(&["--json", "purge", "person", &person, "--yes"]);
    assert!(
        live.stderr.contains("purge_not_in_trash"),
        "{}",
        live.stderr
    );
    assert_eq!(people(&ward), 1, "refused purges change nothing");
    ward.ok(&["--json", "delete", "person", &person]);
    let r = ward.ok(&["--json", "purge", "person", &person, "--yes"]);
    assert_eq!(r["records"], 2, "{r}");
    ward.ok(&["--json", "backup", "create"]);
    let b2 = ward.dir.path().join("b2.sovang");
    ward.ok(&[
        "--json",
        "export",
        "--to",
        "01",
        "--out",
        b2.to_str().unwrap(),
    ]);
    let imported = city.ok(&["--json", "import", b2.to_str().unwrap()]);
    assert_eq!(imported[0]["erased"], 3, "{imported}");
    city.ok(&["--json", "backup", "create"]);

    for s in [&ward, &city] {
        assert_eq!(s.ok(&["--json", "check"])["ok"], true);
        let mut files = after_the_purge(s);
        assert!(files.iter().any(|f| f.ends_with("sovang.db")));
        files.retain(|f| f != &b1); // the bundle from before the erasure
        assert_eq!(
            traces(&files),
            Vec::<String>::new(),
            "no trace in {}",
            s.dir.path().display()
        );
    }
    assert_eq!(
        traces(&[b2]),
        Vec::<String>::new(),
        "nor in the bundle that carried the erasure"
    );
    // The old bundle again: the erased records are refused.
    let again = city.ok(&["--json", "import", b1.to_str().unwrap()]);
    assert_eq!(again[0]["created"], 0, "{again}");
    assert_eq!(people(&city), 0);
}

#[test]
fn backup_commands_speak_json_and_refuse_a_damaged_backup() {
    let s = Sovang::new();
    init(&s, "00070");
    assert_eq!(s.ok(&["--json", "backup", "list"]), Value::Array(vec![]));
    let made = s.ok(&["--json", "backup", "create"]);
    let id = made["backup"]["id"].as_str().unwrap().to_owned();
    assert_eq!(made["backup"]["reason"], "manual");
    let v = s.ok(&["--json", "backup", "verify", &id]);
    assert_eq!(v["ok"], true, "{v}");
    let copy = s.dir.path().join("backups").join(&id).join("sovang.db");
    let mut bytes = std::fs::read(&copy).unwrap();
    let n = bytes.len();
    bytes[n / 3] ^= 0x55;
    std::fs::write(&copy, bytes).unwrap();
    let bad = s.run(&["--json", "backup", "verify", &id]);
    assert_eq!(bad.code, 1, "a damaged backup fails verify: {}", bad.stdout);
    assert_eq!(bad.json()["ok"], false);
    let refused = s.run(&["--json", "backup", "restore", &id]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("backup_damaged"),
        "{}",
        refused.stderr
    );
    let unknown = s.run(&["--json", "backup", "restore", "nope"]);
    assert!(
        unknown.stderr.contains("backup_not_found"),
        "{}",
        unknown.stderr
    );
    let usb = tempfile::tempdir().unwrap();
    let set = s.ok(&[
        "--json",
        "backup",
        "settings",
        "--mirror",
        usb.path().to_str().unwrap(),
        "--automatic",
        "off",
    ]);
    assert_eq!(set["automatic"], false);
    let made = s.ok(&["--json", "backup", "create"]);
    assert_eq!(made["backup"]["mirrored"], true, "{made}");
    let zip = s.dir.path().join("nobody.zip");
    let missing = s.run(&[
        "--json",
        "person-data",
        "01900000-0000-7000-8000-000000000000",
        "--out",
        zip.to_str().unwrap(),
    ]);
    assert_eq!(missing.code, 1);
    assert!(!zip.exists(), "nothing is written for no one");
}
