//! Conflicts: one field changed on two installations that had not seen each other's change.
//! The merge kept the value with the higher version; a person settles it by keeping one of the
//! two values, which writes a new version that settles it on every installation it reaches.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::Value;

use super::rows::{
    begin_write, commit_write, ensure_unchanged, per_kind_sql, update_record, SqlFor, StoredRow,
};
use super::Store;
use crate::clock::stamp;
use crate::error::{Code, Error, Result};
use crate::records::{self, Kind};
use crate::sync::merge::DELETED;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    pub id: String,
    pub kind: Kind,
    pub record_id: String,
    pub record_title: String,
    pub field: String,
    /// "a": the value the merge kept (the higher version).
    pub kept_value: Value,
    pub kept_by: String,
    /// "b": the other value.
    pub other_value: Value,
    pub other_by: String,
    pub detected_at: String,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<String>,
    pub resolution: Option<Value>,
}

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::String(s.to_owned()))
}

fn conflict_from_row(r: &rusqlite::Row) -> rusqlite::Result<Conflict> {
    let kind: String = r.get(1)?;
    Ok(Conflict {
        id: r.get(0)?,
        kind: Kind::parse(&kind).unwrap_or(Kind::Entry),
        record_id: r.get(2)?,
        record_title: String::new(),
        field: r.get(3)?,
        kept_value: parse(&r.get::<_, String>(4)?),
        kept_by: r.get(5)?,
        other_value: parse(&r.get::<_, String>(6)?),
        other_by: r.get(7)?,
        detected_at: r.get(8)?,
        resolved_at: r.get(9)?,
        resolved_by: r.get(10)?,
        resolution: r.get::<_, Option<String>>(11)?.map(|s| parse(&s)),
    })
}

const COLUMNS: &str = "id, kind, record_id, field, kept_value, kept_by, other_value, other_by, \
    detected_at, resolved_at, resolved_by, resolution";

impl Store {
    /// Conflicts, open ones only unless `all`, newest first.
    pub fn conflicts(&self, all: bool) -> Result<Vec<Conflict>> {
        let filter = if all { "" } else { "WHERE resolved_at IS NULL" };
        self.query_conflicts(filter, [])
    }

    /// How many conflicts wait for a person.
    pub fn open_conflicts(&self) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL",
            [],
            |r| r.get(0),
        )?)
    }

    pub fn conflict(&self, id: &str) -> Result<Conflict> {
        self.query_conflicts("WHERE id = ?1", [id])?
            .pop()
            .ok_or_else(|| Error::plain(Code::NotFound, id))
    }

    /// Conflicts matching `filter`, each with its record's current title.
    fn query_conflicts(&self, filter: &str, args: impl rusqlite::Params) -> Result<Vec<Conflict>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM sync_conflicts {filter} ORDER BY detected_at DESC, id DESC"
        );
        let mut out: Vec<Conflict> = self
            .conn
            .prepare(&sql)?
            .query_map(args, conflict_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        for c in &mut out {
            c.record_title = self
                .conn
                .prepare_cached(per_kind_sql(c.kind, SqlFor::Title))?
                .query_row([&c.record_id], |r| r.get(0))
                .optional()?
                .unwrap_or_default();
        }
        Ok(out)
    }

    /// Settles a conflict by keeping `keep`: "a" (the value kept by the merge), "b" (the other
    /// one), or one of the two values itself (JSON, or plain text for text values).
    pub fn resolve_conflict(&mut self, id: &str, keep: &str) -> Result<Conflict> {
        let c = self.conflict(id)?;
        if c.resolved_at.is_some() {
            return Err(Error::plain(Code::ConflictClosed, id));
        }
        let value = match keep.trim() {
            "a" | "A" => c.kept_value.clone(),
            "b" | "B" => c.other_value.clone(),
            other => {
                let v = parse(other);
                if v != c.kept_value && v != c.other_value {
                    return Err(Error::field_arg(Code::ConflictValue, "keep", other));
                }
                v
            }
        };
        let row = self.load_row(c.kind, &c.record_id)?;
        let current = if c.field == DELETED {
            Value::Bool(row.deleted)
        } else {
            row.body.get(&c.field).cloned().unwrap_or(Value::Null)
        };
        if self.check_scope(&row.unit).is_err() {
            // Not ours to change: only a choice that keeps what is here can be noted.
            if value != current {
                return Err(Error::field_arg(Code::UnitOutOfScope, "unit", &row.unit));
            }
        } else {
            self.rewrite_field(c.kind, row, &c.field, &value)?;
        }
        self.conn.execute(
            "UPDATE sync_conflicts SET resolved_at = ?1, resolved_by = ?2, resolution = ?3 WHERE id = ?4",
            params![stamp(self.clock.now()), self.actor, value.to_string(), id],
        )?;
        tracing::info!(conflict = id, "conflict settled");
        self.conflict(id)
    }

    /// Writes `value` into `field` of `row` as a new version, even when it is the current
    /// value, so that the choice reaches (and settles the conflict on) every other installation.
    fn rewrite_field(
        &mut self,
        kind: Kind,
        row: StoredRow,
        field: &str,
        value: &Value,
    ) -> Result<()> {
        if field == DELETED {
            let wanted = value.as_bool().unwrap_or(false);
            match (wanted, row.deleted) {
                (true, false) => self.delete(kind, &row.id)?,
                (false, true) => self.restore(kind, &row.id)?,
                _ => self.set_deleted(kind, row, wanted)?,
            };
            return Ok(());
        }
        let mut body = row.body.clone();
        body.insert(field.to_owned(), value.clone());
        let prepared = records::prepare(kind, Value::Object(body), &self.ctx())?;
        let (tx, meta) = begin_write(
            &mut self.conn,
            &mut self.hlc,
            self.clock.as_ref(),
            &self.actor,
        )?;
        ensure_unchanged(&tx, kind, &row)?;
        update_record(&tx, kind, &row, &prepared, &meta, &[field])?;
        commit_write(tx, &meta)
    }
}
