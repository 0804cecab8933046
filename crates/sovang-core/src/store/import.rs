//! Import: a verified bundle's records merged into this installation in one transaction.
//! Each record is either unchanged (nothing new), created, updated (field by field, see
//! `sync::merge`), held until a record it links to arrives, or rejected (outside the signer's
//! authority, or invalid) with the reason. A problem with the file itself changes nothing.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension, ToSql, Transaction, TransactionBehavior};
use serde::Serialize;
use serde_json::{Map, Value};

use super::rows::{
    audit, field_changes, index, linked_with, next_change, observe_versions, per_kind_sql,
    refresh_dependents, review_status_column, title_of, unindex, SqlFor, WriteMeta,
};
use super::{load_campaigns, load_units, Store};
use crate::clock::stamp;
use crate::collate::VietCollator;
use crate::error::{Code, Error, Message, Result};
use crate::records::{self, Campaign, Ctx, Kind, Prepared};
use crate::sync::bundle::{attachment_entry, from_io, Bundle, HashCheck, Limits};
use crate::sync::identity::{normalize_fingerprint, TrustedKey};
use crate::sync::merge::{self, merge, DELETED};
use crate::sync::wire::{
    attachment_from_row, from_row, WireAttachment, WireRecord, ATTACHMENT_COLUMNS,
};
use crate::sync::{Progress, APPLY_ORDER, ATTACHMENT};
use crate::units::{UnitNode, UnitTree};

#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Work out everything the import would do, then change nothing.
    pub dry_run: bool,
    /// The reader's limits (the defaults unless a test needs small ones).
    pub limits: Limits,
}

/// A record the import refused, and why.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Rejection {
    pub kind: String,
    pub id: String,
    pub code: Code,
    pub message: Message,
}

/// What one bundle did (or, in a dry run, would do).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub file: String,
    pub bundle_id: Option<String>,
    pub origin_unit: Option<String>,
    pub origin_name: Option<String>,
    pub dry_run: bool,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub created: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub updated: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unchanged: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub conflicts: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub held: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub rejected: u64,
    /// Records held by earlier bundles that this one let through (counted in created/updated).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub released: u64,
    /// The first rejections, by record.
    pub rejections: Vec<Rejection>,
    pub error: Option<Error>,
}

const MAX_REJECTIONS_LISTED: usize = 1000;

impl ImportReport {
    fn reject(&mut self, kind: &str, id: &str, e: Error) {
        self.rejected += 1;
        if self.rejections.len() < MAX_REJECTIONS_LISTED {
            self.rejections.push(Rejection {
                kind: kind.to_owned(),
                id: id.to_owned(),
                code: e.code,
                message: e.message,
            });
        }
    }
}

enum Outcome {
    Unchanged,
    Created,
    Updated,
    Held,
    Rejected,
}

/// The state an import works in: the open transaction and what validation needs.
struct Applier<'a, 't> {
    tx: &'a Transaction<'t>,
    units: UnitTree,
    campaigns: HashMap<String, Campaign>,
    collator: &'a VietCollator,
    /// The store's clock: conflicts get ids from it.
    clock: &'a dyn crate::clock::Clock,
    today: NaiveDate,
    now: String,
    bundle_id: String,
    signer_unit: String,
    /// The signing key's fingerprint: a member's scores must carry the member's own.
    signer_key: String,
    scope: HashSet<String>,
    report: ImportReport,
    max_version: String,
    need_bytes: BTreeSet<String>,
    /// The import's place in the change sequence: what it writes is sent on after it.
    seq: i64,
    written: WrittenTitles,
}

/// The titles of records this import wrote: most records link to ones that came in the same
/// bundle, whose rows a lookup would read back from disk (the cache no longer holds them).
/// Bounded, so that a huge bundle keeps its memory; after the bound, lookups read the rows.
#[derive(Default)]
struct WrittenTitles(rustc_hash::FxHashMap<(Kind, u128), String>);

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

fn exists(tx: &Transaction, kind: Kind, id: &str) -> Result<bool> {
    let sql = format!("SELECT 1 FROM {} WHERE id = ?1", kind.table());
    Ok(tx
        .prepare_cached(&sql)?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// `kind:id` of what a held record waits for (units by code).
fn waiting_key(kind: Kind, id: &str) -> String {
    format!("{}:{id}", kind.name())
}

fn arrived(tx: &Transaction, key: &str) -> Result<bool> {
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
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            today: self.today,
            units: &self.units,
            campaigns: &self.campaigns,
            collator: self.collator,
        }
    }

    fn set_signer(&mut self, unit: &str, key: &str) {
        self.signer_unit = unit.to_owned();
        self.signer_key = key.to_owned();
        self.scope = self.units.scope(unit);
    }

    /// Decisions and status changes come from the unit whose step it is (see
    /// `review::acts_for`); the nomination is here (they wait for it).
    fn sent_by_reviewing_unit(&self, kind: Kind, rec: &WireRecord) -> Result<bool> {
        let field = |k: &str| rec.body.get(k).and_then(Value::as_str);
        let nomination_unit: Option<String> = self
            .tx
            .prepare_cached("SELECT unit FROM nominations WHERE id = ?1")?
            .query_row([field("nomination_id").unwrap_or_default()], |r| r.get(0))
            .optional()?;
        Ok(nomination_unit.is_some_and(|n| {
            super::review::acts_for(kind, field("to"), &rec.unit, &n, &self.units)
        }))
    }

    /// A score is its member's alone: the bundle must be signed by the key the committee
    /// lists for that member (the committee is here: scores wait for it).
    fn signed_by_member(&self, rec: &WireRecord) -> Result<bool> {
        let field = |k: &str| rec.body.get(k).and_then(Value::as_str).unwrap_or_default();
        let body: Option<String> = self
            .tx
            .prepare_cached("SELECT body FROM committees WHERE id = ?1")?
            .query_row([field("committee_id")], |r| r.get(0))
            .optional()?;
        let committee = body.and_then(|b| serde_json::from_str::<records::Committee>(&b).ok());
        Ok(committee
            .and_then(|c| {
                c.member(field("member_id"))
                    .map(|m| m.fingerprint == self.signer_key)
            })
            .unwrap_or(false))
    }

    fn authorized(&self, kind: Kind, owner: &str, rec: &WireRecord) -> bool {
        self.scope.contains(owner)
            || (kind == Kind::Unit
                && rec.body.get("code").and_then(Value::as_str) == Some(&self.signer_unit))
    }

    fn observe(&mut self, version: &str) {
        if version > self.max_version.as_str() {
            self.max_version = version.to_owned();
        }
    }

    /// Applies one incoming record; `checked` is its validation if done already (by the
    /// reader thread), else it is validated here.
    fn apply(
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
    fn hold(&mut self, kind: Kind, rec: &WireRecord, waiting_for: &str) -> Result<Outcome> {
        let held: Option<String> = self
            .tx
            .prepare_cached("SELECT line FROM sync_held WHERE kind = ?1 AND id = ?2")?
            .query_row([kind.name(), &rec.id], |r| r.get(0))
            .optional()?;
        let rec = match held.and_then(|l| serde_json::from_str::<WireRecord>(&l).ok()) {
            Some(h) => merge(&h, rec).record,
            None => rec.clone(),
        };
        self.hold_line(kind.name(), &rec.id, waiting_for, &rec)
    }

    /// Stores what is held (a record or an attachment's row) with what it waits for.
    fn hold_line(
        &mut self,
        kind: &str,
        id: &str,
        waiting_for: &str,
        line: &impl Serialize,
    ) -> Result<Outcome> {
        let line =
            serde_json::to_string(line).map_err(|e| Error::plain(Code::Storage, &e.to_string()))?;
        self.tx.execute(
            "INSERT INTO sync_held (kind, id, waiting_for, signer_unit, line, bundle_id, held_at, signer_key) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(kind, id) DO UPDATE SET \
             waiting_for = excluded.waiting_for, line = excluded.line, signer_unit = excluded.signer_unit, \
             signer_key = excluded.signer_key",
            params![kind, id, waiting_for, self.signer_unit, line, self.bundle_id, self.now, self.signer_key],
        )?;
        Ok(Outcome::Held)
    }

    /// Stores the merged record with its derived columns, search words and an audit row;
    /// `local` is the stored record and its title, if there was one; `version` is the record's
    /// (`WireRecord::version`, which reads every field's).
    fn write(
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

    fn conflict(
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
    fn close_settled(&mut self, kind: Kind, rec: &WireRecord) -> Result<()> {
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

    fn apply_attachment(&mut self, a: WireAttachment) -> Result<Outcome> {
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
            && super::attachments::ALLOWED_MIMES.contains(&a.mime.as_str())
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

    fn count(&mut self, outcome: Outcome) {
        let r = &mut self.report;
        match outcome {
            Outcome::Unchanged => r.unchanged += 1,
            Outcome::Created => r.created += 1,
            Outcome::Updated => r.updated += 1,
            Outcome::Held => r.held += 1,
            Outcome::Rejected => {}
        }
    }

    /// Applies held records whose missing parent is here now, until nothing more moves.
    fn release_held(&mut self) -> Result<()> {
        let signer = (self.signer_unit.clone(), self.signer_key.clone());
        loop {
            let rows: Vec<(String, String, String, String, String, String)> = self
                .tx
                .prepare_cached(
                    "SELECT kind, id, waiting_for, signer_unit, line, coalesce(signer_key, '') \
                     FROM sync_held ORDER BY rowid",
                )?
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let mut moved = false;
            for (kind, id, waiting, signer_unit, line, signer_key) in rows {
                if !arrived(self.tx, &waiting)? {
                    continue;
                }
                self.tx.execute(
                    "DELETE FROM sync_held WHERE kind = ?1 AND id = ?2",
                    [&kind, &id],
                )?;
                self.set_signer(&signer_unit, &signer_key);
                let outcome = if kind == ATTACHMENT {
                    let a: WireAttachment = serde_json::from_str(&line)
                        .map_err(|e| Error::plain(Code::Storage, &e.to_string()))?;
                    self.apply_attachment(a)?
                } else {
                    let rec: WireRecord = serde_json::from_str(&line)
                        .map_err(|e| Error::plain(Code::Storage, &e.to_string()))?;
                    self.apply(Kind::parse(&kind)?, &rec, None)?
                };
                match outcome {
                    Outcome::Held => {}
                    Outcome::Created | Outcome::Updated => {
                        self.report.released += 1;
                        moved = true;
                        self.count(outcome);
                    }
                    other => {
                        moved = true;
                        self.count(other);
                    }
                }
            }
            if !moved {
                break;
            }
        }
        self.set_signer(&signer.0, &signer.1);
        Ok(())
    }
}

impl Store {
    /// The key a bundle's fingerprint names: a trusted one, or this installation's own.
    fn signer_of(&self, fp: &str) -> Result<Option<TrustedKey>> {
        let own = self.identity()?;
        if normalize_fingerprint(fp) == own.fingerprint {
            return Ok(Some(TrustedKey {
                fingerprint: own.fingerprint,
                public_key: own.public_key,
                unit: own.unit,
                unit_name: own.unit_name,
                installation: own.installation,
                added_at: own.created_at,
                added_by: String::new(),
                revoked_at: None,
                revoked_by: None,
            }));
        }
        self.trusted(fp)
    }

    /// Imports one bundle. Never fails as a whole: a problem with the file is the report's
    /// `error`, and then nothing was changed.
    pub fn import_bundle(
        &mut self,
        path: &Path,
        opts: ImportOptions,
        progress: &mut dyn FnMut(Progress),
    ) -> ImportReport {
        let file = path.display().to_string();
        let result = Bundle::open_checking(path, &|fp| self.signer_of(fp), opts.limits).and_then(
            |(b, check)| {
                // Nothing is kept unless every hash holds (the import waits for the check
                // before it commits); a failed check is the error that counts, as if it had
                // run first.
                let mut check = Some(check);
                let applied = self.import_inner(b, path, opts, &mut check, progress);
                match (check.map(HashCheck::wait), applied) {
                    (Some(Err(e)), _) => Err(e),
                    (_, applied) => applied,
                }
            },
        );
        match result {
            Ok(mut r) => {
                r.file = file;
                r
            }
            Err(e) => {
                tracing::warn!(file = %file, code = e.code.as_str(), "bundle refused");
                ImportReport {
                    file,
                    dry_run: opts.dry_run,
                    error: Some(e),
                    ..Default::default()
                }
            }
        }
    }

    fn import_inner(
        &mut self,
        mut bundle: Bundle,
        path: &Path,
        opts: ImportOptions,
        check: &mut Option<HashCheck>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ImportReport> {
        let attachments_dir = self.data_dir().to_owned();
        let total = bundle.manifest.total_records();
        progress(Progress {
            phase: "verify",
            done: 0,
            total,
        });
        let today = self.clock.today();
        let now = stamp(self.clock.now());
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        observe_versions(&tx, &mut self.hlc)?;
        let units = load_units(&tx)?;
        let signer = bundle.signer.clone();
        let mut ap = Applier {
            tx: &tx,
            scope: units.scope(&signer.unit),
            units,
            campaigns: load_campaigns(&tx)?,
            collator: &self.collator,
            clock: self.clock.as_ref(),
            today,
            now: now.clone(),
            bundle_id: bundle.manifest.bundle_id.clone(),
            signer_unit: signer.unit.clone(),
            signer_key: signer.fingerprint.clone(),
            report: ImportReport {
                bundle_id: Some(bundle.manifest.bundle_id.clone()),
                origin_unit: Some(bundle.manifest.origin.unit.clone()),
                origin_name: Some(bundle.manifest.origin.unit_name.clone()),
                dry_run: opts.dry_run,
                ..Default::default()
            },
            max_version: String::new(),
            need_bytes: BTreeSet::new(),
            seq: next_change(&tx)?,
            written: WrittenTitles::default(),
        };
        let mut done = 0u64;
        for kind in APPLY_ORDER {
            // Units and campaigns are few and checked against each other as they arrive; the
            // other kinds are read, parsed and validated on a second thread while this one
            // writes (SQLite keeps one core busy).
            if !bundle.has(kind.name()) {
                continue;
            }
            let inline = matches!(kind, Kind::Unit | Kind::Campaign);
            let cx = (ap.units.clone(), ap.campaigns.clone(), today);
            let stream = read_kind(&mut bundle, kind, (!inline).then_some(&cx), &mut |batch| {
                for (rec, checked) in batch {
                    let outcome = ap.apply(kind, rec, checked.as_ref())?;
                    ap.count(outcome);
                    done += 1;
                    if done.is_multiple_of(1024) {
                        progress(Progress {
                            phase: "records",
                            done,
                            total,
                        });
                    }
                }
                Ok(())
            });
            stream?;
            if check.as_ref().is_some_and(HashCheck::has_failed) {
                return Err(Error::plain(Code::BundleHash, ""));
            }
            match kind {
                Kind::Unit => {
                    ap.units = load_units(&tx)?;
                    let (unit, key) = (ap.signer_unit.clone(), ap.signer_key.clone());
                    ap.set_signer(&unit, &key);
                }
                Kind::Campaign => ap.campaigns = load_campaigns(&tx)?,
                _ => {}
            }
        }
        let listed: HashSet<String> = bundle
            .manifest
            .entries
            .iter()
            .filter_map(|e| e.name.strip_prefix("attachments/").map(str::to_owned))
            .collect();
        if let Some(mut lines) = bundle.lines(ATTACHMENT)? {
            while let Some(a) = lines.next_record::<WireAttachment>()? {
                let outcome = ap.apply_attachment(a)?;
                ap.count(outcome);
            }
            lines.finish()?;
        }
        ap.release_held()?;
        let need: Vec<String> = std::mem::take(&mut ap.need_bytes).into_iter().collect();
        let max_version = ap.max_version.clone();
        let report = ap.report;
        if !opts.dry_run {
            for (i, sha) in need.iter().enumerate() {
                let target = super::attachments::path_in(&attachments_dir, sha);
                if target.exists() {
                    continue;
                }
                if !listed.contains(sha) {
                    return Err(Error::plain(
                        Code::BundleMissingEntry,
                        &attachment_entry(sha),
                    ));
                }
                copy_attachment(&mut bundle, sha, &target)?;
                progress(Progress {
                    phase: "attachments",
                    done: i as u64 + 1,
                    total: need.len() as u64,
                });
            }
        }
        let last: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key = 'hlc_last'", [], |r| {
                r.get(0)
            })
            .optional()?;
        if last.as_deref().is_none_or(|l| l < max_version.as_str()) && !max_version.is_empty() {
            super::set_meta(&tx, "hlc_last", &max_version)?;
        }
        let report_json = serde_json::to_string(&report).unwrap_or_else(|_| "{}".into());
        tx.execute(
            "INSERT INTO sync_imports (bundle_id, file_name, origin_unit, fingerprint, imported_at, imported_by, report) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                bundle.manifest.bundle_id,
                path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                bundle.manifest.origin.unit,
                signer.fingerprint,
                now,
                self.actor,
                report_json
            ],
        )?;
        if let Some(check) = check.take() {
            check.wait()?;
        }
        if opts.dry_run {
            drop(tx);
        } else {
            // The commit writes what is left of the transaction and copies it all into the
            // database file (the checkpoint): logged apart, as it waits on the disk.
            let committing = std::time::Instant::now();
            super::terms::commit(tx)?;
            let commit_ms = committing.elapsed().as_millis() as u64;
            if let Some(h) = crate::hlc::Hlc::parse(&max_version) {
                self.hlc.observe(h);
            }
            if bundle.has(Kind::Unit.name()) || report.released > 0 {
                self.reload_units()?;
            }
            if bundle.has(Kind::Campaign.name()) || report.released > 0 {
                self.reload_campaigns()?;
            }
            tracing::info!(
                created = report.created,
                updated = report.updated,
                held = report.held,
                rejected = report.rejected,
                commit_ms,
                "bundle imported"
            );
        }
        progress(Progress {
            phase: "done",
            done: total,
            total,
        });
        Ok(report)
    }
}

type Checked = (WireRecord, Option<Result<Prepared>>);
type Snapshot = (UnitTree, HashMap<String, Campaign>, NaiveDate);

/// Reads one kind's records in batches and hands them to `apply`. With a snapshot of what
/// validation needs, a second thread reads and validates while `apply` writes; it also frees
/// the batches `apply` is done with (freeing is a fifth of the writer's own work otherwise).
fn read_kind(
    bundle: &mut Bundle,
    kind: Kind,
    validate: Option<&Snapshot>,
    apply: &mut dyn FnMut(&[Checked]) -> Result<()>,
) -> Result<()> {
    let Some(mut lines) = bundle.lines(kind.name())? else {
        return Ok(());
    };
    let Some((units, campaigns, today)) = validate else {
        while let Some(rec) = lines.next_record::<WireRecord>()? {
            apply(&[(rec, None)])?;
        }
        return lines.finish();
    };
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<Result<Vec<Checked>>>(4);
        let (done, used) = std::sync::mpsc::channel::<Vec<Checked>>();
        let reader = scope.spawn(move || {
            let collator = VietCollator::new();
            let cx = Ctx {
                today: *today,
                units,
                campaigns,
                collator: &collator,
            };
            let mut batch = Vec::with_capacity(256);
            let result = (|| {
                while let Some(rec) = lines.next_record::<WireRecord>()? {
                    let checked = records::prepare(kind, Value::Object(rec.body.clone()), &cx);
                    batch.push((rec, Some(checked)));
                    if batch.len() == 256 {
                        if send.send(Ok(std::mem::take(&mut batch))).is_err() {
                            return Ok(()); // the writer stopped: its error is the one reported
                        }
                        used.try_iter().for_each(drop);
                    }
                }
                lines.finish()
            })();
            let last = result.map(|_| batch);
            let _ = send.send(last);
        });
        let mut outcome = Ok(());
        for batch in receive {
            match batch.and_then(|b| apply(&b).map(|_| b)) {
                Ok(b) => {
                    let _ = done.send(b);
                }
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
        }
        let _ = reader.join();
        outcome
    })
}

/// Copies an attachment's bytes out of the bundle, checking them against their name (the
/// content hash) before they take it.
fn copy_attachment(bundle: &mut Bundle, sha: &str, target: &Path) -> Result<()> {
    let name = attachment_entry(sha);
    let dir = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".incoming-{}", uuid::Uuid::now_v7()));
    let result = (|| {
        let mut out = File::create(&tmp)?;
        let mut r = bundle.entry(&name)?;
        std::io::copy(&mut r, &mut out).map_err(|e| from_io(e, &name))?;
        out.flush()?;
        out.sync_all()?;
        let (got, _) = r.finish();
        if got != sha {
            return Err(Error::plain(Code::BundleHash, &name));
        }
        std::fs::rename(&tmp, target)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
