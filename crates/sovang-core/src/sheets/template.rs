//! Workbooks the import hands out: the template of each kind (Vietnamese headers, an example
//! row, lists of the allowed values as Excel data validation) and the rows a sheet import
//! rejected, with their errors in a last column, to fix and import again.

use std::path::Path;

use rust_xlsxwriter::{
    DataValidation, ExcelDateTime, Format, FormatBorder, Formula, Workbook, Worksheet, XlsxError,
};

use super::columns::{columns, Cells};
use super::read::{excel_date, Cell};
use super::{letter, SheetLayout, Table};
use crate::error::{Code, Error, Result};
use crate::records::{Campaign, Kind};

/// The font of Vietnamese office documents.
pub const FONT: &str = "Times New Roman";
/// How many rows of a template take the lists of allowed values.
const TEMPLATE_ROWS: u32 = 5000;

pub(crate) fn xlsx_err(e: XlsxError) -> Error {
    Error::plain(Code::Io, &e.to_string())
}

/// Saves `book` to `out` through a temporary file, so that a half-written workbook never
/// bears the name.
pub(crate) fn save(book: &mut Workbook, out: &Path) -> Result<()> {
    let label = out.display().to_string();
    let tmp = out.with_extension("xlsx.part");
    book.save(&tmp).map_err(xlsx_err)?;
    std::fs::rename(&tmp, out).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(Some("out"), &label, &e)
    })
}

/// The sheet name of a kind's template.
pub fn sheet_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Person => "Đoàn viên",
        Kind::Entry => "Sổ vàng",
        _ => "Công trình",
    }
}

fn head_format() -> Format {
    Format::new()
        .set_font_name(FONT)
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_background_color("#F2E6C9")
}

/// Writes `kind`'s template: a header row (a required column's header ends in `*`), one
/// example row, and a "Danh mục" sheet of the allowed values that the coded columns offer as
/// drop-down lists. `units` are the unit names a row may name.
pub fn write_template(
    kind: Kind,
    units: &[String],
    campaign: Option<&Campaign>,
    out: &Path,
) -> Result<()> {
    // A split name ("Họ và tên đệm" | "Tên") is read when a sheet has it; the template asks
    // for the full name alone.
    let cols: Vec<_> = columns(kind)
        .iter()
        .filter(|c| !matches!(c.field, "family_name" | "given_name"))
        .collect();
    if cols.is_empty() {
        return Err(Error::field_arg(Code::InvalidArgument, "kind", kind.name()));
    }
    let mut book = Workbook::new();
    let text = Format::new().set_font_name(FONT);
    let date = Format::new()
        .set_font_name(FONT)
        .set_num_format("dd/mm/yyyy");
    let head = head_format();
    // The lists first, on their own sheet, so the template's columns can point at them.
    let mut lists: Vec<(usize, Vec<String>)> = Vec::new();
    for (i, c) in cols.iter().enumerate() {
        let items: Vec<String> = match c.cells {
            Cells::Code => c.codes.iter().map(|(_, l)| (*l).to_owned()).collect(),
            Cells::Unit => units.to_vec(),
            Cells::Values => campaign
                .map(|k| k.values.iter().map(|v| v.name_vi.clone()).collect())
                .unwrap_or_default(),
            _ => continue,
        };
        lists.push((i, items));
    }
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name(kind)).map_err(xlsx_err)?;
    for (i, c) in cols.iter().enumerate() {
        let col = i as u16;
        let header = match c.required {
            true => format!("{} *", c.label),
            false => c.label.to_owned(),
        };
        sheet
            .write_string_with_format(0, col, &header, &head)
            .map_err(xlsx_err)?;
        sheet
            .set_column_width(col, (c.label.chars().count().max(12) + 4) as f64)
            .map_err(xlsx_err)?;
        match c.cells {
            Cells::Date if !c.example.is_empty() => {
                let d = chrono::NaiveDate::parse_from_str(c.example, "%d/%m/%Y").ok();
                if let Some(d) = d {
                    let dt = ExcelDateTime::parse_from_str(&d.format("%Y-%m-%d").to_string())
                        .map_err(xlsx_err)?;
                    sheet
                        .write_datetime_with_format(1, col, &dt, &date)
                        .map_err(xlsx_err)?;
                }
            }
            Cells::Count | Cells::Money if !c.example.is_empty() => {
                let n: f64 = c.example.parse().unwrap_or_default();
                sheet
                    .write_number_with_format(1, col, n, &text)
                    .map_err(xlsx_err)?;
            }
            _ => {
                sheet
                    .write_string_with_format(1, col, c.example, &text)
                    .map_err(xlsx_err)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    for (n, (i, items)) in lists.iter().enumerate() {
        if items.is_empty() {
            continue;
        }
        let range = format!("='Danh mục'!${0}$2:${0}${1}", letter(n), items.len() + 1);
        let v = DataValidation::new()
            .allow_list_formula(Formula::new(range))
            .ignore_blank(true);
        // Values are several per cell: the list is a help, not a rule.
        let v = match cols[*i].cells {
            Cells::Values => {
                v.set_error_style(rust_xlsxwriter::DataValidationErrorStyle::Information)
            }
            _ => v,
        };
        sheet
            .add_data_validation(1, *i as u16, TEMPLATE_ROWS, *i as u16, &v)
            .map_err(xlsx_err)?;
    }
    let catalog = book.add_worksheet();
    catalog.set_name("Danh mục").map_err(xlsx_err)?;
    for (n, (i, items)) in lists.iter().enumerate() {
        let col = n as u16;
        catalog
            .write_string_with_format(0, col, cols[*i].label, &head)
            .map_err(xlsx_err)?;
        catalog.set_column_width(col, 30).map_err(xlsx_err)?;
        for (r, item) in items.iter().enumerate() {
            catalog
                .write_string_with_format(r as u32 + 1, col, item, &text)
                .map_err(xlsx_err)?;
        }
    }
    save(&mut book, out)
}

/// A rejected row as written back: the row's own cells and its errors.
pub struct Rejected<'a> {
    pub cells: &'a [Cell],
    pub errors: String,
}

/// Writes the sheet's header and the rejected rows, each with its errors in a last column
/// ("Lỗi"), which the import leaves out when the fixed workbook comes back.
pub fn write_rejected(
    table: &Table,
    layout: &SheetLayout,
    header_at: usize,
    rows: &[Rejected],
    out: &Path,
) -> Result<()> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Dòng bị từ chối").map_err(xlsx_err)?;
    let head = head_format();
    let text = Format::new().set_font_name(FONT);
    let date = Format::new()
        .set_font_name(FONT)
        .set_num_format("dd/mm/yyyy");
    let error = Format::new()
        .set_font_name(FONT)
        .set_font_color("#B00020")
        .set_text_wrap();
    let header = &table.rows[header_at].cells;
    let width = layout.columns.len().max(header.len());
    for (i, c) in header.iter().enumerate() {
        sheet
            .write_string_with_format(0, i as u16, c.text(), &head)
            .map_err(xlsx_err)?;
        sheet.set_column_width(i as u16, 18).map_err(xlsx_err)?;
    }
    let last = width as u16;
    sheet
        .write_string_with_format(0, last, "Lỗi / Errors", &head)
        .map_err(xlsx_err)?;
    sheet.set_column_width(last, 60).map_err(xlsx_err)?;
    for (r, row) in rows.iter().enumerate() {
        let at = r as u32 + 1;
        for (i, c) in row.cells.iter().enumerate() {
            write_cell(sheet, at, i as u16, c, &text, &date)?;
        }
        sheet
            .write_string_with_format(at, last, &row.errors, &error)
            .map_err(xlsx_err)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    save(&mut book, out)
}

fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    c: &Cell,
    text: &Format,
    date: &Format,
) -> Result<()> {
    match c {
        Cell::Empty => Ok(()),
        Cell::Text(s) => sheet
            .write_string_with_format(row, col, s, text)
            .map(|_| ()),
        Cell::Number(n) => sheet
            .write_number_with_format(row, col, *n, text)
            .map(|_| ()),
        Cell::Date(n) => match excel_date(*n) {
            Some(d) => {
                let dt = ExcelDateTime::parse_from_str(&d.format("%Y-%m-%d").to_string())
                    .map_err(xlsx_err)?;
                sheet
                    .write_datetime_with_format(row, col, &dt, date)
                    .map(|_| ())
            }
            None => sheet
                .write_number_with_format(row, col, *n, text)
                .map(|_| ()),
        },
    }
    .map_err(xlsx_err)
}

/// Writes the rows `report` rejected, from the sheet it read, each with its errors ("Cột C
/// (Ngày sinh): …", Vietnamese then English).
pub fn write_rejected_rows(
    report: &crate::store::SheetReport,
    table: &Table,
    out: &Path,
) -> Result<()> {
    let header_at = table
        .rows
        .iter()
        .position(|r| r.number == report.layout.header_row)
        .unwrap_or_default();
    let by_number: std::collections::HashMap<usize, &[Cell]> = table
        .rows
        .iter()
        .map(|r| (r.number, r.cells.as_slice()))
        .collect();
    let rows: Vec<Rejected> = report
        .rows
        .iter()
        .filter(|r| !r.errors.is_empty())
        .map(|r| Rejected {
            cells: by_number.get(&r.row).copied().unwrap_or_default(),
            errors: r
                .errors
                .iter()
                .map(|e| match (&e.column, &e.header) {
                    (Some(c), Some(h)) => {
                        format!("Cột {c} ({h}): {} / {}", e.message.vi, e.message.en)
                    }
                    _ => format!("{} / {}", e.message.vi, e.message.en),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        })
        .collect();
    write_rejected(table, &report.layout, header_at, &rows, out)
}
