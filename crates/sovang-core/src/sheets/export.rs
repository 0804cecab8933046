//! Lists out: the records a list screen shows, with its filter and in its order, as a real
//! workbook (Vietnamese headers, dates as dates in dd/mm/yyyy, money as numbers in đồng, the
//! header row frozen, Times New Roman). People, entries and projects take the import's columns,
//! so a list exported and imported again changes nothing. The sheet is streamed
//! (rust_xlsxwriter's constant memory mode): a 100,000-row list never sits in memory whole.

use std::collections::HashMap;
use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Workbook, Worksheet};
use serde_json::{Map, Value};

use super::columns::{columns, Cells, Column};
use super::template::{save, xlsx_err, FONT};
use crate::error::Result;
use crate::records::{Kind, ReviewStatus, PRESET_CAMPAIGN_ID};
use crate::store::{ListFilter, PageItem, Store, MAX_PAGE};

/// The columns a list of `kind` is written with: the import's (the split name aside).
fn list_columns(kind: Kind) -> Vec<&'static Column> {
    columns(kind)
        .iter()
        .filter(|c| !matches!(c.field, "family_name" | "given_name"))
        .collect()
}

/// A cell's value as written.
pub(crate) enum Out {
    Text(String),
    Number(f64),
    Money(f64),
    Date(chrono::NaiveDate),
    Empty,
}

impl Out {
    /// As printed (the list's PDF): dates dd/mm/yyyy, thousands with dots, money in đồng.
    pub(crate) fn printed(&self) -> String {
        let dotted = |n: f64| {
            let digits = format!("{:.0}", n.abs());
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    out.push('.');
                }
                out.push(c);
            }
            out
        };
        match self {
            Out::Text(s) => s.clone(),
            Out::Number(n) => dotted(*n),
            Out::Money(n) => format!("{} đ", dotted(*n)),
            Out::Date(d) => d.format("%d/%m/%Y").to_string(),
            Out::Empty => String::new(),
        }
    }
}

struct Formats {
    head: Format,
    text: Format,
    date: Format,
    money: Format,
}

impl Formats {
    fn new() -> Self {
        let base = Format::new().set_font_name(FONT);
        Formats {
            head: base
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_border(FormatBorder::Thin)
                .set_background_color("#F2E6C9"),
            text: base.clone(),
            date: base.clone().set_num_format("dd/mm/yyyy"),
            money: base.set_num_format("#,##0 \"đ\""),
        }
    }
}

/// What the rows need besides their bodies: unit names, people (an entry's), value labels.
struct Lookup<'a> {
    store: &'a Store,
    people: HashMap<String, (String, Option<String>)>,
}

impl Lookup<'_> {
    fn bodies(&mut self, kind: Kind, ids: &[&str]) -> Result<HashMap<String, Map<String, Value>>> {
        let mut out: HashMap<String, Map<String, Value>> = HashMap::new();
        for chunk in ids.chunks(400) {
            let marks = vec!["?"; chunk.len()].join(",");
            let sql = format!(
                "SELECT id, body FROM {} WHERE id IN ({marks})",
                kind.table()
            );
            let mut stmt = self.store.connection().prepare(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(chunk.iter()), |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            for row in rows {
                let (id, body) = row?;
                if let Ok(b) = serde_json::from_str(&body) {
                    out.insert(id, b);
                }
            }
        }
        if kind == Kind::Entry {
            let wanted: Vec<String> = out
                .values()
                .filter_map(|b: &Map<String, Value>| b.get("person_id").and_then(Value::as_str))
                .filter(|p| !self.people.contains_key(*p))
                .map(str::to_owned)
                .collect();
            let refs: Vec<&str> = wanted.iter().map(String::as_str).collect();
            let mut people = Lookup {
                store: self.store,
                people: HashMap::new(),
            };
            for (id, b) in people.bodies(Kind::Person, &refs)? {
                let name = b
                    .get("full_name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let birth = b
                    .get("birth_date")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                self.people.insert(id, (name, birth));
            }
        }
        Ok(out)
    }

    fn cell(&self, c: &Column, body: &Map<String, Value>) -> Out {
        let text = |f: &str| body.get(f).and_then(Value::as_str).map(str::to_owned);
        let date = |s: Option<String>| {
            s.and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
                .map_or(Out::Empty, Out::Date)
        };
        let person = || text("person_id").and_then(|p| self.people.get(&p).cloned());
        match (c.field, c.cells) {
            ("person_name", _) => person().map_or(Out::Empty, |p| Out::Text(p.0)),
            ("person_birth_date", _) => date(person().and_then(|p| p.1)),
            (f, Cells::Date) => date(text(f)),
            (f, Cells::Count) => body
                .get(f)
                .and_then(Value::as_f64)
                .map_or(Out::Empty, Out::Number),
            (f, Cells::Money) => body
                .get(f)
                .and_then(Value::as_f64)
                .map_or(Out::Empty, Out::Money),
            (f, Cells::Code) => text(f)
                .map(|v| {
                    let label = c.codes.iter().find(|(code, _)| *code == v).map(|(_, l)| *l);
                    Out::Text(label.map_or(v.clone(), str::to_owned))
                })
                .unwrap_or(Out::Empty),
            (f, Cells::Unit) => text(f)
                .map(|u| {
                    Out::Text(
                        self.store
                            .units()
                            .get(&u)
                            .map_or(u.clone(), |n| n.name.clone()),
                    )
                })
                .unwrap_or(Out::Empty),
            (f, Cells::Values) => {
                let campaign = self.store.campaigns().get(PRESET_CAMPAIGN_ID);
                let labels: Vec<String> = body
                    .get(f)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(|code| {
                        campaign
                            .and_then(|k| k.values.iter().find(|v| v.code == code))
                            .map_or(code.to_owned(), |v| v.name_vi.clone())
                    })
                    .collect();
                if labels.is_empty() {
                    Out::Empty
                } else {
                    Out::Text(labels.join(", "))
                }
            }
            (f, Cells::Text) => text(f).map_or(Out::Empty, Out::Text),
        }
    }
}

fn write(sheet: &mut Worksheet, row: u32, col: u16, v: &Out, f: &Formats) -> Result<()> {
    match v {
        Out::Empty => Ok(()),
        Out::Text(s) => sheet
            .write_string_with_format(row, col, s, &f.text)
            .map(|_| ()),
        Out::Number(n) => sheet
            .write_number_with_format(row, col, *n, &f.text)
            .map(|_| ()),
        Out::Money(n) => sheet
            .write_number_with_format(row, col, *n, &f.money)
            .map(|_| ()),
        Out::Date(d) => {
            let dt = ExcelDateTime::from_ymd(d.year_ce_u16(), d.month_u8(), d.day_u8())
                .map_err(xlsx_err)?;
            sheet
                .write_datetime_with_format(row, col, &dt, &f.date)
                .map(|_| ())
        }
    }
    .map_err(xlsx_err)
}

trait DateParts {
    fn year_ce_u16(&self) -> u16;
    fn month_u8(&self) -> u8;
    fn day_u8(&self) -> u8;
}

impl DateParts for chrono::NaiveDate {
    fn year_ce_u16(&self) -> u16 {
        chrono::Datelike::year(self).clamp(1900, 9999) as u16
    }
    fn month_u8(&self) -> u8 {
        chrono::Datelike::month(self) as u8
    }
    fn day_u8(&self) -> u8 {
        chrono::Datelike::day(self) as u8
    }
}

fn width_of(v: &Out) -> usize {
    match v {
        Out::Text(s) => s.chars().count(),
        Out::Money(_) => 16,
        Out::Number(_) | Out::Date(_) => 11,
        Out::Empty => 0,
    }
}

/// The headers and cells of a kind no import brings (nominations, units, …): what its list
/// shows.
fn plain_headers() -> [&'static str; 4] {
    ["Tên", "Đơn vị", "Năm", "Trạng thái"]
}

fn plain_row(store: &Store, item: &PageItem) -> [Out; 4] {
    let status = item.status.clone().map(|s| {
        match serde_json::from_value::<ReviewStatus>(Value::String(s.clone())) {
            Ok(r) => crate::messages::review_status_label(r).0.to_owned(),
            Err(_) => s,
        }
    });
    [
        Out::Text(item.title.clone()),
        Out::Text(
            store
                .units()
                .get(&item.unit)
                .map_or(item.unit.clone(), |u| u.name.clone()),
        ),
        item.year.map_or(Out::Empty, |y| Out::Number(f64::from(y))),
        status.map_or(Out::Empty, Out::Text),
    ]
}

/// What takes a list a page at a time: its header, then the page's rows.
pub(crate) type PageSink<'a> = dyn FnMut(&[&str], Vec<Vec<Out>>) -> Result<()> + 'a;

/// Hands `each` the list's header and its rows a page at a time, in the list's order.
pub(crate) fn each_page(
    store: &Store,
    kind: Kind,
    filter: &ListFilter,
    each: &mut PageSink,
) -> Result<()> {
    let cols = list_columns(kind);
    let headers: Vec<&str> = match cols.is_empty() {
        true => plain_headers().to_vec(),
        false => cols.iter().map(|c| c.label).collect(),
    };
    let mut lookup = Lookup {
        store,
        people: HashMap::new(),
    };
    let mut after: Option<String> = None;
    loop {
        let page = store.list(kind, filter, after.as_deref(), MAX_PAGE)?;
        let ids: Vec<&str> = page.items.iter().map(|i| i.id.as_str()).collect();
        let bodies = match cols.is_empty() {
            true => HashMap::new(),
            false => lookup.bodies(kind, &ids)?,
        };
        let none = Map::new();
        let rows: Vec<Vec<Out>> = page
            .items
            .iter()
            .map(|item| match cols.is_empty() {
                true => plain_row(store, item).into_iter().collect(),
                false => {
                    let body = bodies.get(&item.id).unwrap_or(&none);
                    cols.iter().map(|c| lookup.cell(c, body)).collect()
                }
            })
            .collect();
        each(&headers, rows)?;
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok(()),
        }
    }
}

/// Writes every record of `kind` that `filter` lists, in the list's order, to `out`; returns
/// how many rows were written.
pub fn write_list(store: &Store, kind: Kind, filter: &ListFilter, out: &Path) -> Result<u64> {
    let f = Formats::new();
    let mut book = Workbook::new();
    let sheet = book
        .add_worksheet_with_constant_memory()
        .map_err(xlsx_err)?;
    sheet
        .set_name(crate::messages::kind_label(kind).0)
        .map_err(xlsx_err)?;
    let mut row = 0u32;
    each_page(store, kind, filter, &mut |headers, rows| {
        if row == 0 {
            // Widths and the header go first: the streamed sheet writes rows as they come.
            for (i, h) in headers.iter().enumerate() {
                let widest = rows.iter().map(|r| width_of(&r[i])).max().unwrap_or(0);
                let w = widest.max(h.chars().count()).clamp(8, 60) + 2;
                sheet
                    .set_column_width(i as u16, w as f64)
                    .map_err(xlsx_err)?;
                sheet
                    .write_string_with_format(0, i as u16, *h, &f.head)
                    .map_err(xlsx_err)?;
            }
            sheet.set_freeze_panes(1, 0).map_err(xlsx_err)?;
            row = 1;
        }
        for r in &rows {
            for (i, v) in r.iter().enumerate() {
                write(sheet, row, i as u16, v, &f)?;
            }
            row += 1;
        }
        Ok(())
    })?;
    save(&mut book, out)?;
    Ok(u64::from(row.saturating_sub(1)))
}
