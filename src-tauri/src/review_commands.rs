//! The committee review's commands: each a thin call into `sovang_core`.

use serde_json::Value;
use sovang_core::app::{CommitteeEntry, DecisionEntry};
use sovang_core::records::Committee;
use sovang_core::store::{
    DecisionInput, Results, ReviewState, ScoreInput, ScoreView, StatusChange,
};
use sovang_core::Result;

use crate::commands::{with, S};

#[tauri::command]
pub async fn review_state(s: S<'_>, nomination: String) -> Result<ReviewState> {
    with(&s, |a| a.store()?.review_state(&nomination))
}

#[tauri::command]
pub async fn submit_nomination(s: S<'_>, nomination: String) -> Result<ReviewState> {
    with(&s, |a| {
        a.store()?.submit(&nomination)?;
        a.store()?.review_state(&nomination)
    })
}

#[tauri::command]
pub async fn committees(s: S<'_>) -> Result<Vec<CommitteeEntry>> {
    with(&s, |a| a.committees())
}

#[tauri::command]
pub async fn committee_template(s: S<'_>) -> Result<Committee> {
    with(&s, |a| a.committee_template())
}

/// The ranking's first `limit` rows (the window shows a page at a time).
#[tauri::command]
pub async fn results(s: S<'_>, committee: String, limit: usize) -> Result<Results> {
    with(&s, |a| a.store()?.results_page(&committee, limit))
}

#[tauri::command]
pub async fn start_review(s: S<'_>, nomination: String) -> Result<StatusChange> {
    with(&s, |a| a.store()?.start_review(&nomination))
}

#[tauri::command]
pub async fn score(
    s: S<'_>,
    committee: String,
    nomination: String,
    input: ScoreInput,
) -> Result<ScoreView> {
    with(&s, |a| a.store()?.score(&committee, &nomination, input))
}

#[tauri::command]
pub async fn scores(s: S<'_>, committee: String, nomination: String) -> Result<Vec<ScoreView>> {
    with(&s, |a| a.store()?.scores(&committee, &nomination))
}

#[tauri::command]
pub async fn decide(
    s: S<'_>,
    committee: String,
    nomination: String,
    input: DecisionInput,
) -> Result<Value> {
    with(&s, |a| a.store()?.decide(&committee, &nomination, input))
}

#[tauri::command]
pub async fn decision_in_force(s: S<'_>, nomination: String) -> Result<Option<DecisionEntry>> {
    with(&s, |a| a.decision_in_force(&nomination))
}

#[tauri::command]
pub async fn reopen_decision(s: S<'_>, decision: String, reason: String) -> Result<StatusChange> {
    with(&s, |a| a.store()?.reopen(&decision, &reason))
}

/// The chair reopens a member's submitted sheet, with the reason (logged, sent on).
#[tauri::command]
pub async fn reopen_sheet(s: S<'_>, score: String, reason: String) -> Result<ScoreView> {
    with(&s, |a| a.store()?.reopen_sheet(&score, &reason))
}

#[tauri::command]
pub async fn forward_nomination(s: S<'_>, nomination: String) -> Result<StatusChange> {
    with(&s, |a| a.store()?.forward(&nomination, None))
}

#[tauri::command]
pub async fn export_ranking(s: S<'_>, committee: String) -> Result<String> {
    with(&s, |a| a.export_ranking(&committee))
}

#[tauri::command]
pub async fn export_dossier(s: S<'_>, nomination: String) -> Result<String> {
    with(&s, |a| a.export_dossier(&nomination))
}
