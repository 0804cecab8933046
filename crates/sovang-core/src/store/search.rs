//! Search over every kind: two FTS5 indexes (exact titles, all words folded), two tiers,
//! filter words for kind and unit, keyset pages. See docs/decisions.md, "Search".

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, TransactionBehavior};
use serde_json::Value;

use super::read::{unit_clause, ListFilter, Page, PageItem, MAX_LIMIT, SMALL_SCOPE};
use super::rows::{index, linked, per_kind_sql, review_status_column, SqlFor};
use super::{get_meta, terms, Store};
use crate::error::{Code, Error, Result};
use crate::records::{self, Ctx, Kind};
use crate::text;

/// The query's words as one tier's FTS5 expression (every word a prefix, all required), or
/// `None` when some word begins no indexed word.
fn tier_expr(conn: &Connection, tier: usize, words: &[String]) -> Result<Option<String>> {
    let mut parts = Vec::with_capacity(words.len());
    for w in words {
        match terms::expand(conn, tier, w)? {
            Some(e) => parts.push(e),
            None => return Ok(None),
        }
    }
    Ok(Some(parts.join(" AND ")))
}

impl Store {
    /// Search over every kind. Matches with the query's exact diacritics in what names a record
    /// come first (tier 0), then every other match without diacritics (tier 1); within a tier,
    /// the most recently indexed first. The cursor is `TIER:ROWID` of the page's last row.
    pub fn search(
        &self,
        query: &str,
        filter: &ListFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let nothing = Page {
            items: Vec::new(),
            next: None,
        };
        let Some(q) = text::query_words(query) else {
            return Ok(nothing);
        };
        let (first_tier, mut below) = match after {
            None => (0u8, i64::MAX),
            Some(c) => c
                .split_once(':')
                .and_then(|(t, r)| {
                    Some((
                        t.parse::<u8>().ok().filter(|t| *t <= 1)?,
                        r.parse::<i64>().ok()?,
                    ))
                })
                .ok_or_else(|| Error::plain(Code::InvalidCursor, c))?,
        };
        // One row more than the page shows whether a next page exists.
        let mut rows: Vec<(u8, i64, PageItem)> = Vec::with_capacity(limit + 1);
        // The kind and a small unit scope join the FTS query as filter words (see
        // `text::filter_token`): the index then walks only matching rows. A large unit scope
        // covers most rows and stays a row filter, like year and status.
        let mut tags = Vec::new();
        if let Some(k) = filter.kind {
            tags.push(format!("\"{}\"", text::filter_token('k', k.name())));
        }
        let rest = ListFilter {
            unit: None,
            ..filter.clone()
        };
        let (mut conditions, mut condition_args) = self.filter_clause(&rest, "d.")?;
        if let Some(unit) = &filter.unit {
            let scope = self.unit_scope(unit)?;
            if scope.len() <= SMALL_SCOPE {
                let mut units: Vec<String> = scope
                    .iter()
                    .map(|c| format!("\"{}\"", text::filter_token('u', c)))
                    .collect();
                units.sort();
                tags.push(format!("({})", units.join(" OR ")));
            } else {
                unit_clause(&scope, "d.", &mut conditions, &mut condition_args);
            }
        }
        let with_tags = |e: &str| {
            std::iter::once(format!("({e})"))
                .chain(tags.iter().cloned())
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        // A word no indexed word begins: no match at all, or no exact match (tier 0). A word
        // begins no folded word only if it begins no exact one, so the folded side goes first.
        let Some(folded) = tier_expr(&self.conn, terms::FOLDED, &q.folded)? else {
            return Ok(nothing);
        };
        let folded = with_tags(&folded);
        let exact = tier_expr(&self.conn, terms::EXACT, &q.exact)?.map(|e| with_tags(&e));
        for tier in first_tier..=1 {
            let (table, expr) = match (tier, &exact) {
                (0, None) => {
                    below = i64::MAX;
                    continue;
                }
                (0, Some(e)) => ("search_title", e),
                _ => ("search_all", &folded),
            };
            let mut sql = format!(
                "SELECT d.rowid, d.kind, d.id, d.title, d.unit, d.year, d.status FROM {table} f \
                 JOIN search_doc d ON d.rowid = f.rowid WHERE {table} MATCH ? AND f.rowid < ?"
            );
            sql.push_str(&conditions);
            let mut args = vec![SqlValue::Text(expr.clone()), SqlValue::Integer(below)];
            args.extend(condition_args.iter().cloned());
            sql.push_str(" ORDER BY f.rowid DESC");
            if tier == 0 {
                sql.push_str(&format!(" LIMIT {}", limit + 1 - rows.len()));
            }
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let mut found = stmt.query(rusqlite::params_from_iter(args))?;
            // Tier 1 skips what tier 0 shows: both run newest first, so tier 0's matches are
            // walked alongside, like a merge, instead of being checked row by row.
            let mut shown_stmt = self.conn.prepare_cached(
                "SELECT rowid FROM search_title WHERE search_title MATCH ?1 AND rowid < ?2 ORDER BY rowid DESC",
            )?;
            let mut shown = match (tier, &exact) {
                (1, Some(e)) => Some(shown_stmt.query(rusqlite::params![e, below])?),
                _ => None,
            };
            let mut shown_at: Option<i64> = None;
            while rows.len() <= limit {
                let Some(r) = found.next()? else { break };
                let rowid: i64 = r.get(0)?;
                if let Some(walk) = shown.as_mut() {
                    let mut ended = false;
                    while shown_at.is_none_or(|s| s > rowid) {
                        match walk.next()? {
                            Some(s) => shown_at = Some(s.get(0)?),
                            None => {
                                ended = true;
                                break;
                            }
                        }
                    }
                    if ended {
                        shown = None;
                    } else if shown_at == Some(rowid) {
                        continue;
                    }
                }
                let item = PageItem {
                    kind: Kind::parse(&r.get::<_, String>(1)?)?,
                    id: r.get(2)?,
                    title: r.get(3)?,
                    unit: r.get(4)?,
                    year: r.get(5)?,
                    status: r.get(6)?,
                };
                rows.push((tier, rowid, item));
            }
            below = i64::MAX;
        }
        let next =
            (rows.len() > limit).then(|| format!("{}:{}", rows[limit - 1].0, rows[limit - 1].1));
        rows.truncate(limit);
        Ok(Page {
            items: rows.into_iter().map(|r| r.2).collect(),
            next,
        })
    }
}

impl Store {
    /// Indexes every live record again when a migration emptied the search indexes (0006),
    /// oldest change first, as they were first indexed. One transaction: a stop halfway leaves
    /// the rebuild pending for the next opening.
    pub(super) fn finish_search_rebuild(&mut self) -> Result<()> {
        if get_meta(&self.conn, "search_rebuild")?.is_none() {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let cx = Ctx {
            today: self.clock.today(),
            units: &self.units,
            campaigns: &self.campaigns,
            collator: &self.collator,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Only ids are sorted (bodies would make the sort hold the whole database); each body
        // is read by its id after.
        let live: Vec<String> = Kind::ALL
            .iter()
            .map(|k| {
                format!(
                    "SELECT '{}' AS kind, id, hlc FROM {} WHERE deleted_at IS NULL",
                    k.name(),
                    k.table()
                )
            })
            .collect();
        let sql = format!("{} ORDER BY hlc", live.join(" UNION ALL "));
        let mut stmt = tx.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut n = 0u64;
        while let Some(r) = rows.next()? {
            let kind = Kind::parse(&r.get::<_, String>(0)?)?;
            let id: String = r.get(1)?;
            let body: String = tx
                .prepare_cached(&format!("SELECT body FROM {} WHERE id = ?1", kind.table()))?
                .query_row([&id], |r| r.get(0))?;
            let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            // A record whose body no longer indexes stays stored, only unsearchable.
            let p = match records::reindex(kind, body, &cx) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(
                        kind = kind.name(),
                        id,
                        code = e.code.as_str(),
                        "not indexed"
                    );
                    continue;
                }
            };
            let ref_title = linked(&tx, &p, false)?.ok().flatten();
            let search = index(&tx, kind, &id, &p, ref_title.as_deref())?;
            tx.prepare_cached(per_kind_sql(kind, SqlFor::SetSearchRow))?
                .execute(rusqlite::params![search, id])?;
            review_status_column(&tx, kind, &id, &p)?;
            n += 1;
        }
        drop(rows);
        drop(stmt);
        tx.execute("DELETE FROM meta WHERE key = 'search_rebuild'", [])?;
        terms::commit(tx)?;
        tracing::info!(
            records = n,
            ms = started.elapsed().as_millis() as u64,
            "search index rebuilt"
        );
        Ok(())
    }
}
