//! Files made for people outside the app: the ranking as an Excel workbook, a nomination's
//! dossier as a PDF for printing.

mod dossier;
mod pdf;
mod ranking;

pub use dossier::{dossier_body, write_dossier};
pub use ranking::write_ranking;
