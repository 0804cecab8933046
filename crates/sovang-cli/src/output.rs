//! Printing: one JSON document with `--json`, readable lines otherwise; errors as one line.

use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use serde_json::{json, Value};
use sovang_core::store::{Page, Problem, Stats};
use sovang_core::units::UnitTree;
use sovang_core::{messages, Error, Kind, Lang};

pub struct Out {
    pub json: bool,
    pub lang: Lang,
}

impl Out {
    fn pick<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    fn print_json<T: Serialize>(&self, v: &T) {
        println!(
            "{}",
            serde_json::to_string(v).unwrap_or_else(|_| "null".into())
        );
    }

    pub fn value(&self, v: &Value, vi: &str, en: &str) {
        if self.json {
            self.print_json(v);
        } else {
            println!("{}", self.pick(vi, en));
        }
    }

    /// A record: compact JSON with `--json`, indented JSON otherwise.
    pub fn record(&self, v: &Value) {
        if self.json {
            self.print_json(v);
        } else {
            println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
        }
    }

    /// A page: a line per record with its kind, id, year, title and unit name.
    pub fn page(&self, page: &Page, units: &UnitTree) {
        if self.json {
            self.print_json(page);
            return;
        }
        for i in &page.items {
            let year = i.year.map(|y| y.to_string()).unwrap_or_default();
            let (vi, en) = messages::kind_label(i.kind);
            let unit = units
                .get(&i.unit)
                .map_or(i.unit.as_str(), |u| u.name.as_str());
            println!(
                "{:<13} {}  {year:>4}  {}  ({unit})",
                self.pick(vi, en),
                i.id,
                i.title
            );
        }
        match &page.next {
            Some(n) => println!("{} --after {n}", self.pick("Trang sau:", "Next page:")),
            None if page.items.is_empty() => {
                println!("{}", self.pick("Không có kết quả.", "No results."))
            }
            None => {}
        }
    }

    pub fn stats(&self, s: &Stats) {
        if self.json {
            self.print_json(s);
            return;
        }
        let rows = [
            ("Đoàn viên, thanh niên", "People", s.people),
            ("Sổ vàng", "Golden Book entries", s.entries),
            ("Công trình thanh niên", "Youth projects", s.projects),
            ("Cập nhật tiến độ", "Progress updates", s.updates),
            ("Đề cử", "Nominations", s.nominations),
            ("Đơn vị", "Units", s.units),
            ("Tệp đính kèm", "Attachments", s.attachments),
        ];
        for (vi, en, n) in rows {
            println!("{:<24} {n}", self.pick(vi, en));
        }
        for (year, counts) in &s.by_year {
            let parts: Vec<String> = counts
                .iter()
                .map(|(k, n)| {
                    let label = Kind::ALL.into_iter().find(|kind| kind.table() == k).map_or(
                        k.as_str(),
                        |kind| {
                            let (vi, en) = messages::kind_label(kind);
                            self.pick(vi, en)
                        },
                    );
                    format!("{label} {n}")
                })
                .collect();
            println!("{year}: {}", parts.join(", "));
        }
    }

    pub fn check(&self, problems: &[Problem]) {
        if self.json {
            self.print_json(&json!({"ok": problems.is_empty(), "problems": problems}));
            return;
        }
        if problems.is_empty() {
            println!(
                "{}",
                self.pick(
                    "Dữ liệu toàn vẹn: không có lỗi.",
                    "Data is whole: no problems."
                )
            );
        }
        for p in problems {
            println!("{}: {}", p.check, p.detail);
        }
    }

    /// One line on stderr (and the error as JSON on stdout with `--json`); exit code 1.
    pub fn error(&self, e: &Error) -> ExitCode {
        if self.json {
            self.print_json(&json!({"error": e}));
        }
        let word = self.pick("lỗi", "error");
        let one = |e: &Error| {
            let field = e
                .field
                .as_deref()
                .map(|f| format!(" [{f}]"))
                .unwrap_or_default();
            format!(
                "{}{field}: {}",
                e.code.as_str(),
                e.message_in(self.lang).replace('\n', " ")
            )
        };
        // Every problem of the input, on one line.
        let all: Vec<String> = std::iter::once(e).chain(&e.others).map(one).collect();
        eprintln!("{word} {}", all.join(" | "));
        ExitCode::from(1)
    }
}

/// Bad arguments: clap's first line only, exit code 2. Help and version print as usual.
pub fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(2);
        }
        _ => {}
    }
    let en = std::env::args().any(|a| a == "en" || a == "--lang=en");
    let text = e.render().to_string();
    let first = text
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("error: ")
        .to_string();
    let head = if en {
        "error invalid_argument"
    } else {
        "lỗi invalid_argument: tham số không hợp lệ"
    };
    eprintln!("{head}: {first} (sovang --help)");
    ExitCode::from(2)
}

pub fn progress(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} ({per_sec}, {eta})") {
        bar.set_style(style);
    }
    bar
}
