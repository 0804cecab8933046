//! Attachments: photos and PDFs stored once per content (sha256) under `attachments/`.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rusqlite::{params, OptionalExtension};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::rows::{audit, begin_write, commit_write};
use super::Store;
use crate::error::{Code, Error, Result};
use crate::records::Kind;

/// An attachment taken off its record, as the trash lists it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct DetachedAttachment {
    pub id: String,
    pub record_kind: Kind,
    pub record_id: String,
    pub record_title: String,
    pub file_name: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    pub detached_at: String,
}

/// The file types an attachment may have: what `sniff_mime` recognizes.
pub(crate) const ALLOWED_MIMES: [&str; 5] = [JPEG, PNG, GIF, WEBP, PDF];
const JPEG: &str = "image/jpeg";
const PNG: &str = "image/png";
const GIF: &str = "image/gif";
const WEBP: &str = "image/webp";
const PDF: &str = "application/pdf";

/// Recognizes the allowed file types by their first bytes, not by the name.
pub fn sniff_mime(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(JPEG)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(PNG)
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some(GIF)
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some(WEBP)
    } else if head.starts_with(b"%PDF-") {
        Some(PDF)
    } else {
        None
    }
}

pub(crate) fn megabytes(n: u64) -> String {
    format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
}

/// Where a content hash lives under a data folder.
pub(crate) fn path_in(data_dir: &Path, sha256: &str) -> PathBuf {
    data_dir.join("attachments").join(&sha256[..2]).join(sha256)
}

impl Store {
    /// Where a content hash lives on disk.
    pub fn attachment_path(&self, sha256: &str) -> PathBuf {
        path_in(self.data_dir(), sha256)
    }

    /// Attaches a file to a live record. The same content attached twice to one record is one
    /// attachment; past the size limit, or of another type, the file is refused untouched.
    pub fn attach(&mut self, kind: Kind, id: &str, file: &Path) -> Result<Value> {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let label = file.display().to_string();
        let io = |e: std::io::Error| Error::io(Some("file"), &label, &e);
        let meta = std::fs::metadata(file).map_err(io)?;
        let limit = self.attachment_limit;
        if meta.len() > limit {
            let arg = format!("{} > {}", megabytes(meta.len()), megabytes(limit));
            return Err(Error::field_arg(Code::AttachmentTooLarge, "file", &arg));
        }
        let mut src = File::open(file).map_err(io)?;
        self.attach_from(kind, id, &name, &label, &mut src)
    }

    /// Attaches the bytes of `src` (a file the user picked in the app's window, say) under the
    /// file name `name`; `label` names the source in I/O errors.
    pub fn attach_from(
        &mut self,
        kind: Kind,
        id: &str,
        name: &str,
        label: &str,
        src: &mut dyn Read,
    ) -> Result<Value> {
        let row = self.load_row(kind, id)?;
        if row.deleted {
            return Err(Error::plain(Code::AlreadyDeleted, id));
        }
        self.check_scope(&row.unit)?;
        if kind == Kind::Nomination {
            self.ensure_editable(&row.id)?;
        }
        let name = name.to_owned();
        let limit = self.attachment_limit;
        let (sha, size, mime, tmp) = self.copy_in(src, label, &name, limit)?;
        let final_path = self.attachment_path(&sha);
        if final_path.exists() {
            let _ = std::fs::remove_file(&tmp);
        } else {
            std::fs::create_dir_all(final_path.parent().unwrap_or(self.data_dir()))?;
            std::fs::rename(&tmp, &final_path)?;
        }
        let existing: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM attachments WHERE record_kind = ?1 AND record_id = ?2 AND sha256 = ?3",
                params![kind.name(), row.id, sha],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(aid) = existing {
            return self.attachment(&aid);
        }
        let aid = self.new_id();
        let (tx, meta) = begin_write(
            &mut self.conn,
            &mut self.hlc,
            self.clock.as_ref(),
            &self.actor,
        )?;
        tx.execute(
            "INSERT INTO attachments (id, unit, record_kind, record_id, sha256, file_name, mime, size, created_at, \
             created_by, updated_at, updated_by, created_hlc, hlc, change_seq) \
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?9,?10,?11,?11,?12)",
            params![aid, row.unit, kind.name(), row.id, sha, name, mime, size as i64, meta.now, meta.actor, meta.hlc,
                meta.seq],
        )?;
        let mut changes = Map::new();
        changes.insert(
            "attachment".into(),
            json!([null, {"id": aid, "sha256": sha, "file_name": name}]),
        );
        audit(&tx, kind, &row.id, "attach", &meta, &changes)?;
        commit_write(tx, &meta)?;
        self.attachment(&aid)
    }

    /// Copies the source into a temporary file beside the store, hashing and checking as it goes
    /// (the size is counted on the bytes read, in case the file grew since it was measured).
    fn copy_in(
        &self,
        src: &mut dyn Read,
        label: &str,
        name: &str,
        limit: u64,
    ) -> Result<(String, u64, &'static str, PathBuf)> {
        let io = |e: std::io::Error| Error::io(Some("file"), label, &e);
        let dir = self.data_dir().join("attachments");
        std::fs::create_dir_all(&dir)?;
        let tmp = dir.join(format!(".incoming-{}", Uuid::now_v7()));
        let mut out = File::create(&tmp)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut size = 0u64;
        let mut mime = None;
        let result = (|| {
            loop {
                let n = src.read(&mut buf).map_err(io)?;
                if n == 0 {
                    break;
                }
                if size == 0 {
                    mime = sniff_mime(&buf[..n]);
                    if mime.is_none() {
                        return Err(Error::field_arg(Code::AttachmentType, "file", name));
                    }
                }
                size += n as u64;
                if size > limit {
                    let arg = format!("> {}", megabytes(limit));
                    return Err(Error::field_arg(Code::AttachmentTooLarge, "file", &arg));
                }
                hasher.update(&buf[..n]);
                out.write_all(&buf[..n])?;
            }
            out.sync_all()?;
            mime.ok_or_else(|| Error::field_arg(Code::AttachmentType, "file", name))
        })();
        match result {
            Ok(mime) => Ok((hex::encode(hasher.finalize()), size, mime, tmp)),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// The bytes of a stored attachment, by its content hash. Only hashes this database
    /// knows are read, so no other file can be asked for.
    pub fn read_attachment(&self, sha256: &str) -> Result<Vec<u8>> {
        let known: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1 AND deleted_at IS NULL)",
            [sha256],
            |r| r.get(0),
        )?;
        if !known {
            return Err(Error::plain(Code::NotFound, sha256));
        }
        let path = self.attachment_path(sha256);
        std::fs::read(&path).map_err(|e| Error::io(None, &path.display().to_string(), &e))
    }

    /// Takes an attachment off its record (the row stays, marked, and travels so other
    /// installations take it off too); its file is deleted once no record uses it.
    pub fn detach(&mut self, attachment_id: &str) -> Result<Value> {
        let (kind, record_id, sha, file_name, deleted): (String, String, String, String, bool) =
            self.conn
                .query_row(
                    "SELECT record_kind, record_id, sha256, file_name, deleted_at IS NOT NULL \
                     FROM attachments WHERE id = ?1",
                    [attachment_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?
                .ok_or_else(|| Error::plain(Code::NotFound, attachment_id))?;
        if deleted {
            return Err(Error::plain(Code::AlreadyDeleted, attachment_id));
        }
        let kind = Kind::parse(&kind)?;
        let row = self.load_row(kind, &record_id)?;
        self.check_scope(&row.unit)?;
        if kind == Kind::Nomination {
            self.ensure_editable(&row.id)?;
        }
        let (tx, meta) = begin_write(
            &mut self.conn,
            &mut self.hlc,
            self.clock.as_ref(),
            &self.actor,
        )?;
        tx.execute(
            "UPDATE attachments SET deleted_at = ?1, deleted_by = ?2, updated_at = ?1, updated_by = ?2, \
             hlc = ?3, change_seq = ?4 WHERE id = ?5",
            params![meta.now, meta.actor, meta.hlc, meta.seq, attachment_id],
        )?;
        let mut changes = Map::new();
        changes.insert(
            "attachment".into(),
            json!([{"id": attachment_id, "file_name": file_name}, null]),
        );
        audit(&tx, kind, &row.id, "detach", &meta, &changes)?;
        commit_write(tx, &meta)?;
        let shas = std::collections::BTreeSet::from([sha]);
        super::erase::delete_unused_files(&self.conn, self.data_dir(), &shas)?;
        self.get(kind, &record_id)
    }

    /// Attachments taken off their records, newest first (the trash's to erase for good):
    /// only this installation's scope, at most `MAX_PAGE`.
    pub fn detached_attachments(&self) -> Result<Vec<DetachedAttachment>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, record_kind, record_id, file_name, size, deleted_at, unit FROM attachments \
             WHERE deleted_at IS NOT NULL ORDER BY deleted_at DESC, id LIMIT ?1",
        )?;
        let rows = stmt.query_map([super::MAX_PAGE as i64], |r| {
            Ok((
                DetachedAttachment {
                    id: r.get(0)?,
                    record_kind: Kind::parse(&r.get::<_, String>(1)?).unwrap_or(Kind::Person),
                    record_id: r.get(2)?,
                    record_title: String::new(),
                    file_name: r.get(3)?,
                    size: r.get::<_, i64>(4)? as u64,
                    detached_at: r.get(5)?,
                },
                r.get::<_, String>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (mut a, unit) = row?;
            if !self.scope.contains(&unit) {
                continue;
            }
            let sql = format!("SELECT title FROM {} WHERE id = ?1", a.record_kind.table());
            a.record_title = self
                .conn
                .query_row(&sql, [&a.record_id], |r| r.get(0))
                .optional()?
                .unwrap_or_default();
            out.push(a);
        }
        Ok(out)
    }

    pub fn attachment(&self, id: &str) -> Result<Value> {
        self.conn
            .query_row(
                "SELECT id, record_kind, record_id, sha256, file_name, mime, size, created_at, created_by \
                 FROM attachments WHERE id = ?1",
                [id],
                attachment_json,
            )
            .optional()?
            .ok_or_else(|| Error::plain(Code::NotFound, id))
    }

    pub(crate) fn attachments_of(&self, kind: Kind, record_id: &str) -> Result<Vec<Value>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, record_kind, record_id, sha256, file_name, mime, size, created_at, created_by \
             FROM attachments WHERE record_kind = ?1 AND record_id = ?2 AND deleted_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map(params![kind.name(), record_id], attachment_json)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

fn attachment_json(r: &rusqlite::Row) -> rusqlite::Result<Value> {
    Ok(json!({
        "id": r.get::<_, String>(0)?,
        "record_kind": r.get::<_, String>(1)?,
        "record_id": r.get::<_, String>(2)?,
        "sha256": r.get::<_, String>(3)?,
        "file_name": r.get::<_, String>(4)?,
        "mime": r.get::<_, String>(5)?,
        "size": r.get::<_, i64>(6)?,
        "created_at": r.get::<_, String>(7)?,
        "created_by": r.get::<_, String>(8)?,
    }))
}
