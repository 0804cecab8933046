//! `sovang import-sheet`, `sovang template` and `sovang report`: spreadsheets in, over
//! `Store::import_sheet`, and a unit's period report out, over `Store::period_report`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{json, Value};
use sovang_core::error::{Code, Error};
use sovang_core::sheets;
use sovang_core::store::{RowOutcome, SheetOptions, SheetReport};
use sovang_core::{Kind, Store};

use crate::output::Out;
use sovang_core::Lang;

/// `COLUMN=FIELD`, as `--map` takes it.
pub fn parse_map(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(c, f)| (c.trim().to_owned(), f.trim().to_owned()))
        .filter(|(c, _)| !c.is_empty())
        .ok_or_else(|| {
            format!("'{s}': COLUMN=FIELD, for example \"Họ tên=full_name\" or C=birth_date")
        })
}

fn outcome_label(o: RowOutcome, lang: Lang) -> &'static str {
    match (o, lang) {
        (RowOutcome::New, Lang::Vi) => "mới",
        (RowOutcome::Unchanged, Lang::Vi) => "đã có",
        (RowOutcome::Updated, Lang::Vi) => "cập nhật",
        (RowOutcome::Error, Lang::Vi) => "lỗi",
        (RowOutcome::New, Lang::En) => "new",
        (RowOutcome::Unchanged, Lang::En) => "already there",
        (RowOutcome::Updated, Lang::En) => "updated",
        (RowOutcome::Error, Lang::En) => "error",
    }
}

fn report_text(r: &SheetReport, lang: Lang) -> String {
    let mut s = String::new();
    let columns: Vec<String> = r
        .layout
        .columns
        .iter()
        .filter_map(|c| {
            c.field
                .as_ref()
                .map(|f| format!("{} \"{}\" → {f}", c.letter, c.header))
        })
        .collect();
    s.push_str(&match lang {
        Lang::Vi => format!(
            "Dòng tiêu đề: {}; cột: {}\n",
            r.layout.header_row,
            columns.join(", ")
        ),
        Lang::En => format!(
            "Header row: {}; columns: {}\n",
            r.layout.header_row,
            columns.join(", ")
        ),
    });
    for row in &r.rows {
        s.push_str(&format!(
            "{:>6}  {:<10} {}\n",
            row.row,
            outcome_label(row.outcome, lang),
            row.title
        ));
        for e in &row.errors {
            let msg = match lang {
                Lang::Vi => &e.message.vi,
                Lang::En => &e.message.en,
            };
            let at = e
                .column
                .as_deref()
                .map(|c| format!("{c}: "))
                .unwrap_or_default();
            s.push_str(&format!("        {at}{msg}\n"));
        }
    }
    let dry = r.dry_run.then_some(match lang {
        Lang::Vi => " (xem trước, chưa ghi)",
        Lang::En => " (preview, nothing written)",
    });
    s.push_str(&match lang {
        Lang::Vi => format!(
            "Mới {}, cập nhật {}, đã có {}, lỗi {}, thêm người {}{}",
            r.new,
            r.updated,
            r.unchanged,
            r.errors,
            r.people_created,
            dry.unwrap_or_default()
        ),
        Lang::En => format!(
            "New {}, updated {}, already there {}, errors {}, people added {}{}",
            r.new,
            r.updated,
            r.unchanged,
            r.errors,
            r.people_created,
            dry.unwrap_or_default()
        ),
    });
    s
}

/// Imports (or previews) a sheet; rows in error make the exit status 1, and go to `rejected`
/// when it is given.
pub fn import_sheet(
    store: &mut Store,
    kind: Kind,
    file: &Path,
    opts: &SheetOptions,
    rejected: Option<&PathBuf>,
    out: &Out,
) -> Result<ExitCode, Error> {
    let (report, table) = store.import_sheet(kind, file, opts)?;
    if let (Some(path), true) = (rejected, report.errors > 0) {
        sheets::write_rejected_rows(&report, &table, path)?;
    }
    let v = serde_json::to_value(&report).unwrap_or(Value::Null);
    out.value(
        &v,
        &report_text(&report, Lang::Vi),
        &report_text(&report, Lang::En),
    );
    Ok(match report.errors {
        0 => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}

pub fn template(store: &Store, kind: Kind, file: &Path, out: &Out) -> Result<(), Error> {
    if !sheets::columns::SHEET_KINDS.contains(&kind) {
        return Err(Error::field_arg(Code::InvalidArgument, "kind", kind.name()));
    }
    store.sheet_template(kind, file)?;
    out.value(
        &json!({"file": file, "kind": kind.name()}),
        &format!("Đã ghi tệp mẫu vào {}", file.display()),
        &format!("Template written to {}", file.display()),
    );
    Ok(())
}

/// What the user set of a report's heading; the rest comes from the unit.
pub struct HeadingChoices {
    pub issuer: Option<String>,
    pub number: Option<String>,
    pub signer: Option<String>,
}

fn period_text(r: &sovang_core::reports::PeriodReport, lang: Lang) -> String {
    let mut s = match lang {
        Lang::Vi => format!(
            "Báo cáo {} — {} ({} – {})\n",
            r.unit_name, r.period_label.vi, r.from, r.to
        ),
        Lang::En => format!(
            "Report of {} — {} ({} – {})\n",
            r.unit_name, r.period_label.en, r.from, r.to
        ),
    };
    for section in sovang_core::reports::sections(r) {
        s.push_str(&format!("\n{}\n", section.title));
        for row in &section.rows {
            let cells: Vec<String> = row.iter().map(|f| f.printed()).collect();
            s.push_str(&format!("  {}\n", cells.join(" | ")));
        }
    }
    s
}

pub fn report(
    store: &Store,
    unit: Option<&str>,
    period: &str,
    xlsx: Option<&Path>,
    pdf: Option<&Path>,
    choices: &HeadingChoices,
    out: &Out,
) -> Result<(), Error> {
    let unit = unit.unwrap_or(&store.installation().unit).to_owned();
    let period = sovang_core::reports::Period::parse(period)?;
    let r = store.period_report(&unit, period)?;
    let mut heading = store.report_heading(&unit)?;
    if let Some(v) = &choices.issuer {
        heading.issuer.clone_from(v);
    }
    if let Some(v) = &choices.number {
        heading.number.clone_from(v);
    }
    if let Some(v) = &choices.signer {
        heading.signer.clone_from(v);
    }
    if let Some(f) = xlsx {
        sovang_core::reports::write_period_xlsx(&r, &heading, f)?;
    }
    if let Some(f) = pdf {
        sovang_core::reports::write_period_pdf(&r, &heading, f)?;
    }
    let v = serde_json::to_value(&r).unwrap_or(Value::Null);
    out.value(&v, &period_text(&r, Lang::Vi), &period_text(&r, Lang::En));
    Ok(())
}
