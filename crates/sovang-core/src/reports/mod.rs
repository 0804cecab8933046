//! Files made for people outside the app: the ranking as an Excel workbook, a nomination's
//! dossier as a PDF for printing, a unit's period report.

mod dossier;
pub(crate) mod pdf;
pub mod period;
mod period_doc;
mod ranking;
mod targets;

pub use dossier::{dossier_body, write_dossier};
pub use period::{Period, PeriodReport};
pub use period_doc::{sections, write_period_pdf, write_period_xlsx, ReportHeading};
pub use ranking::write_ranking;
pub use targets::{TargetCell, TargetGrid, TargetRow};
