//! A record's history as the window shows it: each change, and for a change a bundle brought,
//! the unit of the key that signed that bundle, as the trust list names it.

use std::collections::HashMap;

use serde::Serialize;

use super::App;
use crate::error::Result;
use crate::store::HistoryRow;

/// One change in a record's history, with who sent it when it came in a bundle.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    #[serde(flatten)]
    pub change: HistoryRow,
    /// The unit of the key that signed the bundle (its code and name), when the trust list
    /// (or this installation's own card) knows that key; otherwise only `signer` tells.
    pub signer_unit: Option<String>,
    pub signer_unit_name: Option<String>,
}

impl App {
    pub fn history(&mut self, id: &str) -> Result<Vec<HistoryEntry>> {
        let store = self.store()?;
        let rows = store.history(id)?;
        if rows.iter().all(|r| r.signer.is_none()) {
            return Ok(rows.into_iter().map(HistoryEntry::local).collect());
        }
        let own = store.identity()?;
        let mut units: HashMap<String, (String, String)> = store
            .trust_list()?
            .into_iter()
            .map(|k| (k.fingerprint, (k.unit, k.unit_name)))
            .collect();
        units.insert(own.fingerprint, (own.unit, own.unit_name));
        Ok(rows
            .into_iter()
            .map(|change| {
                let unit = change.signer.as_ref().and_then(|s| units.get(s)).cloned();
                let (signer_unit, signer_unit_name) = unit.unzip();
                HistoryEntry {
                    change,
                    signer_unit,
                    signer_unit_name,
                }
            })
            .collect())
    }
}

impl HistoryEntry {
    fn local(change: HistoryRow) -> Self {
        HistoryEntry {
            change,
            signer_unit: None,
            signer_unit_name: None,
        }
    }
}
