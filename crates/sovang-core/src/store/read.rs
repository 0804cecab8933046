//! Reading: one record, keyset-paged lists, counts, history.

use std::collections::{BTreeMap, HashSet};

use rusqlite::types::Value as SqlValue;
use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::Store;
use crate::error::{Code, Error, Result};
use crate::records::{Kind, ListOrder};

/// One row of a list or of search results.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PageItem {
    pub kind: Kind,
    pub id: String,
    pub title: String,
    pub unit: String,
    pub year: Option<i32>,
    pub status: Option<String>,
}

/// A page and the cursor of the next one (`None` on the last page).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub items: Vec<PageItem>,
    pub next: Option<String>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ListFilter {
    /// A unit code: the unit, its descendants and its predecessors.
    pub unit: Option<String>,
    pub year: Option<i32>,
    pub status: Option<String>,
    /// Only for search (a list is of one kind already): restricts to one kind.
    pub kind: Option<Kind>,
    /// Lists the trash instead of live records.
    pub trash: bool,
    /// Only for lists: records linked to this parent (a project's updates, a person's entries
    /// and nominations, a campaign's targets).
    pub parent: Option<String>,
    /// Only for lists: the kind's order backwards (oldest first, names Z to A, codes
    /// descending). The same indexes serve both directions.
    pub reverse: bool,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub people: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub entries: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub projects: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub updates: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub nominations: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub units: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub attachments: i64,
    /// Counts by year, then by kind.
    #[cfg_attr(feature = "ts", ts(type = "Record<number, Record<string, number>>"))]
    pub by_year: BTreeMap<i32, BTreeMap<String, i64>>,
}

pub const MAX_LIMIT: usize = 500;

/// Who/when fields `get` prints beside a record's data, in the order of its query.
pub(crate) const META_FIELDS: [&str; 6] = [
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "deleted_at",
    "deleted_by",
];

/// Above this many units a unit filter is applied row by row while walking the main order
/// (most rows match); below it, SQLite reads those units' rows through the unit index.
pub(super) const SMALL_SCOPE: usize = 32;

/// `unit IN (scope)`. `+unit` keeps SQLite from choosing the unit index for a scope that
/// covers most rows.
pub(super) fn unit_clause(
    scope: &HashSet<String>,
    prefix: &str,
    sql: &mut String,
    args: &mut Vec<SqlValue>,
) {
    let plus = if scope.len() > SMALL_SCOPE { "+" } else { "" };
    sql.push_str(&format!(
        " AND {plus}{prefix}unit IN ({})",
        vec!["?"; scope.len()].join(",")
    ));
    let mut codes: Vec<&String> = scope.iter().collect();
    codes.sort();
    args.extend(codes.into_iter().map(|c| SqlValue::Text(c.clone())));
}

impl Store {
    /// A record with its metadata, its body under `data`, and its attachments.
    pub fn get(&self, kind: Kind, id: &str) -> Result<Value> {
        let key = if kind == Kind::Unit {
            "OR code = ?1"
        } else {
            ""
        };
        let sql = format!(
            "SELECT id, body, hlc, created_at, created_by, updated_at, updated_by, deleted_at, deleted_by, title \
             FROM {} WHERE id = ?1 {key}",
            kind.table()
        );
        let row = self
            .conn
            .query_row(&sql, [id], |r| {
                let mut m = Map::new();
                m.insert("kind".into(), json!(kind.name()));
                m.insert("id".into(), json!(r.get::<_, String>(0)?));
                m.insert("title".into(), json!(r.get::<_, String>(9)?));
                m.insert("version".into(), json!(r.get::<_, String>(2)?));
                for (i, k) in META_FIELDS.iter().enumerate() {
                    m.insert((*k).into(), json!(r.get::<_, Option<String>>(3 + i)?));
                }
                let body: String = r.get(1)?;
                m.insert(
                    "data".into(),
                    serde_json::from_str(&body).unwrap_or(Value::Null),
                );
                Ok(m)
            })
            .optional()?
            .ok_or_else(|| Error::plain(Code::NotFound, id))?;
        let mut row = row;
        let rid = row["id"].as_str().unwrap_or_default().to_owned();
        row.insert(
            "attachments".into(),
            Value::Array(self.attachments_of(kind, &rid)?),
        );
        Ok(Value::Object(row))
    }

    /// A page of records of `kind`, in the kind's order, after `after` (a previous `next`).
    pub fn list(
        &self,
        kind: Kind,
        filter: &ListFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page> {
        let limit = limit.clamp(1, MAX_LIMIT);
        // A filter the kind cannot match would scan the whole table to find nothing.
        if let (Some(y), false) = (filter.year, kind.has_year()) {
            return Err(Error::field_arg(Code::InvalidValue, "year", &y.to_string()));
        }
        if let (Some(s), false) = (&filter.status, kind.has_status()) {
            return Err(Error::field_arg(Code::InvalidValue, "status", s));
        }
        let order = kind.list_order();
        if filter.parent.is_some() && kind == Kind::Unit {
            return Err(Error::field_arg(Code::InvalidValue, "parent", "unit"));
        }
        let sort_col = match order {
            ListOrder::SortKey => "sort_key",
            ListOrder::Code => "code",
            ListOrder::NewestFirst => "NULL",
        };
        let mut sql = format!(
            "SELECT id, title, unit, year, status, {sort_col} FROM {} WHERE deleted_at IS {}NULL",
            kind.table(),
            if filter.trash { "NOT " } else { "" }
        );
        let (conditions, mut args) = self.filter_clause(filter, "")?;
        sql.push_str(&conditions);
        if let Some(p) = &filter.parent {
            sql.push_str(" AND ref = ?");
            args.push(SqlValue::Text(p.clone()));
        }
        // Ascending orders (codes, names) compare with `>` after the cursor; newest-first
        // compares with `<`; `reverse` swaps both the comparison and the direction.
        let ascending = (order != ListOrder::NewestFirst) != filter.reverse;
        let (cmp, dir) = if ascending { (">", "") } else { ("<", " DESC") };
        if let Some(c) = after {
            let bad = || Error::plain(Code::InvalidCursor, c);
            match order {
                ListOrder::NewestFirst => {
                    uuid::Uuid::parse_str(c).map_err(|_| bad())?;
                    sql.push_str(&format!(" AND id {cmp} ?"));
                    args.push(SqlValue::Text(c.to_owned()));
                }
                ListOrder::Code => {
                    sql.push_str(&format!(" AND code {cmp} ?"));
                    args.push(SqlValue::Text(c.to_owned()));
                }
                ListOrder::SortKey => {
                    let (key, id) = c.split_once('.').ok_or_else(bad)?;
                    let key = hex::decode(key).map_err(|_| bad())?;
                    sql.push_str(&format!(" AND (sort_key, id) {cmp} (?, ?)"));
                    args.push(SqlValue::Blob(key));
                    args.push(SqlValue::Text(id.to_owned()));
                }
            }
        }
        sql.push_str(&match order {
            ListOrder::NewestFirst => format!(" ORDER BY id{dir}"),
            ListOrder::Code => format!(" ORDER BY code{dir}"),
            ListOrder::SortKey => format!(" ORDER BY sort_key{dir}, id{dir}"),
        });
        sql.push_str(&format!(" LIMIT {}", limit + 1));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut cursors = Vec::new();
        let mut items = stmt
            .query_map(rusqlite::params_from_iter(args), |r| {
                let id: String = r.get(0)?;
                let cursor = match order {
                    ListOrder::NewestFirst => id.clone(),
                    ListOrder::Code => r.get::<_, String>(5)?,
                    ListOrder::SortKey => {
                        format!(
                            "{}.{}",
                            hex::encode(r.get::<_, Option<Vec<u8>>>(5)?.unwrap_or_default()),
                            id
                        )
                    }
                };
                cursors.push(cursor);
                Ok(PageItem {
                    kind,
                    id,
                    title: r.get(1)?,
                    unit: r.get(2)?,
                    year: r.get(3)?,
                    status: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let next = (items.len() > limit).then(|| cursors[limit - 1].clone());
        items.truncate(limit);
        Ok(Page { items, next })
    }

    /// The SQL conditions (each starting with ` AND`) and arguments for a filter's unit, year
    /// and status; `prefix` names the table's alias.
    pub(super) fn filter_clause(
        &self,
        f: &ListFilter,
        prefix: &str,
    ) -> Result<(String, Vec<SqlValue>)> {
        let mut sql = String::new();
        let mut args = Vec::new();
        if let Some(unit) = &f.unit {
            unit_clause(&self.unit_scope(unit)?, prefix, &mut sql, &mut args);
        }
        if let Some(y) = f.year {
            sql.push_str(&format!(" AND {prefix}year = ?"));
            args.push(SqlValue::Integer(y.into()));
        }
        if let Some(s) = &f.status {
            sql.push_str(&format!(" AND {prefix}status = ?"));
            args.push(SqlValue::Text(s.clone()));
        }
        Ok((sql, args))
    }

    /// Counts of live records, overall and by year.
    pub fn stats(&self) -> Result<Stats> {
        let count = |table: &str| -> Result<i64> {
            Ok(self.conn.query_row(
                &format!("SELECT count(*) FROM {table} WHERE deleted_at IS NULL"),
                [],
                |r| r.get(0),
            )?)
        };
        let mut by_year: BTreeMap<i32, BTreeMap<String, i64>> = BTreeMap::new();
        for kind in [
            Kind::Person,
            Kind::Entry,
            Kind::Project,
            Kind::Update,
            Kind::Nomination,
        ] {
            let sql = format!(
                "SELECT year, count(*) FROM {} WHERE deleted_at IS NULL AND year IS NOT NULL GROUP BY year",
                kind.table()
            );
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, i32>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (y, n) = row?;
                by_year.entry(y).or_default().insert(kind.table().into(), n);
            }
        }
        Ok(Stats {
            people: count("people")?,
            entries: count("entries")?,
            projects: count("projects")?,
            updates: count("project_updates")?,
            nominations: count("nominations")?,
            units: count("units")?,
            attachments: count("attachments")?,
            by_year,
        })
    }

    /// The audit trail of one record, oldest first. A record's creation is its own row's
    /// `created_*` columns (creations store no audit row: for a bundle of new records that
    /// row was a third of the database and of the import's time); its values are the current
    /// ones with every later change undone. Databases from before keep their stored rows.
    pub fn history(&self, id: &str) -> Result<Vec<super::HistoryRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT at, actor, action, hlc, changes, bundle_id, signer FROM audit \
             WHERE record_id = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(super::HistoryRow {
                at: r.get(0)?,
                actor: r.get(1)?,
                action: r.get(2)?,
                version: r.get(3)?,
                changes: serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or(Value::Null),
                bundle_id: r.get(5)?,
                signer: r.get(6)?,
            })
        })?;
        let mut rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        if rows.iter().any(|r| r.action == "create") {
            return Ok(rows);
        }
        if let Some(created) = self.creation(id, &rows)? {
            rows.insert(0, created);
        }
        Ok(rows)
    }

    /// The creation of a record as a history row, from its own columns and later changes.
    fn creation(&self, id: &str, later: &[super::HistoryRow]) -> Result<Option<super::HistoryRow>> {
        for kind in Kind::ALL {
            let sql = format!(
                "SELECT created_at, created_by, created_hlc, body, import_bundle, import_signer \
                 FROM {} WHERE id = ?1",
                kind.table()
            );
            let found = self
                .conn
                .prepare_cached(&sql)?
                .query_row([id], |r| {
                    Ok((
                        (r.get(0)?, r.get(1)?, r.get(2)?),
                        r.get::<_, String>(3)?,
                        (r.get(4)?, r.get(5)?),
                    ))
                })
                .optional()?;
            let Some(((at, actor, version), body, (bundle_id, signer))) = found else {
                continue;
            };
            let mut first = match serde_json::from_str(&body) {
                Ok(Value::Object(m)) => m,
                _ => Map::new(),
            };
            for row in later.iter().rev().filter(|r| r.action != "attach") {
                for (field, pair) in row.changes.as_object().into_iter().flatten() {
                    first.insert(field.clone(), pair.get(0).cloned().unwrap_or(Value::Null));
                }
            }
            let changes = super::rows::field_changes(&Map::new(), &first, &[]);
            return Ok(Some(super::HistoryRow {
                at,
                actor,
                action: "create".into(),
                version,
                changes: Value::Object(changes),
                bundle_id,
                signer,
            }));
        }
        Ok(None)
    }

    /// Ids of live records of `kind` (for tests and checks on small databases).
    pub fn live_ids(&self, kind: Kind) -> Result<HashSet<String>> {
        let sql = format!("SELECT id FROM {} WHERE deleted_at IS NULL", kind.table());
        let mut stmt = self.conn.prepare(&sql)?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<HashSet<String>>>()?;
        Ok(ids)
    }
}
