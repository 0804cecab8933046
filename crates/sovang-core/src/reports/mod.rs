//! Files made for people outside the app: the year's ranking as an Excel workbook.

mod ranking;

pub use ranking::write_ranking;
