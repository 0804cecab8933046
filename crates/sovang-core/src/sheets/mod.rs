//! Spreadsheets in: people, Golden Book entries and youth projects from `.xlsx`, `.xls`,
//! `.ods` and `.csv`. A sheet's header row is found under any title rows, its columns are
//! matched to fields by header (the user may change the mapping), and each row is read into a
//! record body with its problems per cell. `store::sheet` matches the rows to what is stored
//! and writes them; `template` writes the template and the rejected rows.

pub mod columns;
pub mod export;
pub mod legacy;
pub mod person_data;
pub mod print;
pub mod read;
pub mod template;

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Code, Error, Result};
use crate::records::{Campaign, Kind};
use crate::text::fold;
use crate::units::UnitTree;
use columns::{code_for, column, columns, field_for_header, Cells, Column};
pub use export::write_list;
pub use person_data::{write_person_data, PersonDataReport};
pub use print::write_list_pdf;
pub use read::{read_table, Cell, Row, Table};

pub use template::{write_rejected_rows, write_template};

/// How many rows from the top the header is looked for in (title rows, a blank line, a
/// subtitle: Vietnamese lists carry a few above the header).
const HEADER_SEARCH: usize = 30;

/// One column of the sheet and the field it fills (`None`: left out).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SheetColumn {
    /// From 0.
    pub index: usize,
    /// The spreadsheet's letter for it (A, B, …, AA).
    pub letter: String,
    pub header: String,
    pub field: Option<String>,
}

/// Where a sheet's header is and what each column fills.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SheetLayout {
    /// The header's row as the spreadsheet numbers it (from 1).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub header_row: usize,
    pub columns: Vec<SheetColumn>,
}

/// A column's letters, as spreadsheets name them.
pub fn letter(mut index: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Finds the header row (the row among the first ones whose cells name the most known
/// columns) and maps each column to the field its header names.
pub fn layout(kind: Kind, table: &Table) -> Result<(SheetLayout, usize)> {
    let best = table
        .rows
        .iter()
        .enumerate()
        .take(HEADER_SEARCH)
        .map(|(i, r)| {
            let known = r
                .cells
                .iter()
                .filter(|c| field_for_header(kind, &c.text()).is_some())
                .count();
            (known, std::cmp::Reverse(i))
        })
        .max();
    let Some((known, std::cmp::Reverse(at))) = best.filter(|(n, _)| *n > 0) else {
        return Err(Error::field(Code::SheetNoHeader, "file"));
    };
    let _ = known;
    let row = &table.rows[at];
    let mut taken = HashSet::new();
    let columns = row
        .cells
        .iter()
        .enumerate()
        .map(|(index, cell)| {
            let header = cell.text();
            // The first column a field is named by fills it; a second is left out.
            let field = field_for_header(kind, &header).filter(|f| taken.insert(*f));
            SheetColumn {
                index,
                letter: letter(index),
                header,
                field: field.map(str::to_owned),
            }
        })
        .collect();
    Ok((
        SheetLayout {
            header_row: row.number,
            columns,
        },
        at,
    ))
}

/// Applies the user's choices (`COLUMN=FIELD`, the column by its header or letter, the field
/// by name, `-` to leave the column out) over the matched mapping.
pub fn remap(kind: Kind, layout: &mut SheetLayout, choices: &[(String, String)]) -> Result<()> {
    for (col, field) in choices {
        let key = columns::header_key(col);
        let at = layout
            .columns
            .iter()
            .position(|c| c.letter.eq_ignore_ascii_case(col.trim()))
            .or_else(|| {
                layout
                    .columns
                    .iter()
                    .position(|c| columns::header_key(&c.header) == key)
            })
            .ok_or_else(|| Error::field_arg(Code::UnknownColumn, "map", col))?;
        let field = match field.trim() {
            "-" | "" => None,
            f => Some(
                column(kind, f)
                    .ok_or_else(|| Error::field_arg(Code::UnknownField, "map", f))?
                    .field
                    .to_owned(),
            ),
        };
        if let Some(f) = &field {
            for c in layout.columns.iter_mut() {
                if c.field.as_deref() == Some(f) {
                    c.field = None;
                }
            }
        }
        layout.columns[at].field = field;
    }
    Ok(())
}

/// What a row is read against: the units and the campaign values cells may name.
pub struct RowCx<'a> {
    pub units: &'a UnitTree,
    pub scope: &'a HashSet<String>,
    pub campaign: Option<&'a Campaign>,
}

/// A problem with one cell (or with the row, `column` `None`).
#[derive(Debug, Clone)]
pub struct CellProblem {
    pub field: String,
    pub error: Error,
}

/// A row read into the fields of a record, with the person it names (entries) and its
/// problems.
#[derive(Debug, Clone, Default)]
pub struct RowInput {
    pub fields: Map<String, Value>,
    /// An entry's person: name and birth date as the sheet gives them.
    pub person: Option<(String, Option<String>)>,
    pub problems: Vec<CellProblem>,
}

/// Whether a row has nothing in any mapped column (blank rows are skipped).
pub fn is_blank(layout: &SheetLayout, row: &Row) -> bool {
    layout
        .columns
        .iter()
        .filter(|c| c.field.is_some())
        .all(|c| row.cells.get(c.index).is_none_or(Cell::is_empty))
}

/// Reads one row's mapped cells into record fields.
pub fn read_row(kind: Kind, layout: &SheetLayout, row: &Row, cx: &RowCx) -> RowInput {
    let mut out = RowInput::default();
    let mut sheet_only = Map::new();
    for c in &layout.columns {
        let Some(field) = c.field.as_deref() else {
            continue;
        };
        let Some(def) = column(kind, field) else {
            continue;
        };
        let cell = row.cells.get(c.index).cloned().unwrap_or(Cell::Empty);
        if cell.is_empty() {
            continue;
        }
        match read_cell(def, &cell, cx) {
            Ok(v) if is_sheet_only(field) => {
                sheet_only.insert(field.to_owned(), v);
            }
            Ok(v) => {
                out.fields.insert(field.to_owned(), v);
            }
            Err(error) => out.problems.push(CellProblem {
                field: field.to_owned(),
                error,
            }),
        }
    }
    let text =
        |m: &Map<String, Value>, f: &str| m.get(f).and_then(Value::as_str).map(str::to_owned);
    if kind == Kind::Person && !out.fields.contains_key("full_name") {
        let name = [
            text(&sheet_only, "family_name"),
            text(&sheet_only, "given_name"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        if !name.is_empty() {
            out.fields.insert("full_name".into(), Value::String(name));
        }
    }
    if kind == Kind::Entry {
        match text(&sheet_only, "person_name") {
            Some(name) => out.person = Some((name, text(&sheet_only, "person_birth_date"))),
            None if out.fields.contains_key("collective_name") => {
                out.fields
                    .insert("subject".into(), Value::String("collective".into()));
            }
            None => {}
        }
    }
    out
}

fn is_sheet_only(field: &str) -> bool {
    matches!(
        field,
        "family_name" | "given_name" | "person_name" | "person_birth_date"
    )
}

fn read_cell(def: &Column, cell: &Cell, cx: &RowCx) -> Result<Value> {
    let bad = |code: Code, arg: &str| Error::field_arg(code, def.field, arg);
    let text = cell.text();
    if def.cells != Cells::Date && legacy::looks_legacy(&text) {
        return Err(bad(Code::LegacyEncoding, &text));
    }
    match def.cells {
        // Excel drops a phone number's leading 0 when the cell is a number.
        Cells::Text
            if def.field == "phone" && matches!(cell, Cell::Number(_)) && text.len() == 9 =>
        {
            Ok(Value::String(format!("0{text}")))
        }
        Cells::Text => Ok(Value::String(text)),
        Cells::Date => read_date(cell)
            .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
            .ok_or_else(|| bad(Code::InvalidDate, &text)),
        Cells::Count => read_number(cell)
            .filter(|n| *n >= 0)
            .map(Value::from)
            .ok_or_else(|| bad(Code::InvalidValue, &text)),
        Cells::Money => read_money(cell)
            .map(Value::from)
            .ok_or_else(|| bad(Code::InvalidValue, &text)),
        Cells::Code => code_for(def.codes, &text)
            .map(|c| Value::String(c.to_owned()))
            .ok_or_else(|| {
                let allowed: Vec<&str> = def.codes.iter().map(|(_, l)| *l).collect();
                bad(
                    Code::InvalidValue,
                    &format!("{text} ({})", allowed.join(", ")),
                )
            }),
        Cells::Values => read_values(&text, cx).map_err(|v| bad(Code::InvalidValue, &v)),
        Cells::Unit => read_unit(&text, cx).ok_or_else(|| bad(Code::UnknownUnit, &text)),
    }
}

/// A date cell: an Excel date, a serial number, or text as d/m/yyyy (with `/`, `-` or `.`)
/// or `yyyy-mm-dd`.
pub fn read_date(cell: &Cell) -> Option<NaiveDate> {
    match cell {
        // A small number is a year typed in a date column, not a date of 1905.
        Cell::Date(n) | Cell::Number(n) if *n >= 3000.0 => read::excel_date(*n),
        Cell::Date(_) | Cell::Number(_) => None,
        Cell::Text(s) => {
            let s = s.trim();
            let s = s.split_whitespace().next().unwrap_or_default();
            ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
                .filter(|d| (1900..=2200).contains(&chrono::Datelike::year(d)))
        }
        Cell::Empty => None,
    }
}

/// The most a money cell may hold: a million billion đồng, far above any youth project, and
/// far from where sums overflow.
pub const MAX_VND: i64 = 1_000_000_000_000_000;

/// A number as Vietnamese lists write it: `1.500.000` or `1,500,000` (thousands), `1.500,5`
/// or `40.0` (a decimal part of one or two digits after the last separator), with spaces and
/// a currency word ("đ", "VNĐ", "đồng") aside.
fn read_vn_number(cell: &Cell) -> Option<f64> {
    let n = match cell {
        Cell::Number(n) => *n,
        Cell::Text(s) => {
            let f = fold(s);
            let f = f
                .trim()
                .trim_end_matches("vnd")
                .trim_end_matches("dong")
                .trim_end_matches('d')
                .trim();
            let f: String = f.chars().filter(|c| !c.is_whitespace()).collect();
            if f.is_empty()
                || !f
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
            {
                return None;
            }
            let last = f.rfind(['.', ',']);
            let (whole, frac) = match last {
                Some(i) if (1..=2).contains(&(f.len() - i - 1)) => (&f[..i], &f[i + 1..]),
                _ => (f.as_str(), ""),
            };
            let whole: String = whole.chars().filter(char::is_ascii_digit).collect();
            format!(
                "{}.{}",
                if whole.is_empty() { "0" } else { &whole },
                if frac.is_empty() { "0" } else { frac }
            )
            .parse()
            .ok()?
        }
        _ => return None,
    };
    n.is_finite().then_some(n)
}

/// A whole count: no decimals, not negative.
fn read_number(cell: &Cell) -> Option<i64> {
    read_vn_number(cell)
        .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= 1e12)
        .map(|n| n as i64)
}

/// Whole đồng, rounded, up to `MAX_VND`.
fn read_money(cell: &Cell) -> Option<i64> {
    read_vn_number(cell)
        .filter(|n| *n >= 0.0 && *n <= MAX_VND as f64)
        .map(|n| n.round() as i64)
}

fn read_values(text: &str, cx: &RowCx) -> std::result::Result<Value, String> {
    let Some(campaign) = cx.campaign else {
        return Err(text.to_owned());
    };
    let mut codes = Vec::new();
    for part in text
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let key = columns::header_key(part);
        let found = campaign
            .values
            .iter()
            .find(|v| v.code == part || columns::header_key(&v.name_vi) == key);
        match found {
            Some(v) => codes.push(Value::String(v.code.clone())),
            None => return Err(part.to_owned()),
        }
    }
    Ok(Value::Array(codes))
}

/// A unit of this installation's scope by its code, or by its name (diacritics and case
/// aside, with or without "Chi đoàn").
fn read_unit(text: &str, cx: &RowCx) -> Option<Value> {
    let t = text.trim();
    if cx.scope.contains(t) {
        return Some(Value::String(t.to_owned()));
    }
    let key = columns::header_key(t);
    let bare = |s: &str| {
        let k = columns::header_key(s);
        k.strip_prefix("chi doan ").map(str::to_owned).unwrap_or(k)
    };
    let mut found = cx.scope.iter().filter(|code| {
        cx.units
            .get(code)
            .is_some_and(|u| columns::header_key(&u.name) == key || bare(&u.name) == bare(t))
    });
    match (found.next(), found.next()) {
        (Some(code), None) => Some(Value::String(code.clone())),
        _ => None,
    }
}

/// The catalog's columns for `kind`, as the UI lists them for the mapping.
pub fn fields(kind: Kind) -> Vec<SheetField> {
    columns(kind)
        .iter()
        .map(|c| SheetField {
            field: c.field.to_owned(),
            label: c.label.to_owned(),
            label_en: c.label_en.to_owned(),
            required: c.required,
        })
        .collect()
}

/// A field a column may fill, for choosing the mapping.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct SheetField {
    pub field: String,
    pub label: String,
    pub label_en: String,
    pub required: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_go_past_z() {
        assert_eq!(
            [0, 25, 26, 27, 701, 702].map(letter),
            ["A", "Z", "AA", "AB", "ZZ", "AAA"].map(str::to_owned)
        );
    }

    #[test]
    fn dates_read_in_every_form_a_vietnamese_list_uses() {
        let want = NaiveDate::from_ymd_opt(2001, 3, 12);
        for cell in [
            Cell::Text("12/03/2001".into()),
            Cell::Text("12-03-2001".into()),
            Cell::Text("12.03.2001".into()),
            Cell::Text("2001-03-12".into()),
            Cell::Text("12/3/2001".into()),
            Cell::Date(36_962.0),
            Cell::Number(36_962.0),
        ] {
            assert_eq!(read_date(&cell), want, "{cell:?}");
        }
        assert_eq!(read_date(&Cell::Text("31/02/2001".into())), None);
    }

    #[test]
    fn money_reads_with_vietnamese_thousands_separators() {
        for s in [
            "1.500.000",
            "1,500,000",
            "1.500.000 đ",
            "1500000 VNĐ",
            "1 500 000",
        ] {
            assert_eq!(read_money(&Cell::Text(s.into())), Some(1_500_000), "{s}");
        }
        assert_eq!(read_money(&Cell::Number(2.5e6)), Some(2_500_000));
        assert_eq!(read_money(&Cell::Text("khoảng 2 triệu".into())), None);
        assert_eq!(
            read_money(&Cell::Text("150000000.00".into())),
            Some(150_000_000),
            "a decimal part"
        );
        assert_eq!(
            read_money(&Cell::Text("1.500,50".into())),
            Some(1_501),
            "rounded"
        );
        assert_eq!(
            read_money(&Cell::Number(1e19)),
            None,
            "past the limit, refused"
        );
        assert_eq!(read_number(&Cell::Text("40.0".into())), Some(40));
        assert_eq!(
            read_number(&Cell::Text("40.5".into())),
            None,
            "no half a volunteer"
        );
        assert_eq!(read_number(&Cell::Text("1.200".into())), Some(1200));
        assert_eq!(
            read_date(&Cell::Number(2001.0)),
            None,
            "a year is not a date"
        );
    }
}
