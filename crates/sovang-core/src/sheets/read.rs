//! Reading a spreadsheet file into rows of cells: `.xlsx`, `.xls` and `.ods` through calamine,
//! `.csv` in UTF-8 (with or without BOM) or Windows-1258, the encoding Vietnamese Excel saves
//! CSV in.

use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};
use chrono::NaiveDate;
use serde::Serialize;

use crate::error::{Code, Error, Result};

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A cell Excel formats as a date: its serial number (days since 1899-12-30).
    Date(f64),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text, as a person reading the sheet sees it (whole numbers without ".0").
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.trim().to_owned(),
            Cell::Number(n) | Cell::Date(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                format!("{}", *n as i64)
            }
            Cell::Number(n) | Cell::Date(n) => n.to_string(),
        }
    }
}

/// A sheet's rows, each as long as its last cell; `number` is the row as the spreadsheet
/// numbers it (from 1), so that errors point at the right line.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub rows: Vec<Row>,
    /// The sheet read (for a workbook), or the encoding (for a CSV file).
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<Cell>,
}

/// The date an Excel serial number stands for (the 1900 date system, as Vietnamese Excel
/// writes), if it is a plausible one.
pub fn excel_date(serial: f64) -> Option<NaiveDate> {
    if !(1.0..=120_000.0).contains(&serial) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    epoch.checked_add_days(chrono::Days::new(serial.floor() as u64))
}

/// Reads the first sheet of a workbook (or the one named `sheet`), or a CSV file.
pub fn read_table(path: &Path, sheet: Option<&str>) -> Result<Table> {
    let label = path.display().to_string();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if ext == "csv" || ext == "txt" {
        let bytes = std::fs::read(path).map_err(|e| Error::io(Some("file"), &label, &e))?;
        return Ok(read_csv(&bytes));
    }
    let unreadable =
        |why: &str| Error::field_arg(Code::SheetUnreadable, "file", &format!("{label}: {why}"));
    let mut book = open_workbook_auto(path).map_err(|e| unreadable(&e.to_string()))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| Error::field_arg(Code::NotFound, "sheet", s))?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| unreadable("no sheet"))?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| unreadable(&e.to_string()))?;
    let (top, _) = range.start().unwrap_or((0, 0));
    let (_, left) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, r)| {
            let mut cells: Vec<Cell> = std::iter::repeat_n(Cell::Empty, left as usize)
                .chain(r.iter().map(cell_of))
                .collect();
            while cells.last().is_some_and(Cell::is_empty) {
                cells.pop();
            }
            Row {
                number: top as usize + i + 1,
                cells,
            }
        })
        .collect();
    Ok(Table { rows, source: name })
}

fn cell_of(d: &Data) -> Cell {
    match d {
        Data::Empty | Data::Error(_) => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(if *b { "TRUE" } else { "FALSE" }.into()),
        Data::DateTime(dt) => Cell::Date(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => {
            // ODS dates: ISO text, which the date reader takes as it is.
            Cell::Text(s.get(..10).unwrap_or(s).to_owned())
        }
    }
}

/// Decodes CSV bytes: UTF-8 when they are valid UTF-8 (a BOM is dropped), else Windows-1258;
/// the separator is the one of `,` `;` and tab that splits the first line most.
pub fn read_csv(bytes: &[u8]) -> Table {
    let (text, source) = decode(bytes);
    let first = text.lines().next().unwrap_or_default();
    let sep = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|s| first.bytes().filter(|b| b == s).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sep)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let Ok(rec) = rec else { continue };
        let mut cells: Vec<Cell> = rec.iter().map(|s| Cell::Text(s.to_owned())).collect();
        while cells.last().is_some_and(Cell::is_empty) {
            cells.pop();
        }
        rows.push(Row {
            number: rec.position().map_or(i + 1, |p| p.line() as usize),
            cells,
        });
    }
    Table {
        rows,
        source: source.into(),
    }
}

fn decode(bytes: &[u8]) -> (String, &'static str) {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => (s.to_owned(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1258.decode(body);
            // Windows-1258 spells some letters as a base letter and a combining mark.
            use unicode_normalization::UnicodeNormalization;
            (text.nfc().collect(), "Windows-1258")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1258_csv_reads_as_vietnamese() {
        // As Windows-1258 spells it: a base letter and a combining tone mark.
        let text = "Ho\u{323} va\u{300} tên;Nga\u{300}y sinh\nNguyê\u{303}n Thi\u{323} Ha\u{300};12/03/2001\n";
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(text);
        assert!(!unmappable);
        let t = read_csv(&bytes);
        assert_eq!(t.source, "Windows-1258");
        assert_eq!(t.rows[1].cells[0], Cell::Text("Nguyễn Thị Hà".into()));
        assert_eq!(t.rows[1].number, 2);
    }

    #[test]
    fn utf8_with_a_bom_and_commas_reads() {
        let t = read_csv("\u{feff}Họ và tên,Ngày sinh\n\"Lê, Văn\",2001-03-12\n".as_bytes());
        assert_eq!(t.source, "UTF-8");
        assert_eq!(t.rows[0].cells[0], Cell::Text("Họ và tên".into()));
        assert_eq!(t.rows[1].cells[0], Cell::Text("Lê, Văn".into()));
    }

    #[test]
    fn excel_serial_dates_are_days_since_1899_12_30() {
        assert_eq!(excel_date(36_962.0), NaiveDate::from_ymd_opt(2001, 3, 12));
        assert_eq!(excel_date(0.0), None);
    }
}
