//! The window's committee review: the committees here with their ids, decisions in force,
//! and the ranking workbook written into the data folder.

use std::path::PathBuf;

use serde::Serialize;

use super::App;
use crate::error::{Code, Error, Result};
use crate::records::{Committee, Decision};

/// A committee with its record id.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct CommitteeEntry {
    pub id: String,
    pub committee: Committee,
    /// Its unit has a level above, to which approved nominations can be forwarded.
    pub forwardable: bool,
    /// This installation may change it (its unit is within this one's scope).
    pub editable: bool,
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
        let own = store.key_id()?;
        Ok(store
            .committees()?
            .into_iter()
            .map(|(id, committee)| CommitteeEntry {
                id,
                forwardable: store.forwards(&committee),
                // Its unit's installations, and of those the chair's once there is one (only
                // the chair's changes who sits on it: `Store::put`).
                editable: store.check_scope(&committee.unit).is_ok()
                    && committee.chair().is_none_or(|c| c.is(&own)),
                committee,
            })
            .collect())
    }

    /// A new committee as the window's form starts it: this installation's unit, the
    /// campaign and year in force, the campaign's rubric (see `Committee::template`).
    pub fn committee_template(&mut self) -> Result<Committee> {
        let status = self.status();
        let unit = status.installation.map(|i| i.unit).unwrap_or_default();
        let campaign = status
            .campaign
            .ok_or_else(|| Error::plain(Code::UnknownReference, &status.campaign_id))?;
        Ok(Committee::template(
            &unit,
            &status.campaign_id,
            &campaign,
            status.year,
        ))
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
