//! The window's committee review: the committees here with their ids, decisions in force,
//! and the ranking workbook written into the data folder.

use std::path::PathBuf;

use serde::Serialize;

use super::App;
use crate::error::Result;
use crate::records::{Committee, Decision};

/// A committee with its record id.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct CommitteeEntry {
    pub id: String,
    pub committee: Committee,
    /// Its unit has a level above, to which approved nominations can be forwarded.
    pub forwardable: bool,
}

/// A decision with its record id.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct DecisionEntry {
    pub id: String,
    pub decision: Decision,
}

impl App {
    /// Where reports made here are written (inside the data folder, like bundles).
    pub fn reports_dir(&self) -> PathBuf {
        self.data_dir().join("reports")
    }

    pub fn committees(&mut self) -> Result<Vec<CommitteeEntry>> {
        let store = self.store()?;
        Ok(store
            .committees()?
            .into_iter()
            .map(|(id, committee)| CommitteeEntry {
                id,
                forwardable: store
                    .units()
                    .get(&committee.unit)
                    .is_some_and(|u| u.parent.is_some()),
                committee,
            })
            .collect())
    }

    pub fn decision_in_force(&mut self, nomination_id: &str) -> Result<Option<DecisionEntry>> {
        Ok(self
            .store()?
            .decision_in_force(nomination_id)?
            .map(|(id, decision)| DecisionEntry { id, decision }))
    }

    /// Writes a nomination's dossier (PDF) into the reports folder; returns its path (and
    /// "show in folder" shows it).
    pub fn export_dossier(&mut self, nomination_id: &str) -> Result<String> {
        let dir = self.reports_dir();
        std::fs::create_dir_all(&dir)?;
        let stamp = self.clock.now().format("%Y%m%d-%H%M%S");
        let file = dir.join(format!("ho-so-de-cu-{stamp}.pdf"));
        crate::reports::write_dossier(self.store()?, nomination_id, &file)?;
        self.last_export = Some(file.clone());
        Ok(file.display().to_string())
    }

    /// Writes the committee's ranking as a workbook into the reports folder; returns its path
    /// (and "show in folder" shows it).
    pub fn export_ranking(&mut self, committee_id: &str) -> Result<String> {
        let dir = self.reports_dir();
        std::fs::create_dir_all(&dir)?;
        let stamp = self.clock.now().format("%Y%m%d-%H%M%S");
        let store = self.store()?;
        let results = store.results(committee_id)?;
        let file = dir.join(format!("xep-hang-{}-{stamp}.xlsx", results.year));
        crate::reports::write_ranking(&results, store.units(), &file)?;
        self.last_export = Some(file.clone());
        Ok(file.display().to_string())
    }
}
