//! Records that wait for a record they link to: kept with what they wait for and who
//! signed them, and applied when it arrives.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::apply::{arrived, Applier, Outcome};
use crate::error::{Code, Error, Result};
use crate::records::Kind;
use crate::sync::merge::merge;
use crate::sync::wire::{WireAttachment, WireRecord};
use crate::sync::ATTACHMENT;

impl Applier<'_, '_> {
    pub(super) fn hold(
        &mut self,
        kind: Kind,
        rec: &WireRecord,
        waiting_for: &str,
    ) -> Result<Outcome> {
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
    pub(super) fn hold_line(
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
    /// Applies held records whose missing parent is here now, until nothing more moves.
    pub(super) fn release_held(&mut self) -> Result<()> {
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
