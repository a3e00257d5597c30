//! A gate evaluation as a release manager reads it.

use crate::gates::{Evaluation, GateStatus};

fn mark(status: GateStatus) -> &'static str {
    match status {
        GateStatus::Pass => "ok",
        GateStatus::Fail => "FAIL",
        GateStatus::Warn => "warn",
        GateStatus::Waived => "waived",
        GateStatus::Skipped => "skip",
    }
}

pub fn render(eval: &Evaluation) -> String {
    let mut out = String::new();
    let colour = super::table::colour();
    for g in &eval.gates {
        let m = mark(g.status);
        let m = if colour {
            match g.status {
                GateStatus::Fail => format!("\x1b[31m{m:<6}\x1b[0m"),
                GateStatus::Warn | GateStatus::Waived => format!("\x1b[33m{m:<6}\x1b[0m"),
                GateStatus::Pass => format!("\x1b[32m{m:<6}\x1b[0m"),
                GateStatus::Skipped => format!("{m:<6}"),
            }
        } else {
            format!("{m:<6}")
        };
        out.push_str(&format!("  {m} {:<24} {}\n", g.name, g.message));
        if let (GateStatus::Fail, Some(r)) = (g.status, &g.remedy) {
            out.push_str(&format!("         {:<24} -> {r}\n", ""));
        }
    }
    if eval.gates.is_empty() {
        out.push_str("  (the policy lists no gates for this transition)\n");
    }
    out
}

/// Headline plus gate lines.
pub fn render_with_headline(eval: &Evaluation) -> String {
    let verdict = if eval.allowed {
        "can move"
    } else {
        "is blocked"
    };
    format!(
        "{} {verdict}: {} -> {} ({})\n{}",
        eval.release,
        eval.from,
        eval.to,
        eval.summary(),
        render(eval)
    )
}
