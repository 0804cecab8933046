//! `sovang`: the command line over sovang-core. Parsing and printing only; the rules are in the core.

mod backup_cmd;
mod output;
mod review_cmd;
mod sheet_cmd;
mod sync_cmd;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use serde_json::{json, Value};
use sovang_core::clock::SystemClock;
use sovang_core::store::ListFilter;
use sovang_core::{paths, Code, Error, Kind, Lang, Store};

use output::Out;

#[derive(Parser)]
#[command(
    name = "sovang",
    version,
    about = "Sổ Vàng — sổ vàng, công trình thanh niên và đề cử / Golden Book, youth projects and nominations",
    help_template = HELP,
    subcommand_help_heading = "Lệnh / Commands",
    next_help_heading = "Tùy chọn / Options",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true
)]
struct Cli {
    /// In trợ giúp / Print help
    #[arg(short = 'h', long, global = true, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// In phiên bản / Print version
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    version: Option<bool>,
    /// Thư mục dữ liệu (mặc định: SOVANG_DATA_DIR, nếu không thì thư mục dữ liệu ứng dụng của người dùng) / Data folder
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Ngôn ngữ thông báo / Language of messages: vi, en
    #[arg(long, global = true, default_value = "vi", value_parser = ["vi", "en"])]
    lang: String,
    /// In một tài liệu JSON ra stdout / Print one JSON document on stdout
    #[arg(long, global = true)]
    json: bool,
    /// Người thực hiện thay đổi (mặc định: tên khai báo khi init) / Who makes the changes
    #[arg(long, global = true, value_name = "NAME")]
    user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

/// Help in Vietnamese first: clap's own headings are English.
const HELP: &str = "{about}\n\nCách dùng / Usage: {usage}\n\n{all-args}";
const HELP_ARGS: &str =
    "{about}\n\nCách dùng / Usage: {usage}\n\nĐối số / Arguments:\n{positionals}\n\nTùy chọn / Options:\n{options}";

#[derive(Subcommand)]
enum Command {
    /// Tạo dữ liệu cho một đơn vị (chạy lại không sao) / Create the database for a unit
    Init {
        /// Mã đơn vị chính thức, ví dụ 01 (Hà Nội), 00070 (Phường Hoàn Kiếm) / Official unit code
        #[arg(long, value_name = "CODE")]
        unit: String,
    },
    /// Thêm dữ liệu mẫu ở các phường, xã Hà Nội / Add demo records across Hà Nội's wards
    Demo {
        /// Số bản ghi / Number of records
        #[arg(long, value_name = "N")]
        records: u64,
        /// Hạt giống: cùng hạt giống cho cùng dữ liệu / Seed: the same seed gives the same data
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Tạo (không có "id") hoặc sửa (có "id") bản ghi từ JSON / Create or update a record from JSON
    Put {
        /// Loại bản ghi / Kind: unit, person, entry, project, update, campaign, target, nomination, committee
        #[arg(value_parser = parse_kind)]
        kind: Kind,
        /// Tệp JSON, hoặc - để đọc từ stdin / A JSON file, or - for standard input
        #[arg(long, value_name = "F")]
        file: String,
    },
    /// Xem một bản ghi / Show one record
    Get {
        /// Loại bản ghi / Kind: unit, person, entry, project, update, campaign, target, nomination, committee
        #[arg(value_parser = parse_kind)]
        kind: Kind,
        /// Mã bản ghi (đơn vị: mã hoặc id) / Record id (units: code or id)
        id: String,
    },
    /// Liệt kê bản ghi theo trang / List records, a page at a time
    List {
        /// Loại bản ghi / Kind: unit, person, entry, project, update, campaign, target, nomination, committee
        #[arg(value_parser = parse_kind)]
        kind: Kind,
        #[command(flatten)]
        filter: FilterArgs,
        /// Xem thùng rác / Show the trash instead
        #[arg(long)]
        trash: bool,
        /// Chỉ bản ghi liên kết với bản ghi này / Only records linked to this one (a project's updates…)
        #[arg(long, value_name = "ID")]
        parent: Option<String>,
        /// Ghi toàn bộ danh sách (theo bộ lọc, đúng thứ tự) ra tệp Excel này / Write the whole list (filtered, in order) to this workbook
        #[arg(long, value_name = "FILE")]
        xlsx: Option<PathBuf>,
        /// Bản in của danh sách (PDF khổ A4, tiêu đề cột lặp lại mỗi trang, số trang) / The list's print view (A4 PDF, header on every page, page numbers)
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
    },
    /// Chuyển bản ghi vào thùng rác / Move a record to the trash
    Delete {
        /// Loại bản ghi / Kind: unit, person, entry, project, update, campaign, target, nomination, committee
        #[arg(value_parser = parse_kind)]
        kind: Kind,
        /// Mã bản ghi (đơn vị: mã hoặc id) / Record id (units: code or id)
        id: String,
    },
    /// Khôi phục bản ghi từ thùng rác / Bring a record back from the trash
    Restore {
        /// Loại bản ghi / Kind: unit, person, entry, project, update, campaign, target, nomination, committee
        #[arg(value_parser = parse_kind)]
        kind: Kind,
        /// Mã bản ghi (đơn vị: mã hoặc id) / Record id (units: code or id)
        id: String,
    },
    /// Đính kèm ảnh hoặc PDF vào bản ghi / Attach a photo or PDF to a record
    Attach {
        /// Loại bản ghi / Kind: unit, person, entry, project, update, campaign, target, nomination, committee
        #[arg(value_parser = parse_kind)]
        kind: Kind,
        /// Mã bản ghi / Record id
        id: String,
        /// Ảnh (JPEG, PNG, WebP, GIF) hoặc PDF, tối đa 20 MB / Photo or PDF, at most 20 MB
        file: PathBuf,
    },
    /// Tìm kiếm mọi loại bản ghi (không dấu cũng được) / Search every kind of record
    Search {
        /// Từ cần tìm, có dấu hoặc không dấu / Words to find, with or without diacritics
        query: String,
        /// Chỉ tìm loại này / Only this kind
        #[arg(long, value_parser = parse_kind)]
        kind: Option<Kind>,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Thống kê số bản ghi / Counts of records
    Stats,
    /// Kiểm tra tính toàn vẹn của dữ liệu / Check the data's integrity
    Check,
    /// Lịch sử thay đổi của một bản ghi / The audit trail of one record
    History {
        /// Mã bản ghi / Record id
        id: String,
    },
    /// Khóa ký gói của máy này / This installation's signing key
    #[command(subcommand)]
    Identity(sync_cmd::IdentityCmd),
    /// Các đơn vị được tin cậy / Units whose bundles are accepted
    #[command(subcommand)]
    Trust(sync_cmd::TrustCmd),
    /// Xuất gói đồng bộ (.sovang) / Export a sync bundle
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Gửi cho một đơn vị (mọi máy được tin cậy của đơn vị ấy) hoặc một máy (dấu vân tay khóa): chỉ bản ghi của đơn vị ấy và cấp trên / For a unit (every trusted installation of it) or one installation (its key fingerprint): only that unit's records and the levels above
        #[arg(long, value_name = "UNITCODE|FINGERPRINT")]
        to: Option<String>,
        /// Gửi tất cả, không chỉ phần chưa gửi / Everything, not only what was not sent yet
        #[arg(long)]
        full: bool,
    },
    /// Nhập một hoặc nhiều gói đồng bộ / Import one or more sync bundles
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Chỉ xem trước, không ghi gì / Preview only, write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Nhập đoàn viên, Sổ vàng hoặc công trình từ bảng tính (.xlsx, .xls, .ods, .csv) / Import people, Golden Book entries or projects from a spreadsheet
    ImportSheet {
        /// person, entry hoặc project / person, entry or project
        #[arg(value_parser = parse_kind)]
        kind: Kind,
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Đổi cột nào ứng với trường nào: "Họ tên=full_name", C=birth_date, D=- (bỏ cột) / Which column fills which field ("-" leaves it out)
        #[arg(long = "map", value_name = "COLUMN=FIELD", value_parser = sheet_cmd::parse_map)]
        map: Vec<(String, String)>,
        /// Trang tính cần đọc (mặc định trang đầu) / The sheet to read (the first by default)
        #[arg(long, value_name = "NAME")]
        sheet: Option<String>,
        /// Ghi các dòng lỗi kèm cột lỗi vào tệp .xlsx này / Write the rejected rows, with their errors, to this .xlsx
        #[arg(long, value_name = "FILE")]
        rejected: Option<PathBuf>,
        /// Chỉ xem trước, không ghi gì / Preview only, write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Tệp Excel mẫu để nhập / A template workbook to import
    Template {
        /// person, entry hoặc project / person, entry or project
        #[arg(value_parser = parse_kind)]
        kind: Kind,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Báo cáo của một đơn vị (gồm đơn vị trực thuộc) trong một kỳ / A unit's report (with its sub-units) over a period
    Report {
        /// Mã đơn vị (mặc định: đơn vị của máy này) / Unit code (default: this installation's)
        #[arg(long, value_name = "CODE")]
        unit: Option<String>,
        /// 2026-11 (tháng), 2026-Q3 (quý), 2026 (năm) hoặc campaign (từ đầu Cuộc vận động) / month, quarter, year or campaign
        #[arg(long, value_name = "PERIOD")]
        period: String,
        /// Ghi ra tệp Excel / Write a workbook
        #[arg(long, value_name = "FILE")]
        xlsx: Option<PathBuf>,
        /// Ghi ra tệp PDF (khổ A4) / Write an A4 PDF
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
        /// Cơ quan ban hành / The issuing body (default: "BCH ĐOÀN <unit>")
        #[arg(long, value_name = "TEXT")]
        issuer: Option<String>,
        /// Số văn bản / The report's number
        #[arg(long, value_name = "TEXT")]
        number: Option<String>,
        /// Người ký / The signer's name
        #[arg(long, value_name = "NAME")]
        signer: Option<String>,
    },
    /// Xung đột khi hợp nhất / Merge conflicts
    #[command(subcommand)]
    Conflicts(sync_cmd::ConflictsCmd),
    /// Bản ghi nhận được đang chờ (bản ghi liên quan, đơn vị, tệp, đồng hồ) / Received records waiting for something
    #[command(subcommand)]
    Held(sync_cmd::HeldCmd),
    /// Xét chọn đề cử: nộp, chấm điểm, quyết định, kết quả / Committee review of nominations
    #[command(subcommand)]
    Review(review_cmd::ReviewCmd),
    /// Sao lưu và khôi phục / Backups and restore
    #[command(subcommand)]
    Backup(backup_cmd::BackupCmd),
    /// Xoá vĩnh viễn từ thùng rác: một người (cùng mọi hồ sơ về họ) hoặc một tệp đính kèm / Erase for good from the trash: a person (with everything about them) or an attachment
    Purge {
        /// person hoặc attachment / person or attachment
        #[arg(value_parser = ["person", "attachment"])]
        kind: String,
        /// Mã người hoặc tệp đính kèm / The person's or attachment's id
        id: String,
        /// Xác nhận: không thể hoàn tác / Confirm: this cannot be undone
        #[arg(long)]
        yes: bool,
    },
    /// Gỡ tệp đính kèm khỏi hồ sơ / Take an attachment off its record
    Detach {
        /// Mã tệp đính kèm / The attachment's id
        id: String,
    },
    /// Xuất mọi dữ liệu về một người cho chính họ (.zip: bảng tính và tệp đính kèm) / Export everything stored about a person, for them (.zip: a workbook and the attachments)
    PersonData {
        /// Mã người / The person's id
        id: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(clap::Args)]
struct FilterArgs {
    /// Mã đơn vị, gồm cả đơn vị trực thuộc và đơn vị cũ đã sáp nhập / Unit code, with its sub-units and merged units
    #[arg(long, value_name = "CODE")]
    unit: Option<String>,
    /// Năm / Year
    #[arg(long, value_name = "Y")]
    year: Option<i32>,
    /// Trạng thái / Status
    #[arg(long, value_name = "S")]
    status: Option<String>,
    /// Giá trị "next" của trang trước / The "next" cursor of the previous page
    #[arg(long, value_name = "CURSOR")]
    after: Option<String>,
    /// Số bản ghi mỗi trang (tối đa 500) / Records per page (at most 500)
    #[arg(long, value_name = "N", default_value_t = 50)]
    limit: usize,
}

impl FilterArgs {
    /// The filters lists and search share; each command adds its own.
    fn filter(&self) -> ListFilter {
        ListFilter {
            unit: self.unit.clone(),
            year: self.year,
            status: self.status.clone(),
            ..ListFilter::default()
        }
    }
}

fn parse_kind(s: &str) -> Result<Kind, String> {
    Kind::parse(s).map_err(|_| {
        let all: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        format!("unknown kind '{s}' (one of: {})", all.join(", "))
    })
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "lỗi nội bộ / internal error: {info}. Dữ liệu không bị thay đổi / nothing was changed."
        );
    }));
    let filter = std::env::var("SOVANG_LOG").unwrap_or_else(|_| "off".into());
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .init();
    let command = Cli::command().mut_subcommands(|s| {
        let template = if s.get_positionals().next().is_some() {
            HELP_ARGS
        } else {
            HELP
        };
        s.help_template(template)
    });
    let cli = match command
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(c) => c,
        Err(e) => return output::usage_error(e),
    };
    let lang = if cli.lang == "en" { Lang::En } else { Lang::Vi };
    let out = Out {
        json: cli.json,
        lang,
    };
    match run(&cli, &out) {
        Ok(code) => code,
        Err(e) => out.error(&e),
    }
}

fn open(cli: &Cli) -> Result<Store, Error> {
    let dir = paths::data_dir(cli.data_dir.clone());
    let mut store = Store::open(&dir, Arc::new(SystemClock))?;
    warn_clock(&store);
    if let Some(u) = &cli.user {
        store.set_actor(u);
    }
    Ok(store)
}

/// Before a command runs: a warning on stderr, Vietnamese then English, when this PC's
/// clock is implausible (the rule is the core's).
fn warn_clock(store: &Store) {
    if let Ok(Some(w)) = store.clock_warning() {
        eprintln!("Cảnh báo: {}\nWarning: {}", w.message.vi, w.message.en);
    }
}

fn read_input(file: &str) -> Result<Value, Error> {
    let mut text = String::new();
    if file == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(file).map_err(|e| Error::io(Some("file"), file, &e))?;
    }
    serde_json::from_str(&text).map_err(|e| Error::plain(Code::InvalidJson, &e.to_string()))
}

fn run(cli: &Cli, out: &Out) -> Result<ExitCode, Error> {
    match &cli.command {
        Command::Init { unit } => {
            let dir = paths::data_dir(cli.data_dir.clone());
            let user = cli.user.clone().unwrap_or_default();
            let store = Store::init(&dir, unit, &user, Arc::new(SystemClock))?;
            warn_clock(&store);
            let i = store.installation();
            out.value(
                &json!({"data_dir": dir, "unit": i.unit, "unit_name": i.unit_name, "installation_id": i.id}),
                &format!("Đã sẵn sàng cho {} ({}) tại {}", i.unit_name, i.unit, dir.display()),
                &format!("Ready for {} ({}) in {}", i.unit_name, i.unit, dir.display()),
            );
        }
        Command::Demo { records, seed } => {
            let mut store = open(cli)?;
            let bar = output::progress(*records);
            let start = std::time::Instant::now();
            let n = sovang_core::demo::generate(&mut store, *records, *seed, &mut |done| {
                bar.set_position(done)
            })?;
            bar.finish_and_clear();
            let secs = start.elapsed().as_secs_f64();
            let rate = (n as f64 / secs.max(1e-9)).round();
            out.value(
                &json!({"created": n, "seconds": secs, "records_per_second": rate}),
                &format!("Đã tạo {n} bản ghi mẫu trong {secs:.1} giây ({rate} bản ghi/giây)"),
                &format!("Created {n} demo records in {secs:.1} s ({rate} records/s)"),
            );
        }
        Command::Put { kind, file } => {
            let mut store = open(cli)?;
            let v = store.put(*kind, read_input(file)?)?;
            out.record(&v);
        }
        Command::Get { kind, id } => out.record(&open(cli)?.get(*kind, id)?),
        Command::List {
            kind,
            filter,
            trash,
            parent,
            xlsx,
            pdf,
        } => {
            let store = open(cli)?;
            let list_filter = ListFilter {
                parent: parent.clone(),
                trash: *trash,
                ..filter.filter()
            };
            if let Some(file) = pdf {
                let rows = sovang_core::sheets::write_list_pdf(&store, *kind, &list_filter, file)?;
                out.value(
                    &json!({"file": file, "rows": rows}),
                    &format!("Đã ghi bản in {rows} dòng vào {}", file.display()),
                    &format!("Wrote the print view of {rows} rows to {}", file.display()),
                );
                return Ok(ExitCode::SUCCESS);
            }
            if let Some(file) = xlsx {
                let rows = sovang_core::sheets::write_list(&store, *kind, &list_filter, file)?;
                out.value(
                    &json!({"file": file, "rows": rows}),
                    &format!("Đã ghi {rows} dòng vào {}", file.display()),
                    &format!("Wrote {rows} rows to {}", file.display()),
                );
                return Ok(ExitCode::SUCCESS);
            }
            let page = store.list(*kind, &list_filter, filter.after.as_deref(), filter.limit)?;
            out.page(&page, store.units());
        }
        Command::Delete { kind, id } => {
            let v = open(cli)?.delete(*kind, id)?;
            out.record(&v);
        }
        Command::Restore { kind, id } => {
            let v = open(cli)?.restore(*kind, id)?;
            out.record(&v);
        }
        Command::Attach { kind, id, file } => {
            let v = open(cli)?.attach(*kind, id, file)?;
            out.record(&v);
        }
        Command::Search {
            query,
            kind,
            filter,
        } => {
            let store = open(cli)?;
            let page = store.search(
                query,
                &ListFilter {
                    kind: *kind,
                    ..filter.filter()
                },
                filter.after.as_deref(),
                filter.limit,
            )?;
            out.page(&page, store.units());
        }
        Command::Stats => out.stats(&open(cli)?.stats()?),
        Command::Check => {
            let problems = open(cli)?.check()?;
            out.check(&problems);
            if !problems.is_empty() {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Identity(cmd) => sync_cmd::identity(&open(cli)?, cmd, out)?,
        Command::Trust(cmd) => sync_cmd::trust(&mut open(cli)?, cmd, out)?,
        Command::Export {
            out: file,
            to,
            full,
        } => sync_cmd::export(&mut open(cli)?, file, to, *full, out)?,
        Command::Import { files, dry_run } => {
            return sync_cmd::import(&mut open(cli)?, files, *dry_run, out)
        }
        Command::ImportSheet {
            kind,
            file,
            map,
            sheet,
            rejected,
            dry_run,
        } => {
            let opts = sovang_core::store::SheetOptions {
                sheet: sheet.clone(),
                map: map.clone(),
                dry_run: *dry_run,
            };
            return sheet_cmd::import_sheet(
                &mut open(cli)?,
                *kind,
                file,
                &opts,
                rejected.as_ref(),
                out,
            );
        }
        Command::Report {
            unit,
            period,
            xlsx,
            pdf,
            issuer,
            number,
            signer,
        } => {
            let store = open(cli)?;
            let choices = sheet_cmd::HeadingChoices {
                issuer: issuer.clone(),
                number: number.clone(),
                signer: signer.clone(),
            };
            sheet_cmd::report(
                &store,
                unit.as_deref(),
                period,
                xlsx.as_deref(),
                pdf.as_deref(),
                &choices,
                out,
            )?
        }
        Command::Template { kind, out: file } => {
            sheet_cmd::template(&open(cli)?, *kind, file, out)?
        }
        Command::Conflicts(cmd) => sync_cmd::conflicts(&mut open(cli)?, cmd, out)?,
        Command::Held(cmd) => sync_cmd::held(&open(cli)?, cmd, out)?,
        Command::Review(cmd) => review_cmd::run(&mut open(cli)?, cmd, out)?,
        Command::Backup(cmd) => {
            let dir = paths::data_dir(cli.data_dir.clone());
            return backup_cmd::run(&dir, || open(cli), cmd, out);
        }
        Command::Purge { kind, id, yes } => {
            backup_cmd::purge(&mut open(cli)?, kind, id, *yes, out)?
        }
        Command::Detach { id } => {
            let v = open(cli)?.detach(id)?;
            out.record(&v);
        }
        Command::PersonData { id, out: file } => {
            backup_cmd::person_data(&open(cli)?, id, file, out)?
        }
        Command::History { id } => {
            let h = open(cli)?.history(id)?;
            out.record(&serde_json::to_value(h).unwrap_or(Value::Null));
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
