//! Records the day the library was built, so that a PC whose clock says an earlier day can be
//! warned (`clock_check`). `SOURCE_DATE_EPOCH` (reproducible builds) wins over the build
//! machine's clock. Only the library's own sources refresh the day, and it changes at most
//! once a day, so editing a test or rebuilding the same day compiles nothing more.

use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    for path in ["build.rs", "src", "migrations"] {
        println!("cargo:rerun-if-changed={path}");
    }
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    println!("cargo:rustc-env=SOVANG_BUILD_DAY={}", secs - secs % 86_400);
}
