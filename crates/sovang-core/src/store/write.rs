//! Writing records: create, update (merge), delete to trash, restore; each change audited,
//! versioned and indexed in the same transaction, so that a failure leaves nothing behind.

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde_json::{Map, Value};

use super::rows::{
    audit, begin_write, check_refs, commit_write, ensure_unchanged, index, insert_record,
    next_change, observe_versions, refresh_dependents, unindex, update_record, StoredRow,
    WriteMeta,
};
use super::Store;
use crate::clock::stamp;
use crate::error::{Code, Error, Result};
use crate::records::{self, Ctx, Kind, Prepared};

/// Scores, decisions and status changes are written only by the review's steps
/// (`store::review`), which check who may take them and when.
fn review_steps_only(kind: Kind) -> Result<()> {
    if matches!(kind, Kind::Score | Kind::Decision | Kind::Transition) {
        return Err(Error::field_arg(
            Code::InvalidArgument,
            "kind",
            &format!("{} (sovang review …)", kind.name()),
        ));
    }
    Ok(())
}

/// Keys of a record as printed by `get`; accepted on input and ignored, so that the output of
/// `get` can be edited and put back.
fn is_envelope_key(k: &str) -> bool {
    matches!(k, "kind" | "id" | "version" | "attachments") || super::read::META_FIELDS.contains(&k)
}

impl Store {
    /// Creates a record (no `id`) or updates one (`id` given): the given fields replace the
    /// stored ones, the others stay. A `version` that is not the stored one is refused.
    pub fn put(&mut self, kind: Kind, input: Value) -> Result<Value> {
        review_steps_only(kind)?;
        let Value::Object(mut input) = input else {
            return Err(Error::plain(Code::NotAnObject, ""));
        };
        let id = take_str(&mut input, "id")?;
        let version = take_str(&mut input, "version")?;
        let fields = match input.remove("data") {
            Some(Value::Object(d)) => d,
            Some(_) => return Err(Error::field(Code::NotAnObject, "data")),
            None => {
                input.retain(|k, _| !is_envelope_key(k));
                input
            }
        };
        let existing = match &id {
            Some(id) => Some(self.load_row(kind, id)?),
            None => None,
        };
        let mut body = match &existing {
            Some(row) => {
                if row.deleted {
                    return Err(Error::plain(Code::AlreadyDeleted, &row.id));
                }
                if version.as_deref().is_some_and(|v| v != row.hlc) {
                    return Err(Error::plain(Code::StaleVersion, &row.id));
                }
                self.check_scope(&row.unit)?;
                if kind == Kind::Nomination {
                    self.ensure_editable(&row.id)?;
                }
                if kind == Kind::Committee {
                    self.ensure_chair_changes(row, &fields)?;
                }
                row.body.clone()
            }
            None => Map::new(),
        };
        body.extend(fields);
        if kind == Kind::Unit && existing.is_none() {
            self.fill_unit_code(&mut body);
        }
        let prepared = records::prepare(kind, Value::Object(body), &self.ctx())?;
        self.check_scope(&prepared.index.unit)?;
        self.ensure_target_from_above(kind, &prepared.index.unit)?;
        if let Some(row) = &existing {
            self.ensure_target_from_above(kind, &row.unit)?;
        }
        if let (Kind::Unit, Some(row)) = (kind, &existing) {
            if prepared.index.extra[0].as_deref() != Some(row.code.as_str()) {
                return Err(Error::field_arg(Code::CodeFixed, "code", &row.code));
            }
        }
        let (tx, meta) = begin_write(
            &mut self.conn,
            &mut self.hlc,
            self.clock.as_ref(),
            &self.actor,
        )?;
        let id = match existing {
            Some(row) => {
                ensure_unchanged(&tx, kind, &row)?;
                let title = update_record(&tx, kind, &row, &prepared, &meta, &[])?;
                if title != row.title {
                    let cx = Ctx {
                        today: self.clock.today(),
                        units: &self.units,
                        campaigns: &self.campaigns,
                        collator: &self.collator,
                    };
                    refresh_dependents(&tx, &cx, kind, &row.id, &title)?;
                }
                row.id
            }
            None => {
                if kind == Kind::Unit {
                    let code = prepared.index.extra[0].clone().unwrap_or_default();
                    if self.units.get(&code).is_some() {
                        return Err(Error::field_arg(Code::DuplicateCode, "code", &code));
                    }
                }
                let id = self.ids.next(self.clock.as_ref()).to_string();
                insert_record(&tx, kind, &id, &prepared, &meta)?;
                id
            }
        };
        commit_write(tx, &meta)?;
        self.after_write(kind)?;
        self.get(kind, &id)
    }

    /// Moves a record to the trash (a tombstone that sync carries and restore undoes).
    pub fn delete(&mut self, kind: Kind, id: &str) -> Result<Value> {
        review_steps_only(kind)?;
        let row = self.load_row(kind, id)?;
        if row.deleted {
            return Err(Error::plain(Code::AlreadyDeleted, id));
        }
        self.check_scope(&row.unit)?;
        self.ensure_target_from_above(kind, &row.unit)?;
        if kind == Kind::Nomination {
            self.ensure_editable(&row.id)?;
        }
        if kind == Kind::Unit && self.unit_in_use(&row.code)? {
            return Err(Error::plain(Code::InUse, &row.code));
        }
        self.set_deleted(kind, row, true)
    }

    /// Brings a record back from the trash.
    pub fn restore(&mut self, kind: Kind, id: &str) -> Result<Value> {
        review_steps_only(kind)?;
        let row = self.load_row(kind, id)?;
        if !row.deleted {
            return Err(Error::plain(Code::NotDeleted, id));
        }
        self.check_scope(&row.unit)?;
        self.ensure_target_from_above(kind, &row.unit)?;
        self.set_deleted(kind, row, false)
    }

    pub(super) fn set_deleted(
        &mut self,
        kind: Kind,
        row: StoredRow,
        deleted: bool,
    ) -> Result<Value> {
        let restored = match deleted {
            true => None,
            false => Some(records::reindex(
                kind,
                Value::Object(row.body.clone()),
                &self.ctx(),
            )?),
        };
        let (tx, meta) = begin_write(
            &mut self.conn,
            &mut self.hlc,
            self.clock.as_ref(),
            &self.actor,
        )?;
        ensure_unchanged(&tx, kind, &row)?;
        let mut versions = row.clone_versions();
        versions.supersede(crate::sync::merge::DELETED, &meta.hlc);
        // Out of the search index when trashed, back in when restored.
        let search = match &restored {
            None => {
                unindex(&tx, kind, &row.id)?;
                None
            }
            Some(prepared) => {
                let ref_title = check_refs(&tx, prepared)?;
                index(&tx, kind, &row.id, prepared, ref_title.as_deref())?
            }
        };
        let sql = format!(
            "UPDATE {} SET deleted_at = ?1, deleted_by = ?2, updated_at = ?3, updated_by = ?4, hlc = ?5, \
             field_hlc = ?6, field_seen = ?7, change_seq = ?8, search_rowid = ?9 WHERE id = ?10",
            kind.table()
        );
        let (at, by) = if deleted {
            (Some(meta.now.as_str()), Some(meta.actor))
        } else {
            (None, None)
        };
        tx.execute(
            &sql,
            params![
                at,
                by,
                meta.now,
                meta.actor,
                meta.hlc,
                Value::Object(versions.field_hlc).to_string(),
                Value::Object(versions.field_seen).to_string(),
                meta.seq,
                search,
                row.id
            ],
        )?;
        let action = if deleted { "delete" } else { "restore" };
        audit(&tx, kind, &row.id, action, &meta, &Map::new())?;
        commit_write(tx, &meta)?;
        self.after_write(kind)?;
        self.get(kind, &row.id)
    }

    /// Inserts many validated records in one transaction (demo data, reference data, imports).
    pub(crate) fn insert_batch(&mut self, batch: Vec<(Kind, String, Prepared)>) -> Result<()> {
        self.insert_batch_at(batch, None)
    }

    /// `fixed` gives every row the same (time, version) instead of the clock's.
    pub(crate) fn insert_batch_at(
        &mut self,
        batch: Vec<(Kind, String, Prepared)>,
        fixed: Option<(&str, &str)>,
    ) -> Result<()> {
        let now = self.clock.now();
        let now_s = fixed.map(|f| f.0.to_owned()).unwrap_or_else(|| stamp(now));
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        observe_versions(&tx, &mut self.hlc)?;
        let seq = next_change(&tx)?;
        let mut last = String::new();
        let mut kinds = Vec::new();
        for (kind, id, prepared) in &batch {
            let hlc = match fixed {
                Some(f) => f.1.to_owned(),
                None => self.hlc.next(now.timestamp_millis()).to_string(),
            };
            let meta = WriteMeta {
                now: now_s.clone(),
                actor: &self.actor,
                hlc,
                seq,
                via: None,
            };
            insert_record(&tx, *kind, id, prepared, &meta)?;
            if fixed.is_none() {
                last = meta.hlc;
            }
            if !kinds.contains(kind) {
                kinds.push(*kind);
            }
        }
        if !last.is_empty() {
            super::set_meta(&tx, "hlc_last", &last)?;
        }
        super::terms::commit(tx)?;
        for k in kinds {
            self.after_write(k)?;
        }
        Ok(())
    }

    fn after_write(&mut self, kind: Kind) -> Result<()> {
        match kind {
            Kind::Unit => self.reload_units(),
            Kind::Campaign => self.reload_campaigns(),
            _ => Ok(()),
        }
    }

    /// Who sits on a committee and how it decides is changed only on its chair's installation
    /// (the import holds bundles to the same rule).
    fn ensure_chair_changes(&self, row: &StoredRow, fields: &Map<String, Value>) -> Result<()> {
        let changes = crate::records::Committee::COMPOSITION
            .iter()
            .any(|f| fields.get(*f).is_some_and(|v| row.body.get(*f) != Some(v)));
        let stored: crate::records::Committee =
            serde_json::from_value(Value::Object(row.body.clone()))
                .map_err(|e| Error::plain(Code::Storage, &e.to_string()))?;
        let own = self.key_id()?;
        if changes && stored.chair().is_some_and(|c| !c.is(&own)) {
            return Err(Error::plain(Code::NotAMember, &stored.name));
        }
        Ok(())
    }

    /// A unit's targets are set by the unit above it (the city's by itself): this installation
    /// neither writes, trashes nor restores its own unit's.
    fn ensure_target_from_above(&self, kind: Kind, unit: &str) -> Result<()> {
        match kind == Kind::Target
            && unit == self.installation.unit
            && !records::sets_own_targets(&self.units, unit)
        {
            true => Err(Error::field_arg(Code::UnitOutOfScope, "unit", unit)),
            false => Ok(()),
        }
    }

    pub(crate) fn check_scope(&self, unit: &str) -> Result<()> {
        if self.scope.contains(unit) {
            Ok(())
        } else {
            Err(Error::field_arg(Code::UnitOutOfScope, "unit", unit))
        }
    }

    fn unit_in_use(&self, code: &str) -> Result<bool> {
        if !self.units.children(code).is_empty() {
            return Ok(true);
        }
        for kind in Kind::ALL.into_iter().filter(|k| *k != Kind::Unit) {
            let sql = format!(
                "SELECT 1 FROM {} WHERE unit = ?1 AND deleted_at IS NULL LIMIT 1",
                kind.table()
            );
            if self
                .conn
                .query_row(&sql, [code], |_| Ok(()))
                .optional()?
                .is_some()
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A user unit without a code gets the next free `PARENT-N`.
    fn fill_unit_code(&self, body: &mut Map<String, Value>) {
        let has_code = body
            .get("code")
            .and_then(Value::as_str)
            .is_some_and(|c| !c.trim().is_empty());
        let Some(parent) = body
            .get("parent")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return;
        };
        if has_code {
            return;
        }
        let code = (1..)
            .map(|n| format!("{parent}-{n}"))
            .find(|c| self.units.get(c).is_none())
            .unwrap_or_default();
        body.insert("code".into(), Value::String(code));
    }
}

fn take_str(input: &mut Map<String, Value>, key: &str) -> Result<Option<String>> {
    match input.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::field(Code::WrongType, key)),
    }
}
