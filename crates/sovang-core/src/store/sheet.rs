//! Importing a spreadsheet (`sheets`): every row matched to what is stored (people by
//! membership number, else by name, birth date and unit; entries and projects by their
//! natural keys), checked like a record typed in, and previewed as new, already there,
//! updated or in error. The valid rows are written in one transaction; importing the same
//! file again changes nothing. See docs/sheets.md.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

use super::rows::{
    begin_write, commit_write, ensure_unchanged, insert_record, refresh_dependents, update_record,
};
use super::Store;
use crate::error::{Code, Error, Message, Result};
use crate::records::{self, Kind, Prepared, PRESET_CAMPAIGN_ID};
use crate::sheets::{self, is_blank, read_row, RowCx, SheetLayout, Table};
use crate::text::fold;

#[derive(Debug, Clone, Default)]
pub struct SheetOptions {
    /// The workbook's sheet to read (the first when `None`).
    pub sheet: Option<String>,
    /// The user's mapping over the matched one: `(column, field)`, `-` leaves a column out.
    pub map: Vec<(String, String)>,
    pub dry_run: bool,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    New,
    Unchanged,
    Updated,
    Error,
}

/// A problem of one cell: where it is and what is wrong, in Vietnamese and English.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct SheetError {
    /// The column's letter and header, when the problem is one column's.
    pub column: Option<String>,
    pub header: Option<String>,
    pub field: String,
    pub code: Code,
    pub message: Message,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct SheetRow {
    /// The row as the spreadsheet numbers it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub row: usize,
    pub outcome: RowOutcome,
    /// The record it is (or will be).
    pub id: Option<String>,
    pub title: String,
    pub errors: Vec<SheetError>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct SheetReport {
    pub file: String,
    pub kind: Kind,
    /// The sheet read, or the CSV file's encoding.
    pub source: String,
    pub layout: SheetLayout,
    pub dry_run: bool,
    pub rows: Vec<SheetRow>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub new: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub updated: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unchanged: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub errors: u64,
    /// People an entries sheet names who were not here yet, created with it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub people_created: u64,
    /// The backup taken before the rows were written.
    pub backup: Option<String>,
}

/// A stored record a row may be: its id, unit and body.
struct Known {
    id: String,
    body: Map<String, Value>,
}

/// What is stored of a kind in this installation's scope, by the keys rows are matched by.
#[derive(Default)]
struct Matcher {
    by_key: HashMap<String, usize>,
    by_member_no: HashMap<String, usize>,
    /// People by folded name and unit (an entry's person), and by folded name alone:
    /// indexes into `known`.
    by_name: HashMap<(String, String), Vec<usize>>,
    by_folded: HashMap<String, Vec<usize>>,
    known: Vec<Known>,
}

fn text<'a>(b: &'a Map<String, Value>, f: &str) -> &'a str {
    b.get(f).and_then(Value::as_str).unwrap_or_default()
}

/// The natural key of a record: what says two rows are the same record.
fn natural_key(kind: Kind, b: &Map<String, Value>) -> String {
    let unit = text(b, "unit");
    match kind {
        Kind::Person => format!(
            "{unit}|{}|{}",
            fold(text(b, "full_name")),
            text(b, "birth_date")
        ),
        Kind::Entry => {
            let who = match text(b, "person_id") {
                "" => fold(text(b, "collective_name")),
                id => id.to_owned(),
            };
            format!(
                "{unit}|{who}|{}|{}",
                fold(text(b, "title")),
                text(b, "deed_date")
            )
        }
        _ => format!("{unit}|{}|{}", fold(text(b, "name")), text(b, "start_date")),
    }
}

impl Matcher {
    fn add(&mut self, kind: Kind, k: Known) {
        let i = self.known.len();
        self.by_key.insert(natural_key(kind, &k.body), i);
        if kind == Kind::Person {
            let no = text(&k.body, "member_no");
            if !no.is_empty() {
                self.by_member_no.insert(no.to_owned(), i);
            }
            let folded = fold(text(&k.body, "full_name"));
            self.by_folded.entry(folded.clone()).or_default().push(i);
            let name = (folded, text(&k.body, "unit").to_owned());
            self.by_name.entry(name).or_default().push(i);
        }
        self.known.push(k);
    }

    /// The stored record a row is: a person by membership number first (refused when the
    /// number is another person's: a mistyped number must not rename someone), else by the
    /// natural key.
    fn find(&self, kind: Kind, b: &Map<String, Value>) -> Result<Option<usize>> {
        let no = text(b, "member_no");
        if kind == Kind::Person && !no.is_empty() {
            if let Some(i) = self.by_member_no.get(no) {
                let (theirs, ours) = (
                    text(&self.known[*i].body, "full_name"),
                    text(b, "full_name"),
                );
                if !ours.is_empty() && fold(theirs) != fold(ours) {
                    let arg = format!("{no}: {theirs}");
                    return Err(Error::field_arg(Code::MemberNoOther, "member_no", &arg));
                }
                return Ok(Some(*i));
            }
        }
        Ok(self.by_key.get(&natural_key(kind, b)).copied())
    }
}

/// A record a sheet import writes: new (with its id) or a change of a stored one.
enum Write {
    New(Kind, String, Prepared),
    Change(Kind, String, Prepared),
}

/// The writes of one import, one per record: a later row of the same record replaces what
/// an earlier one queued (a record new in the file stays new).
#[derive(Default)]
struct Writes {
    list: Vec<Write>,
    at: HashMap<String, usize>,
}

impl Writes {
    fn queue(&mut self, w: Write) {
        let id = match &w {
            Write::New(_, id, _) | Write::Change(_, id, _) => id.clone(),
        };
        match self.at.get(&id) {
            Some(i) => match &mut self.list[*i] {
                Write::New(_, _, p) | Write::Change(_, _, p) => {
                    *p = match w {
                        Write::New(_, _, q) | Write::Change(_, _, q) => q,
                    }
                }
            },
            None => {
                self.at.insert(id, self.list.len());
                self.list.push(w);
            }
        }
    }
}

/// The person an entry row names: one here, or one to add with the import.
struct PersonPick {
    id: String,
    /// A new person: the key it is remembered by in this import, and the record.
    new: Option<(String, Prepared)>,
}

impl Store {
    fn matcher(&self, kind: Kind) -> Result<Matcher> {
        let sql = format!(
            "SELECT id, unit, body FROM {} WHERE deleted_at IS NULL",
            kind.table()
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut m = Matcher::default();
        for row in rows {
            let (id, unit, body) = row?;
            if !self.scope.contains(&unit) {
                continue;
            }
            let body: Map<String, Value> = serde_json::from_str(&body)
                .map_err(|e| Error::plain(Code::Storage, &e.to_string()))?;
            m.add(kind, Known { id, body });
        }
        Ok(m)
    }

    /// Reads `path` as a sheet of `kind` and previews it (`dry_run`) or imports its valid
    /// rows in one transaction. The rows in error change nothing.
    pub fn import_sheet(
        &mut self,
        kind: Kind,
        path: &Path,
        opts: &SheetOptions,
    ) -> Result<(SheetReport, Table)> {
        if !sheets::columns::SHEET_KINDS.contains(&kind) {
            return Err(Error::field_arg(Code::InvalidArgument, "kind", kind.name()));
        }
        let table = sheets::read_table(path, opts.sheet.as_deref())?;
        let (mut layout, header_at) = sheets::layout(kind, &table)?;
        sheets::remap(kind, &mut layout, &opts.map)?;
        let mut records = self.matcher(kind)?;
        let mut people = match kind {
            Kind::Entry => self.matcher(Kind::Person)?,
            _ => Matcher::default(),
        };
        let default_unit = self.installation.unit.clone();
        let campaign = self.campaigns.get(PRESET_CAMPAIGN_ID).cloned();
        let cx = self.ctx();
        let row_cx = RowCx {
            units: &self.units,
            scope: &self.scope,
            campaign: campaign.as_ref(),
        };
        let mut report = SheetReport {
            file: path.display().to_string(),
            kind,
            source: table.source.clone(),
            layout: layout.clone(),
            dry_run: opts.dry_run,
            rows: Vec::new(),
            new: 0,
            updated: 0,
            unchanged: 0,
            errors: 0,
            people_created: 0,
            backup: None,
        };
        let mut writes = Writes::default();
        let mut new_people: HashMap<String, String> = HashMap::new();
        for row in table.rows.iter().skip(header_at + 1) {
            if is_blank(&layout, row) {
                continue;
            }
            let input = read_row(kind, &layout, row, &row_cx);
            let mut errors: Vec<Error> = input.problems.into_iter().map(|p| p.error).collect();
            let mut fields = input.fields;
            // A row without a unit is matched in this installation's unit; a record it matches
            // by membership number keeps its own unit.
            let given_unit = fields.contains_key("unit");
            let unit_of_row = match given_unit {
                true => text(&fields, "unit").to_owned(),
                false => default_unit.clone(),
            };
            let mut person = None;
            if let Some((name, birth)) = &input.person {
                let pick = (name.as_str(), birth.as_deref(), unit_of_row.as_str());
                match self.person_for(&people, &new_people, pick, &cx) {
                    Ok(p) => {
                        fields.insert("person_id".into(), Value::String(p.id.clone()));
                        person = Some(p);
                    }
                    Err(e) => errors.push(e),
                }
            }
            let title = ["full_name", "title", "name"]
                .iter()
                .map(|f| text(&fields, f))
                .find(|t| !t.is_empty())
                .unwrap_or_default()
                .to_owned();
            let mut key = fields.clone();
            key.insert("unit".into(), Value::String(unit_of_row.clone()));
            let found = match records.find(kind, &key) {
                Ok(f) => f,
                Err(e) => {
                    errors.push(e);
                    None
                }
            };
            match found {
                None => {
                    fields.insert("unit".into(), Value::String(unit_of_row.clone()));
                }
                // A name that differs from the stored one only in case (a list in capitals)
                // is the stored name.
                Some(i) => {
                    let stored = text(&records.known[i].body, "full_name");
                    if kind == Kind::Person
                        && crate::text::exact(stored)
                            == crate::text::exact(text(&fields, "full_name"))
                    {
                        fields.remove("full_name");
                    }
                }
            }
            let mut body = found
                .map(|i| records.known[i].body.clone())
                .unwrap_or_default();
            body.extend(fields);
            let mut outcome = RowOutcome::Error;
            let mut id = found.map(|i| records.known[i].id.clone());
            if errors.is_empty() {
                match records::prepare(kind, Value::Object(body), &cx)
                    .and_then(|p| self.check_scope(&p.index.unit).map(|_| p))
                {
                    Err(e) => errors.push(e),
                    Ok(p) => {
                        let stored = found.map(|i| Value::Object(records.known[i].body.clone()));
                        let new_body = p.body.as_object().cloned().unwrap_or_default();
                        outcome = match (&id, stored) {
                            (Some(_), Some(s)) if same_record(&s, &p.body) => RowOutcome::Unchanged,
                            (Some(i), _) => {
                                writes.queue(Write::Change(kind, i.clone(), p));
                                RowOutcome::Updated
                            }
                            (None, _) => {
                                let new_id = self.new_id();
                                writes.queue(Write::New(kind, new_id.clone(), p));
                                id = Some(new_id);
                                RowOutcome::New
                            }
                        };
                        // A later row with the same key is this record again.
                        let k = Known {
                            id: id.clone().unwrap_or_default(),
                            body: new_body,
                        };
                        match found {
                            Some(i) => records.known[i].body = k.body,
                            None => records.add(kind, k),
                        }
                        // The row's new person is added only now that the row holds.
                        if let Some(PersonPick {
                            id: pid,
                            new: Some((pending, p)),
                        }) = person
                        {
                            people.add(
                                Kind::Person,
                                Known {
                                    id: pid.clone(),
                                    body: p.body.as_object().cloned().unwrap_or_default(),
                                },
                            );
                            new_people.insert(pending, pid.clone());
                            writes.queue(Write::New(Kind::Person, pid, p));
                            report.people_created += 1;
                        }
                    }
                }
            }
            match outcome {
                RowOutcome::New => report.new += 1,
                RowOutcome::Updated => report.updated += 1,
                RowOutcome::Unchanged => report.unchanged += 1,
                RowOutcome::Error => report.errors += 1,
            }
            report.rows.push(SheetRow {
                row: row.number,
                outcome,
                id: id.filter(|_| outcome != RowOutcome::Error),
                title,
                errors: errors
                    .iter()
                    .flat_map(flatten)
                    .map(|e| sheet_error(&layout, e))
                    .collect(),
            });
        }
        if !opts.dry_run && !writes.list.is_empty() {
            report.backup = Some(self.backup(crate::backup::Reason::BeforeSheet)?.backup.id);
            self.write_sheet(writes.list)?;
            tracing::info!(
                kind = kind.name(),
                new = report.new,
                updated = report.updated,
                "sheet imported"
            );
        }
        Ok((report, table))
    }

    /// Writes `kind`'s template, its lists holding this installation's units and the
    /// campaign's values.
    pub fn sheet_template(&self, kind: Kind, out: &Path) -> Result<()> {
        let mut units: Vec<String> = self
            .scope
            .iter()
            .filter_map(|c| self.units.get(c).map(|u| u.name.clone()))
            .collect();
        units.sort_by(|a, b| self.collator.compare(a, b));
        let campaign = self.campaigns.get(PRESET_CAMPAIGN_ID);
        sheets::write_template(kind, &units, campaign, out)
    }

    /// The person an entry row names, by name (and birth date): in the row's unit first, else
    /// anywhere in this installation's scope; a person stored without a birth date matches
    /// any. One not found is to be added (once, however many rows name them).
    fn person_for(
        &self,
        people: &Matcher,
        created: &HashMap<String, String>,
        (name, birth, unit): (&str, Option<&str>, &str),
        cx: &records::Ctx,
    ) -> Result<PersonPick> {
        let folded = fold(name);
        let fits = |i: &&usize| {
            let b = text(&people.known[**i].body, "birth_date");
            birth.is_none_or(|want| b.is_empty() || b == want)
        };
        let here: Vec<usize> = people
            .by_name
            .get(&(folded.clone(), unit.to_owned()))
            .into_iter()
            .flatten()
            .filter(fits)
            .copied()
            .collect();
        let same = match here.is_empty() {
            false => here,
            true => people
                .by_folded
                .get(&folded)
                .into_iter()
                .flatten()
                .filter(fits)
                .copied()
                .collect(),
        };
        match same.as_slice() {
            [one] => {
                return Ok(PersonPick {
                    id: people.known[*one].id.clone(),
                    new: None,
                })
            }
            [] => {}
            _ => return Err(Error::field_arg(Code::PersonAmbiguous, "person_name", name)),
        }
        let pending = format!("{folded}|{}|{unit}", birth.unwrap_or_default());
        if let Some(id) = created.get(&pending) {
            return Ok(PersonPick {
                id: id.clone(),
                new: None,
            });
        }
        let mut body = serde_json::json!({"full_name": name, "unit": unit});
        if let Some(b) = birth {
            body["birth_date"] = Value::String(b.to_owned());
        }
        let p = records::prepare(Kind::Person, body, cx)?;
        self.check_scope(&p.index.unit)?;
        Ok(PersonPick {
            id: self.new_id(),
            new: Some((pending, p)),
        })
    }

    /// Writes a sheet's records in one transaction: new people first (entries point at them).
    fn write_sheet(&mut self, mut writes: Vec<Write>) -> Result<()> {
        writes.sort_by_key(|w| match w {
            Write::New(Kind::Person, ..) => 0,
            _ => 1,
        });
        let mut rows = Vec::new();
        for w in &writes {
            if let Write::Change(kind, id, _) = w {
                rows.push(self.load_row(*kind, id)?);
            }
        }
        let (tx, meta) = begin_write(
            &mut self.conn,
            &mut self.hlc,
            self.clock.as_ref(),
            &self.actor,
        )?;
        let mut stored = rows.iter();
        for w in &writes {
            match w {
                Write::New(kind, id, p) => insert_record(&tx, *kind, id, p, &meta)?,
                Write::Change(kind, _, p) => {
                    let Some(row) = stored.next() else { continue };
                    ensure_unchanged(&tx, *kind, row)?;
                    let title = update_record(&tx, *kind, row, p, &meta, &[])?;
                    if title != row.title {
                        let cx = records::Ctx {
                            today: self.clock.today(),
                            units: &self.units,
                            campaigns: &self.campaigns,
                            collator: &self.collator,
                        };
                        refresh_dependents(&tx, &cx, *kind, &row.id, &title)?;
                    }
                }
            }
        }
        commit_write(tx, &meta)
    }
}

/// Whether a stored body and a row's are the same record: fields the row leaves empty are
/// the stored ones already, and a field the stored body lacks reads as empty.
fn same_record(stored: &Value, row: &Value) -> bool {
    let (Some(s), Some(r)) = (stored.as_object(), row.as_object()) else {
        return stored == row;
    };
    let empty =
        |v: Option<&Value>| v.is_none_or(|v| v.is_null() || v == "" || v == &Value::Array(vec![]));
    s.keys()
        .chain(r.keys())
        .all(|k| s.get(k) == r.get(k) || (empty(s.get(k)) && empty(r.get(k))))
}

fn flatten(e: &Error) -> Vec<&Error> {
    std::iter::once(e).chain(e.others.iter()).collect()
}

fn sheet_error(layout: &SheetLayout, e: &Error) -> SheetError {
    let field = e.field.clone().unwrap_or_default();
    // A full name made of two columns is reported on the first of them.
    let names = match field.as_str() {
        "full_name" => vec!["full_name", "family_name", "given_name"],
        "person_id" => vec!["person_name"],
        f => vec![f],
    };
    let col = layout
        .columns
        .iter()
        .find(|c| c.field.as_deref().is_some_and(|f| names.contains(&f)));
    SheetError {
        column: col.map(|c| c.letter.clone()),
        header: col.map(|c| c.header.clone()),
        field,
        code: e.code,
        message: e.message.clone(),
    }
}
