//! Applying one attachment row: the same rules as a local attachment (size limit, a type
//! recognised by its bytes, a live record of the signer's scope that may still be edited),
//! then its row and a history row on the record.

use rusqlite::{params, OptionalExtension};
use serde_json::Map;

use super::super::rows::{audit, WriteMeta};
use super::apply::{Applier, Outcome, Verdict};
use super::authority::{check_version, Versions};
use super::held::Waiting;
use crate::error::{Code, Error, Result};
use crate::records::Kind;
use crate::store::attachments::{megabytes, sniff_mime, ALLOWED_MIMES};
use crate::sync::bundle::is_hex64;
use crate::sync::wire::{attachment_from_row, WireAttachment, ATTACHMENT_COLUMNS};
use crate::sync::ATTACHMENT;

/// What an attachment's bytes are, read from this bundle or from the data folder.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bytes {
    pub size: u64,
    pub mime: Option<&'static str>,
}

impl Applier<'_, '_> {
    pub(super) fn apply_attachment(&mut self, a: WireAttachment) -> Result<Outcome> {
        let verdict = self.judge_attachment(&a)?;
        self.carry_out(
            (ATTACHMENT, &a.id, &a.unit),
            verdict,
            |ap, ()| ap.write_attachment(&a),
            |ap, waiting| {
                // Verified bytes stay with a held row: the bundle that brings its record may
                // not carry them again.
                if ap.bytes_in_bundle(&a.sha256).is_some() {
                    ap.need_bytes.insert(a.sha256.clone());
                }
                ap.hold_line(ATTACHMENT, &a.id, &waiting, &a)
            },
        )
    }

    /// The bytes of a content hash as this import can have them: listed in the bundle (read
    /// ahead), or already in the data folder (an earlier bundle, held or not).
    fn bytes_of(&self, sha: &str) -> Option<Bytes> {
        if let Some(b) = self.bytes_in_bundle(sha) {
            return Some(b);
        }
        let path = crate::store::attachments::path_in(self.data_dir, sha);
        let size = std::fs::metadata(&path).ok()?.len();
        let mut head = [0u8; 16];
        let n = std::io::Read::read(&mut std::fs::File::open(&path).ok()?, &mut head).ok()?;
        Some(Bytes {
            size,
            mime: sniff_mime(&head[..n]),
        })
    }

    fn bytes_in_bundle(&self, sha: &str) -> Option<Bytes> {
        self.bundle_bytes.get(sha).copied()
    }

    fn judge_attachment(&self, a: &WireAttachment) -> Result<Verdict<()>> {
        let reject =
            |code, field: &str, arg: &str| Ok(Verdict::Reject(Error::field_arg(code, field, arg)));
        if self.erased_over(&a.id, &a.unit)? {
            return reject(Code::RecordErased, "id", &a.id);
        }
        for v in [&a.hlc, &a.created_hlc] {
            match check_version(v, self.now_ms) {
                Versions::Fine => {}
                Versions::Malformed(v) => return reject(Code::InvalidVersion, "hlc", &v),
                Versions::Ahead(v) => return Ok(Verdict::Hold(Waiting::Clock(v))),
            }
        }
        let local: Option<WireAttachment> = {
            let sql = format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id = ?1");
            self.tx
                .prepare_cached(&sql)?
                .query_row([&a.id], attachment_from_row)
                .optional()?
        };
        if let Some(l) = &local {
            if a.hlc <= l.hlc || l.deleted_at == a.deleted_at {
                return Ok(Verdict::Unchanged);
            }
            // Only the deletion changes; what the row points at never does.
            if (
                l.unit.as_str(),
                l.record_kind,
                l.record_id.as_str(),
                l.sha256.as_str(),
            ) != (
                a.unit.as_str(),
                a.record_kind,
                a.record_id.as_str(),
                a.sha256.as_str(),
            ) {
                return reject(Code::OutOfAuthority, "record_id", &a.record_id);
            }
        } else {
            if !is_hex64(&a.sha256) {
                return reject(Code::InvalidValue, "sha256", &a.sha256);
            }
            if a.record_kind == Kind::Unit || !ALLOWED_MIMES.contains(&a.mime.as_str()) {
                return reject(Code::AttachmentType, "mime", &a.mime);
            }
            match self.bytes_of(&a.sha256) {
                None if a.deleted_at.is_none() => {
                    return Ok(Verdict::Hold(Waiting::Bytes(a.sha256.clone())))
                }
                None => {}
                Some(b) if b.size > self.attachment_limit => {
                    let arg = format!(
                        "{} > {}",
                        megabytes(b.size),
                        megabytes(self.attachment_limit)
                    );
                    return reject(Code::AttachmentTooLarge, "size", &arg);
                }
                Some(b) if b.size != a.size => {
                    return reject(Code::InvalidValue, "size", &a.size.to_string());
                }
                Some(b) if b.mime != Some(a.mime.as_str()) => {
                    return reject(Code::AttachmentType, "mime", &a.mime);
                }
                Some(_) => {}
            }
        }
        // The record it belongs to: here, in the signer's scope, of the attachment's unit, and
        // open to changes (a nomination not handed to the committee since).
        let sql = format!("SELECT unit FROM {} WHERE id = ?1", a.record_kind.table());
        let record: Option<String> = self
            .tx
            .prepare_cached(&sql)?
            .query_row([&a.record_id], |r| r.get(0))
            .optional()?;
        let Some(record_unit) = record else {
            return Ok(Verdict::Hold(Waiting::Record(
                a.record_kind,
                a.record_id.clone(),
            )));
        };
        if record_unit != a.unit || !self.scope.contains(&record_unit) {
            return reject(Code::OutOfAuthority, "unit", &record_unit);
        }
        // A record trashed here may have been live where the file was attached: the row is
        // kept (in the trash with its record), or the two installations would never agree.
        if a.record_kind == Kind::Nomination {
            if let Some(lock) = self.locked_since(&a.record_id)? {
                if a.hlc > lock {
                    return reject(Code::NominationLocked, "record_id", &a.record_id);
                }
            }
        }
        Ok(Verdict::Write(()))
    }

    fn write_attachment(&mut self, a: &WireAttachment) -> Result<Outcome> {
        self.observe(&a.hlc);
        let updated = self.tx.execute(
            "UPDATE attachments SET deleted_at = ?1, deleted_by = ?2, updated_at = ?3, updated_by = ?4, hlc = ?5, \
             change_seq = ?6 WHERE id = ?7",
            params![a.deleted_at, a.deleted_by, a.updated_at, a.updated_by, a.hlc, self.seq, a.id],
        )?;
        if updated > 0 {
            if a.deleted_at.is_some() {
                // Taken off its record: its file goes once no record uses it.
                self.erased_shas.insert(a.sha256.clone());
                let mut changes = Map::new();
                changes.insert(
                    "attachment".into(),
                    serde_json::json!([{"id": a.id, "file_name": a.file_name}, null]),
                );
                let meta = WriteMeta {
                    now: a.updated_at.clone(),
                    actor: &a.updated_by,
                    hlc: a.hlc.clone(),
                    seq: self.seq,
                    via: Some(&self.via),
                };
                audit(
                    self.tx,
                    a.record_kind,
                    &a.record_id,
                    "detach",
                    &meta,
                    &changes,
                )?;
            }
            return Ok(Outcome::Updated);
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
            via: Some(&self.via),
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
}
