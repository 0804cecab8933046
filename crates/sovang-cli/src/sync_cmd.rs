//! `identity`, `trust`, `export`, `import`, `conflicts` and `held`: the sync bundle commands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{json, Value};
use sovang_core::store::{ExportOptions, ImportOptions, ImportReport};
use sovang_core::sync::identity::UnitCard;
use sovang_core::sync::Progress;
use sovang_core::{messages, Code, Error, Kind, Lang, Store};

use crate::output::{self, Out};

#[derive(Subcommand)]
pub enum IdentityCmd {
    /// Đơn vị và dấu vân tay khóa của máy này / This installation's unit and key fingerprint
    Show,
    /// Ghi thẻ đơn vị (khóa công khai) ra tệp / Write the unit card (public key) to a file
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum TrustCmd {
    /// Tin cậy khóa trong thẻ đơn vị / Trust the key in a unit card
    Add {
        /// Tệp thẻ đơn vị (card.json) / The unit card file
        card: PathBuf,
        /// Dấu vân tay đơn vị kia đọc qua điện thoại: thẻ khác dấu này bị từ chối / The fingerprint the other unit read out by phone: a card with another is refused
        #[arg(long)]
        fingerprint: Option<String>,
    },
    /// Các khóa được tin cậy / Trusted keys
    List,
    /// Thu hồi một khóa / Revoke a key
    Revoke {
        /// Dấu vân tay (có hoặc không có dấu gạch) / Fingerprint, with or without dashes
        fingerprint: String,
    },
}

#[derive(Subcommand)]
pub enum ConflictsCmd {
    /// Các xung đột chưa giải quyết / Open conflicts
    List {
        /// Cả xung đột đã giải quyết / Settled ones too
        #[arg(long)]
        all: bool,
    },
    /// Giữ một trong hai giá trị / Keep one of the two values
    Resolve {
        id: String,
        /// a (giá trị đang giữ), b (giá trị kia), hoặc chính giá trị / a (kept), b (other), or the value itself
        #[arg(long, value_name = "VALUE")]
        keep: String,
    },
}

#[derive(Subcommand)]
pub enum HeldCmd {
    /// Các bản ghi đang chờ: chờ gì, đơn vị gửi, từ lúc nào / Held records: what each waits for, the sending unit, since when
    List,
}

fn bar_for(show: bool) -> impl FnMut(Progress) {
    let bar = show.then(|| output::progress(0));
    move |p: Progress| {
        if let Some(bar) = &bar {
            bar.set_length(p.total);
            bar.set_position(p.done);
            if p.phase == "done" {
                bar.finish_and_clear();
            }
        }
    }
}

fn read_card(path: &Path) -> Result<UnitCard, Error> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(Some("card"), &label, &e))?;
    serde_json::from_str(&text)
        .map_err(|e| Error::field_arg(Code::CardInvalid, "card", &e.to_string()))
}

pub fn identity(store: &Store, cmd: &IdentityCmd, out: &Out) -> Result<(), Error> {
    let card = store.identity()?;
    match cmd {
        IdentityCmd::Show => out.value(
            &serde_json::to_value(&card).unwrap_or(Value::Null),
            &format!(
                "Đơn vị: {} ({})\nMáy: {}\nDấu vân tay: {}",
                card.unit_name, card.unit, card.installation, card.fingerprint
            ),
            &format!(
                "Unit: {} ({})\nInstallation: {}\nFingerprint: {}",
                card.unit_name, card.unit, card.installation, card.fingerprint
            ),
        ),
        IdentityCmd::Export { out: file } => {
            let text = serde_json::to_string_pretty(&card).unwrap_or_default();
            std::fs::write(file, text + "\n")
                .map_err(|e| Error::io(Some("out"), &file.display().to_string(), &e))?;
            out.value(
                &json!({"file": file, "fingerprint": card.fingerprint}),
                &format!(
                    "Đã ghi thẻ đơn vị vào {} (dấu vân tay {})",
                    file.display(),
                    card.fingerprint
                ),
                &format!(
                    "Unit card written to {} (fingerprint {})",
                    file.display(),
                    card.fingerprint
                ),
            );
        }
    }
    Ok(())
}

pub fn trust(store: &mut Store, cmd: &TrustCmd, out: &Out) -> Result<(), Error> {
    match cmd {
        TrustCmd::Add { card, fingerprint } => {
            let card = read_card(card)?;
            if let Some(read) = fingerprint {
                card.confirm(read)?;
            }
            let k = store.trust_add(&card)?;
            out.value(
                &serde_json::to_value(&k).unwrap_or(Value::Null),
                &format!(
                    "Đã tin cậy {} ({}), dấu vân tay {}",
                    k.unit_name, k.unit, k.fingerprint
                ),
                &format!(
                    "Trusted {} ({}), fingerprint {}",
                    k.unit_name, k.unit, k.fingerprint
                ),
            );
        }
        TrustCmd::List => {
            let keys = store.trust_list()?;
            if out.json {
                out.value(&serde_json::to_value(&keys).unwrap_or(Value::Null), "", "");
            } else {
                for k in keys {
                    let state = match (&k.revoked_at, out.lang) {
                        (Some(at), Lang::Vi) => format!("đã thu hồi {at}"),
                        (Some(at), Lang::En) => format!("revoked {at}"),
                        (None, Lang::Vi) => "tin cậy".into(),
                        (None, Lang::En) => "trusted".into(),
                    };
                    println!("{}\t{} ({})\t{state}", k.fingerprint, k.unit_name, k.unit);
                }
            }
        }
        TrustCmd::Revoke { fingerprint } => {
            let k = store.trust_revoke(fingerprint)?;
            out.value(
                &serde_json::to_value(&k).unwrap_or(Value::Null),
                &format!("Đã thu hồi khóa {} của {}", k.fingerprint, k.unit_name),
                &format!("Revoked key {} of {}", k.fingerprint, k.unit_name),
            );
        }
    }
    Ok(())
}

pub fn export(
    store: &mut Store,
    file: &Path,
    to: &Option<String>,
    full: bool,
    out: &Out,
) -> Result<(), Error> {
    let opts = ExportOptions {
        to: to.clone(),
        full,
        ..Default::default()
    };
    let mut bar = bar_for(!out.json);
    let r = store.export_bundle(file, &opts, &mut bar)?;
    let (more_vi, more_en) = match r.more {
        true => (
            "\nGói đã đủ lớn; còn thay đổi chưa gửi: hãy xuất thêm một gói nữa (không chọn --full).",
            "\nThe bundle is full; changes remain unsent: export another bundle (without --full).",
        ),
        false => ("", ""),
    };
    out.value(
        &serde_json::to_value(&r).unwrap_or(Value::Null),
        &format!(
            "Đã xuất {} bản ghi vào {} ({} byte){more_vi}",
            r.records, r.file, r.bytes
        ),
        &format!(
            "Exported {} records to {} ({} bytes){more_en}",
            r.records, r.file, r.bytes
        ),
    );
    Ok(())
}

/// The report as the CLI prints it: the error as its code and a message in one language.
fn report_json(r: &ImportReport, lang: Lang) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    v["error"] = match &r.error {
        Some(e) => json!({"code": e.code, "message": e.message_in(lang)}),
        None => Value::Null,
    };
    v
}

pub fn import(
    store: &mut Store,
    files: &[PathBuf],
    dry_run: bool,
    out: &Out,
) -> Result<ExitCode, Error> {
    let mut reports = Vec::new();
    let mut failed = false;
    for file in files {
        let mut bar = bar_for(!out.json);
        let r = store.import_bundle(
            file,
            ImportOptions {
                dry_run,
                ..Default::default()
            },
            &mut bar,
        );
        failed |= r.error.is_some();
        if !out.json {
            match &r.error {
                Some(e) => eprintln!(
                    "{}: {} {}: {}",
                    r.file,
                    if out.lang == Lang::Vi {
                        "lỗi"
                    } else {
                        "error"
                    },
                    e.code.as_str(),
                    e.message_in(out.lang)
                ),
                None => {
                    let (vi, en) = (
                        format!("{}: mới {}, cập nhật {}, không đổi {}, xung đột {}, chờ {}, từ chối {}{}", r.file, r.created, r.updated, r.unchanged, r.conflicts, r.held, r.rejected, if dry_run { " (thử, chưa ghi)" } else { "" }),
                        format!("{}: created {}, updated {}, unchanged {}, conflicts {}, held {}, rejected {}{}", r.file, r.created, r.updated, r.unchanged, r.conflicts, r.held, r.rejected, if dry_run { " (dry run, nothing written)" } else { "" }),
                    );
                    println!("{}", if out.lang == Lang::Vi { vi } else { en });
                    for x in &r.rejections {
                        println!(
                            "  {} {}: {} {}",
                            x.kind,
                            x.id,
                            x.code.as_str(),
                            if out.lang == Lang::Vi {
                                &x.message.vi
                            } else {
                                &x.message.en
                            }
                        );
                    }
                }
            }
        }
        reports.push(report_json(&r, out.lang));
    }
    if out.json {
        out.value(&Value::Array(reports), "", "");
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn conflicts(store: &mut Store, cmd: &ConflictsCmd, out: &Out) -> Result<(), Error> {
    match cmd {
        ConflictsCmd::List { all } => {
            let list = store.conflicts(*all)?;
            if out.json {
                out.value(&serde_json::to_value(&list).unwrap_or(Value::Null), "", "");
            } else {
                for c in list {
                    println!(
                        "{}\t{} {}\t{}\ta={} ({})\tb={} ({})",
                        c.id,
                        c.kind.name(),
                        c.record_title,
                        c.field,
                        c.kept_value,
                        c.kept_by,
                        c.other_value,
                        c.other_by
                    );
                }
            }
        }
        ConflictsCmd::Resolve { id, keep } => {
            let c = store.resolve_conflict(id, keep)?;
            let value = c.resolution.clone().unwrap_or(Value::Null);
            out.value(
                &serde_json::to_value(&c).unwrap_or(Value::Null),
                &format!("Đã giải quyết: {} = {value}", c.field),
                &format!("Settled: {} = {value}", c.field),
            );
        }
    }
    Ok(())
}

/// An RFC 3339 time as people read it here: dd/mm/yyyy HH:MM in Vietnam's time (UTC+7).
fn stamp_vn(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| {
            (t.with_timezone(&chrono::Utc) + chrono::Duration::hours(7))
                .format("%d/%m/%Y %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| at.to_owned())
}

pub fn held(store: &Store, cmd: &HeldCmd, out: &Out) -> Result<(), Error> {
    match cmd {
        HeldCmd::List => {
            let list = store.held_list()?;
            if out.json {
                out.value(&serde_json::to_value(&list).unwrap_or(Value::Null), "", "");
                return Ok(());
            }
            if list.is_empty() {
                out.value(
                    &Value::Null,
                    "Không có bản ghi nào đang chờ.",
                    "No record is held.",
                );
            }
            for h in list {
                let (kind_vi, kind_en) = Kind::parse(&h.kind)
                    .map(messages::kind_label)
                    .unwrap_or(("Tệp đính kèm", "Attachment"));
                let from = if h.signer_unit_name.is_empty() {
                    h.signer.clone()
                } else {
                    format!("{} ({})", h.signer_unit_name, h.signer_unit)
                };
                let since = stamp_vn(&h.held_at);
                out.value(
                    &Value::Null,
                    &format!(
                        "{since}\t{kind_vi} {}\tgửi từ {from}\t{}",
                        h.id, h.reason.vi
                    ),
                    &format!("{since}\t{kind_en} {}\tfrom {from}\t{}", h.id, h.reason.en),
                );
            }
        }
    }
    Ok(())
}
