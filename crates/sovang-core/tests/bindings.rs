//! The UI's TypeScript types are generated from the Rust types that cross to it. This test
//! fails when the committed files in `ui/src/lib/bindings/` are stale; run it with
//! `UPDATE_BINDINGS=1` (or `make bindings`) to rewrite them.
#![cfg(feature = "ts")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sovang_core::app::ReportFormat;
use sovang_core::app::{
    AppStatus, CommitteeEntry, DecisionEntry, HistoryEntry, Setup, StagedBundle, SyncStatus,
    Vocabulary,
};
use sovang_core::backup::{BackupSettings, Created, RestoreReport, VerifyReport};
use sovang_core::records::{
    Committee, Decision, Entry, Nomination, Person, Project, ProjectUpdate, Score, Target,
    Transition, Unit,
};
use sovang_core::reports::{PeriodReport, ReportHeading, TargetGrid};
use sovang_core::sheets::PersonDataReport;
use sovang_core::sheets::SheetField;
use sovang_core::store::{BackupStatus, DetachedAttachment, PurgeReport};
use sovang_core::store::{
    Conflict, DecisionInput, ExportReport, HeldRecord, HistoryRow, ImportReport, ListFilter,
    Overview, Page, RecordView, Results, ReviewState, ScoreInput, ScoreView, SheetReport, Stats,
    StatusChange, UnitChoice, UnitRow,
};
use sovang_core::sync::identity::{TrustedKey, UnitCard};
use sovang_core::sync::Progress;
use ts_rs::{Config, TS};

fn render(dir: &Path) {
    let cfg = Config::new().with_out_dir(dir);
    macro_rules! export {
        ($($t:ty),*) => { $( <$t>::export_all(&cfg).expect(stringify!($t)); )* };
    }
    export!(
        AppStatus,
        BackupStatus,
        BackupSettings,
        Created,
        RestoreReport,
        VerifyReport,
        PurgeReport,
        PersonDataReport,
        DetachedAttachment,
        PeriodReport,
        TargetGrid,
        ReportHeading,
        ReportFormat,
        SheetReport,
        SheetField,
        Setup,
        Vocabulary,
        Entry,
        Nomination,
        Person,
        Project,
        ProjectUpdate,
        Target,
        Unit,
        HistoryRow,
        HistoryEntry,
        ListFilter,
        Overview,
        Page,
        RecordView,
        Stats,
        UnitChoice,
        UnitRow,
        sovang_core::Error,
        SyncStatus,
        StagedBundle,
        ExportReport,
        ImportReport,
        Conflict,
        UnitCard,
        TrustedKey,
        Progress,
        Committee,
        Score,
        Decision,
        Transition,
        StatusChange,
        ScoreView,
        Results,
        ReviewState,
        ScoreInput,
        DecisionInput,
        CommitteeEntry,
        DecisionEntry,
        HeldRecord
    );
}

/// Every `.ts` file under `dir`, by its path relative to `dir`.
fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "ts") {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    out
}

#[test]
fn generated_typescript_is_up_to_date() {
    let committed: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "ui",
        "src",
        "lib",
        "bindings",
    ]
    .iter()
    .collect();
    let fresh = tempfile::tempdir().unwrap();
    render(fresh.path());
    let want = files(fresh.path());
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        std::fs::create_dir_all(&committed).unwrap();
        for (name, text) in &want {
            let path = committed.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }
    let have = files(&committed);
    let stale: Vec<&String> = want
        .keys()
        .filter(|k| have.get(*k) != want.get(*k))
        .chain(have.keys().filter(|k| !want.contains_key(*k)))
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/lib/bindings is stale for {stale:?}: run `make bindings` and commit the result"
    );
}
