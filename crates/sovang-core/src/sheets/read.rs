//! Reading a spreadsheet file into rows of cells: `.xlsx`, `.xls` and `.ods` through calamine,
//! `.csv` in UTF-8 (with or without BOM) or Windows-1258, the encoding Vietnamese Excel saves
//! CSV in.

use std::path::Path;

use std::collections::BTreeMap;

use calamine::{open_workbook_auto, Data, DataRef, Reader, Sheets};
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

/// The most rows and columns a sheet may have: a real list is far smaller, and a stray cell at
/// row 1,048,576 or column XFD must not make the reader build a sheet of billions of cells.
pub const MAX_ROWS: usize = 200_000;
pub const MAX_COLUMNS: usize = 200;
/// The largest CSV file read (a 200,000-row list is well under it).
const MAX_CSV_BYTES: u64 = 256 << 20;

/// Reads the first sheet of a workbook (or the one named `sheet`), or a CSV file.
pub fn read_table(path: &Path, sheet: Option<&str>) -> Result<Table> {
    let label = path.display().to_string();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let unreadable =
        |why: &str| Error::field_arg(Code::SheetUnreadable, "file", &format!("{label}: {why}"));
    let too_large = || unreadable(&format!("> {MAX_ROWS} rows or > {MAX_COLUMNS} columns"));
    if ext == "csv" || ext == "txt" {
        let size = std::fs::metadata(path)
            .map_err(|e| Error::io(Some("file"), &label, &e))?
            .len();
        if size > MAX_CSV_BYTES {
            return Err(too_large());
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(Some("file"), &label, &e))?;
        let t = read_csv(&bytes);
        if t.rows.len() > MAX_ROWS || t.rows.iter().any(|r| r.cells.len() > MAX_COLUMNS) {
            return Err(too_large());
        }
        return Ok(t);
    }
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
    let mut rows: BTreeMap<u32, Vec<Cell>> = BTreeMap::new();
    let mut put = |r: u32, c: u32, cell: Cell| -> Result<()> {
        if r as usize >= MAX_ROWS || c as usize >= MAX_COLUMNS {
            // Beyond the bounds only empty cells are forgiven (formatting of whole columns).
            return match cell.is_empty() {
                true => Ok(()),
                false => Err(too_large()),
            };
        }
        if !cell.is_empty() {
            let row = rows.entry(r).or_default();
            if row.len() <= c as usize {
                row.resize(c as usize + 1, Cell::Empty);
            }
            row[c as usize] = cell;
        }
        Ok(())
    };
    match &mut book {
        // Cell by cell: a workbook's stated size is not trusted.
        Sheets::Xlsx(x) => {
            let mut cells = x
                .worksheet_cells_reader(&name)
                .map_err(|e| unreadable(&e.to_string()))?;
            while let Some(cell) = cells.next_cell().map_err(|e| unreadable(&e.to_string()))? {
                let (r, c) = cell.get_position();
                put(r, c, cell_of_ref(cell.get_value()))?;
            }
        }
        other => {
            let range = other
                .worksheet_range(&name)
                .map_err(|e| unreadable(&e.to_string()))?;
            let (h, w) = range.get_size();
            if h > MAX_ROWS || w > MAX_COLUMNS {
                return Err(too_large());
            }
            let (top, left) = range.start().unwrap_or((0, 0));
            for (i, r) in range.rows().enumerate() {
                for (j, d) in r.iter().enumerate() {
                    put(top + i as u32, left + j as u32, cell_of(d))?;
                }
            }
        }
    }
    let rows = rows
        .into_iter()
        .map(|(r, cells)| Row {
            number: r as usize + 1,
            cells,
        })
        .collect();
    Ok(Table { rows, source: name })
}

fn cell_of(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        // An Excel error (#REF!, #N/A) stays visible, so the row is refused, not emptied.
        Data::Error(e) => Cell::Text(format!("#{e}")),
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(if *b { "TRUE" } else { "FALSE" }.into()),
        Data::DateTime(dt) => Cell::Date(dt.as_f64()),
        // ODS dates: ISO text, which the date reader takes as it is.
        Data::DateTimeIso(s) | Data::DurationIso(s) => {
            Cell::Text(s.get(..10).unwrap_or(s).to_owned())
        }
    }
}

fn cell_of_ref(d: &DataRef) -> Cell {
    match d {
        DataRef::Empty => Cell::Empty,
        DataRef::Error(e) => Cell::Text(format!("#{e}")),
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Text(if *b { "TRUE" } else { "FALSE" }.into()),
        DataRef::DateTime(dt) => Cell::Date(dt.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
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
    // A BOM says which encoding: UTF-8, or UTF-16 (Excel's "Unicode Text").
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom..]);
        return (text.into_owned(), enc.name());
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return (s.to_owned(), "UTF-8");
    }
    // Mostly UTF-8 with a few broken bytes: still UTF-8 (the broken characters become U+FFFD,
    // and their rows are refused); Windows-1258 text has next to no valid UTF-8 sequences.
    let lossy = String::from_utf8_lossy(bytes);
    let broken = lossy.chars().filter(|c| *c == '\u{FFFD}').count();
    let marked = lossy
        .chars()
        .filter(|c| !c.is_ascii() && *c != '\u{FFFD}')
        .count();
    if marked > broken * 4 {
        return (lossy.into_owned(), "UTF-8");
    }
    let (text, _, _) = encoding_rs::WINDOWS_1258.decode(bytes);
    // Windows-1258 spells some letters as a base letter and a combining mark.
    use unicode_normalization::UnicodeNormalization;
    (text.nfc().collect(), "Windows-1258")
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
