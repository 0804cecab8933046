//! `sovang`: the command line over sovang-core. Parsing and printing only; the rules are in the core.

mod output;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use serde_json::{json, Value};
use sovang_core::clock::SystemClock;
use sovang_core::store::ListFilter;
use sovang_core::{paths, Code, Error, Kind, Lang, Store};

use output::Out;

#[derive(Parser)]
#[command(
    name = "sovang",
    version,
    about = "Sổ Vàng — sổ vàng, công trình thanh niên và đề cử / Golden Book records"
)]
struct Cli {
    /// Data folder (default: SOVANG_DATA_DIR, else the per-user app data folder)
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Language of messages: vi or en
    #[arg(long, global = true, default_value = "vi", value_parser = ["vi", "en"])]
    lang: String,
    /// Print one JSON document on stdout
    #[arg(long, global = true)]
    json: bool,
    /// Who is making the changes (default: the name given at init)
    #[arg(long, global = true, value_name = "NAME")]
    user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the database for a unit (running it again is harmless)
    Init {
        #[arg(long, value_name = "CODE")]
        unit: String,
    },
    /// Add realistic demo records across Hà Nội's wards
    Demo {
        #[arg(long, value_name = "N")]
        records: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Create (no "id") or update (with "id") a record from JSON
    Put {
        #[arg(value_parser = parse_kind)]
        kind: Kind,
        /// A JSON file, or - for standard input
        #[arg(long, value_name = "F")]
        file: String,
    },
    /// Show one record
    Get {
        #[arg(value_parser = parse_kind)]
        kind: Kind,
        id: String,
    },
    /// List records, a page at a time
    List {
        #[arg(value_parser = parse_kind)]
        kind: Kind,
        #[command(flatten)]
        filter: FilterArgs,
        /// Show the trash instead
        #[arg(long)]
        trash: bool,
        /// Only records linked to this one (a project's updates, a person's entries…)
        #[arg(long, value_name = "ID")]
        parent: Option<String>,
    },
    /// Move a record to the trash
    Delete {
        #[arg(value_parser = parse_kind)]
        kind: Kind,
        id: String,
    },
    /// Bring a record back from the trash
    Restore {
        #[arg(value_parser = parse_kind)]
        kind: Kind,
        id: String,
    },
    /// Attach a photo or PDF to a record
    Attach {
        #[arg(value_parser = parse_kind)]
        kind: Kind,
        id: String,
        file: PathBuf,
    },
    /// Search every kind of record
    Search {
        query: String,
        #[arg(long, value_parser = parse_kind)]
        kind: Option<Kind>,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Counts of records
    Stats,
    /// Check the database's integrity and the app's invariants
    Check,
    /// The audit trail of one record
    History { id: String },
}

#[derive(clap::Args)]
struct FilterArgs {
    #[arg(long, value_name = "CODE")]
    unit: Option<String>,
    #[arg(long, value_name = "Y")]
    year: Option<i32>,
    #[arg(long, value_name = "S")]
    status: Option<String>,
    /// The "next" cursor of the previous page
    #[arg(long, value_name = "CURSOR")]
    after: Option<String>,
    #[arg(long, value_name = "N", default_value_t = 50)]
    limit: usize,
}

impl FilterArgs {
    fn filter(&self, kind: Option<Kind>, trash: bool) -> ListFilter {
        ListFilter {
            unit: self.unit.clone(),
            year: self.year,
            status: self.status.clone(),
            kind,
            trash,
            parent: None,
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
    let cli = match Cli::try_parse() {
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
    if let Some(u) = &cli.user {
        store.set_actor(u);
    }
    Ok(store)
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
        } => {
            let store = open(cli)?;
            let list_filter = ListFilter {
                parent: parent.clone(),
                ..filter.filter(None, *trash)
            };
            let page = store.list(*kind, &list_filter, filter.after.as_deref(), filter.limit)?;
            out.page(&page);
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
                &filter.filter(*kind, false),
                filter.after.as_deref(),
                filter.limit,
            )?;
            out.page(&page);
        }
        Command::Stats => out.stats(&open(cli)?.stats()?),
        Command::Check => {
            let problems = open(cli)?.check()?;
            out.check(&problems);
            if !problems.is_empty() {
                return Ok(ExitCode::from(1));
            }
        }
        Command::History { id } => {
            let h = open(cli)?.history(id)?;
            out.record(&Value::Array(h));
        }
    }
    Ok(ExitCode::SUCCESS)
}
