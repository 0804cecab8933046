//! The desktop shell: opens the core's `App`, logs to a rotating file, registers the
//! commands. Everything else is in `sovang-core` (rules, storage) or `ui` (what is shown).

mod backup_commands;
mod commands;
mod review_commands;
mod sheet_commands;
mod sync_commands;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use sovang_core::app::App;
use sovang_core::clock::SystemClock;
use tauri::Manager;

/// `--data-dir DIR` and `--config-dir DIR` (tests, or several installations on one PC).
fn arg(name: &str) -> Option<PathBuf> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
}

/// Daily log files in `<data>/logs`, the last 14 kept.
fn start_logging(
    data_dir: &std::path::Path,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    std::fs::create_dir_all(data_dir.join("logs")).ok()?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("sovang")
        .filename_suffix("log")
        .max_log_files(14)
        .build(data_dir.join("logs"))
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("SOVANG_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(writer)
        .try_init()
        .ok()?;
    Some(guard)
}

pub fn run() {
    let config_dir = sovang_core::settings::config_dir(arg("--config-dir"));
    let app = App::start(config_dir, arg("--data-dir"), Arc::new(SystemClock));
    let _log = app.as_ref().ok().and_then(|a| start_logging(&a.data_dir()));
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "app started");
    // A database the app cannot open (newer schema, say) is shown to the user, not a crash.
    let state = commands::State::new(app);
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(Mutex::new(state))
        .manage(sync_commands::DropListener::default())
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                sync_commands::on_drop(window.app_handle(), paths);
            }
        })
        .setup(|app| {
            backup_commands::start_daily(app.handle());
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .expect("the window could not be opened");
}
