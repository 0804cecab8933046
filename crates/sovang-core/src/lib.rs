//! Sổ Vàng's core: records, validation, storage, search and attachments, with no GUI.

pub mod app;
pub mod backup;
pub mod clock;
pub mod clock_check;
pub mod collate;
pub mod db;
pub mod demo;
pub mod error;
pub mod format;
pub mod hlc;
pub mod messages;
pub mod migrations;
pub mod paths;
pub mod records;
pub mod reports;
pub mod settings;
pub mod sheets;
pub mod store;
pub mod sync;
pub mod text;
pub mod units;

pub use error::{Code, Error, Lang, Result};
pub use records::Kind;
pub use store::Store;
