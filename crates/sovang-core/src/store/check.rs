//! `check`: SQLite's own integrity and foreign-key checks, then the app's invariants.

use rusqlite::OptionalExtension;
use serde::Serialize;

use super::Store;
use crate::error::Result;
use crate::hlc::Hlc;
use crate::records::Kind;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Problem {
    pub check: &'static str,
    pub detail: String,
}

impl Store {
    /// Every problem found; an empty list means the data is whole.
    pub fn check(&self) -> Result<Vec<Problem>> {
        let mut problems = Vec::new();
        let mut add = |check, detail: String| problems.push(Problem { check, detail });

        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let row = row?;
            if row != "ok" {
                add("integrity", row);
            }
        }
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check")?;
        for row in stmt.query_map([], |r| {
            Ok(format!(
                "{} row {:?} -> {}",
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?
            ))
        })? {
            add("foreign_key", row?);
        }
        let indexed: i64 = self
            .conn
            .query_row("SELECT count(*) FROM search_doc", [], |r| r.get(0))?;
        for t in ["search_title", "search_all"] {
            let sql = format!("INSERT INTO {t}({t}, rank) VALUES ('integrity-check', 1)");
            if let Err(e) = self.conn.execute(&sql, []) {
                add("search_index", format!("{t}: {e}"));
            }
            // Each searchable live record has one text in each index; nothing else has.
            let n: i64 = self
                .conn
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?;
            if n != indexed {
                add(
                    "search_index",
                    format!("{indexed} search rows but {n} texts in {t}"),
                );
            }
        }
        // Every indexed word is in the vocabulary, else a prefix search would miss it (filter
        // words, `§…`, are never typed and not in it).
        for (tier, t) in [(0, "search_title"), (1, "search_all")] {
            self.conn.execute_batch(&format!(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.{t}_vocab USING fts5vocab(main, {t}, 'row')"
            ))?;
            let sql = format!(
                "SELECT term FROM temp.{t}_vocab WHERE substr(term, 1, 1) <> '§' \
                 AND term NOT IN (SELECT term FROM search_terms WHERE tier = ?1) LIMIT 10"
            );
            let mut stmt = self.conn.prepare(&sql)?;
            for term in stmt.query_map([tier], |r| r.get::<_, String>(0))? {
                add(
                    "search_terms",
                    format!("{t}: '{}' not in the vocabulary", term?),
                );
            }
        }
        let last_change = super::rows::last_change(&self.conn)?;
        for kind in Kind::ALL {
            // A search row belongs to the live record that names it, and back.
            let orphan: i64 = self.conn.query_row(
                &format!(
                    "SELECT count(*) FROM search_doc d WHERE d.kind = ?1 AND NOT EXISTS \
                     (SELECT 1 FROM {} t WHERE t.id = d.id AND t.search_rowid = d.rowid \
                     AND t.deleted_at IS NULL)",
                    kind.table()
                ),
                [kind.name()],
                |r| r.get(0),
            )?;
            if orphan > 0 {
                add(
                    "search_index",
                    format!("{orphan} {} in search but not live", kind.name()),
                );
            }
            let lost: i64 = self.conn.query_row(
                &format!(
                    "SELECT count(*) FROM {} t WHERE t.search_rowid IS NOT NULL AND NOT EXISTS \
                     (SELECT 1 FROM search_doc d WHERE d.rowid = t.search_rowid AND d.id = t.id)",
                    kind.table()
                ),
                [],
                |r| r.get(0),
            )?;
            if lost > 0 {
                add(
                    "search_index",
                    format!("{lost} {} point to a search row not theirs", kind.name()),
                );
            }
            // Export sends what changed after a number it has seen; a later one would be lost.
            let ahead: i64 = self.conn.query_row(
                &format!(
                    "SELECT count(*) FROM {} WHERE change_seq > ?1",
                    kind.table()
                ),
                [last_change],
                |r| r.get(0),
            )?;
            if ahead > 0 {
                add(
                    "change_log",
                    format!(
                        "{ahead} {} changed after the last change number",
                        kind.name()
                    ),
                );
            }
            let sql = format!("SELECT id, hlc, created_hlc FROM {}", kind.table());
            let mut stmt = self.conn.prepare(&sql)?;
            for row in stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })? {
                let (id, hlc, created) = row?;
                if uuid::Uuid::parse_str(&id).is_err() {
                    add("ids", format!("{} {id}: not a UUID", kind.name()));
                }
                match (Hlc::parse(&hlc), Hlc::parse(&created)) {
                    (Some(h), Some(c)) if h >= c => {}
                    _ => add(
                        "versions",
                        format!("{} {id}: bad version {hlc}", kind.name()),
                    ),
                }
            }
        }

        // The unit tree has no loops.
        for code in self.units.codes() {
            let node = self.units.get(code);
            if let Some(p) = node.and_then(|n| n.parent.as_deref()) {
                if self.units.is_within(p, code) {
                    add("units", format!("{code}: its parent chain loops"));
                }
            }
            if let Some(s) = node.and_then(|n| n.successor.as_deref()) {
                if self.units.successor_chain_contains(s, code) {
                    add("units", format!("{code}: its successor chain loops"));
                }
            }
        }

        // Nominations link only to records that exist.
        let mut stmt = self.conn.prepare(
            "SELECT n.id, j.value FROM nominations n, json_each(n.body, '$.entry_ids') j \
             WHERE n.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.id = j.value) \
             UNION ALL SELECT n.id, j.value FROM nominations n, json_each(n.body, '$.project_ids') j \
             WHERE n.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = j.value)",
        )?;
        for row in stmt.query_map([], |r| {
            Ok(format!(
                "nomination {} -> {}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?
            ))
        })? {
            add("links", row?);
        }

        // Every live attachment's content is on disk with its recorded size (a deleted one's
        // bytes never travel, so a row that arrived deleted may have none).
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT sha256, size FROM attachments WHERE deleted_at IS NULL")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (sha, size) = row?;
            match std::fs::metadata(self.attachment_path(&sha)) {
                Ok(m) if m.len() as i64 == size => {}
                Ok(m) => add(
                    "attachments",
                    format!("{sha}: {} bytes on disk, {size} recorded", m.len()),
                ),
                Err(_) => add("attachments", format!("{sha}: file missing")),
            }
        }

        // The audit trail is one unbroken chain, and still holds the links backups saw.
        if let Some(b) = super::audit_chain::verify(&self.conn)? {
            add("audit_chain", format!("row {}: {}", b.seq, b.reason));
        }
        // Backups of a history a restore left behind are not looked for (see `backup::restore`).
        let abandoned: Vec<String> = super::get_meta(&self.conn, "abandoned_backups")?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        for (backup, seq, hash) in crate::backup::audit_anchors(self.data_dir()) {
            if abandoned.contains(&backup) {
                continue;
            }
            let here: Option<String> = self
                .conn
                .query_row("SELECT hash FROM audit WHERE seq = ?1", [seq], |r| r.get(0))
                .optional()?
                .flatten();
            if here.as_deref() != Some(hash.as_str()) {
                add(
                    "audit_chain",
                    format!("row {seq}: not the row backup {backup} recorded"),
                );
            }
        }
        Ok(problems)
    }
}
