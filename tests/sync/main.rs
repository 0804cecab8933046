//! Black-box tests of sync bundles through the `sovang` binary: two installations exchange
//! bundles, and an import killed at random moments leaves the database whole, with none or
//! all of the bundle.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sovang_tests::{binary, Sovang};

fn init(s: &Sovang, unit: &str) {
    s.ok(&["--json", "init", "--unit", unit]);
}

/// `to` trusts `from`'s key, from the card file `from` exports.
fn trust(from: &Sovang, to: &Sovang) -> String {
    let card = from.dir.path().join("card.json");
    let card_s = card.to_str().unwrap();
    from.ok(&["--json", "identity", "export", "--out", card_s]);
    let k = to.ok(&["--json", "trust", "add", card_s]);
    k["fingerprint"].as_str().unwrap().to_string()
}

fn records(s: &Sovang) -> u64 {
    let v = s.ok(&["--json", "stats"]);
    ["people", "entries", "projects", "updates", "nominations"]
        .iter()
        .map(|k| v[k].as_u64().unwrap_or(0))
        .sum()
}

#[test]
fn two_installations_exchange_bundles_from_the_command_line() {
    let (ward, city) = (Sovang::new(), Sovang::new());
    init(&ward, "00070");
    init(&city, "01");
    let fp = trust(&ward, &city);
    trust(&city, &ward);
    let shown = ward.ok(&["--json", "identity", "show"]);
    assert_eq!(
        shown["fingerprint"],
        fp.as_str(),
        "the card carries the key shown"
    );
    assert_eq!(
        fp.split('-').count(),
        8,
        "eight groups of five digits, to read by phone"
    );
    let p = ward.put(
        "person",
        r#"{"full_name":"Nguyễn Thị Minh Anh","unit":"00070"}"#,
    );
    assert_eq!(p.code, 0, "{}", p.stderr);
    let out = ward.dir.path().join("to-city.sovang");
    let out_s = out.to_str().unwrap();
    let e = ward.run(&["export", "--out", out_s, "--to", "01"]);
    assert_eq!(e.code, 0, "{}", e.stderr);

    let preview = city.ok(&["--json", "import", "--dry-run", out_s]);
    assert_eq!(preview[0]["created"], 1, "the preview shows one new person");
    assert_eq!(records(&city), 0, "a dry run writes nothing");
    let r = city.ok(&["--json", "import", out_s]);
    let keys: Vec<&str> = [
        "file",
        "created",
        "updated",
        "unchanged",
        "conflicts",
        "held",
        "rejected",
        "error",
    ]
    .to_vec();
    for k in keys {
        assert!(r[0].get(k).is_some(), "the report has `{k}`: {}", r[0]);
    }
    assert_eq!(r[0]["created"], 1);
    assert_eq!(r[0]["error"], Value::Null);
    let again = city.ok(&["--json", "import", out_s, out_s]);
    assert_eq!(again[0]["unchanged"], 1, "importing again changes nothing");
    assert_eq!(again[1]["unchanged"], 1);

    // And back down: the city's change reaches the ward.
    let id = p.json()["id"].as_str().unwrap().to_string();
    let edit = format!(r#"{{"id":"{id}","position":"Bí thư chi đoàn"}}"#);
    assert_eq!(city.put("person", &edit).code, 0);
    let down = city.dir.path().join("to-ward.sovang");
    let down_s = down.to_str().unwrap();
    city.ok(&["--json", "export", "--out", down_s, "--to", "00070"]);
    let r = ward.ok(&["--json", "import", down_s]);
    assert_eq!(r[0]["updated"], 1, "{}", r[0]);
    let got = ward.ok(&["--json", "get", "person", &id]);
    assert_eq!(got["data"]["position"], "Bí thư chi đoàn");
    assert_eq!(
        ward.ok(&["--json", "conflicts", "list"]),
        Value::Array(vec![])
    );

    // A revoked key's bundles are refused, with a clear error and exit code 1.
    city.ok(&["--json", "trust", "revoke", &fp]);
    let refused = city.run(&["import", out_s]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("bundle_revoked"),
        "{}",
        refused.stderr
    );
    let listed = city.ok(&["--json", "trust", "list"]);
    assert!(listed[0]["revoked_at"].is_string());
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

/// Kills `sovang import` at random moments, at least 50 times: each time the database must
/// pass `check` and hold either none or all of the bundle's records.
#[test]
fn an_import_killed_at_any_moment_leaves_none_or_all_of_the_bundle() {
    let kills: u64 = std::env::var("KILL_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let (ward, base) = (Sovang::new(), Sovang::new());
    init(&ward, "00070");
    init(&base, "01");
    trust(&ward, &base);
    ward.ok(&["--json", "demo", "--records", "3000", "--seed", "7"]);
    let total = records(&ward);
    let bundle = ward.dir.path().join("demo.sovang");
    ward.ok(&[
        "--json",
        "export",
        "--out",
        bundle.to_str().unwrap(),
        "--full",
    ]);

    // How long a whole import takes, to spread the kills over it.
    let probe = tempfile::tempdir().unwrap();
    copy_dir(base.dir.path(), probe.path());
    let start = Instant::now();
    let ok = Command::new(binary())
        .arg("--data-dir")
        .arg(probe.path())
        .args(["import", bundle.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let full_ms = start.elapsed().as_millis() as u64;

    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let (mut none, mut all) = (0, 0);
    for i in 0..kills {
        let run = tempfile::tempdir().unwrap();
        copy_dir(base.dir.path(), run.path());
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = seed % (full_ms + full_ms / 5 + 1);
        let mut child = Command::new(binary())
            .arg("--data-dir")
            .arg(run.path())
            .args(["import", bundle.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill(); // SIGKILL: no chance to clean up
        let _ = child.wait();
        let s = Sovang { dir: run };
        let check = s.run(&["--json", "check"]);
        assert_eq!(
            check.code, 0,
            "run {i} (killed after {delay} ms): the database must be whole: {}",
            check.stdout
        );
        let n = records(&s);
        assert!(
            n == 0 || n == total,
            "run {i} (killed after {delay} ms): {n} records, but a bundle is all ({total}) or nothing"
        );
        if n == 0 {
            none += 1
        } else {
            all += 1
        }
    }
    eprintln!("{kills} kills over {full_ms} ms imports: {none} left nothing, {all} left all");
    assert!(none > 0, "some kills must land before the commit");
}
