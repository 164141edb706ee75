//! `ocop criteria`: the criteria sets and the scoring engine, offline.

use crate::UsageError;
use clap::Subcommand;
use domain::criteria::{CriteriaSet, Kind, KnockOut, Part, Sheet};
use domain::scoring::{self, CardError, Level, Rules};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum CriteriaAction {
    /// List the 26 sheets of the criteria set in force.
    List,
    /// Print one sheet readably: parts, criteria, options with their index, points and minimum-star tags.
    Show {
        #[arg(long)]
        sheet: String,
    },
    /// Score answers offline (self-assessment or a council's scorecards) and print the result as JSON.
    Score {
        /// The sheet, e.g. `01`; when the file names one too, they must agree.
        #[arg(long)]
        sheet: Option<String>,
        /// The answers file (`-` reads standard input).
        #[arg(long)]
        answers: PathBuf,
        /// Members' totals further apart than this are flagged for discussion.
        #[arg(long, default_value_t = 10.0)]
        spread: f64,
        /// `province` (5★ is "potential 5★") or `central`.
        #[arg(long, default_value = "province")]
        level: String,
    },
}

fn set() -> anyhow::Result<&'static CriteriaSet> {
    store::criteria::current().map_err(|e| anyhow::anyhow!("bộ tiêu chí nhúng bị lỗi (embedded criteria set): {e}"))
}

pub fn run(action: CriteriaAction) -> anyhow::Result<()> {
    let set = set()?;
    match action {
        CriteriaAction::List => {
            print!("{}", list(set));
            Ok(())
        }
        CriteriaAction::Show { sheet } => {
            let sheet = find(set, &sheet)?;
            print!("{}", show(set, sheet));
            Ok(())
        }
        CriteriaAction::Score { sheet, answers, spread, level } => {
            let report = score(set, sheet.as_deref(), &answers, spread, &level)?;
            println!("{report}");
            Ok(())
        }
    }
}

fn find<'a>(set: &'a CriteriaSet, raw: &str) -> anyhow::Result<&'a Sheet> {
    set.parse_sheet(raw).map_err(|_| {
        let why = domain::Invalid::new("score-unknown-sheet").with("sheet", raw.trim());
        UsageError(web::i18n::Locale::Vi.tr().invalid(&why)).into()
    })
}

fn list(set: &CriteriaSet) -> String {
    let mut out = format!("Bộ tiêu chí theo Quyết định {}\n", set.version);
    for group in &set.groups {
        let _ = writeln!(out, "\nNhóm {} — {}", group.code, group.name_vi);
        for sheet in &group.sheets {
            let _ = writeln!(out, "  {}  {:<8} {}", sheet.code, sheet.classification_code, sheet.name_vi);
        }
    }
    out
}

fn stars(n: u8) -> String {
    "★".repeat(usize::from(n))
}

fn show(set: &CriteriaSet, sheet: &Sheet) -> String {
    let mut out = format!(
        "Bộ tiêu chí số {} ({}) — {}\nQuyết định {}\n",
        sheet.code, sheet.classification_code, sheet.name_vi, set.version
    );
    if let Some(d) = &sheet.disqualification_vi {
        let _ = writeln!(out, "{d}");
    }
    let mut part = None;
    let mut section = None;
    for c in &sheet.criteria {
        if part != Some(c.part) {
            part = Some(c.part);
            let _ = writeln!(out, "\nPHẦN {} ({} điểm)", c.part.letter(), set.part_max(c.part));
        }
        if section.as_ref() != Some(&c.section) {
            section = Some(c.section.clone());
            let _ = writeln!(out, "\n  {}. {}", c.section, c.section_title_vi.to_uppercase());
        }
        let indent = if c.parent_code.is_some() { "      " } else { "    " };
        let _ = writeln!(out, "{indent}{} {} (tối đa {} điểm)", c.code, c.text_vi, c.max_points);
        match c.kind {
            Kind::Group => {
                let _ = writeln!(out, "{indent}  (nhóm tiêu chí: chấm các tiêu chí con)");
            }
            Kind::MetOrNot => {
                let _ = writeln!(out, "{indent}  true = đạt ({} điểm), false = không đạt (0 điểm)", c.max_points);
            }
            Kind::Criterion => {
                let mut case = None;
                for (i, o) in c.options.iter().enumerate() {
                    if o.variant.is_some() && case != o.variant.as_deref() {
                        case = o.variant.as_deref();
                        let _ = writeln!(out, "{indent}  {}", o.variant.as_deref().unwrap_or_default());
                    }
                    let tag = o.min_star.map(|m| format!("  [tối thiểu {}]", stars(m))).unwrap_or_default();
                    let _ = writeln!(out, "{indent}  [{i}] {} điểm — {}{tag}", o.points, o.text_vi);
                }
            }
        }
        if let Some((kind, note)) = c.knock_out() {
            let how = match kind {
                KnockOut::Declared => format!("điểm dừng: khai báo \"knock_outs\":[\"{}\"] nếu áp dụng", c.code),
                KnockOut::ZeroPoints => "điểm dừng: tự động khi được 0 điểm".to_owned(),
            };
            let _ = writeln!(out, "{indent}  ! {note} ({how})");
        }
    }
    let _ = writeln!(
        out,
        "\nTỔNG CỘNG 100 điểm: A {} · B {} · C {}",
        set.part_max(Part::A),
        set.part_max(Part::B),
        set.part_max(Part::C)
    );
    out
}

fn score(
    set: &CriteriaSet,
    sheet_flag: Option<&str>,
    file: &std::path::Path,
    spread: f64,
    level: &str,
) -> anyhow::Result<String> {
    let t = web::i18n::Locale::Vi.tr();
    let level = match level.trim() {
        "province" | "tinh" | "tỉnh" => Level::Province,
        "central" | "trung-uong" | "trung ương" => Level::Central,
        other => return Err(UsageError(format!("--level {other}: hãy chọn province hoặc central")).into()),
    };
    if !spread.is_finite() || spread < 0.0 {
        return Err(UsageError(format!("--spread {spread}: phải là một số không âm")).into());
    }
    let text =
        if file.as_os_str() == "-" { std::io::read_to_string(std::io::stdin()) } else { std::fs::read_to_string(file) }
            .map_err(|e| UsageError(format!("không đọc được {} (cannot read): {e}", file.display())))?;
    let explain = |e: CardError| -> anyhow::Error {
        let message = t.invalid(&e.why);
        UsageError(match e.member {
            Some(m) => format!("thành viên {m}: {message}"),
            None => message,
        })
        .into()
    };
    let input = scoring::input::parse(&text).map_err(explain)?;
    let sheet = match (sheet_flag, input.sheet.as_deref()) {
        (None, None) => return Err(UsageError(t.get("score-no-sheet")).into()),
        (Some(raw), None) | (None, Some(raw)) => find(set, raw)?,
        (Some(flag), Some(inside)) => {
            let (a, b) = (find(set, flag)?, find(set, inside)?);
            if a.code != b.code {
                return Err(UsageError(t.args("score-sheet-mismatch", &[("flag", &a.code), ("file", &b.code)])).into());
            }
            a
        }
    };
    let outcome =
        scoring::evaluate(set, sheet, &input.cards, Rules { spread_limit: spread, level }).map_err(explain)?;
    Ok(scoring::input::report(&outcome).to_string())
}
