//! The audit trail as a hash chain. Each row's hash covers the hash of the row before it and
//! every field of its own, its changes through `changes_hash` = SHA-256(salt ‖ changes), so
//! an erasure can blank the changes (and the salt) and the chain still holds. `verify` walks
//! the chain and names the first broken link.

use std::cell::RefCell;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::Result;

/// One audit row's own fields, as hashed.
pub(crate) struct Row<'a> {
    pub at: &'a str,
    pub actor: &'a str,
    pub kind: &'a str,
    pub record_id: &'a str,
    pub action: &'a str,
    pub hlc: &'a str,
    pub bundle_id: Option<&'a str>,
    pub signer: Option<&'a str>,
}

/// The columns a row's hash covers, as read back: `seq` and the `Row` fields, then `changes`.
const STORED_COLUMNS: &str =
    "a.seq, a.at, a.actor, a.kind, a.record_id, a.action, a.hlc, a.bundle_id, a.signer, a.changes";

/// A stored audit row, read from `STORED_COLUMNS` (the first ten columns of a query).
struct Stored {
    seq: i64,
    fields: [String; 6],
    bundle_id: Option<String>,
    signer: Option<String>,
    changes: String,
}

impl Stored {
    fn read(r: &rusqlite::Row) -> rusqlite::Result<Stored> {
        Ok(Stored {
            seq: r.get(0)?,
            fields: [
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ],
            bundle_id: r.get(7)?,
            signer: r.get(8)?,
            changes: r.get(9)?,
        })
    }

    fn row(&self) -> Row<'_> {
        let [at, actor, kind, record_id, action, hlc] = &self.fields;
        Row {
            at,
            actor,
            kind,
            record_id,
            action,
            hlc,
            bundle_id: self.bundle_id.as_deref(),
            signer: self.signer.as_deref(),
        }
    }
}

/// The first row where the chain does not hold.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrokenLink {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    /// `prev_hash` (a row removed or reordered before it), `hash` (its fields changed),
    /// `changes` (its changes differ from what was hashed) or `blanked` (changes removed
    /// without an erasure of its record).
    pub reason: &'static str,
}

thread_local! {
    // Salts need to be unguessable, not secret keys: one seeded generator per thread avoids
    // a system call per audit row (an import writes hundreds of thousands).
    static SALTS: RefCell<Option<ChaCha20Rng>> = const { RefCell::new(None) };
}

fn new_salt() -> String {
    SALTS.with(|cell| {
        let mut cell = cell.borrow_mut();
        let rng = cell.get_or_insert_with(|| {
            let mut seed = [0u8; 32];
            // Without the OS's randomness (never seen), the time still varies the salts.
            if getrandom::fill(&mut seed).is_err() {
                let t = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                seed[..16].copy_from_slice(&t.as_nanos().to_le_bytes());
            }
            ChaCha20Rng::from_seed(seed)
        });
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        hex::encode(salt)
    })
}

pub(crate) fn changes_hash(salt: &str, changes: &str) -> String {
    hex::encode(
        Sha256::new_with_prefix(salt)
            .chain_update(changes)
            .finalize(),
    )
}

fn link_hash(prev: &str, seq: i64, row: &Row, changes_hash: &str) -> String {
    let mut h = Sha256::new();
    let seq = seq.to_string();
    let parts = [
        prev,
        &seq,
        row.at,
        row.actor,
        row.kind,
        row.record_id,
        row.action,
        row.hlc,
        changes_hash,
        row.bundle_id.unwrap_or(""),
        row.signer.unwrap_or(""),
    ];
    // Each part with its length first, so that no two rows hash alike by shifting a boundary.
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The last row's number and hash ("" and 0 before the first).
pub(crate) fn head(conn: &Connection) -> Result<(i64, String)> {
    Ok(conn
        .prepare_cached("SELECT seq, coalesce(hash, '') FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, String::new())))
}

/// Appends a row to the chain.
pub(crate) fn append(tx: &Transaction, row: &Row, changes: &str) -> Result<()> {
    let (last, prev) = head(tx)?;
    let seq = last + 1;
    let salt = new_salt();
    let changes_hash = changes_hash(&salt, changes);
    let hash = link_hash(&prev, seq, row, &changes_hash);
    tx.prepare_cached(
        "INSERT INTO audit (seq, at, actor, kind, record_id, action, hlc, changes, bundle_id, \
         signer, salt, changes_hash, prev_hash, hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        seq,
        row.at,
        row.actor,
        row.kind,
        row.record_id,
        row.action,
        row.hlc,
        changes,
        row.bundle_id,
        row.signer,
        salt,
        changes_hash,
        prev,
        hash
    ])?;
    Ok(())
}

/// Chains rows written before the chain existed (migration 0012), in their order, once: a
/// row whose hash is cleared later is tampering, which `verify` reports, not a row to seal.
pub(crate) fn seal_pending(conn: &mut Connection) -> Result<()> {
    let done: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'audit_chained')",
        [],
        |r| r.get(0),
    )?;
    if done {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('audit_chained', '1')",
        [],
    )?;
    let first: Option<i64> =
        tx.query_row("SELECT min(seq) FROM audit WHERE hash IS NULL", [], |r| {
            r.get(0)
        })?;
    let Some(first) = first else {
        tx.commit()?;
        return Ok(());
    };
    let mut prev: String = tx
        .query_row(
            "SELECT hash FROM audit WHERE seq < ?1 ORDER BY seq DESC LIMIT 1",
            [first],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten()
        .unwrap_or_default();
    {
        let sql = format!("SELECT {STORED_COLUMNS} FROM audit a WHERE a.seq >= ?1 ORDER BY a.seq");
        let mut read = tx.prepare(&sql)?;
        let mut write = tx.prepare(
            "UPDATE audit SET salt = ?2, changes_hash = ?3, prev_hash = ?4, hash = ?5 WHERE seq = ?1",
        )?;
        let mut rows = read.query([first])?;
        while let Some(r) = rows.next()? {
            let stored = Stored::read(r)?;
            let salt = new_salt();
            let ch = changes_hash(&salt, &stored.changes);
            let hash = link_hash(&prev, stored.seq, &stored.row(), &ch);
            write.execute(params![stored.seq, salt, ch, prev, hash])?;
            prev = hash;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Walks the whole chain: the first row that does not hold, if any. A row's changes may be
/// blanked (no salt, `{}`) only when the chain itself holds the erasure of its record (an
/// `erase` row, which cannot be added without breaking the chain).
pub(crate) fn verify(conn: &Connection) -> Result<Option<BrokenLink>> {
    let sql = format!(
        "SELECT {STORED_COLUMNS}, a.salt, coalesce(a.changes_hash, ''), coalesce(a.prev_hash, ''), \
         coalesce(a.hash, ''), a.salt IS NULL AND (EXISTS (SELECT 1 FROM audit e \
         WHERE e.record_id = a.record_id AND e.action = 'erase') \
         OR (a.action IN ('attach', 'detach') AND EXISTS (SELECT 1 FROM erasures x \
         JOIN audit e ON e.record_id = x.id AND e.action = 'erase' \
         WHERE x.record_id = a.record_id AND x.kind = 'attachment'))) \
         FROM audit a ORDER BY a.seq"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    let mut prev = String::new();
    while let Some(r) = rows.next()? {
        let stored = Stored::read(r)?;
        let seq = stored.seq;
        let salt: Option<String> = r.get(10)?;
        let [ch, prev_hash, hash]: [String; 3] = [r.get(11)?, r.get(12)?, r.get(13)?];
        let erased: bool = r.get(14)?;
        let broken = |reason| Ok(Some(BrokenLink { seq, reason }));
        if prev_hash != prev {
            return broken("prev_hash");
        }
        if link_hash(&prev, seq, &stored.row(), &ch) != hash {
            return broken("hash");
        }
        match salt {
            Some(salt) if changes_hash(&salt, &stored.changes) != ch => return broken("changes"),
            None if !erased || stored.changes != "{}" => return broken("blanked"),
            _ => {}
        }
        prev = hash;
    }
    Ok(None)
}

/// Blanks the changes of every row about `record_id` (an erasure): what happened stays, the
/// values do not.
pub(crate) fn blank(tx: &Transaction, record_id: &str) -> Result<()> {
    tx.prepare_cached("UPDATE audit SET changes = '{}', salt = NULL WHERE record_id = ?1")?
        .execute([record_id])?;
    Ok(())
}

/// Blanks the rows that attached or detached attachment `attachment_id` to `record_id` (they
/// name its file).
pub(crate) fn blank_attachment(
    tx: &Transaction,
    record_id: &str,
    attachment_id: &str,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE audit SET changes = '{}', salt = NULL WHERE record_id = ?1 \
         AND action IN ('attach', 'detach') AND instr(changes, ?2) > 0",
    )?
    .execute([record_id, attachment_id])?;
    Ok(())
}
