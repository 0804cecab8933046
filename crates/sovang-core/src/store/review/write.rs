//! Writing the records of one review step in one transaction, each sealed by this
//! installation's key as its author (see `sync::seal`).

use super::super::rows::{
    begin_write, commit_write, ensure_unchanged, insert_record, update_record, StoredRow,
};
use crate::error::Result;
use crate::records::{self, Kind};
use crate::store::Store;
use serde_json::Value;

impl Store {
    /// Writes the records of one step (new ones with their ids, and at most one changed one)
    /// in one transaction, all validated first, in order.
    pub(super) fn write_step(
        &mut self,
        creates: Vec<(Kind, String, Value)>,
        change: Option<(Kind, &StoredRow, Value)>,
    ) -> Result<()> {
        let cx = self.ctx();
        let mut new = Vec::new();
        for (k, id, v) in creates {
            new.push((k, id, records::prepare(k, v, &cx)?));
        }
        let change = match change {
            Some((k, row, v)) => Some((k, row, records::prepare(k, v, &cx)?)),
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
        if let Some((k, row, p)) = &change {
            ensure_unchanged(&tx, *k, row)?;
            update_record(&tx, *k, row, p, &meta, &[])?;
        }
        for (k, id, p) in &new {
            insert_record(&tx, *k, id, p, &meta)?;
        }
        commit_write(tx, &meta)
    }
}
