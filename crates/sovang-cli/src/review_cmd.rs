//! `review`: the committee review of nominations (submit, review, score, decide, results).

use std::collections::BTreeMap;

use clap::Subcommand;
use serde_json::{json, Value};
use sovang_core::store::{DecisionInput, Results, ScoreInput};
use sovang_core::{Code, Error, Lang, Store};

use crate::output::Out;

#[derive(Subcommand)]
pub enum ReviewCmd {
    /// Các hội đồng xét chọn ở máy này / The review committees recorded here
    Committees,
    /// Đơn vị nộp đề cử cho hội đồng / The nominating unit submits a nomination
    Submit { nomination: String },
    /// Hội đồng đưa đề cử vào xét chọn / The committee takes a nomination into review
    Start { nomination: String },
    /// Chấm điểm trên máy của thành viên / Score a nomination, on the member's own installation
    Score {
        nomination: String,
        #[arg(long, value_name = "ID")]
        committee: String,
        /// Điểm từng tiêu chí, ví dụ ban_linh=4,tri_thuc=5 / Points per criterion
        #[arg(long, value_name = "CODE=N,…", default_value = "")]
        points: String,
        /// Nhận xét một tiêu chí, ví dụ ban_linh="Rất tốt" (lặp lại được) / A criterion's comment (repeatable)
        #[arg(long, value_name = "CODE=TEXT")]
        comment: Vec<String>,
        /// Không chấm vì xung đột lợi ích, kèm lý do / Recuse (conflict of interest), with the reason
        #[arg(long, value_name = "REASON")]
        recuse: Option<String>,
        /// Lưu nháp, chưa gửi / Save as a draft, not submitted
        #[arg(long)]
        draft: bool,
    },
    /// Điểm của một đề cử mà máy này được xem / A nomination's scores this installation may see
    Scores {
        nomination: String,
        #[arg(long, value_name = "ID")]
        committee: String,
    },
    /// Kết quả và xếp hạng / Results and ranking
    Results {
        #[arg(long, value_name = "ID", required_unless_present = "year")]
        committee: Option<String>,
        /// Mọi hội đồng của năm này / Every committee of this year
        #[arg(long, value_name = "Y")]
        year: Option<i32>,
    },
    /// Chủ tịch ghi quyết định của hội đồng / The chair records the committee's decision
    Decide {
        nomination: String,
        #[arg(long, value_name = "ID")]
        committee: String,
        /// approved, rejected hoặc returned / approved, rejected or returned
        #[arg(long)]
        outcome: String,
        #[arg(long = "for", value_name = "N")]
        votes_for: u32,
        #[arg(long = "against", value_name = "N", default_value_t = 0)]
        votes_against: u32,
        #[arg(long = "abstain", value_name = "N", default_value_t = 0)]
        votes_abstaining: u32,
        /// Số quyết định / The decision's number
        #[arg(long)]
        number: String,
        /// Ngày quyết định (dd/mm/yyyy) / The decision's date
        #[arg(long)]
        date: String,
        /// Ý kiến của hội đồng (bắt buộc khi trả lại) / The committee's feedback (required to return)
        #[arg(long)]
        feedback: Option<String>,
    },
    /// Ghi bảng xếp hạng ra tệp Excel / Write the ranking to an Excel workbook
    Export {
        #[arg(long, value_name = "ID")]
        committee: String,
        /// Tệp .xlsx / The .xlsx file
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Ghi hồ sơ đề cử ra tệp PDF để in / Write a nomination's dossier to a PDF for printing
    Dossier {
        nomination: String,
        /// Tệp .pdf / The .pdf file
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Mở lại một quyết định, kèm lý do / Reopen a decision, with the reason
    Reopen {
        decision: String,
        #[arg(long)]
        reason: String,
    },
    /// Chủ tịch mở lại phiếu chấm đã gửi của một thành viên, kèm lý do / The chair reopens a member's submitted sheet, with the reason
    ReopenSheet {
        /// Mã phiếu chấm (xem `review scores`) / The sheet's id (see `review scores`)
        score: String,
        #[arg(long)]
        reason: String,
    },
    /// Chuyển đề cử đã chấp thuận lên cấp trên / Forward an approved nomination to the next level
    Forward {
        nomination: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Các lần chuyển trạng thái của một đề cử / A nomination's status changes
    History { nomination: String },
}

/// `code=value` pairs, comma-separated (points) or one per flag (comments).
fn pairs<'a>(
    items: impl Iterator<Item = &'a str>,
    field: &str,
) -> Result<Vec<(String, String)>, Error> {
    items
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .ok_or_else(|| Error::field_arg(Code::InvalidArgument, field, s))
        })
        .collect()
}

fn score_input(
    points: &str,
    comments: &[String],
    recuse: &Option<String>,
    draft: bool,
) -> Result<ScoreInput, Error> {
    let mut p = BTreeMap::new();
    for (k, v) in pairs(points.split(','), "points")? {
        let n = v
            .parse()
            .map_err(|_| Error::field_arg(Code::InvalidArgument, "points", &v))?;
        p.insert(k, n);
    }
    Ok(ScoreInput {
        points: p,
        comments: pairs(comments.iter().map(String::as_str), "comment")?
            .into_iter()
            .collect(),
        recusal: recuse.clone(),
        submit: !draft,
    })
}

fn results_text(r: &Results, lang: Lang) -> String {
    let fmt = |x: Option<f64>| x.map_or("—".to_owned(), |x| format!("{x:.2}"));
    let mut s = match lang {
        Lang::Vi => format!(
            "{} — năm {} (tối đa {} điểm)\n",
            r.committee_name, r.year, r.max_total
        ),
        Lang::En => format!(
            "{} — {} (at most {} points)\n",
            r.committee_name, r.year, r.max_total
        ),
    };
    for row in &r.rows {
        let rank = row.rank.map_or("—".to_owned(), |n| n.to_string());
        s.push_str(&format!(
            "{rank:>4}  {:<40} {:>8} {:>8}  {}\n",
            row.title,
            fmt(row.mean),
            fmt(row.median),
            row.status
        ));
        if row.decided {
            s.push_str(match lang {
                Lang::Vi => "      Đã quyết định: điểm trên là điểm khi quyết định.\n",
                Lang::En => "      Decided: the figures above are those it was decided on.\n",
            });
        }
        for m in row.members.iter().filter(|m| m.late) {
            s.push_str(&match lang {
                Lang::Vi => format!(
                    "      Phiếu nộp muộn của {} ({}): không tính.\n",
                    m.member_name,
                    fmt(m.total)
                ),
                Lang::En => format!(
                    "      Late sheet of {} ({}): not counted.\n",
                    m.member_name,
                    fmt(m.total)
                ),
            });
        }
    }
    s
}

pub fn run(store: &mut Store, cmd: &ReviewCmd, out: &Out) -> Result<(), Error> {
    let show = |v: Value| out.record(&v);
    match cmd {
        ReviewCmd::Committees => {
            let list: Vec<Value> = store
                .committees()?
                .into_iter()
                .map(|(id, c)| json!({"id": id, "committee": c}))
                .collect();
            show(Value::Array(list));
        }
        ReviewCmd::Submit { nomination } => show(json!(store.submit(nomination)?)),
        ReviewCmd::Start { nomination } => show(json!(store.start_review(nomination)?)),
        ReviewCmd::Score {
            nomination,
            committee,
            points,
            comment,
            recuse,
            draft,
        } => {
            let input = score_input(points, comment, recuse, *draft)?;
            show(json!(store.score(committee, nomination, input)?));
        }
        ReviewCmd::Scores {
            nomination,
            committee,
        } => show(json!(store.scores(committee, nomination)?)),
        ReviewCmd::Results { committee, year } => {
            let all = match (committee, year) {
                (Some(c), _) => vec![store.results(c)?],
                (None, Some(y)) => store.results_for_year(*y)?,
                (None, None) => Vec::new(),
            };
            if out.json {
                show(json!(all));
            } else {
                for r in &all {
                    print!("{}", results_text(r, out.lang));
                }
            }
        }
        ReviewCmd::Decide {
            nomination,
            committee,
            outcome,
            votes_for,
            votes_against,
            votes_abstaining,
            number,
            date,
            feedback,
        } => {
            let outcome = sovang_core::records::ReviewStatus::parse(outcome)
                .filter(|o| o.is_outcome())
                .ok_or_else(|| {
                    sovang_core::Error::field_arg(
                        sovang_core::Code::InvalidValue,
                        "outcome",
                        outcome,
                    )
                })?;
            let d = DecisionInput {
                outcome,
                votes_for: *votes_for,
                votes_against: *votes_against,
                votes_abstaining: *votes_abstaining,
                number: number.clone(),
                date: date.clone(),
                feedback: feedback.clone(),
            };
            show(store.decide(committee, nomination, d)?);
        }
        ReviewCmd::Export {
            committee,
            out: file,
        } => {
            let r = store.results(committee)?;
            sovang_core::reports::write_ranking(&r, store.units(), file)?;
            out.value(
                &json!({"file": file, "rows": r.rows.len()}),
                &format!(
                    "Đã ghi bảng xếp hạng ({} đề cử) vào {}",
                    r.rows.len(),
                    file.display()
                ),
                &format!(
                    "Ranking ({} nominations) written to {}",
                    r.rows.len(),
                    file.display()
                ),
            );
        }
        ReviewCmd::Dossier {
            nomination,
            out: file,
        } => {
            sovang_core::reports::write_dossier(store, nomination, file)?;
            out.value(
                &json!({"file": file}),
                &format!("Đã ghi hồ sơ đề cử vào {}", file.display()),
                &format!("Dossier written to {}", file.display()),
            );
        }
        ReviewCmd::Reopen { decision, reason } => show(json!(store.reopen(decision, reason)?)),
        ReviewCmd::ReopenSheet { score, reason } => show(json!(store.reopen_sheet(score, reason)?)),
        ReviewCmd::Forward { nomination, reason } => {
            show(json!(store.forward(nomination, reason.clone())?))
        }
        ReviewCmd::History { nomination } => show(json!(store.status_history(nomination)?)),
    }
    Ok(())
}
