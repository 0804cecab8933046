//! Black-box tests of the `sovang` binary: what a script or a cadre at a terminal sees.

use serde_json::Value;
use sovang_tests::Sovang;

fn init(s: &Sovang, unit: &str) {
    s.ok(&["--json", "init", "--unit", unit]);
}

/// A person in ward 00070, as the JSON `put` printed.
fn person(s: &Sovang, full_name: &str) -> Value {
    let r = s.put(
        "person",
        &serde_json::json!({"full_name": full_name, "unit": "00070"}).to_string(),
    );
    assert_eq!(r.code, 0, "a valid person must be stored: {}", r.stderr);
    r.json()
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("a record has an id").to_string()
}

/// A failure is one clear line on stderr, exit code non-zero, never a panic or backtrace.
fn assert_clean_failure(r: &sovang_tests::Run, code: &str) {
    assert_ne!(r.code, 0, "must fail; stdout: {}", r.stdout);
    assert_eq!(
        r.stderr.trim_end().lines().count(),
        1,
        "exactly one line on stderr: {:?}",
        r.stderr
    );
    assert!(
        r.stderr.contains(code),
        "stderr must name the error code {code}: {}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("RUST_BACKTRACE"),
        "no panic: {}",
        r.stderr
    );
}

#[test]
fn init_is_repeatable_and_belongs_to_one_unit() {
    let s = Sovang::new();
    let v = s.ok(&["--json", "init", "--unit", "00070"]);
    assert_eq!(
        v["unit_name"], "Phường Hoàn Kiếm",
        "code 00070 is Phường Hoàn Kiếm in the official list"
    );
    let again = s.ok(&["--json", "init", "--unit", "00070"]);
    assert_eq!(
        again["installation_id"], v["installation_id"],
        "running init again changes nothing"
    );
    let other = s.run(&["init", "--unit", "00004"]);
    assert_clean_failure(&other, "initialized_for_other_unit");
    let stats = s.ok(&["--json", "stats"]);
    assert_eq!(
        stats["units"], 3355,
        "34 provinces and 3,321 communes and wards, loaded once"
    );
}

#[test]
fn commands_before_init_say_what_to_do() {
    let s = Sovang::new();
    let r = s.run(&["stats"]);
    assert_clean_failure(&r, "not_initialized");
    assert!(
        r.stderr.contains("sovang init"),
        "the message says to run init: {}",
        r.stderr
    );
    let bad = s.run(&["init", "--unit", "12345678"]);
    assert_clean_failure(&bad, "unknown_unit");
}

#[test]
fn bad_arguments_get_one_line() {
    let s = Sovang::new();
    assert_clean_failure(&s.run(&["--bogus"]), "invalid_argument");
    assert_clean_failure(&s.run(&["list", "dog"]), "invalid_argument");
    assert_clean_failure(
        &s.run(&["list", "person", "--limit", "many"]),
        "invalid_argument",
    );
    assert_clean_failure(&s.run(&["--lang", "fr", "stats"]), "invalid_argument");
}

#[test]
fn put_get_list_search_delete_restore() {
    let s = Sovang::new();
    init(&s, "00070");
    let p = s.put(
        "person",
        r#"{"full_name":"Nguyễn Thị Minh Anh","unit":"00070","birth_date":"15/08/2001"}"#,
    );
    assert_eq!(p.code, 0, "{}", p.stderr);
    let p = p.json();
    assert_eq!(
        p["data"]["birth_date"], "2001-08-15",
        "dd/mm/yyyy input is stored as an ISO date"
    );
    let entry = format!(
        r#"{{"unit":"00070","title":"Đưa cụ già lạc đường về nhà","deed_date":"02/09/2025","person_id":"{}","recorded_by":"Trần Văn Ghi"}}"#,
        id(&p)
    );
    let e = s.put("entry", &entry).json();
    let got = s.ok(&["--json", "get", "entry", &id(&e)]);
    assert_eq!(got["data"]["title"], "Đưa cụ già lạc đường về nhà");
    assert_eq!(
        got["created_by"], "Quản trị viên",
        "the default user is named at init"
    );

    let found = s.ok(&["--json", "search", "dua cu gia"]);
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "typing without diacritics finds the entry");
    for key in ["kind", "id", "title", "unit"] {
        assert!(items[0].get(key).is_some(), "search items carry {key}");
    }
    assert_eq!(items[0]["kind"], "entry");
    assert!(
        found.get("next").is_some(),
        "the page says whether there is a next one"
    );
    let by_person = s.ok(&["--json", "search", "nguyen", "--kind", "person"]);
    assert_eq!(
        by_person["items"][0]["title"], "Nguyễn Thị Minh Anh",
        "\"nguyen\" finds \"Nguyễn\""
    );

    let list = s.ok(&[
        "--json", "list", "entry", "--unit", "00070", "--year", "2025",
    ]);
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "the filter by unit and year keeps the entry"
    );
    let none = s.ok(&["--json", "list", "entry", "--year", "2024"]);
    assert!(
        none["items"].as_array().unwrap().is_empty(),
        "and another year drops it"
    );

    s.ok(&["--json", "delete", "entry", &id(&e)]);
    assert!(s.ok(&["--json", "search", "dua cu gia"])["items"]
        .as_array()
        .unwrap()
        .is_empty());
    let trash = s.ok(&["--json", "list", "entry", "--trash"]);
    assert_eq!(
        trash["items"].as_array().unwrap().len(),
        1,
        "deleted records wait in the trash"
    );
    s.ok(&["--json", "restore", "entry", &id(&e)]);
    assert_eq!(
        s.ok(&["--json", "search", "dua cu gia"])["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let history = s.ok(&["--json", "history", &id(&e)]);
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["create", "delete", "restore"],
        "every change is in the audit trail"
    );
    let check = s.ok(&["--json", "check"]);
    assert_eq!(check["ok"], true, "check passes: {check}");
}

#[test]
fn bad_input_changes_nothing() {
    let s = Sovang::new();
    init(&s, "00070");
    let before = s.ok(&["--json", "stats"]);
    let cases = [
        ("{not json", "invalid_json"),
        (
            r#"{"unit":"00070","name":"Sân chơi","field":"social","start_date":"10/05/2025","end_date":"01/05/2025"}"#,
            "end_before_start",
        ),
        (
            r#"{"unit":"00070","name":"Sân chơi","field":"social","start_date":"10/05/2025","budget_vnd":-1}"#,
            "negative_amount",
        ),
        (
            r#"{"unit":"77777","name":"Sân chơi","field":"social","start_date":"10/05/2025"}"#,
            "unknown_unit",
        ),
        (
            r#"{"unit":"00004","name":"Sân chơi","field":"social","start_date":"10/05/2025"}"#,
            "unit_out_of_scope",
        ),
        (r#"[1,2]"#, "not_an_object"),
        (
            r#"{"unit":"00070","field":"social","start_date":"10/05/2025"}"#,
            "required",
        ),
    ];
    for (input, code) in cases {
        let r = s.put("project", input);
        assert_clean_failure(&r, code);
        assert_eq!(
            r.json()["error"]["code"],
            code,
            "--json also prints the error document"
        );
    }
    let r = s.put("project", r#"{"unit":"00070","name":"A","field":"social","start_date":"10/05/2025","end_date":"01/05/2025"}"#);
    assert_eq!(
        r.json()["error"]["field"],
        "end_date",
        "the error names the field"
    );
    let r = s.put(
        "project",
        r#"{"unit":"00070","name":"","field":"social","start_date":"10/05/2025","budget_vnd":-1}"#,
    );
    assert_clean_failure(&r, "required");
    assert!(
        r.stderr.contains("negative_amount [budget_vnd]"),
        "all problems on the one line: {}",
        r.stderr
    );
    assert_eq!(
        r.json()["error"]["others"][0]["field"],
        "budget_vnd",
        "--json lists the other problems"
    );
    let after = s.ok(&["--json", "stats"]);
    assert_eq!(
        before, after,
        "refused input must leave the data exactly as it was"
    );
    let en = s.run(&["--lang", "en", "get", "person", "nope"]);
    assert!(
        en.stderr.contains("not found"),
        "--lang en gives English: {}",
        en.stderr
    );
    let vi = s.run(&["get", "person", "nope"]);
    assert!(
        vi.stderr.contains("Không tìm thấy"),
        "Vietnamese is the default: {}",
        vi.stderr
    );
    assert_clean_failure(
        &s.run(&["list", "entry", "--after", "not-a-cursor"]),
        "invalid_cursor",
    );
}

#[test]
fn attachments_from_the_command_line() {
    let s = Sovang::new();
    init(&s, "00070");
    let p = person(&s, "Lê Văn Tám");
    let pdf = s.dir.path().join("giay-khen.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n% test\n").unwrap();
    let a = s.ok(&["--json", "attach", "person", &id(&p), pdf.to_str().unwrap()]);
    assert_eq!(a["mime"], "application/pdf");
    let again = s.ok(&["--json", "attach", "person", &id(&p), pdf.to_str().unwrap()]);
    assert_eq!(
        a["id"], again["id"],
        "the same file twice is one attachment"
    );
    let txt = s.dir.path().join("notes.txt");
    std::fs::write(&txt, b"plain text").unwrap();
    assert_clean_failure(
        &s.run(&["attach", "person", &id(&p), txt.to_str().unwrap()]),
        "attachment_type",
    );
    assert_clean_failure(
        &s.run(&["attach", "person", &id(&p), "/no/such/file.jpg"]),
        "io",
    );
    assert_eq!(s.ok(&["--json", "stats"])["attachments"], 1);
    let stored = s
        .dir
        .path()
        .join("attachments")
        .join(&a["sha256"].as_str().unwrap()[..2]);
    assert!(
        stored.exists(),
        "content is stored under attachments/ by its hash"
    );
}

#[test]
fn demo_is_reproducible_and_pages_cover_everything() {
    let a = Sovang::new();
    let b = Sovang::new();
    for s in [&a, &b] {
        init(s, "01");
        let r = s.run(&["--json", "demo", "--records", "600", "--seed", "7"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(r.json()["created"], 600);
    }
    let again = a.run(&["demo", "--records", "10", "--seed", "7"]);
    assert_clean_failure(&again, "demo_seed_used");
    let la = a.ok(&["--json", "list", "entry", "--limit", "500"]);
    let lb = b.ok(&["--json", "list", "entry", "--limit", "500"]);
    assert_eq!(la, lb, "the same seed gives the same records");
    let stats = a.ok(&["--json", "stats"]);
    let total: i64 = ["people", "entries", "projects", "updates", "nominations"]
        .iter()
        .map(|k| stats[k].as_i64().unwrap())
        .sum();
    assert_eq!(
        total, 600,
        "demo creates exactly the records asked for: {stats}"
    );
    assert!(
        stats["by_year"].as_object().unwrap().len() >= 3,
        "records spread over the campaign years"
    );

    // Walk the people list in pages of 7 and compare with one big page.
    let all = a.ok(&["--json", "list", "person", "--limit", "500"]);
    let mut walked = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut args = vec!["--json", "list", "person", "--limit", "7"];
        if let Some(c) = &after {
            args.extend(["--after", c.as_str()]);
        }
        let page = a.ok(&args);
        walked.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(n) => after = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(
        &Value::Array(walked),
        &all["items"],
        "keyset pages join into the whole list, in order"
    );
    assert_eq!(a.ok(&["--json", "check"])["ok"], true);
}

#[test]
fn data_dir_comes_from_the_environment() {
    let s = Sovang::new();
    let dir = s.dir.path().join("from-env");
    let out = std::process::Command::new(sovang_tests::binary())
        .args(["--json", "init", "--unit", "00070"])
        .env("SOVANG_DATA_DIR", &dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dir.join("sovang.db").exists(),
        "SOVANG_DATA_DIR picks the data folder"
    );
}

#[test]
fn check_finds_a_missing_attachment_file() {
    let s = Sovang::new();
    init(&s, "00070");
    let p = person(&s, "Đinh Thị Hoa");
    let jpg = s.dir.path().join("anh.jpg");
    std::fs::write(&jpg, b"\xFF\xD8\xFF\xE0fake-jpeg-body").unwrap();
    let a = s.ok(&["--json", "attach", "person", &id(&p), jpg.to_str().unwrap()]);
    let sha = a["sha256"].as_str().unwrap();
    std::fs::remove_file(s.dir.path().join("attachments").join(&sha[..2]).join(sha)).unwrap();
    let r = s.run(&["--json", "check"]);
    assert_eq!(r.code, 1, "check must fail when a file is missing");
    let v = r.json();
    assert_eq!(v["ok"], false);
    assert_eq!(
        v["problems"][0]["check"], "attachments",
        "the problem names what is wrong: {v}"
    );
}

#[test]
fn an_older_app_refuses_a_newer_database() {
    let s = Sovang::new();
    init(&s, "00070");
    let db = rusqlite::Connection::open(s.dir.path().join("sovang.db")).unwrap();
    db.pragma_update(None, "user_version", 99).unwrap();
    drop(db);
    let r = s.run(&["stats"]);
    assert_clean_failure(&r, "schema_too_new");
    assert!(
        r.stderr.contains("cập nhật"),
        "the message says to update the app: {}",
        r.stderr
    );
}

#[test]
fn units_merged_and_branches_count_in_their_successor() {
    let s = Sovang::new();
    init(&s, "01");
    let branch = s.put(
        "unit",
        r#"{"name":"Chi đoàn Tổ dân phố 3","unit_type":"branch","parent":"00070"}"#,
    );
    assert_eq!(branch.code, 0, "{}", branch.stderr);
    let old = s.put(
        "unit",
        r#"{"code":"HK-CU","name":"Phường Hàng Trống (cũ)","unit_type":"ward","parent":"01","valid_from":"01/01/1981","valid_to":"30/06/2025","successor":"00070"}"#,
    );
    assert_eq!(old.code, 0, "{}", old.stderr);
    for (name, unit) in [
        ("Mai Văn Một", "00070-1"),
        ("Mai Văn Hai", "HK-CU"),
        ("Mai Văn Ba", "00004"),
    ] {
        let r = s.put(
            "person",
            &format!(r#"{{"full_name":"{name}","unit":"{unit}"}}"#),
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let list = s.ok(&["--json", "list", "person", "--unit", "00070"]);
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Mai Văn Hai", "Mai Văn Một"],
        "a ward's list holds its branches and its predecessor, in name order"
    );
    let found = s.ok(&["--json", "search", "mai van", "--unit", "00070"]);
    let mut names: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["Mai Văn Hai", "Mai Văn Một"],
        "search by unit covers branches and predecessors too"
    );
    let city = s.ok(&["--json", "search", "mai van", "--unit", "01"]);
    assert_eq!(
        city["items"].as_array().unwrap().len(),
        3,
        "the city's scope holds every ward"
    );
    let none = s.ok(&["--json", "search", "§"]);
    assert!(
        none["items"].as_array().unwrap().is_empty(),
        "index-internal unit words cannot be searched"
    );
}

#[test]
fn get_output_can_be_edited_and_put_back() {
    let s = Sovang::new();
    init(&s, "00070");
    let p = person(&s, "Hồ Thị Xuân");
    let mut doc = s.ok(&["--json", "get", "person", &id(&p)]);
    doc["data"]["position"] = "Bí thư chi đoàn".into();
    let edited = s.put("person", &doc.to_string());
    assert_eq!(edited.code, 0, "{}", edited.stderr);
    let edited = edited.json();
    assert_eq!(
        edited["data"]["position"], "Bí thư chi đoàn",
        "the edit is stored"
    );
    assert_ne!(
        edited["version"], doc["version"],
        "and the version moves on"
    );
    let stale = s.put("person", &doc.to_string());
    assert_clean_failure(&stale, "stale_version");
}

#[test]
fn two_processes_writing_at_once_both_succeed() {
    let s = Sovang::new();
    init(&s, "00070");
    let bin = sovang_tests::binary();
    let spawn = |name: &str| {
        let mut child = std::process::Command::new(&bin)
            .arg("--data-dir")
            .arg(s.dir.path())
            .args(["--json", "put", "person", "--file", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        let body = format!(r#"{{"full_name":"{name}","unit":"00070"}}"#);
        // A writer that failed early has closed its stdin; its exit status tells why.
        let _ = child.stdin.take().unwrap().write_all(body.as_bytes());
        child
    };
    let children: Vec<_> = (0..6).map(|i| spawn(&format!("Người Thứ {i}"))).collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a writer waits for the other instead of failing: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        s.ok(&["--json", "stats"])["people"],
        6,
        "every concurrent write is kept"
    );
    assert_eq!(s.ok(&["--json", "check"])["ok"], true);
}

#[test]
fn help_is_vietnamese_first() {
    let s = Sovang::new();
    let r = s.run(&["--help"]);
    assert_eq!(r.code, 0, "help is not an error");
    assert!(r.stdout.contains("Cách dùng / Usage"), "{}", r.stdout);
    for command in [
        "init", "demo", "put", "get", "list", "delete", "restore", "attach", "search", "stats",
        "check",
    ] {
        assert!(
            r.stdout.contains(&format!("  {command} ")),
            "help lists {command}"
        );
    }
    let list = s.run(&["list", "--help"]);
    assert!(
        list.stdout.contains("Đối số / Arguments"),
        "{}",
        list.stdout
    );
    assert!(
        list.stdout.contains("Trạng thái / Status"),
        "every option is described: {}",
        list.stdout
    );
}

#[test]
fn review_from_submission_to_ranked_results_from_the_command_line() {
    // The 2023–2027 campaign every installation starts with.
    const CAMPAIGN: &str = "01856685-0800-7000-8000-000020232027";
    // A city installation may act for the ward under it and chairs its own committee.
    let s = Sovang::new();
    init(&s, "01");
    let key = s.ok(&["--json", "identity", "show"])["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let committee = s.put(
        "committee",
        &serde_json::json!({"name": "Hội đồng xét chọn Thành phố 2026", "unit": "01",
            "campaign_id": CAMPAIGN, "year": 2026, "quorum": 1,
            "members": [{"id": "ct", "name": "Nguyễn Văn Chủ", "role": "chair", "fingerprint": key}]})
        .to_string(),
    );
    assert_eq!(committee.code, 0, "{}", committee.stderr);
    let c = id(&committee.json());
    let mut nominations = Vec::new();
    for (name, score) in [("Lê Thị Thu Hà", 5), ("Trần Văn Bình", 3)] {
        let p = id(&person(&s, name));
        let n = s.put(
            "nomination",
            &serde_json::json!({"campaign_id": CAMPAIGN,
                "unit": "00070", "person_id": p, "year": 2026, "category": "cong_dong"})
            .to_string(),
        );
        assert_eq!(n.code, 0, "{}", n.stderr);
        let n = id(&n.json());
        s.ok(&["--json", "review", "submit", &n]);
        s.ok(&["--json", "review", "start", &n]);
        let points = format!(
            "ban_linh={score},tri_thuc={score},ung_xu={score},tuan_thu={score},suc_khoe={score},ky_nang={score}"
        );
        s.ok(&[
            "--json",
            "review",
            "score",
            &n,
            "--committee",
            &c,
            "--points",
            &points,
        ]);
        nominations.push(n);
    }
    let bad = s.run(&["review", "start", &nominations[0]]);
    assert_clean_failure(&bad, "transition_refused");
    let out_of_scale = s.run(&[
        "review",
        "score",
        &nominations[0],
        "--committee",
        &c,
        "--points",
        "ban_linh=7",
    ]);
    assert_clean_failure(&out_of_scale, "score_out_of_scale");

    let results = s.ok(&["--json", "review", "results", "--year", "2026"]);
    let rows = results[0]["rows"].as_array().expect("one committee's rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["title"], "Lê Thị Thu Hà — 2026", "the best first");
    assert_eq!(rows[0]["rank"], 1);
    assert_eq!(rows[0]["mean"], 30.0, "six criteria × 5");
    assert_eq!(rows[1]["rank"], 2);
    assert_eq!(rows[1]["median"], 18.0);

    let decided = s.ok(&[
        "--json",
        "review",
        "decide",
        &nominations[0],
        "--committee",
        &c,
        "--outcome",
        "approved",
        "--for",
        "1",
        "--number",
        "01/QĐ-HĐXC",
        "--date",
        "25/11/2026",
    ]);
    assert_eq!(decided["data"]["outcome"], "approved");
    let history = s.ok(&["--json", "review", "history", &nominations[0]]);
    let steps: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["submitted", "in_review", "approved"]);
    let text = s.run(&["review", "results", "--committee", &c]);
    assert!(
        text.stdout.contains("Lê Thị Thu Hà") && text.stdout.contains("30.00"),
        "the text table names the nominee and the mean: {}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("Đã quyết định: điểm trên là điểm khi quyết định."),
        "the decided nomination says its figures are fixed: {}",
        text.stdout
    );
}

#[test]
fn a_clock_set_back_is_warned_about_in_vietnamese_first_before_the_command_runs() {
    let s = Sovang::new();
    init(&s, "00070");
    let calm = s.run(&["--json", "stats"]);
    assert!(
        !calm.stderr.contains("Cảnh báo"),
        "a plausible clock (after the build day, after the last change) gives no warning: {}",
        calm.stderr
    );
    // The last change saved here is 30 days after this PC's time: as if the clock went back.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let last = format!("{:015}-00000-{:016x}", now_ms + 30 * 86_400_000, 1);
    let db = rusqlite::Connection::open(s.dir.path().join("sovang.db")).unwrap();
    db.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES ('hlc_last', ?1)",
        [&last],
    )
    .unwrap();
    drop(db);
    let r = s.run(&["--json", "stats"]);
    assert_eq!(r.code, 0, "a warning refuses nothing: {}", r.stderr);
    r.json(); // stdout stays one JSON document
    let (vi, en) = (
        r.stderr
            .find("Cảnh báo: Đồng hồ của máy tính này có vẻ sai"),
        r.stderr.find("Warning: This PC's clock looks wrong"),
    );
    assert!(
        matches!((vi, en), (Some(v), Some(e)) if v < e),
        "the warning is in Vietnamese, then English: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains("Đặt thời gian tự động") && r.stderr.contains("UTC+7"),
        "it says how to set the clock: {}",
        r.stderr
    );
}

/// `to` trusts `from`'s key, from the card file `from` exports; returns its fingerprint.
fn trust(from: &Sovang, to: &Sovang) -> String {
    let card = from.dir.path().join("card.json");
    let card = card.to_str().unwrap();
    from.ok(&["--json", "identity", "export", "--out", card]);
    to.ok(&["--json", "trust", "add", card])["fingerprint"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn trust_add_refuses_a_card_whose_fingerprint_is_not_the_one_read_by_phone() {
    let (ward, city) = (Sovang::new(), Sovang::new());
    init(&ward, "00070");
    init(&city, "01");
    let card = ward.dir.path().join("card.json");
    let exported = ward.ok(&[
        "--json",
        "identity",
        "export",
        "--out",
        card.to_str().unwrap(),
    ]);
    let real = exported["fingerprint"].as_str().unwrap().to_string();

    // The card edited to claim the city: its fingerprint no longer covers its unit.
    let mut edited: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&card).unwrap()).unwrap();
    edited["unit"] = "01".into();
    let forged = ward.dir.path().join("forged.json");
    std::fs::write(&forged, edited.to_string()).unwrap();
    let r = city.run(&["--json", "trust", "add", forged.to_str().unwrap()]);
    assert_eq!(r.code, 1, "an edited card is refused: {}", r.stdout);
    assert!(r.stderr.contains("card_invalid"), "{}", r.stderr);

    // The real card, but not the fingerprint read out (one digit misheard).
    let misheard = format!(
        "{}{}",
        &real[..real.len() - 1],
        if real.ends_with('0') { '1' } else { '0' }
    );
    let r = city.run(&[
        "trust",
        "add",
        card.to_str().unwrap(),
        "--fingerprint",
        &misheard,
    ]);
    assert_eq!(
        r.code, 1,
        "a card that is not the one read out is refused: {}",
        r.stdout
    );
    assert!(
        r.stderr.contains("khác với dấu vân tay đọc qua điện thoại"),
        "the refusal says why, in Vietnamese: {}",
        r.stderr
    );
    let listed = city.ok(&["--json", "trust", "list"]);
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(0),
        "nothing was trusted"
    );

    let typed = real.replace('-', " ");
    let k = city.ok(&[
        "--json",
        "trust",
        "add",
        card.to_str().unwrap(),
        "--fingerprint",
        &typed,
    ]);
    assert_eq!(
        k["unit"], "00070",
        "the real card is trusted for the ward: {k}"
    );
}

#[test]
fn held_list_shows_what_a_record_waits_for_who_sent_it_and_since_when() {
    let (ward, city) = (Sovang::new(), Sovang::new());
    init(&ward, "00070");
    init(&city, "01");
    let ward_key = trust(&ward, &city);
    let empty = city.run(&["held", "list"]);
    assert_eq!(empty.code, 0, "{}", empty.stderr);
    assert!(
        empty.stdout.contains("Không có bản ghi nào đang chờ"),
        "nothing held yet, said in Vietnamese: {}",
        empty.stdout
    );

    // Two bundles, the second made after the first: the person, then a deed naming them.
    let p = id(&person(&ward, "Nguyễn Thị Minh Anh"));
    let first = ward.dir.path().join("1-person.sovang");
    ward.ok(&[
        "--json",
        "export",
        "--out",
        first.to_str().unwrap(),
        "--to",
        "01",
    ]);
    let entry = serde_json::json!({"unit": "00070", "title": "Đưa cụ già lạc đường về nhà",
        "deed_date": "02/09/2025", "person_id": p, "recorded_by": "Trần Văn Ghi"});
    let e = id(&ward.put("entry", &entry.to_string()).json());
    let second = ward.dir.path().join("2-entry.sovang");
    ward.ok(&[
        "--json",
        "export",
        "--out",
        second.to_str().unwrap(),
        "--to",
        "01",
    ]);

    // The second arrives first: its deed waits for the person.
    let r = city.ok(&["--json", "import", second.to_str().unwrap()]);
    assert_eq!(r[0]["held"], 1, "the deed is held, not refused: {}", r[0]);
    assert_eq!(r[0]["rejected"], 0, "{}", r[0]);
    let held = city.ok(&["--json", "held", "list"]);
    let held = held.as_array().expect("--json prints an array");
    assert_eq!(held.len(), 1, "one held record: {held:?}");
    let h = &held[0];
    assert_eq!(h["kind"], "entry");
    assert_eq!(h["id"], e.as_str());
    assert_eq!(h["waiting_kind"], "record");
    assert_eq!(h["waiting_for"], p.as_str(), "it waits for the person");
    assert_eq!(h["signer_unit"], "00070", "sent by the ward");
    assert_eq!(h["signer_unit_name"], "Phường Hoàn Kiếm");
    assert_eq!(h["signer"], ward_key.as_str());
    assert!(
        h["reason"]["vi"]
            .as_str()
            .unwrap()
            .starts_with("Chờ bản ghi liên quan")
            && h["reason"]["en"]
                .as_str()
                .unwrap()
                .starts_with("Waiting for"),
        "the reason in both languages: {h}"
    );
    assert!(h["held_at"].as_str().unwrap().ends_with('Z'), "{h}");

    let text = city.run(&["held", "list"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    let line = text.stdout.lines().next().unwrap_or_default().to_owned();
    let since = line.split('\t').next().unwrap_or_default();
    assert!(
        since.len() == 16
            && since.as_bytes()[2] == b'/'
            && since.as_bytes()[5] == b'/'
            && since.as_bytes()[13] == b':',
        "since when, as dd/mm/yyyy HH:MM: {line}"
    );
    for part in [
        "Sổ vàng",
        &e,
        "Phường Hoàn Kiếm (00070)",
        "Chờ bản ghi liên quan",
    ] {
        assert!(line.contains(part), "the line names {part}: {line}");
    }
    let en = city.run(&["--lang", "en", "held", "list"]);
    assert!(
        en.stdout.contains("from Phường Hoàn Kiếm") && en.stdout.contains("Waiting for"),
        "in English on request: {}",
        en.stdout
    );

    // Once the person arrives, the deed is applied and nothing waits any more.
    let r = city.ok(&["--json", "import", first.to_str().unwrap()]);
    assert_eq!(r[0]["released"], 1, "{}", r[0]);
    assert_eq!(city.ok(&["--json", "held", "list"]), serde_json::json!([]));
    city.ok(&["--json", "get", "entry", &e]);
}
