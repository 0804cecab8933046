//! The search vocabulary (`search_terms`): every word the two search indexes hold, so that a
//! typed prefix of three letters or more becomes the words it begins. FTS5 prefix indexes for
//! 1–6 letters did this by writing each word seven times, a third of an import's time; the
//! index now keeps only two-letter prefixes (see docs/decisions.md, "Search").
//!
//! Indexing a record notes its words here in memory; every writing transaction commits through
//! `commit`, which stores the new ones first. A word noted by a transaction that rolled back is
//! stored by a later one: a word with no record only costs a lookup.

use std::cell::RefCell;

use rusqlite::{Connection, Transaction};
use rustc_hash::FxHashSet;

use crate::error::Result;

/// `search_terms.tier`: the exact words of `search_title`, the folded ones of `search_all`.
pub(super) const EXACT: usize = 0;
pub(super) const FOLDED: usize = 1;

/// The index's prefix length (the search tables' `prefix = '2'`).
const INDEXED_PREFIX: usize = 2;

thread_local! {
    /// Fx hashing: every word of every record an import writes passes here, on the writing
    /// thread; the words are the app's own, so no hash flooding to defend against.
    static NOTED: RefCell<[FxHashSet<Box<str>>; 2]> = RefCell::default();
}

/// Notes the words of an indexed text (`text::index_words` form) for `tier`.
pub(super) fn note(tier: usize, text: &str) {
    NOTED.with_borrow_mut(|noted| {
        let set = &mut noted[tier];
        for w in text.split(' ') {
            if !w.is_empty() && !set.contains(w) {
                set.insert(w.into());
            }
        }
    });
}

/// Commits a transaction that may have indexed records, the words noted since the last
/// commit stored first.
pub(super) fn commit(tx: Transaction) -> Result<()> {
    flush(&tx)?;
    tx.commit()?;
    Ok(())
}

fn flush(tx: &Transaction) -> Result<()> {
    let noted = NOTED.take();
    let mut stmt =
        tx.prepare_cached("INSERT OR IGNORE INTO search_terms (tier, term) VALUES (?1, ?2)")?;
    for (tier, words) in noted.iter().enumerate() {
        for w in words {
            stmt.execute(rusqlite::params![tier as i64, &**w])?;
        }
    }
    Ok(())
}

/// The upper bound of the words that begin with `prefix` (bytewise, as `BINARY` compares).
fn after(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// `word` (lower case, the tier's form) as an FTS5 expression that matches every indexed word
/// it begins, or `None` when none does. One letter: its two-letter prefixes (each read from the
/// prefix index) and the one-letter word; two letters: the prefix index; more: the words.
pub(super) fn expand(conn: &Connection, tier: usize, word: &str) -> Result<Option<String>> {
    let quoted = |w: &str, star: &str| format!("\"{w}\"{star}");
    let n = word.chars().count();
    if n == INDEXED_PREFIX {
        return Ok(Some(quoted(word, "*")));
    }
    let sql = if n < INDEXED_PREFIX {
        "SELECT DISTINCT substr(term, 1, 2) FROM search_terms \
         WHERE tier = ?1 AND term >= ?2 AND term < ?3"
    } else {
        "SELECT term FROM search_terms WHERE tier = ?1 AND term >= ?2 AND term < ?3"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let found = stmt.query_map(rusqlite::params![tier as i64, word, after(word)], |r| {
        r.get::<_, String>(0)
    })?;
    let mut terms = Vec::new();
    for t in found {
        let t = t?;
        // A one-letter word is whole (it has no two-letter prefix); longer ones, as prefixes.
        let star = if n < INDEXED_PREFIX && t.chars().count() == INDEXED_PREFIX {
            "*"
        } else {
            ""
        };
        terms.push(quoted(&t, star));
    }
    Ok(match terms.len() {
        0 => None,
        1 => terms.pop(),
        _ => Some(format!("({})", terms.join(" OR "))),
    })
}
