//! Measures reads on an existing demo database: opening with the first page, search, and list
//! pages at several depths. Prints one JSON document. Run by `make bench`.
//!
//! Usage: bench_queries DATA_DIR

use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use sovang_core::clock::SystemClock;
use sovang_core::store::ListFilter;
use sovang_core::{Kind, Store};

fn percentiles(mut ms: Vec<f64>) -> serde_json::Value {
    ms.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    json!({"calls": ms.len(), "p50_ms": at(0.5), "p95_ms": at(0.95), "max_ms": at(1.0)})
}

fn time<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let t = Instant::now();
    let v = f();
    (t.elapsed().as_secs_f64() * 1000.0, v)
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: bench_queries DATA_DIR");
    let dir = std::path::Path::new(&dir);
    let clock = Arc::new(SystemClock);

    // Open + first page, as the app does at start-up (cold process cache is out of reach here:
    // the OS page cache stays warm between runs).
    let mut open = Vec::new();
    for _ in 0..15 {
        let (ms, _) = time(|| {
            let s = Store::open(dir, clock.clone()).expect("open");
            s.list(Kind::Entry, &ListFilter::default(), None, 100)
                .expect("first page")
        });
        open.push(ms);
    }

    let store = Store::open(dir, clock).expect("open");
    let all = ListFilter::default();
    let queries = [
        "n",
        "t",
        "h",
        "ng",
        "th",
        "ngu",
        "nguy",
        "nguye",
        "nguyen",
        "Nguyễn",
        "thanh nien",
        "doan",
        "hien mau",
        "cuu nguoi duoi nuoc",
        "Hoàn Kiếm",
        "hoan kiem",
        "yagi",
        "Trần Thị Lan",
        "tran thi lan",
        "quyen gop sach",
        "sân chơi",
        "thap sang",
        "ky nang so",
        "Hoà",
        "xyzzy",
    ];
    let mut search = Vec::new();
    let mut per_query = serde_json::Map::new();
    for q in queries {
        let mut mine = Vec::new();
        for _ in 0..20 {
            let (ms, page) = time(|| store.search(q, &all, None, 50).expect("search"));
            mine.push(ms);
            search.push(ms);
            std::hint::black_box(page);
        }
        per_query.insert(q.to_string(), percentiles(mine));
    }
    let filters = [
        ListFilter {
            kind: Some(Kind::Person),
            ..Default::default()
        },
        ListFilter {
            unit: Some("00070".into()),
            ..Default::default()
        },
        ListFilter {
            year: Some(2024),
            kind: Some(Kind::Entry),
            ..Default::default()
        },
    ];
    let mut filtered = Vec::new();
    for f in &filters {
        for q in ["ng", "nguyen", "hien mau", "lan"] {
            for _ in 0..10 {
                let (ms, _) = time(|| store.search(q, f, None, 50).expect("search"));
                filtered.push(ms);
            }
        }
    }

    // List pages of 100 at several depths: cursors taken from the table (set-up, not timed).
    let conn = store.connection();
    let mut lists = serde_json::Map::new();
    let mut all_pages = Vec::new();
    for kind in [Kind::Entry, Kind::Person, Kind::Project, Kind::Nomination] {
        let count: i64 = conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM {} WHERE deleted_at IS NULL",
                    kind.table()
                ),
                [],
                |r| r.get(0),
            )
            .expect("count");
        let mut cursors: Vec<Option<String>> = vec![None];
        let mut after: Option<String> = None;
        let depths = [0.1, 0.5, 0.9, 0.999];
        let mut walked = 0i64;
        // Walk with big pages to reach each depth (not timed), keep the cursor there.
        for d in depths {
            let target = (count as f64 * d) as i64;
            while walked + 500 <= target {
                let p = store
                    .list(kind, &ListFilter::default(), after.as_deref(), 500)
                    .expect("walk");
                walked += p.items.len() as i64;
                after = p.next;
                if after.is_none() {
                    break;
                }
            }
            cursors.push(after.clone());
        }
        let mut mine = Vec::new();
        for c in &cursors {
            for f in [
                ListFilter::default(),
                ListFilter {
                    unit: Some("00070".into()),
                    ..Default::default()
                },
                ListFilter {
                    unit: Some("01".into()),
                    ..Default::default()
                },
                ListFilter {
                    year: Some(2025).filter(|_| kind.has_year()),
                    ..Default::default()
                },
            ] {
                for _ in 0..5 {
                    let (ms, p) = time(|| store.list(kind, &f, c.as_deref(), 100));
                    if let Err(e) = p {
                        // A cursor from the unfiltered walk is still a valid position.
                        panic!("list failed: {e:?}");
                    }
                    mine.push(ms);
                    all_pages.push(ms);
                }
            }
        }
        lists.insert(
            kind.name().to_string(),
            json!({"records": count, "pages": percentiles(mine)}),
        );
    }

    let out = json!({
        "open_and_first_page": percentiles(open),
        "search_top50": percentiles(search),
        "search_top50_filtered": percentiles(filtered),
        "search_by_query": per_query,
        "list_page_100": percentiles(all_pages),
        "list_by_kind": lists,
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("json"));
}
