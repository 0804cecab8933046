//! Applying one incoming record: merged with the stored one, checked like a local edit,
//! then written with its search words and history, held, or rejected with its reason.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension, ToSql, Transaction};
use serde_json::{Map, Value};

use super::super::rows::{
    audit, field_changes, index, linked_with, per_kind_sql, refresh_dependents,
    review_status_column, title_of, unindex, SqlFor, WriteMeta,
};
use super::ImportReport;
use crate::collate::VietCollator;
use crate::error::{Code, Error, Result};
use crate::records::{self, Campaign, Ctx, Kind, Prepared};
use crate::sync::merge::{self, merge, DELETED};
use crate::sync::wire::{
    attachment_from_row, from_row, WireAttachment, WireRecord, ATTACHMENT_COLUMNS,
};
use crate::sync::ATTACHMENT;
use crate::units::{UnitNode, UnitTree};

pub(super) enum Outcome {
    Unchanged,
    Created,
    Updated,
    Held,
    Rejected,
}

/// The state an import works in: the open transaction and what validation needs.
pub(super) struct Applier<'a, 't> {
    pub(super) tx: &'a Transaction<'t>,
    pub(super) units: UnitTree,
    pub(super) campaigns: HashMap<String, Campaign>,
    pub(super) collator: &'a VietCollator,
    /// The store's clock: conflicts get ids from it.
    pub(super) clock: &'a dyn crate::clock::Clock,
    pub(super) today: NaiveDate,
    pub(super) now: String,
    pub(super) bundle_id: String,
    pub(super) signer_unit: String,
    /// The signing key's fingerprint: a member's scores must carry the member's own.
    pub(super) signer_key: String,
    pub(super) scope: HashSet<String>,
    pub(super) report: ImportReport,
    pub(super) max_version: String,
    pub(super) need_bytes: BTreeSet<String>,
    /// The import's place in the change sequence: what it writes is sent on after it.
    pub(super) seq: i64,
    pub(super) written: WrittenTitles,
}

/// The titles of records this import wrote: most records link to ones that came in the same
/// bundle, whose rows a lookup would read back from disk (the cache no longer holds them).
/// Bounded, so that a huge bundle keeps its memory; after the bound, lookups read the rows.
#[derive(Default)]
pub(super) struct WrittenTitles(rustc_hash::FxHashMap<(Kind, u128), String>);

impl WrittenTitles {
    const MAX: usize = 100_000;

    fn key(kind: Kind, id: &str) -> Option<(Kind, u128)> {
        Some((kind, uuid::Uuid::try_parse(id).ok()?.as_u128()))
    }

    fn get(&self, kind: Kind, id: &str) -> Option<String> {
        self.0.get(&Self::key(kind, id)?).cloned()
    }

    fn note(&mut self, kind: Kind, id: &str, title: &str) {
        let Some(key) = Self::key(kind, id) else {
            return;
        };
        if let Some(t) = self.0.get_mut(&key) {
            title.clone_into(t);
        } else if self.0.len() < Self::MAX {
            self.0.insert(key, title.to_owned());
        }
    }
}

pub(super) fn exists(tx: &Transaction, kind: Kind, id: &str) -> Result<bool> {
    let sql = format!("SELECT 1 FROM {} WHERE id = ?1", kind.table());
    Ok(tx
        .prepare_cached(&sql)?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// `kind:id` of what a held record waits for (units by code).
pub(super) fn waiting_key(kind: Kind, id: &str) -> String {
    format!("{}:{id}", kind.name())
}

pub(super) fn arrived(tx: &Transaction, key: &str) -> Result<bool> {
    let (kind, id) = key.split_once(':').unwrap_or(("", key));
    if kind == "unit" {
        let n: Option<i64> = tx
            .prepare_cached("SELECT 1 FROM units WHERE code = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        return Ok(n.is_some());
    }
    exists(tx, Kind::parse(kind)?, id)
}

/// A stored record as it travels, and its title.
fn load_local(tx: &Transaction, kind: Kind, id: &str) -> Result<Option<(WireRecord, String)>> {
    Ok(tx
        .prepare_cached(per_kind_sql(kind, SqlFor::SyncLoad))?
        .query_row([id], |r| Ok((from_row(r)?, r.get(12)?)))
        .optional()?)
}

impl<'a, 't> Applier<'a, 't> {
    pub(super) fn ctx(&self) -> Ctx<'_> {
        Ctx {
            today: self.today,
            units: &self.units,
            campaigns: &self.campaigns,
            collator: self.collator,
        }
    }

    pub(super) fn set_signer(&mut self, unit: &str, key: &str) {
        self.signer_unit = unit.to_owned();
        self.signer_key = key.to_owned();
        self.scope = self.units.scope(unit);
    }

    /// Decisions and status changes come from the unit whose step it is (see
    /// `review::acts_for`); the nomination is here (they wait for it).
    pub(super) fn observe(&mut self, version: &str) {
        if version > self.max_version.as_str() {
            self.max_version = version.to_owned();
        }
    }

    /// Applies one incoming record; `checked` is its validation if done already (by the
    /// reader thread), else it is validated here.
    pub(super) fn apply(
        &mut self,
        kind: Kind,
        rec: &WireRecord,
        checked: Option<&Result<Prepared>>,
    ) -> Result<Outcome> {
        let incoming_version = rec.version();
        self.observe(incoming_version);
        let (local, old_title) = load_local(self.tx, kind, &rec.id)?.unzip();
        let merged = match &local {
            Some(l) => {
                let m = merge(l, rec);
                if !m.changed {
                    return Ok(Outcome::Unchanged);
                }
                Some(m)
            }
            None => None,
        };
        // What the sender claims must be what it may send: checked on its own record, not the
        // merge, so a bundle cannot borrow authority from what is already here.
        let prepared_here;
        let checked = match checked {
            Some(c) => c,
            None => {
                let body = Value::Object(rec.body.clone());
                prepared_here = records::prepare(kind, body, &self.ctx());
                &prepared_here
            }
        };
        let incoming = match checked {
            Ok(p) => p,
            Err(e) if e.code == Code::UnknownUnit => {
                let code = e.field.as_deref().and_then(|f| rec.body.get(f));
                let code = code.and_then(Value::as_str).unwrap_or_default().to_owned();
                return self.hold(kind, rec, &waiting_key(Kind::Unit, &code));
            }
            Err(e) => {
                self.report.reject(kind.name(), &rec.id, e.clone());
                return Ok(Outcome::Rejected);
            }
        };
        let owner = &incoming.index.unit;
        let local_owner_ok = local.as_ref().is_none_or(|l| self.scope.contains(&l.unit));
        if *owner != rec.unit || !self.authorized(kind, owner, rec) || !local_owner_ok {
            let e = Error::field_arg(Code::OutOfAuthority, "unit", owner);
            self.report.reject(kind.name(), &rec.id, e);
            return Ok(Outcome::Rejected);
        }
        if kind == Kind::Unit && local.is_none() {
            let code = incoming.index.extra[0].clone().unwrap_or_default();
            if self.units.get(&code).is_some() {
                let e = Error::field_arg(Code::DuplicateCode, "code", &code);
                self.report.reject(kind.name(), &rec.id, e);
                return Ok(Outcome::Rejected);
            }
        }
        // A new record is the incoming one as it is (its unit is the checked owner); a merged
        // one is indexed again and takes the unit its merged fields give.
        let mut conflicts = Vec::new();
        let reindexed;
        let (record, p, values_changed) = match merged {
            None => (Cow::Borrowed(rec), incoming, true),
            Some(m) => {
                let body = Value::Object(m.record.body.clone());
                let p = match records::reindex(kind, body, &self.ctx()) {
                    Ok(p) => p,
                    Err(e) => {
                        self.report.reject(kind.name(), &rec.id, e);
                        return Ok(Outcome::Rejected);
                    }
                };
                conflicts = m.conflicts;
                let mut record = m.record;
                record.unit.clone_from(&p.index.unit);
                reindexed = p;
                (Cow::Owned(record), &reindexed, m.values_changed)
            }
        };
        let written = &self.written;
        let ref_title = match linked_with(self.tx, p, false, &|k, id| written.get(k, id))? {
            Ok(title) => title,
            Err(r) => return self.hold(kind, rec, &waiting_key(r.kind, &r.id)),
        };
        if matches!(kind, Kind::Decision | Kind::Transition)
            && !self.sent_by_reviewing_unit(kind, rec)?
        {
            let e = Error::field_arg(Code::OutOfAuthority, "unit", &rec.unit);
            self.report.reject(kind.name(), &rec.id, e);
            return Ok(Outcome::Rejected);
        }
        if kind == Kind::Score && !self.signed_by_member(rec)? {
            let e = Error::field_arg(Code::OutOfAuthority, "member_id", &self.signer_unit);
            self.report.reject(kind.name(), &rec.id, e);
            return Ok(Outcome::Rejected);
        }
        let old = local.as_ref().zip(old_title.as_deref());
        let version = match &record {
            Cow::Borrowed(_) => incoming_version,
            Cow::Owned(merged) => merged.version(),
        };
        self.write(kind, old, &record, version, p, ref_title.as_deref())?;
        if local.is_some() {
            for c in &conflicts {
                self.conflict(kind, &record, local.as_ref(), &rec.updated_by, c)?;
            }
            self.close_settled(kind, &record)?;
        }
        if kind == Kind::Unit && record.deleted_at.is_none() {
            if let Some(code) = p.index.extra[0].clone() {
                let node = UnitNode {
                    name: p.index.title.clone(),
                    kind: p.index.extra[3].clone().unwrap_or_default(),
                    parent: p.index.extra[1].clone(),
                    successor: p.index.extra[2].clone(),
                };
                self.units.insert(code, node);
            }
        }
        Ok(match (&local, values_changed) {
            (None, _) => Outcome::Created,
            (Some(_), true) => Outcome::Updated,
            (Some(_), false) => Outcome::Unchanged,
        })
    }

    /// Keeps a record until `waiting_for` arrives; a later version of it merges with the one
    /// already held.
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

    pub(super) fn apply_attachment(&mut self, a: WireAttachment) -> Result<Outcome> {
        self.observe(&a.hlc);
        let local: Option<WireAttachment> = {
            let sql = format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id = ?1");
            self.tx
                .prepare_cached(&sql)?
                .query_row([&a.id], attachment_from_row)
                .optional()?
        };
        if let Some(l) = &local {
            if a.hlc <= l.hlc || l.deleted_at == a.deleted_at {
                return Ok(Outcome::Unchanged);
            }
        }
        let authorized = self.scope.contains(&a.unit)
            && local.as_ref().is_none_or(|l| self.scope.contains(&l.unit));
        if !authorized {
            let e = Error::field_arg(Code::OutOfAuthority, "unit", &a.unit);
            self.report.reject(ATTACHMENT, &a.id, e);
            return Ok(Outcome::Rejected);
        }
        if let Some(l) = local {
            self.tx.execute(
                "UPDATE attachments SET deleted_at = ?1, deleted_by = ?2, updated_at = ?3, updated_by = ?4, hlc = ?5, \
                 change_seq = ?6 WHERE id = ?7",
                params![a.deleted_at, a.deleted_by, a.updated_at, a.updated_by, a.hlc, self.seq, l.id],
            )?;
            return Ok(Outcome::Updated);
        }
        if !exists(self.tx, a.record_kind, &a.record_id)? {
            let waiting = waiting_key(a.record_kind, &a.record_id);
            return self.hold_line(ATTACHMENT, &a.id, &waiting, &a);
        }
        let valid = crate::sync::bundle::is_hex64(&a.sha256)
            && crate::store::attachments::ALLOWED_MIMES.contains(&a.mime.as_str())
            && a.record_kind != Kind::Unit;
        if !valid {
            let e = Error::field_arg(Code::InvalidValue, "sha256", &a.sha256);
            self.report.reject(ATTACHMENT, &a.id, e);
            return Ok(Outcome::Rejected);
        }
        if a.deleted_at.is_none() {
            self.need_bytes.insert(a.sha256.clone());
        }
        let n = self.tx.execute(
            "INSERT OR IGNORE INTO attachments (id, unit, record_kind, record_id, sha256, file_name, mime, size, created_at, \
             created_by, updated_at, updated_by, created_hlc, hlc, deleted_at, deleted_by, change_seq) \
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
            params![a.id, a.unit, a.record_kind.name(), a.record_id, a.sha256, a.file_name, a.mime, a.size as i64,
                a.created_at, a.created_by, a.updated_at, a.updated_by, a.created_hlc, a.hlc, a.deleted_at, a.deleted_by,
                self.seq],
        )?;
        if n == 0 {
            // The same file on the same record, attached on another installation too.
            return Ok(Outcome::Unchanged);
        }
        let mut changes = Map::new();
        changes.insert(
            "attachment".into(),
            serde_json::json!([null, {"id": a.id, "sha256": a.sha256, "file_name": a.file_name}]),
        );
        let meta = WriteMeta {
            now: a.created_at.clone(),
            actor: &a.created_by,
            hlc: a.hlc.clone(),
            seq: self.seq,
        };
        audit(
            self.tx,
            a.record_kind,
            &a.record_id,
            "attach",
            &meta,
            &changes,
        )?;
        Ok(Outcome::Created)
    }

    pub(super) fn count(&mut self, outcome: Outcome) {
        let r = &mut self.report;
        match outcome {
            Outcome::Unchanged => r.unchanged += 1,
            Outcome::Created => r.created += 1,
            Outcome::Updated => r.updated += 1,
            Outcome::Held => r.held += 1,
            Outcome::Rejected => {}
        }
    }
}
