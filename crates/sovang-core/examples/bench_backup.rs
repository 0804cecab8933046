//! The backup benchmark, on an existing data folder (the 100,000-record demo): times a backup
//! (SQLite's online backup, its check, its manifest) while the store keeps answering list pages
//! of 100 people on another thread, as the window does during a backup; then times restores of
//! it. Prints one JSON document. Usage: bench_backup DATA_DIR [RUNS]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use sovang_core::backup::{self, Reason};
use sovang_core::clock::SystemClock;
use sovang_core::store::ListFilter;
use sovang_core::{Kind, Store};

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn stats(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    let pick = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    format!(
        "{{\"pages\": {}, \"median_ms\": {:.1}, \"p95_ms\": {:.1}, \"max_ms\": {:.1}}}",
        v.len(),
        pick(0.5),
        pick(0.95),
        pick(1.0)
    )
}

/// Pages of the people list, one after another, until `stop`; each page's time.
fn pages(store: &Store, stop: &AtomicBool) -> Vec<f64> {
    let filter = ListFilter {
        kind: Some(Kind::Person),
        ..ListFilter::default()
    };
    let mut times = Vec::new();
    let mut after: Option<String> = None;
    while !stop.load(Ordering::Relaxed) || times.len() < 20 {
        let t = Instant::now();
        let page = store
            .list(Kind::Person, &filter, after.as_deref(), 100)
            .unwrap();
        times.push(ms(t));
        after = page.next.clone();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    times
}

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("DATA_DIR"));
    let runs: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let clock = SystemClock;
    let store = Store::open(&dir, Arc::new(SystemClock)).unwrap();
    let idle = AtomicBool::new(true);
    let quiet = pages(&store, &idle);

    let mut backups = Vec::new();
    let mut during = Vec::new();
    let mut last = String::new();
    for _ in 0..runs {
        let stop = AtomicBool::new(false);
        // The store is the window's (one thread); the backup runs beside it, as in the app.
        let (made, times) = std::thread::scope(|s| {
            let backup = s.spawn(|| {
                let t = Instant::now();
                let made = backup::create(&dir, Reason::Manual, &clock).unwrap();
                let took = ms(t);
                stop.store(true, Ordering::Relaxed);
                (made, took)
            });
            let times = pages(&store, &stop);
            (backup.join().unwrap(), times)
        });
        backups.push(made.1);
        during.extend(times);
        last = made.0.backup.id;
    }
    let size = backup::list(&dir)[0].bytes;
    drop(store);
    let mut restores = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        backup::restore(&dir, &last, &clock).unwrap();
        restores.push(ms(t));
    }
    // Each restore took a backup of the state before it too: their time is in `restore_ms`.
    backups.sort_by(f64::total_cmp);
    restores.sort_by(f64::total_cmp);
    println!(
        "{{\"db_bytes\": {size}, \"backup_ms\": {:?}, \"restore_ms\": {:?}, \"list_idle\": {}, \"list_during_backup\": {}}}",
        backups.iter().map(|x| x.round()).collect::<Vec<_>>(),
        restores.iter().map(|x| x.round()).collect::<Vec<_>>(),
        stats(quiet),
        stats(during)
    );
}
