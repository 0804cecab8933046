//! Erasing for good (Decree 13/2023/NĐ-CP): a person with everything about them, or one
//! attachment, taken from the trash. What is erased leaves only a marker (`erasures`): its id
//! and kind, who erased it and when. Markers travel in bundles, so every installation that
//! had the data erases it too, and no record with an erased id is written again. The audit
//! keeps that an erasure happened, not the values (`audit_chain::blank`). Afterwards the
//! database is rewritten (`scrub`), so the erased bytes are in no page, free page or WAL.

use std::collections::BTreeSet;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use super::audit_chain::{self, Row};
use super::rows::{begin_write, unindex, Via};
use super::Store;
use crate::error::{Code, Error, Result};
use crate::records::Kind;
use crate::units::UnitTree;

/// The marker's kind for an attachment (records use their kind's name).
pub const ATTACHMENT_KIND: &str = "attachment";

/// One erasure as it is kept and travels: nothing of the record's content.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireErasure {
    /// The erased record's (or attachment's) id.
    pub id: String,
    /// A record kind's name, or `attachment`.
    pub kind: String,
    /// An attachment's record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    pub unit: String,
    pub erased_at: String,
    pub erased_by: String,
    pub version: String,
}

/// What a purge erased.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct PurgeReport {
    /// Records erased: the person and their entries, nominations and review rows.
    pub records: u32,
    pub attachments: u32,
    /// Attachment files deleted from the data folder (no record used them any more).
    pub files: u32,
}

/// One thing an erasure removes.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    Record {
        kind: Kind,
        id: String,
        unit: String,
    },
    Attachment {
        id: String,
        record_id: String,
        unit: String,
        sha256: String,
    },
}

impl Item {
    pub(crate) fn unit(&self) -> &str {
        match self {
            Item::Record { unit, .. } | Item::Attachment { unit, .. } => unit,
        }
    }
}

/// The nominations among `items`: one in review or decided is the committee's record, and
/// stops the erasure (locally and by bundle).
pub(crate) fn nominations(items: &[Item]) -> impl Iterator<Item = &str> {
    items.iter().filter_map(|item| match item {
        Item::Record {
            kind: Kind::Nomination,
            id,
            ..
        } => Some(id.as_str()),
        _ => None,
    })
}

/// When and by whom, for every marker and audit row one erasure writes.
pub(crate) struct Stamp<'a> {
    pub at: &'a str,
    pub by: &'a str,
    pub version: &'a str,
    pub seq: i64,
    pub via: Option<&'a Via>,
}

/// The records that hang on `kind:id`: a person's entries and nominations, a nomination's
/// review rows.
fn children(conn: &Connection, kind: Kind, id: &str) -> Result<Vec<(Kind, String, String)>> {
    let kinds: &[Kind] = match kind {
        Kind::Person => &[Kind::Entry, Kind::Nomination],
        Kind::Nomination => &[Kind::Transition, Kind::Score, Kind::Decision],
        _ => &[],
    };
    let mut out = Vec::new();
    for k in kinds {
        let sql = format!("SELECT id, unit FROM {} WHERE ref = ?1", k.table());
        let mut stmt = conn.prepare_cached(&sql)?;
        for row in stmt.query_map([id], |r| Ok((*k, r.get(0)?, r.get(1)?)))? {
            out.push(row?);
        }
    }
    Ok(out)
}

/// Everything erasing `kind:id` removes, in the order it is deleted (attachments, then
/// dependents before what they hang on). Empty when there is nothing of it here.
pub(crate) fn what_goes(conn: &Connection, kind: &str, id: &str) -> Result<Vec<Item>> {
    if kind == ATTACHMENT_KIND {
        let row = conn
            .query_row(
                "SELECT record_id, unit, sha256 FROM attachments WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        return Ok(row
            .map(|(record_id, unit, sha256)| Item::Attachment {
                id: id.to_owned(),
                record_id,
                unit,
                sha256,
            })
            .into_iter()
            .collect());
    }
    let kind = Kind::parse(kind)?;
    let sql = format!("SELECT unit FROM {} WHERE id = ?1", kind.table());
    let Some(unit) = conn
        .query_row(&sql, [id], |r| r.get::<_, String>(0))
        .optional()?
    else {
        return Ok(Vec::new());
    };
    let mut records = vec![(kind, id.to_owned(), unit)];
    let mut i = 0;
    while i < records.len() {
        let (k, rid, _) = records[i].clone();
        records.extend(children(conn, k, &rid)?);
        i += 1;
    }
    let mut items = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT id, record_id, unit, sha256 FROM attachments WHERE record_id = ?1",
    )?;
    for (_, rid, _) in &records {
        for a in stmt.query_map([rid], |r| {
            Ok(Item::Attachment {
                id: r.get(0)?,
                record_id: r.get(1)?,
                unit: r.get(2)?,
                sha256: r.get(3)?,
            })
        })? {
            items.push(a?);
        }
    }
    items.extend(
        records
            .into_iter()
            .rev()
            .map(|(kind, id, unit)| Item::Record { kind, id, unit }),
    );
    Ok(items)
}

pub(crate) fn mark(tx: &Transaction, m: &WireErasure, stamp: &Stamp) -> Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO erasures (id, kind, record_id, unit, erased_at, erased_by, hlc, \
         change_seq, bundle_id, signer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        m.id,
        m.kind,
        m.record_id,
        m.unit,
        m.erased_at,
        m.erased_by,
        m.version,
        stamp.seq,
        stamp.via.map(|v| &v.bundle_id),
        stamp.via.map(|v| &v.signer),
    ])?;
    let row = Row {
        at: stamp.at,
        actor: stamp.by,
        kind: &m.kind,
        record_id: &m.id,
        action: "erase",
        hlc: stamp.version,
        bundle_id: stamp.via.map(|v| v.bundle_id.as_str()),
        signer: stamp.via.map(|v| v.signer.as_str()),
    };
    audit_chain::append(tx, &row, "{}")
}

/// Deletes `items` and leaves a marker and an `erase` history row for each; returns the
/// content hashes whose files may now be unused (`delete_unused_files`).
pub(crate) fn erase(tx: &Transaction, items: &[Item], stamp: &Stamp) -> Result<BTreeSet<String>> {
    let mut shas = BTreeSet::new();
    for item in items {
        let marker = |kind: &str, id: &str, record_id: Option<&str>| WireErasure {
            id: id.to_owned(),
            kind: kind.to_owned(),
            record_id: record_id.map(str::to_owned),
            unit: item.unit().to_owned(),
            erased_at: stamp.at.to_owned(),
            erased_by: stamp.by.to_owned(),
            version: stamp.version.to_owned(),
        };
        match item {
            Item::Attachment {
                id,
                record_id,
                sha256,
                ..
            } => {
                tx.prepare_cached("DELETE FROM attachments WHERE id = ?1")?
                    .execute([id])?;
                forget_rejections(tx, id)?;
                audit_chain::blank_attachment(tx, record_id, id)?;
                mark(tx, &marker(ATTACHMENT_KIND, id, Some(record_id)), stamp)?;
                shas.insert(sha256.clone());
            }
            Item::Record { kind, id, .. } => {
                unindex(tx, *kind, id)?;
                let waiting = format!("{}:{id}", kind.name());
                tx.prepare_cached(
                    "DELETE FROM sync_held WHERE id = ?1 OR waiting_for = ?2 \
                     OR waiting_for LIKE 'step:' || ?1 || ':%'",
                )?
                .execute(params![id, waiting])?;
                tx.prepare_cached("DELETE FROM sync_conflicts WHERE record_id = ?1")?
                    .execute([id])?;
                let sql = format!("DELETE FROM {} WHERE id = ?1", kind.table());
                tx.prepare_cached(&sql)?.execute([id])?;
                forget_rejections(tx, id)?;
                audit_chain::blank(tx, id)?;
                mark(tx, &marker(kind.name(), id, None), stamp)?;
            }
        }
    }
    Ok(shas)
}

/// The erasure log: every marker this installation has applied, one JSON line each, kept
/// beside the database (and copied with each backup to the second folder), so that a restore
/// applies them again even when the database that recorded them is lost or damaged. It holds
/// ids, units and who erased them, nothing of what was erased.
pub const LOG_FILE: &str = "erasures.ndjson";

/// Appends the markers written by change `seq` (one purge, one import) to the log.
pub(crate) fn log_change(conn: &Connection, data_dir: &Path, seq: i64) -> Result<()> {
    use std::io::Write;
    let markers = markers_between(conn, seq - 1, seq)?;
    if markers.is_empty() {
        return Ok(());
    }
    let path = data_dir.join(LOG_FILE);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)?;
    let mut text = String::new();
    for m in markers {
        text.push_str(&serde_json::to_string(&m).unwrap_or_default());
        text.push('\n');
    }
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    // The second folder's copy too, now rather than at the next backup: a PC lost before
    // then must not bring the erased back from the stick. A stick not plugged in waits.
    crate::backup::mirror_log(data_dir);
    Ok(())
}

/// The markers of a log file (lines that are no marker are skipped).
pub(crate) fn read_log(path: &Path) -> Vec<WireErasure> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The markers whose change number is in `from + 1 ..= to`, in the order they were written.
pub(crate) fn markers_between(conn: &Connection, from: i64, to: i64) -> Result<Vec<WireErasure>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, record_id, unit, erased_at, erased_by, hlc FROM erasures \
         WHERE change_seq > ?1 AND change_seq <= ?2 ORDER BY change_seq, id",
    )?;
    let rows = stmt.query_map([from, to], |r| {
        Ok(WireErasure {
            id: r.get(0)?,
            kind: r.get(1)?,
            record_id: r.get(2)?,
            unit: r.get(3)?,
            erased_at: r.get(4)?,
            erased_by: r.get(5)?,
            version: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Orders markers so that people come first: each takes what hangs on them along, which
/// later markers name.
pub(crate) fn people_first(markers: &mut [WireErasure]) {
    markers.sort_by_key(|m| m.kind != "person");
}

/// Drops the import reports' rejections of an erased record: their messages may quote its
/// values (a date, a name).
fn forget_rejections(tx: &Transaction, id: &str) -> Result<()> {
    let mut stmt = tx
        .prepare_cached("SELECT bundle_id, report FROM sync_imports WHERE instr(report, ?1) > 0")?;
    let hits: Vec<(String, String)> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (bundle, report) in hits {
        let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&report) else {
            continue;
        };
        if let Some(list) = v.get_mut("rejections").and_then(|l| l.as_array_mut()) {
            list.retain(|r| r.get("id").and_then(|x| x.as_str()) != Some(id));
        }
        tx.prepare_cached("UPDATE sync_imports SET report = ?2 WHERE bundle_id = ?1")?
            .execute(params![bundle, v.to_string()])?;
    }
    Ok(())
}

/// Deletes the files of `shas` that no attachment row in use names any more.
pub(crate) fn delete_unused_files(
    conn: &Connection,
    data_dir: &Path,
    shas: &BTreeSet<String>,
) -> Result<u32> {
    let mut deleted = 0;
    for sha in shas {
        let used: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1 AND deleted_at IS NULL)",
            [sha],
            |r| r.get(0),
        )?;
        if !used && std::fs::remove_file(super::attachments::path_in(data_dir, sha)).is_ok() {
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// Rewrites the database so that nothing erased is left in it: the search indexes merged
/// (a deleted text stays in old segments until then), words no record holds any more dropped,
/// every page written afresh (`VACUUM`: no free page keeps old bytes) and the WAL emptied.
pub(crate) fn scrub(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "INSERT INTO search_title(search_title) VALUES ('optimize');
         INSERT INTO search_all(search_all) VALUES ('optimize');
         CREATE VIRTUAL TABLE IF NOT EXISTS temp.scrub_title USING fts5vocab(main, search_title, 'row');
         CREATE VIRTUAL TABLE IF NOT EXISTS temp.scrub_all USING fts5vocab(main, search_all, 'row');
         DELETE FROM search_terms WHERE tier = 0 AND term NOT IN (SELECT term FROM temp.scrub_title);
         DELETE FROM search_terms WHERE tier = 1 AND term NOT IN (SELECT term FROM temp.scrub_all);
         DROP TABLE temp.scrub_title;
         DROP TABLE temp.scrub_all;",
    )?;
    // VACUUM builds the new database in temporary storage: on disk, not in memory, or a
    // million-record database would need its whole size in RAM.
    let temp_store: i64 = conn.pragma_query_value(None, "temp_store", |r| r.get(0))?;
    conn.pragma_update(None, "temp_store", "FILE")?;
    let vacuumed = conn.execute_batch("VACUUM");
    conn.pragma_update(None, "temp_store", temp_store)?;
    vacuumed?;
    // Another connection reading (a backup, say) keeps the WAL's frames alive: wait for it,
    // and if it outlasts the wait, do it all again when the store next opens.
    for _ in 0..50 {
        let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        if busy == 0 {
            conn.execute("DELETE FROM meta WHERE key = 'scrub_pending'", [])?;
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    tracing::warn!("the WAL could not be emptied after an erasure: done again at the next start");
    super::set_meta(conn, "scrub_pending", "1")
}

/// Whether `id` was erased by `unit` or a unit above it: a record of `unit` with that id is
/// never written again, and nothing of `unit` waits for it. A marker from another unit does not
/// count: it had no say over the record.
pub(crate) fn erased_over(
    conn: &Connection,
    units: &UnitTree,
    id: &str,
    unit: &str,
) -> Result<bool> {
    let mut stmt = conn.prepare_cached("SELECT unit FROM erasures WHERE id = ?1")?;
    let by = stmt.query_map([id], |r| r.get::<_, String>(0))?;
    for b in by {
        let b = b?;
        if b == unit || units.is_within(unit, &b) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether this very marker (record and erasing unit) is here already.
pub(crate) fn has_marker(conn: &Connection, id: &str, unit: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM erasures WHERE id = ?1 AND unit = ?2)")?
        .query_row([id, unit], |r| r.get(0))?)
}

impl Store {
    /// Erases for good, after the user confirmed: a person in the trash (with their entries,
    /// nominations, review rows and attachments), or an attachment taken off its record or
    /// on a record in the trash. `kind` is a record kind's name or `attachment`.
    pub fn purge(&mut self, kind: &str, id: &str) -> Result<PurgeReport> {
        let items = what_goes(&self.conn, kind, id)?;
        let Some(root) = items.last() else {
            return Err(Error::plain(Code::NotFound, id));
        };
        match (kind, root) {
            (ATTACHMENT_KIND, Item::Attachment { record_id, .. }) => {
                let (detached, record_kind): (bool, String) = self.conn.query_row(
                    "SELECT deleted_at IS NOT NULL, record_kind FROM attachments WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                let record_trashed = self
                    .load_row(Kind::parse(&record_kind)?, record_id)?
                    .deleted;
                if !detached && !record_trashed {
                    return Err(Error::plain(Code::PurgeNotInTrash, record_id));
                }
            }
            (
                _,
                Item::Record {
                    kind: Kind::Person, ..
                },
            ) => {
                if !self.load_row(Kind::Person, id)?.deleted {
                    return Err(Error::plain(Code::PurgeNotInTrash, id));
                }
                // A nomination in review or decided is the committee's record: it stays.
                for nomination in nominations(&items) {
                    self.ensure_editable(nomination)?;
                }
            }
            _ => return Err(Error::field_arg(Code::InvalidValue, "kind", kind)),
        }
        for item in &items {
            self.check_scope(item.unit())?;
        }
        let actor = self.actor.clone();
        let (tx, meta) = begin_write(&mut self.conn, &mut self.hlc, self.clock.as_ref(), &actor)?;
        let stamp = Stamp {
            at: &meta.now,
            by: meta.actor,
            version: &meta.hlc,
            seq: meta.seq,
            via: None,
        };
        let shas = erase(&tx, &items, &stamp)?;
        let seq = meta.seq;
        super::rows::commit_write(tx, &meta)?;
        log_change(&self.conn, &self.dir, seq)?;
        let mut report = PurgeReport::default();
        for item in &items {
            match item {
                Item::Record { .. } => report.records += 1,
                Item::Attachment { .. } => report.attachments += 1,
            }
        }
        report.files = delete_unused_files(&self.conn, &self.dir, &shas)?;
        scrub(&self.conn)?;
        self.results_memo.replace(None);
        tracing::info!(
            records = report.records,
            attachments = report.attachments,
            "erased for good"
        );
        Ok(report)
    }
}
