//! Everything stored about one person, for them (Decree 13/2023/NĐ-CP, the right to one's own
//! data): a zip of a workbook (their record, the records about them, the history of each)
//! and the files attached to any of them.

use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, Worksheet};
use serde::Serialize;
use serde_json::Value;
use zip::write::SimpleFileOptions;

use super::template::{xlsx_err, FONT};
use crate::error::{Code, Error, Result};
use crate::records::Kind;
use crate::store::erase::{what_goes, Item};
use crate::store::Store;

const WORKBOOK: &str = "du-lieu-ca-nhan.xlsx";
const FILES: &str = "tep-dinh-kem";

/// What the export holds.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct PersonDataReport {
    pub file: String,
    /// The person's record and the records about them.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub records: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub history_rows: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub attachments: u64,
}

/// A value as a cell shows it: text as it is, anything else as compact JSON.
fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn header(sheet: &mut Worksheet, bold: &Format, names: &[&str]) -> Result<()> {
    for (i, name) in names.iter().enumerate() {
        sheet
            .write_string_with_format(0, i as u16, *name, bold)
            .map_err(xlsx_err)?;
        sheet.set_column_width(i as u16, 28).map_err(xlsx_err)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    Ok(())
}

fn label(kind: Kind) -> &'static str {
    crate::messages::kind_label(kind).0
}

/// A file name safe inside the zip: no folders, nothing that names a path.
fn safe_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '\0' => '_',
            c => c,
        })
        .collect();
    match clean.trim_matches('.') {
        "" => "tep".to_owned(),
        s => s.to_owned(),
    }
}

/// Writes `out` (a .zip) with everything stored about person `id`.
pub fn write_person_data(store: &Store, id: &str, out: &Path) -> Result<PersonDataReport> {
    let person = store.get(Kind::Person, id)?;
    // Only for a person of this installation's scope: another unit's people are theirs to give.
    store.check_scope(&store.load_row(Kind::Person, id)?.unit)?;
    let items = what_goes(store.connection(), Kind::Person.name(), id)?;
    let mut book = Workbook::new();
    let bold = Format::new().set_bold().set_font_name(FONT);
    let plain = Format::new().set_font_name(FONT).set_text_wrap();

    let sheet = book
        .add_worksheet()
        .set_name("Thông tin")
        .map_err(xlsx_err)?;
    header(sheet, &bold, &["Trường (Field)", "Giá trị (Value)"])?;
    for (row, (k, v)) in (1u32..).zip(person["data"].as_object().into_iter().flatten()) {
        let name = super::columns::column(Kind::Person, k).map_or(k.as_str(), |c| c.label);
        sheet
            .write_string_with_format(row, 0, name, &plain)
            .map_err(xlsx_err)?;
        sheet
            .write_string_with_format(row, 1, cell(v), &plain)
            .map_err(xlsx_err)?;
    }

    let records: Vec<(Kind, &str)> = items
        .iter()
        .filter_map(|i| match i {
            Item::Record { kind, id, .. } => Some((*kind, id.as_str())),
            Item::Attachment { .. } => None,
        })
        .rev()
        .collect();
    let sheet = book
        .add_worksheet()
        .set_name("Hồ sơ liên quan")
        .map_err(xlsx_err)?;
    header(
        sheet,
        &bold,
        &[
            "Loại (Kind)",
            "Mã (Id)",
            "Tiêu đề (Title)",
            "Dữ liệu (Data)",
        ],
    )?;
    for (i, (kind, rid)) in records.iter().enumerate() {
        let rec = store.get(*kind, rid)?;
        let r = i as u32 + 1;
        sheet
            .write_string_with_format(r, 0, label(*kind), &plain)
            .map_err(xlsx_err)?;
        sheet
            .write_string_with_format(r, 1, *rid, &plain)
            .map_err(xlsx_err)?;
        sheet
            .write_string_with_format(r, 2, cell(&rec["title"]), &plain)
            .map_err(xlsx_err)?;
        sheet
            .write_string_with_format(r, 3, rec["data"].to_string(), &plain)
            .map_err(xlsx_err)?;
    }

    let sheet = book.add_worksheet().set_name("Lịch sử").map_err(xlsx_err)?;
    header(
        sheet,
        &bold,
        &[
            "Thời gian (When)",
            "Người thực hiện (Who)",
            "Thao tác (Action)",
            "Hồ sơ (Record)",
            "Thay đổi (Changes)",
        ],
    )?;
    let mut history_rows = 0u64;
    for (kind, rid) in &records {
        for h in store.history(rid)? {
            history_rows += 1;
            let r = history_rows as u32;
            sheet
                .write_string_with_format(r, 0, &h.at, &plain)
                .map_err(xlsx_err)?;
            sheet
                .write_string_with_format(r, 1, &h.actor, &plain)
                .map_err(xlsx_err)?;
            sheet
                .write_string_with_format(r, 2, &h.action, &plain)
                .map_err(xlsx_err)?;
            let what = format!("{} {rid}", label(*kind));
            sheet
                .write_string_with_format(r, 3, what, &plain)
                .map_err(xlsx_err)?;
            sheet
                .write_string_with_format(r, 4, h.changes.to_string(), &plain)
                .map_err(xlsx_err)?;
        }
    }

    let sheet = book
        .add_worksheet()
        .set_name("Tệp đính kèm")
        .map_err(xlsx_err)?;
    header(
        sheet,
        &bold,
        &[
            "Tên tệp (File)",
            "Trong gói (In the zip)",
            "Hồ sơ (Record)",
            "SHA-256",
        ],
    )?;
    let mut files: Vec<(String, String)> = Vec::new();
    for item in &items {
        let Item::Attachment {
            id: aid,
            record_id,
            sha256,
            ..
        } = item
        else {
            continue;
        };
        let a = store.attachment(aid)?;
        let name = a["file_name"].as_str().unwrap_or_default();
        let inner = format!("{FILES}/{}-{}", files.len() + 1, safe_name(name));
        let r = files.len() as u32 + 1;
        sheet
            .write_string_with_format(r, 0, name, &plain)
            .map_err(xlsx_err)?;
        sheet
            .write_string_with_format(r, 1, &inner, &plain)
            .map_err(xlsx_err)?;
        sheet
            .write_string_with_format(r, 2, record_id, &plain)
            .map_err(xlsx_err)?;
        sheet
            .write_string_with_format(r, 3, sha256, &plain)
            .map_err(xlsx_err)?;
        files.push((inner, sha256.clone()));
    }

    let workbook = book.save_to_buffer().map_err(xlsx_err)?;
    let label_out = out.display().to_string();
    let io = |e: std::io::Error| Error::io(Some("out"), &label_out, &e);
    let zip_err = |e: zip::result::ZipError| Error::plain(Code::Io, &e.to_string());
    let tmp = out.with_extension("zip.part");
    let result = (|| -> Result<()> {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&tmp).map_err(io)?);
        let opts = SimpleFileOptions::default();
        zip.start_file(WORKBOOK, opts).map_err(zip_err)?;
        zip.write_all(&workbook).map_err(io)?;
        let stored = opts.compression_method(zip::CompressionMethod::Stored);
        for (inner, sha) in &files {
            let path = store.attachment_path(sha);
            // A file still to arrive by sync is listed in the workbook but not here.
            let Ok(mut src) = std::fs::File::open(&path) else {
                continue;
            };
            zip.start_file(inner.as_str(), stored).map_err(zip_err)?;
            std::io::copy(&mut src, &mut zip).map_err(io)?;
        }
        zip.finish().map_err(zip_err)?.sync_all().map_err(io)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, out).map_err(io)?;
    tracing::info!(records = records.len(), "personal data exported");
    Ok(PersonDataReport {
        file: label_out,
        records: records.len() as u64,
        history_rows,
        attachments: files.len() as u64,
    })
}
