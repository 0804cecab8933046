//! The results table's benchmark: a committee of 9 members with 2,000 nominations in review,
//! every member's scores submitted; times `Store::results_page` (what the window's results
//! screen asks for) and `Store::results` (the whole ranking), each with its JSON. Usage: bench_review [DATA_DIR] (a fresh folder).

use std::sync::Arc;
use std::time::Instant;

use sovang_core::clock::SystemClock;
use sovang_core::Store;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "bench-data/review".into());
    let _ = std::fs::remove_dir_all(&dir);
    let mut store = Store::init(dir.as_ref(), "01", "Benchmark", Arc::new(SystemClock)).unwrap();
    let start = Instant::now();
    let committee = sovang_core::demo::review(&mut store, 2026, 2_000, 9, 7).unwrap();
    eprintln!("data: {:.1} s", start.elapsed().as_secs_f64());
    let results = store.results(&committee).unwrap();
    assert_eq!(results.rows.len(), 2_000);
    assert!(results.rows[0].rank == Some(1) && !results.rows[0].hidden);
    // What the window asks for (the first page of 100 rows), then the whole ranking (the CLI's
    // and the workbook's), each with its JSON. A write before each call (one row of `meta`
    // rewritten as it was) makes the store work the results out again, as after a change;
    // `again` is the same page with nothing changed in between (the results are kept).
    let touch = || {
        store
            .connection()
            .execute("UPDATE meta SET value = value WHERE key = 'unit'", [])
            .unwrap();
    };
    let page = time(|| {
        touch();
        serde_json::to_string(&store.results_page(&committee, 100).unwrap()).unwrap()
    });
    let full = time(|| {
        touch();
        serde_json::to_string(&store.results(&committee).unwrap()).unwrap()
    });
    let again =
        time(|| serde_json::to_string(&store.results_page(&committee, 100).unwrap()).unwrap());
    println!(
        "{{\"nominations\": 2000, \"members\": 9, \"page\": {page}, \"full\": {full}, \"again\": {again}}}"
    );
}

/// Median, min and max milliseconds of 11 calls, as JSON.
fn time(mut f: impl FnMut() -> String) -> String {
    let mut times = Vec::new();
    for _ in 0..11 {
        let t = Instant::now();
        let json = f();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(json.len() > 10_000, "the results hold their rows");
    }
    times.sort_by(f64::total_cmp);
    format!(
        "{{\"median_ms\": {:.1}, \"min_ms\": {:.1}, \"max_ms\": {:.1}}}",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    )
}
