//! Applying one incoming record: `judge` decides what to do with it (a `Verdict`), and
//! `carry_out` does it, in one place for records and attachments alike. A record from
//! another installation passes every rule a local edit passes, and then some: well-formed
//! versions not ahead of this PC's clock, the signer's authority over what it claims and over
//! what is stored, and the locks of committee review.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Transaction};
use serde_json::Value;

use super::super::rows::{linked_with, per_kind_sql, SqlFor, Via};
use super::attachment::Bytes;
use super::authority::{check_versions, edits_after_lock, may_send, Versions};
use super::held::Waiting;
use super::ImportReport;
use crate::collate::VietCollator;
use crate::error::{Code, Error, Result};
use crate::records::{self, Campaign, Ctx, Kind, Prepared};
use crate::store::erase::erased_over;
use crate::sync::merge::{merge, FieldConflict};
use crate::sync::wire::{from_row, WireRecord};
use crate::units::{UnitNode, UnitTree};

pub(super) enum Outcome {
    Unchanged,
    Created,
    Updated,
    Held,
    Rejected,
    /// An erasure applied (counted by `apply_erasure` itself).
    Erased,
}

/// What to do with one incoming record (or attachment row, whose write needs nothing more).
pub(super) enum Verdict<W> {
    /// Nothing new.
    Unchanged,
    /// Kept aside until what it waits for is here.
    Hold(Waiting),
    /// Refused, with the reason the report shows.
    Reject(Error),
    /// Accepted: what writing it needs.
    Write(W),
}

/// An accepted record, ready to write.
pub(super) struct Accepted {
    /// The incoming record merged with the stored one; none for a new record, which is
    /// written as it came (not copied: most records of a big import are new).
    merged: Option<WireRecord>,
    /// Its validation, done again on the merged body when there was a stored record.
    reindexed: Option<Prepared>,
    /// The stored record and its title.
    local: Option<(WireRecord, String)>,
    conflicts: Vec<FieldConflict>,
    values_changed: bool,
    ref_title: Option<String>,
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
    /// This PC's time: versions further ahead than `hlc::MAX_AHEAD_MS` are held.
    pub(super) now_ms: i64,
    pub(super) signer_unit: String,
    /// The signing key's fingerprint: a member's scores must carry the member's own.
    pub(super) signer_key: String,
    /// The bundle and key of the records being applied (a held record's own, on release).
    pub(super) via: Via,
    /// This installation's own key and unit (a bundle it made itself may come back).
    pub(super) own_key: String,
    pub(super) own_id: crate::sync::identity::KeyId,
    pub(super) own_unit: String,
    pub(super) scope: HashSet<String>,
    pub(super) report: ImportReport,
    pub(super) max_version: String,
    pub(super) need_bytes: BTreeSet<String>,
    /// Attachment contents an erasure let go: their files are deleted once unused.
    pub(super) erased_shas: BTreeSet<String>,
    /// The attachments this bundle lists, their size and type read ahead.
    pub(super) bundle_bytes: HashMap<String, Bytes>,
    pub(super) data_dir: &'a Path,
    pub(super) attachment_limit: u64,
    /// Records held here because their sender's clock was ahead: a good copy replaces them.
    pub(super) clock_held: HashSet<(String, String)>,
    /// The import's place in the change sequence: what it writes is sent on after it.
    pub(super) seq: i64,
    pub(super) written: WrittenTitles,
}

/// What an applier needs from the store, apart from the transaction.
pub(super) struct Env<'a> {
    pub collator: &'a VietCollator,
    pub clock: &'a dyn crate::clock::Clock,
    pub data_dir: &'a Path,
    /// This installation as committees name it, and its unit.
    pub own: (crate::sync::identity::KeyId, String),
    pub attachment_limit: u64,
}

/// Who signed what is applied: the unit is the trust list's, never the bundle's claim.
pub(super) struct Signer<'s> {
    pub unit: &'s str,
    pub unit_name: &'s str,
    pub key: &'s str,
    pub bundle_id: &'s str,
}

impl<'a, 't> Applier<'a, 't> {
    /// An applier in `tx` for what `signer` signed; `bundle_bytes` are the attachments the
    /// bundle brings (none when releasing held records without one).
    pub(super) fn start(
        tx: &'a Transaction<'t>,
        env: Env<'a>,
        signer: Signer,
        bundle_bytes: HashMap<String, Bytes>,
        dry_run: bool,
    ) -> Result<Self> {
        let units = super::super::load_units(tx)?;
        let now = env.clock.now();
        Ok(Applier {
            tx,
            scope: units.scope(signer.unit),
            units,
            campaigns: super::super::load_campaigns(tx)?,
            collator: env.collator,
            clock: env.clock,
            today: env.clock.today(),
            now: crate::clock::stamp(now),
            now_ms: now.timestamp_millis(),
            signer_unit: signer.unit.to_owned(),
            signer_key: signer.key.to_owned(),
            via: Via {
                bundle_id: signer.bundle_id.to_owned(),
                signer: signer.key.to_owned(),
            },
            own_key: env.own.0.fingerprint.clone(),
            own_id: env.own.0,
            own_unit: env.own.1,
            report: ImportReport {
                bundle_id: Some(signer.bundle_id.to_owned()),
                origin_unit: Some(signer.unit.to_owned()),
                origin_name: Some(signer.unit_name.to_owned()),
                dry_run,
                ..Default::default()
            },
            max_version: String::new(),
            need_bytes: BTreeSet::new(),
            erased_shas: BTreeSet::new(),
            bundle_bytes,
            data_dir: env.data_dir,
            attachment_limit: env.attachment_limit,
            clock_held: clock_held(tx)?,
            seq: super::super::rows::next_change(tx)?,
            written: WrittenTitles::default(),
        })
    }
}

/// The records held because their sender's clock was ahead, whoever signed them.
fn clock_held(tx: &Transaction) -> Result<HashSet<(String, String)>> {
    let mut stmt = tx.prepare("SELECT kind, id FROM sync_held WHERE waiting_for LIKE 'clock:%'")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
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

    pub(super) fn note(&mut self, kind: Kind, id: &str, title: &str) {
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

/// A stored record as it travels, and its title.
fn load_local(tx: &Transaction, kind: Kind, id: &str) -> Result<Option<(WireRecord, String)>> {
    Ok(tx
        .prepare_cached(per_kind_sql(kind, SqlFor::SyncLoad))?
        .query_row([id], |r| Ok((from_row(r)?, r.get(12)?)))
        .optional()?)
}

fn out_of_authority(field: &str, unit: &str) -> Error {
    Error::field_arg(Code::OutOfAuthority, field, unit)
}

impl<'a, 't> Applier<'a, 't> {
    /// Whether `id` was erased by `unit` or a unit above it (see `erase::erased_over`).
    pub(super) fn erased_over(&self, id: &str, unit: &str) -> Result<bool> {
        erased_over(self.tx, &self.units, id, unit)
    }

    pub(super) fn ctx(&self) -> Ctx<'_> {
        Ctx {
            today: self.today,
            units: &self.units,
            campaigns: &self.campaigns,
            collator: self.collator,
        }
    }

    /// Applies what `key` of `unit` signed, carried by `bundle_id`.
    /// The signer as committees may name it (found by its fingerprint in the trust list).
    pub(super) fn signer_id(&self) -> Option<crate::sync::identity::KeyId> {
        crate::store::Store::key_id_of(self.tx, &self.own_id, &self.signer_key)
            .ok()
            .flatten()
    }

    pub(super) fn set_signer(&mut self, unit: &str, key: &str, bundle_id: &str) {
        self.signer_unit = unit.to_owned();
        self.signer_key = key.to_owned();
        self.via = Via {
            bundle_id: bundle_id.to_owned(),
            signer: key.to_owned(),
        };
        self.scope = self.units.scope(unit);
    }

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
        let prepared_here;
        let checked = match checked {
            Some(c) => c,
            None => {
                let body = Value::Object(rec.body.clone());
                prepared_here = records::prepare(kind, body, &self.ctx());
                &prepared_here
            }
        };
        let verdict = self.judge(kind, rec, checked)?;
        self.carry_out(
            (kind.name(), &rec.id, &rec.unit),
            verdict,
            |ap, accepted| ap.write_accepted(kind, rec, checked, accepted),
            |ap, waiting| ap.hold(kind, rec, waiting),
        )
    }

    /// The one place a verdict is carried out.
    /// `what`: the kind's name, the id and the unit of what is judged.
    pub(super) fn carry_out<W>(
        &mut self,
        (kind, id, unit): (&str, &str, &str),
        verdict: Verdict<W>,
        write: impl FnOnce(&mut Self, W) -> Result<Outcome>,
        hold: impl FnOnce(&mut Self, Waiting) -> Result<Outcome>,
    ) -> Result<Outcome> {
        // Nothing waits for what its unit (or one above) erased here: it will never come.
        if let Verdict::Hold(Waiting::Record(_, on)) = &verdict {
            if erased_over(self.tx, &self.units, on, unit)? {
                let e = Error::field_arg(Code::RecordErased, "id", on);
                self.report.reject(kind, id, e);
                return Ok(Outcome::Rejected);
            }
        }
        match verdict {
            Verdict::Unchanged => Ok(Outcome::Unchanged),
            Verdict::Hold(waiting) => hold(self, waiting),
            Verdict::Reject(e) => {
                self.report.reject(kind, id, e);
                Ok(Outcome::Rejected)
            }
            Verdict::Write(w) => write(self, w),
        }
    }

    /// Decides what to do with one incoming record, writing nothing.
    fn judge(
        &self,
        kind: Kind,
        rec: &WireRecord,
        checked: &Result<Prepared>,
    ) -> Result<Verdict<Accepted>> {
        // Ids are UUIDs everywhere (a unit's code is in its body).
        if uuid::Uuid::try_parse(&rec.id).is_err() {
            let e = Error::field_arg(
                Code::InvalidValue,
                "id",
                &rec.id.chars().take(64).collect::<String>(),
            );
            return Ok(Verdict::Reject(e));
        }
        if self.erased_over(&rec.id, &rec.unit)? {
            return Ok(Verdict::Reject(Error::field_arg(
                Code::RecordErased,
                "id",
                &rec.id,
            )));
        }
        match check_versions(rec, self.now_ms) {
            Versions::Fine => {}
            Versions::Malformed(v) => {
                let e = Error::field_arg(Code::InvalidVersion, "versions", &v);
                return Ok(Verdict::Reject(e));
            }
            Versions::Ahead(v) => return Ok(Verdict::Hold(Waiting::Clock(v))),
        }
        let local = load_local(self.tx, kind, &rec.id)?;
        let merged = match &local {
            Some((l, _)) => {
                let m = match crate::sync::seal::SEALED.contains(&kind) {
                    true => crate::sync::seal::merge_sealed(kind, l, rec),
                    false => merge(l, rec),
                };
                if !m.changed {
                    return Ok(Verdict::Unchanged);
                }
                Some(m)
            }
            None => None,
        };
        // What the sender claims must be what it may send: checked on its own record, not the
        // merge, so a bundle cannot borrow authority from what is already here.
        let incoming = match checked {
            Ok(p) => p,
            Err(e) if e.code == Code::UnknownUnit => {
                let code = e.field.as_deref().and_then(|f| rec.body.get(f));
                let code = code.and_then(Value::as_str).unwrap_or_default().to_owned();
                return Ok(Verdict::Hold(Waiting::Unit(code)));
            }
            Err(e) => return Ok(Verdict::Reject(e.clone())),
        };
        let owner = &incoming.index.unit;
        let stored_owner_ok = local.as_ref().is_none_or(|(l, _)| {
            self.scope.contains(&l.unit)
                && may_send(
                    (&self.scope, &self.units),
                    &self.signer_unit,
                    kind,
                    &l.unit,
                    rec,
                )
        });
        if *owner != rec.unit
            || !may_send(
                (&self.scope, &self.units),
                &self.signer_unit,
                kind,
                owner,
                rec,
            )
            || !stored_owner_ok
        {
            return Ok(Verdict::Reject(out_of_authority("unit", owner)));
        }
        if kind == Kind::Unit {
            let code = incoming.index.extra[0].clone().unwrap_or_default();
            let stored_code = local.as_ref().and_then(|(l, _)| l.body.get("code"));
            match stored_code.and_then(Value::as_str) {
                // Any unit, trashed ones too: their codes stay taken.
                None if self.unit_code_taken(&code)? => {
                    let e = Error::field_arg(Code::DuplicateCode, "code", &code);
                    return Ok(Verdict::Reject(e));
                }
                Some(stored) if stored != code => {
                    let e = Error::field_arg(Code::UnitCodeChanged, "code", stored);
                    return Ok(Verdict::Reject(e));
                }
                _ => {}
            }
        }
        if kind == Kind::Nomination {
            if let (Some((l, _)), Some(lock)) = (&local, self.locked_since(&rec.id)?) {
                if edits_after_lock(l, rec, &lock) {
                    let status = Error::field_arg(Code::NominationLocked, "status", &rec.id);
                    return Ok(Verdict::Reject(status));
                }
            }
        }
        // A new record is the incoming one as it is (its unit is the checked owner); a merged
        // one is indexed again and takes the unit its merged fields give.
        let (merged, reindexed, conflicts, values_changed) = match merged {
            None => (None, None, Vec::new(), true),
            Some(m) => {
                let body = Value::Object(m.record.body.clone());
                let p = match records::reindex(kind, body, &self.ctx()) {
                    Ok(p) => p,
                    Err(e) => return Ok(Verdict::Reject(e)),
                };
                let mut record = m.record;
                record.unit.clone_from(&p.index.unit);
                (Some(record), Some(p), m.conflicts, m.values_changed)
            }
        };
        if !merged
            .as_ref()
            .is_none_or(|m| self.merged_seal_holds(kind, m))
        {
            let e = Error::field_arg(Code::OutOfAuthority, "seal", &rec.id);
            return Ok(Verdict::Reject(e));
        }
        let p = reindexed.as_ref().unwrap_or(incoming);
        let written = &self.written;
        let ref_title = match linked_with(self.tx, p, false, &|k, id| written.get(k, id))? {
            Ok(title) => title,
            Err(r) if r.kind == Kind::Unit => {
                return Ok(Verdict::Hold(Waiting::Unit(r.id.clone())))
            }
            Err(r) => return Ok(Verdict::Hold(Waiting::Record(r.kind, r.id.clone()))),
        };
        if matches!(kind, Kind::Decision | Kind::Transition)
            && !self.sent_by_reviewing_unit(kind, rec)?
        {
            return Ok(Verdict::Reject(out_of_authority("unit", &rec.unit)));
        }
        let stored = local.as_ref().map(|(l, _)| l);
        match self.judge_review(kind, rec, stored)? {
            Some(Verdict::Reject(e)) => return Ok(Verdict::Reject(e)),
            Some(Verdict::Hold(w)) => return Ok(Verdict::Hold(w)),
            _ => {}
        }
        Ok(Verdict::Write(Accepted {
            merged,
            reindexed,
            local,
            conflicts,
            values_changed,
            ref_title,
        }))
    }

    fn write_accepted(
        &mut self,
        kind: Kind,
        rec: &WireRecord,
        checked: &Result<Prepared>,
        a: Accepted,
    ) -> Result<Outcome> {
        let Some(p) = a.reindexed.as_ref().or(checked.as_ref().ok()) else {
            return Err(Error::plain(Code::Storage, "accepted without validation"));
        };
        let record = a.merged.as_ref().unwrap_or(rec);
        let version = record.version().to_owned();
        self.observe(&version);
        let old = a.local.as_ref().map(|(l, t)| (l, t.as_str()));
        self.write(kind, old, record, &version, p, a.ref_title.as_deref())?;
        if let Some((l, _)) = &a.local {
            for c in &a.conflicts {
                self.conflict(kind, record, Some(l), &rec.updated_by, c)?;
            }
            self.close_settled(kind, record)?;
        }
        crate::store::review::touch_other_sheets(self.tx, kind, &rec.id, p, self.seq)?;
        let was_clock_held = !self.clock_held.is_empty()
            && self
                .clock_held
                .contains(&(kind.name().to_owned(), rec.id.clone()));
        if was_clock_held {
            // The sender corrected its clock and sent the record again: the copy stamped
            // ahead is no longer needed.
            self.tx.execute(
                "DELETE FROM sync_held WHERE kind = ?1 AND id = ?2 AND signer_key = ?3 \
                 AND waiting_for LIKE 'clock:%'",
                [kind.name(), &rec.id, &self.signer_key],
            )?;
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
        Ok(match (&a.local, a.values_changed) {
            (None, _) => Outcome::Created,
            (Some(_), true) => Outcome::Updated,
            (Some(_), false) => Outcome::Unchanged,
        })
    }

    fn unit_code_taken(&self, code: &str) -> Result<bool> {
        Ok(self
            .tx
            .prepare_cached("SELECT 1 FROM units WHERE code = ?1")?
            .query_row([code], |_| Ok(()))
            .optional()?
            .is_some())
    }

    pub(super) fn count(&mut self, outcome: Outcome) {
        let r = &mut self.report;
        match outcome {
            Outcome::Unchanged => r.unchanged += 1,
            Outcome::Created => r.created += 1,
            Outcome::Updated => r.updated += 1,
            Outcome::Held => r.held += 1,
            Outcome::Rejected | Outcome::Erased => {}
        }
    }
}
