//! `sovang backup …`, `sovang purge`, `sovang detach` and `sovang person-data`: backups and
//! erasure, over `sovang_core::backup` and the store's purge.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{json, Value};
use sovang_core::backup::{self, BackupInfo, BackupSettings, Reason};
use sovang_core::clock::SystemClock;
use sovang_core::error::{Code, Error};
use sovang_core::Store;

use crate::output::Out;

#[derive(Subcommand)]
pub enum BackupCmd {
    /// Sao lưu ngay / Take a backup now
    Create,
    /// Các bản sao lưu, mới nhất trước / The backups, newest first
    List,
    /// Kiểm tra lại một bản sao lưu / Check a backup again
    Verify {
        /// Mã bản sao lưu (xem "backup list") / The backup's id
        id: String,
    },
    /// Khôi phục một bản sao lưu (dữ liệu hiện tại được sao lưu trước) / Restore a backup (the current data is backed up first)
    Restore {
        /// Mã bản sao lưu (xem "backup list") / The backup's id
        id: String,
    },
    /// Cài đặt sao lưu / Backup settings
    Settings {
        /// Thư mục thứ hai (ví dụ USB) nhận mọi bản sao lưu / A second folder (a USB stick) that gets every backup
        #[arg(long, value_name = "DIR", conflicts_with = "no_mirror")]
        mirror: Option<PathBuf>,
        /// Bỏ thư mục thứ hai / Stop copying to a second folder
        #[arg(long)]
        no_mirror: bool,
        /// Sao lưu hằng ngày tự động: on hoặc off / The automatic daily backup: on or off
        #[arg(long, value_name = "on|off", value_parser = ["on", "off"])]
        automatic: Option<String>,
    },
}

fn line(b: &BackupInfo) -> String {
    let erased = match b.erased_since {
        0 => String::new(),
        n => format!("  [{n} xoá vĩnh viễn sau / erasures since]"),
    };
    let mirror = if b.mirrored { "  [USB]" } else { "" };
    format!(
        "{}  {}  {:?}  {} bản ghi / records  {} tệp / files{mirror}{erased}",
        b.id, b.created_at, b.reason, b.records, b.attachments
    )
}

pub fn run(
    cli_dir: &Path,
    open: impl Fn() -> Result<Store, Error>,
    cmd: &BackupCmd,
    out: &Out,
) -> Result<ExitCode, Error> {
    match cmd {
        BackupCmd::Create => {
            let c = open()?.backup(Reason::Manual)?;
            let v = serde_json::to_value(&c).unwrap_or(Value::Null);
            let mirror = match &c.mirror {
                Some(Err(m)) => format!("\n{}", m.vi),
                _ => String::new(),
            };
            out.value(
                &v,
                &format!("Đã sao lưu: {} ({} ms){mirror}", c.backup.id, c.millis),
                &format!("Backed up: {} ({} ms)", c.backup.id, c.millis),
            );
        }
        BackupCmd::List => {
            let list = open()?.backups()?;
            let text: Vec<String> = list.iter().map(line).collect();
            let none = list.is_empty();
            out.value(
                &serde_json::to_value(&list).unwrap_or(Value::Null),
                &if none {
                    "Chưa có bản sao lưu nào".into()
                } else {
                    text.join("\n")
                },
                &if none {
                    "No backups yet".into()
                } else {
                    text.join("\n")
                },
            );
        }
        BackupCmd::Verify { id } => {
            let r = open()?.verify_backup(id)?;
            out.value(
                &serde_json::to_value(&r).unwrap_or(Value::Null),
                &match r.ok {
                    true => format!("Bản sao lưu {id} nguyên vẹn"),
                    false => format!("Bản sao lưu {id} bị hỏng: {}", r.problems.join("; ")),
                },
                &match r.ok {
                    true => format!("Backup {id} is whole"),
                    false => format!("Backup {id} is damaged: {}", r.problems.join("; ")),
                },
            );
            if !r.ok {
                return Ok(ExitCode::from(1));
            }
        }
        BackupCmd::Restore { id } => {
            let r = backup::restore(cli_dir, id, &SystemClock)?;
            // Opening it runs what opening always does (the checks of a store).
            let store = open()?;
            let problems = store.check()?;
            let mut v = serde_json::to_value(&r).unwrap_or(Value::Null);
            v["problems"] = json!(problems);
            out.value(
                &v,
                &format!(
                    "Đã khôi phục {id} ({} bản ghi); dữ liệu trước đó được sao lưu: {}. Những gì đã gửi đi sau bản sao lưu sẽ về lại qua đồng bộ.",
                    r.records,
                    r.safety_backup.as_deref().unwrap_or("—")
                ),
                &format!(
                    "Restored {id} ({} records); the data before it was backed up: {}. What was sent on since the backup comes back by sync.",
                    r.records,
                    r.safety_backup.as_deref().unwrap_or("—")
                ),
            );
        }
        BackupCmd::Settings {
            mirror,
            no_mirror,
            automatic,
        } => {
            let store = open()?;
            let dir = store.data_dir();
            let mut s = BackupSettings::load(dir);
            if let Some(m) = mirror {
                if !m.is_dir() {
                    return Err(Error::field_arg(
                        Code::InvalidValue,
                        "mirror",
                        &m.display().to_string(),
                    ));
                }
                s.mirror = Some(m.clone());
            }
            if *no_mirror {
                s.mirror = None;
            }
            if let Some(a) = automatic {
                s.automatic = a == "on";
            }
            s.save(dir)?;
            let where_ = s
                .mirror
                .as_ref()
                .map(|m| m.display().to_string())
                .unwrap_or("—".into());
            out.value(
                &serde_json::to_value(&s).unwrap_or(Value::Null),
                &format!(
                    "Tự động hằng ngày: {}; thư mục thứ hai: {where_}",
                    if s.automatic { "bật" } else { "tắt" }
                ),
                &format!(
                    "Automatic daily: {}; second folder: {where_}",
                    if s.automatic { "on" } else { "off" }
                ),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `sovang purge`: refused without `--yes`, since nothing can bring it back.
pub fn purge(store: &mut Store, kind: &str, id: &str, yes: bool, out: &Out) -> Result<(), Error> {
    if !yes {
        return Err(Error::field_arg(Code::Required, "yes", "--yes"));
    }
    let r = store.purge(kind, id)?;
    out.value(
        &serde_json::to_value(&r).unwrap_or(Value::Null),
        &format!(
            "Đã xoá vĩnh viễn {} hồ sơ và {} tệp đính kèm. Lần đồng bộ tới sẽ xoá ở các máy khác.",
            r.records, r.attachments
        ),
        &format!(
            "Erased for good: {} records and {} attachments. The next sync erases them on the other installations.",
            r.records, r.attachments
        ),
    );
    Ok(())
}

pub fn person_data(store: &Store, id: &str, file: &Path, out: &Out) -> Result<(), Error> {
    let r = sovang_core::sheets::write_person_data(store, id, file)?;
    out.value(
        &serde_json::to_value(&r).unwrap_or(Value::Null),
        &format!(
            "Đã ghi dữ liệu cá nhân ({} hồ sơ, {} dòng lịch sử, {} tệp) vào {}",
            r.records, r.history_rows, r.attachments, r.file
        ),
        &format!(
            "Wrote the personal data ({} records, {} history rows, {} files) to {}",
            r.records, r.history_rows, r.attachments, r.file
        ),
    );
    Ok(())
}
