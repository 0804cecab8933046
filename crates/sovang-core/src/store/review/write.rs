//! Writing the records of one review step in one transaction, each sealed by this
//! installation's key as its author (see `sync::seal`): the seal covers the record's fields
//! with the versions this very write gives them, so it is made under the write lock.

use std::collections::BTreeMap;

use rusqlite::Transaction;
use serde_json::{Map, Value};

use super::super::rows::{
    begin_write, commit_write, ensure_unchanged, field_changes, insert_record, update_record,
    StoredRow,
};
use crate::error::Result;
use crate::records::{self, Ctx, Kind, Prepared};
use crate::store::Store;
use crate::sync::seal::{self, Author};

/// Whether a changed record is sealed again by this installation.
pub(super) enum Sealing {
    /// This installation is its author (a member's own sheet, the chair's decision).
    Author,
    /// Another author's seal stays (the chair reopening a member's sheet adds a seal of its
    /// own in another field).
    Keep,
}

impl Store {
    /// Writes the records of one step (new ones with their ids, and at most one changed one)
    /// in one transaction, all validated first, in order.
    pub(super) fn write_step(
        &mut self,
        creates: Vec<(Kind, String, Value)>,
        change: Option<(Kind, &StoredRow, Value, Sealing)>,
    ) -> Result<()> {
        let key = self.author()?;
        let cx = self.ctx();
        let mut new = Vec::new();
        for (k, id, v) in creates {
            new.push((k, id, records::prepare(k, v, &cx)?));
        }
        let change = match change {
            Some((k, row, v, sealing)) => Some((k, row, records::prepare(k, v, &cx)?, sealing)),
            None => None,
        };
        for (_, _, p) in &new {
            self.check_scope(&p.index.unit)?;
        }
        let (tx, meta) = begin_write(
            &mut self.conn,
            &mut self.hlc,
            self.clock.as_ref(),
            &self.actor,
        )?;
        let cx = Ctx {
            today: self.clock.today(),
            units: &self.units,
            campaigns: &self.campaigns,
            collator: &self.collator,
        };
        if let Some((k, row, p, sealing)) = change {
            ensure_unchanged(&tx, k, row)?;
            let p = match sealing {
                Sealing::Author => {
                    let versions = versions_after(row, &p.body, &meta.hlc);
                    sealed(&key, k, &row.id, &row.created_hlc, p, &versions, &cx)?
                }
                Sealing::Keep => p,
            };
            update_record(&tx, k, row, &p, &meta, &[])?;
            touch_other_sheets(&tx, k, &row.id, &p, meta.seq)?;
        }
        for (k, id, p) in new {
            let versions = p
                .body
                .as_object()
                .into_iter()
                .flatten()
                .map(|(f, _)| (f.clone(), meta.hlc.clone()))
                .collect();
            let p = sealed(&key, k, &id, &meta.hlc, p, &versions, &cx)?;
            insert_record(&tx, k, &id, &p, &meta)?;
            touch_other_sheets(&tx, k, &id, &p, meta.seq)?;
        }
        commit_write(tx, &meta)
    }
}

/// The versions a record's fields will have once `body` replaces the stored row: a changed
/// field takes this write's version, the others keep theirs (as `update_record` records them).
fn versions_after(row: &StoredRow, body: &Value, hlc: &str) -> BTreeMap<String, String> {
    let none = Map::new();
    let body = body.as_object().unwrap_or(&none);
    let changed = field_changes(&row.body, body, &[]);
    body.keys()
        .map(|f| {
            let v = match changed.contains_key(f) {
                true => hlc.to_owned(),
                false => row
                    .field_hlc
                    .get(f)
                    .and_then(Value::as_str)
                    .unwrap_or(&row.created_hlc)
                    .to_owned(),
            };
            (f.clone(), v)
        })
        .collect()
}

/// The record with this installation's seal over its content as it will be stored.
fn sealed(
    key: &Author,
    kind: Kind,
    id: &str,
    created_hlc: &str,
    p: Prepared,
    versions: &BTreeMap<String, String>,
    cx: &Ctx,
) -> Result<Prepared> {
    let Value::Object(mut body) = p.body else {
        return Ok(p);
    };
    let content = seal::content(kind.name(), id, created_hlc, &body, versions);
    let seal = serde_json::to_value(key.seal(&content)).unwrap_or(Value::Null);
    body.insert(seal::SEAL.into(), seal);
    records::prepare(kind, Value::Object(body), cx)
}

/// A sheet was written: the other sheets of its nomination go out again with the next bundle,
/// so that a member whose own sheet has now arrived receives the ones held back from it (see
/// `store::export`, blind committees).
pub(crate) fn touch_other_sheets(
    tx: &Transaction,
    kind: Kind,
    id: &str,
    p: &Prepared,
    seq: i64,
) -> Result<()> {
    if kind != Kind::Score {
        return Ok(());
    }
    let nomination = p.body.get("nomination_id").and_then(Value::as_str);
    tx.prepare_cached("UPDATE scores SET change_seq = ?1 WHERE ref = ?2 AND id != ?3")?
        .execute(rusqlite::params![seq, nomination, id])?;
    Ok(())
}
