//! Records that cannot be applied yet: kept per record and signer with what they wait for
//! (a record they link to, a unit, an attachment's bytes, or time to catch up with a sender
//! whose clock is ahead), and applied when it is there, if their signer is still trusted.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use super::apply::{exists, Applier, Outcome};
use crate::error::{Code, Error, Message, Result};
use crate::hlc::Hlc;
use crate::records::{Kind, ReviewStatus};
use crate::store::Store;
use crate::sync::merge::merge;
use crate::sync::wire::{WireAttachment, WireRecord};
use crate::sync::ATTACHMENT;

/// What a held record waits for; stored as `kind:id`, `unit:code`, `bytes:sha256` or
/// `clock:version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Waiting {
    Record(Kind, String),
    Unit(String),
    Bytes(String),
    /// The record's latest version, ahead of this PC's clock by more than a day.
    Clock(String),
    /// A status change of `nomination` ending at `status`, earlier than `before`: the step
    /// that a status change follows.
    Step {
        nomination: String,
        status: ReviewStatus,
        before: String,
    },
}

impl Waiting {
    pub(crate) fn key(&self) -> String {
        match self {
            Waiting::Record(kind, id) => format!("{}:{id}", kind.name()),
            Waiting::Unit(code) => format!("unit:{code}"),
            Waiting::Bytes(sha) => format!("bytes:{sha}"),
            Waiting::Clock(version) => format!("clock:{version}"),
            Waiting::Step {
                nomination,
                status,
                before,
            } => format!("step:{nomination}:{status}:{before}"),
        }
    }

    pub(crate) fn parse(key: &str) -> Option<Waiting> {
        let (what, id) = key.split_once(':')?;
        Some(match what {
            "unit" => Waiting::Unit(id.to_owned()),
            "bytes" => Waiting::Bytes(id.to_owned()),
            "clock" => Waiting::Clock(id.to_owned()),
            "step" => {
                let mut parts = id.splitn(3, ':');
                Waiting::Step {
                    nomination: parts.next()?.to_owned(),
                    status: ReviewStatus::parse(parts.next()?)?,
                    before: parts.next()?.to_owned(),
                }
            }
            kind => Waiting::Record(Kind::parse(kind).ok()?, id.to_owned()),
        })
    }

    /// Whether what it waits for is here now.
    fn is_here(&self, tx: &Transaction, data_dir: &std::path::Path, now_ms: i64) -> Result<bool> {
        Ok(match self {
            Waiting::Record(kind, id) => exists(tx, *kind, id)?,
            // A live unit, as validation sees units (a trashed one would hold again at once).
            Waiting::Unit(code) => tx
                .prepare_cached("SELECT 1 FROM units WHERE code = ?1 AND deleted_at IS NULL")?
                .query_row([code], |_| Ok(()))
                .optional()?
                .is_some(),
            Waiting::Bytes(sha) => crate::store::attachments::path_in(data_dir, sha).exists(),
            Waiting::Clock(v) => Hlc::parse(v).is_some_and(|h| !h.is_ahead_of(now_ms)),
            Waiting::Step {
                nomination,
                status,
                before,
            } => tx
                .prepare_cached(
                    "SELECT 1 FROM transitions WHERE ref = ?1 AND body ->> '$.to' = ?2 \
                     AND deleted_at IS NULL AND created_hlc < ?3",
                )?
                .query_row([nomination, status.as_str(), before], |_| Ok(()))
                .optional()?
                .is_some(),
        })
    }

    /// Why the record waits, for people.
    fn reason(&self) -> Message {
        use crate::messages::HeldFor;
        let why = match self {
            Waiting::Record(kind, _) => HeldFor::Record(*kind),
            Waiting::Unit(code) => HeldFor::Unit(code),
            Waiting::Bytes(_) => HeldFor::Bytes,
            Waiting::Clock(v) => HeldFor::Clock(Hlc::parse(v).map_or(0, |h| h.wall_ms)),
            Waiting::Step { status, .. } => HeldFor::Step(*status),
        };
        let (vi, en) = crate::messages::held_reason(why);
        Message { vi, en }
    }
}

/// A record held here, as `sovang held list` and the Sync screen show it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct HeldRecord {
    /// A record kind, or `attachment`.
    pub kind: String,
    pub id: String,
    /// `record`, `unit`, `bytes` or `clock`.
    pub waiting_kind: String,
    /// The record id, unit code, content hash or version it waits for.
    pub waiting_for: String,
    pub reason: Message,
    /// The unit of the key that signed it, as the trust list names it.
    pub signer_unit: String,
    pub signer_unit_name: String,
    pub signer: String,
    pub bundle_id: String,
    /// When it was first held here.
    pub held_at: String,
}

/// A held row as stored.
struct HeldRow {
    kind: String,
    id: String,
    signer_key: String,
    waiting_for: String,
    line: String,
    bundle_id: String,
}

impl Applier<'_, '_> {
    /// Keeps a record until what it waits for is here; a later copy from the same signer
    /// merges with the one it holds, while another signer's copy is kept apart (it must never
    /// replace one it did not sign).
    pub(super) fn hold(
        &mut self,
        kind: Kind,
        rec: &WireRecord,
        waiting: super::held::Waiting,
    ) -> Result<Outcome> {
        let held: Option<String> = self
            .tx
            .prepare_cached(
                "SELECT line FROM sync_held WHERE kind = ?1 AND id = ?2 AND signer_key = ?3",
            )?
            .query_row([kind.name(), &rec.id, &self.signer_key], |r| r.get(0))
            .optional()?;
        let rec = match held.and_then(|l| serde_json::from_str::<WireRecord>(&l).ok()) {
            Some(h) => merge(&h, rec).record,
            None => rec.clone(),
        };
        self.hold_line(kind.name(), &rec.id, &waiting, &rec)
    }

    /// Stores what is held (a record or an attachment's row) with what it waits for.
    pub(super) fn hold_line(
        &mut self,
        kind: &str,
        id: &str,
        waiting: &Waiting,
        line: &impl Serialize,
    ) -> Result<Outcome> {
        let line =
            serde_json::to_string(line).map_err(|e| Error::plain(Code::Storage, &e.to_string()))?;
        self.tx.execute(
            "INSERT INTO sync_held (kind, id, signer_key, signer_unit, waiting_for, line, bundle_id, held_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(kind, id, signer_key) DO UPDATE SET \
             waiting_for = excluded.waiting_for, line = excluded.line, signer_unit = excluded.signer_unit, \
             bundle_id = excluded.bundle_id",
            params![kind, id, self.signer_key, self.signer_unit, waiting.key(), line, self.via.bundle_id, self.now],
        )?;
        Ok(Outcome::Held)
    }

    /// The unit a held record's signer speaks for now, or none if it may no longer be heard
    /// (revoked, or gone from the trust list).
    fn signer_now(&self, key: &str) -> Result<Option<String>> {
        if key == self.own_key {
            return Ok(Some(self.own_unit.clone()));
        }
        let row: Option<(String, Option<String>)> = self
            .tx
            .prepare_cached("SELECT unit, revoked_at FROM trusted_keys WHERE fingerprint = ?1")?
            .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.and_then(|(unit, revoked)| revoked.is_none().then_some(unit)))
    }

    /// Applies held records whose wait is over, until nothing more moves. Each is applied as
    /// its own signer's (checked against the trust list again: the key may have been revoked
    /// since) and recorded as coming from its own bundle.
    pub(super) fn release_held(&mut self) -> Result<()> {
        let signer = (
            self.signer_unit.clone(),
            self.signer_key.clone(),
            self.via.bundle_id.clone(),
        );
        let mut retried = std::collections::HashSet::new();
        loop {
            let rows: Vec<HeldRow> = self
                .tx
                .prepare_cached(
                    "SELECT kind, id, signer_key, waiting_for, line, bundle_id \
                     FROM sync_held ORDER BY rowid",
                )?
                .query_map([], |r| {
                    Ok(HeldRow {
                        kind: r.get(0)?,
                        id: r.get(1)?,
                        signer_key: r.get(2)?,
                        waiting_for: r.get(3)?,
                        line: r.get(4)?,
                        bundle_id: r.get(5)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let mut moved = false;
            for row in rows {
                let waiting = Waiting::parse(&row.waiting_for);
                let here = match &waiting {
                    Some(w) => w.is_here(self.tx, self.data_dir, self.now_ms)?,
                    None => true, // unreadable: let the rules judge the record again
                };
                // Released once already in this import and held again for a wait that looked
                // over: trying again would loop forever.
                if !here
                    || !retried.insert((row.kind.clone(), row.id.clone(), row.signer_key.clone()))
                {
                    continue;
                }
                self.tx.execute(
                    "DELETE FROM sync_held WHERE kind = ?1 AND id = ?2 AND signer_key = ?3",
                    [&row.kind, &row.id, &row.signer_key],
                )?;
                moved = true;
                let Some(unit) = self.signer_now(&row.signer_key)? else {
                    let e = Error::field_arg(Code::SignerRevoked, "signer", &row.signer_key);
                    self.report.reject(&row.kind, &row.id, e);
                    continue;
                };
                self.set_signer(&unit, &row.signer_key, &row.bundle_id);
                let bad = |e: serde_json::Error| Error::plain(Code::Storage, &e.to_string());
                let outcome = if row.kind == ATTACHMENT {
                    let a: WireAttachment = serde_json::from_str(&row.line).map_err(bad)?;
                    self.apply_attachment(a)?
                } else {
                    let rec: WireRecord = serde_json::from_str(&row.line).map_err(bad)?;
                    self.apply(Kind::parse(&row.kind)?, &rec, None)?
                };
                if matches!(outcome, Outcome::Created | Outcome::Updated) {
                    self.report.released += 1;
                }
                if !matches!(outcome, Outcome::Held) {
                    self.count(outcome);
                }
            }
            if !moved {
                break;
            }
        }
        self.set_signer(&signer.0, &signer.1, &signer.2);
        Ok(())
    }
}

impl Store {
    /// Every record held here, oldest first, with what it waits for and who signed it.
    pub fn held_list(&self) -> Result<Vec<HeldRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT h.kind, h.id, h.waiting_for, coalesce(t.unit, h.signer_unit), h.signer_key, \
             h.bundle_id, h.held_at FROM sync_held h \
             LEFT JOIN trusted_keys t ON t.fingerprint = h.signer_key ORDER BY h.held_at, h.rowid",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, id, waiting_for, signer_unit, signer, bundle_id, held_at) = row?;
            let waiting = Waiting::parse(&waiting_for)
                .unwrap_or_else(|| Waiting::Record(Kind::Unit, waiting_for.clone()));
            let (waiting_kind, what) = match &waiting {
                Waiting::Record(_, id) => ("record", id.clone()),
                Waiting::Unit(code) => ("unit", code.clone()),
                Waiting::Bytes(sha) => ("bytes", sha.clone()),
                Waiting::Clock(v) => ("clock", v.clone()),
                Waiting::Step { nomination, .. } => ("step", nomination.clone()),
            };
            out.push(HeldRecord {
                kind,
                id,
                waiting_kind: waiting_kind.into(),
                waiting_for: what,
                reason: waiting.reason(),
                signer_unit_name: self
                    .units
                    .get(&signer_unit)
                    .map(|u| u.name.clone())
                    .unwrap_or_default(),
                signer_unit,
                signer,
                bundle_id,
                held_at,
            });
        }
        Ok(out)
    }
}
