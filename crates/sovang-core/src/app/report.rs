//! The window's Reports screen: a unit's report over a period, previewed, then saved as a
//! workbook or a PDF in the reports folder with the heading the user checked.

use serde::Deserialize;

use crate::error::Result;
use crate::reports::{self, Period, PeriodReport, ReportHeading, TargetGrid};

use super::App;

/// What a report is saved as.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    Xlsx,
    Pdf,
}

impl App {
    pub fn target_grid(&mut self, year: i32) -> Result<TargetGrid> {
        self.store()?.target_grid(year)
    }

    /// Sets (or clears) a sub-unit's target, then gives the grid again.
    pub fn set_target(
        &mut self,
        unit: &str,
        year: i32,
        metric: &str,
        target: Option<i64>,
    ) -> Result<TargetGrid> {
        let store = self.store()?;
        store.set_target(unit, year, metric, target)?;
        store.target_grid(year)
    }

    /// The report; `brief` leaves out the entries by value (the Overview, which opens on it).
    pub fn report(&mut self, unit: &str, period: &str, brief: bool) -> Result<PeriodReport> {
        self.store()?
            .period_report_with(unit, Period::parse(period)?, !brief)
    }

    /// The heading a report of `unit` starts with: this installation's last one (dated
    /// today) for its own unit, else the unit's default.
    pub fn report_heading(&mut self, unit: &str) -> Result<ReportHeading> {
        let store = self.store()?;
        let own = store.installation().unit == unit;
        let mut heading = store.report_heading(unit)?;
        if let (true, Some(saved)) = (own, self.settings.report_heading.clone()) {
            heading = ReportHeading {
                date: heading.date,
                ..saved
            };
        }
        Ok(heading)
    }

    /// Saves the report in the reports folder; returns its path. The heading of this
    /// installation's own unit is remembered for the next report.
    pub fn save_report(
        &mut self,
        unit: &str,
        period: &str,
        heading: ReportHeading,
        format: ReportFormat,
    ) -> Result<String> {
        let r = self.report(unit, period, false)?;
        let dir = self.reports_dir();
        std::fs::create_dir_all(&dir)?;
        let stamp = self.clock.now().format("%Y%m%d-%H%M%S");
        let ext = match format {
            ReportFormat::Xlsx => "xlsx",
            ReportFormat::Pdf => "pdf",
        };
        // Unit codes come from bundles too: only their letters, digits and dashes name a file.
        let safe = |t: &str| -> String {
            t.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        };
        let file = dir.join(format!(
            "bao-cao-{}-{}-{stamp}.{ext}",
            safe(unit),
            safe(&period.to_lowercase())
        ));
        match format {
            ReportFormat::Xlsx => reports::write_period_xlsx(&r, &heading, &file)?,
            ReportFormat::Pdf => reports::write_period_pdf(&r, &heading, &file)?,
        }
        if self.store()?.installation().unit == unit {
            self.settings.report_heading = Some(heading);
            self.settings.save(&self.config_dir)?;
        }
        self.last_export = Some(file.clone());
        Ok(file.display().to_string())
    }
}
