//! The warning about an implausible clock on this PC: earlier than the last change saved
//! here, or than the day this version was built. The window and the CLI show it.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use common::person;
use sovang_core::app::{App, Setup};
use sovang_core::clock::ManualClock;
use sovang_core::clock_check::{build_day, ClockProblem};
use sovang_core::{Lang, Store};

/// `days` after the build day (before it, if negative), at noon in Vietnam.
fn days_after_build(days: i64) -> Arc<ManualClock> {
    let noon: DateTime<Utc> = build_day().and_hms_opt(5, 0, 0).unwrap().and_utc();
    Arc::new(ManualClock::new(noon + Duration::days(days)))
}

fn ward(clock: Arc<ManualClock>) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::init(dir.path(), "00070", "Cán bộ Test", clock).unwrap();
    (dir, store)
}

#[test]
fn a_plausible_clock_gives_no_warning() {
    let clock = days_after_build(30);
    let (_dir, mut s) = ward(clock.clone());
    person(&mut s, "Lê Thị Cúc", "00070");
    assert_eq!(
        s.clock_warning().unwrap(),
        None,
        "after both the build and the last change"
    );
    clock.advance_ms(-3_600_000);
    assert_eq!(
        s.clock_warning().unwrap(),
        None,
        "an hour back is within the day an import may move the last version ahead"
    );
}

#[test]
fn a_clock_set_back_before_the_last_change_is_warned_about() {
    let clock = days_after_build(400);
    let (_dir, mut s) = ward(clock.clone());
    person(&mut s, "Lê Thị Cúc", "00070");
    clock.advance_ms(-200 * 86_400_000);
    let w = s
        .clock_warning()
        .unwrap()
        .expect("200 days before the last change saved here");
    assert_eq!(w.problem, ClockProblem::BeforeLastChange);
    assert!(
        w.message.vi.contains("sớm hơn lần lưu dữ liệu gần nhất")
            && w.message.vi.contains("Đặt thời gian tự động"),
        "Vietnamese, saying how to fix the clock: {}",
        w.message.vi
    );
    assert!(w.message.en.contains("Set time automatically"));
}

#[test]
fn a_clock_before_the_build_day_is_warned_about_even_before_setup() {
    let clock = days_after_build(-2);
    let home = tempfile::tempdir().unwrap();
    let mut app = App::start(
        home.path().join("cfg"),
        Some(home.path().join("data")),
        clock.clone(),
    )
    .unwrap();
    let w = app.status().clock_warning.expect("the wizard shows it too");
    assert_eq!(w.problem, ClockProblem::BeforeBuild);
    assert!(
        w.message.vi.contains("sớm hơn ngày phát hành"),
        "{}",
        w.message.vi
    );
    let setup = Setup {
        lang: Lang::Vi,
        unit: "00070".into(),
        branch: None,
        user: "Minh Anh".into(),
    };
    let status = app.setup(setup).unwrap();
    assert_eq!(
        status.clock_warning.map(|w| w.problem),
        Some(ClockProblem::BeforeBuild),
        "the app's status carries it for the banner"
    );
    clock.advance_ms(3 * 86_400_000);
    assert_eq!(
        app.status().clock_warning,
        None,
        "a corrected clock clears it"
    );
}
