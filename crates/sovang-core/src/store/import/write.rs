//! Writing an accepted record: its row with derived columns, search words, a history row
//! naming the bundle and signer, and the conflicts the merge found.

use rusqlite::{params, ToSql};
use serde_json::Value;

use super::super::rows::{
    audit, field_changes, index, per_kind_sql, refresh_dependents, review_status_column, title_of,
    unindex, SqlFor, WriteMeta,
};
use super::apply::{Applier, WrittenTitles};
use crate::error::Result;
use crate::records::{Kind, Prepared};
use crate::sync::merge::{self, DELETED};
use crate::sync::wire::WireRecord;

impl Applier<'_, '_> {
    /// Stores the merged record with its derived columns, search words and a history row;
    /// `local` is the stored record and its title, if there was one; `version` is the
    /// record's (`WireRecord::version`, which reads every field's).
    pub(super) fn write(
        &mut self,
        kind: Kind,
        local: Option<(&WireRecord, &str)>,
        rec: &WireRecord,
        version: &str,
        p: &Prepared,
        ref_title: Option<&str>,
    ) -> Result<()> {
        let title = title_of(p, ref_title);
        let field_hlc = rec.stored_versions();
        let field_seen = serde_json::to_string(&rec.seen).unwrap_or_default();
        let hlc = version.to_owned();
        if local.is_some() {
            unindex(self.tx, kind, &rec.id)?;
        }
        let search = match rec.deleted_at {
            None => index(self.tx, kind, &rec.id, p, ref_title)?,
            Some(_) => None,
        };
        // In `SYNC_COLUMNS` order, then the kind's extra columns.
        let mut values: Vec<&dyn ToSql> = vec![
            &rec.id,
            &p.index.unit,
            &title,
            &p.index.year,
            &p.index.status,
            &p.index.sort_key,
            &p.body_json,
            &rec.created_at,
            &rec.created_by,
            &rec.updated_at,
            &rec.updated_by,
            &rec.created_hlc,
            &hlc,
            &field_hlc,
            &field_seen,
            &rec.deleted_at,
            &rec.deleted_by,
            &self.seq,
            &search,
            &self.via.bundle_id,
            &self.via.signer,
        ];
        values.extend(p.index.extra.iter().map(|v| v as &dyn ToSql));
        let what = match local {
            None => SqlFor::SyncInsert,
            Some(_) => SqlFor::SyncUpdate,
        };
        self.tx
            .prepare_cached(per_kind_sql(kind, what))?
            .execute(rusqlite::params_from_iter(values))?;
        review_status_column(self.tx, kind, &rec.id, p)?;
        // A creation has no audit row (see `Store::history`); a change records what differs
        // from the stored record.
        if let Some((old, _)) = local {
            let changes = field_changes(&old.body, &rec.body, &[]);
            let action = match (old.deleted_at.is_some(), rec.deleted_at.is_some()) {
                (false, true) => "delete",
                (true, false) => "restore",
                _ => "update",
            };
            let meta = WriteMeta {
                now: rec.updated_at.clone(),
                actor: &rec.updated_by,
                hlc: hlc.clone(),
                seq: self.seq,
                via: Some(&self.via),
            };
            audit(self.tx, kind, &rec.id, action, &meta, &changes)?;
        }
        self.written.note(kind, &rec.id, &title);
        if local.is_some_and(|l| l.1 != title) && rec.deleted_at.is_none() {
            let cx = self.ctx();
            refresh_dependents(self.tx, &cx, kind, &rec.id, &title)?;
            // Records linked to this one have new titles too.
            self.written = WrittenTitles::default();
        }
        Ok(())
    }

    pub(super) fn conflict(
        &mut self,
        kind: Kind,
        merged: &WireRecord,
        local: Option<&WireRecord>,
        incoming_by: &str,
        c: &merge::FieldConflict,
    ) -> Result<()> {
        // Who wrote each value: the local side if it holds that version, else the sender.
        let by = |version: &str| match local {
            Some(l) if l.versions.get(&c.field).map(String::as_str) == Some(version) => {
                l.updated_by.clone()
            }
            _ => incoming_by.to_owned(),
        };
        let id = crate::clock::IdGen::default().next(self.clock).to_string();
        let n = self.tx.execute(
            "INSERT OR IGNORE INTO sync_conflicts (id, kind, record_id, field, kept_value, kept_version, kept_by, \
             other_value, other_version, other_by, detected_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                id,
                kind.name(),
                merged.id,
                c.field,
                c.kept.to_string(),
                c.kept_version,
                by(&c.kept_version),
                c.other.to_string(),
                c.other_version,
                by(&c.other_version),
                self.now
            ],
        )?;
        self.report.conflicts += n as u64;
        Ok(())
    }

    /// Closes open conflicts of this record that a later change, made after seeing both
    /// values, has settled (on another installation).
    pub(super) fn close_settled(&mut self, kind: Kind, rec: &WireRecord) -> Result<()> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT id, field, kept_version, other_version FROM sync_conflicts \
             WHERE record_id = ?1 AND kind = ?2 AND resolved_at IS NULL",
        )?;
        let open: Vec<(String, String, String, String)> = stmt
            .query_map([&rec.id, kind.name()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (id, field, a, b) in open {
            if merge::settled(rec, &field, &a, &b) {
                let value = if field == DELETED {
                    Value::Bool(rec.deleted_at.is_some())
                } else {
                    rec.body.get(&field).cloned().unwrap_or(Value::Null)
                };
                self.tx.execute(
                    "UPDATE sync_conflicts SET resolved_at = ?1, resolved_by = ?2, resolution = ?3 WHERE id = ?4",
                    params![self.now, rec.updated_by, value.to_string(), id],
                )?;
            }
        }
        Ok(())
    }
}
