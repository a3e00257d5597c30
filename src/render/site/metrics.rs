//! The metrics page: delivery trends as SVG charts (seed: "Release metrics
//! are captured for trend analysis"), each with its numbers in a table for
//! screen readers and for print.

use super::SiteInput;
use super::html::{self, esc};
use crate::model::{DeploymentStatus, Release};
use chrono::{Datelike, Duration, NaiveDate};

/// A series: one label and value (if any) per period.
struct Series {
    id: &'static str,
    title: &'static str,
    /// What the chart shows, in a sentence (the SVG's description).
    what: String,
    unit: &'static str,
    labels: Vec<String>,
    values: Vec<Option<f64>>,
    /// Fixed top of the scale (percentages), else from the data.
    max: Option<f64>,
}

fn local_day(input: &SiteInput, t: crate::model::Timestamp) -> NaiveDate {
    t.with_timezone(&input.tz).date_naive()
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

pub fn page(input: &SiteInput) -> String {
    let today = local_day(input, input.now);
    let deployed: Vec<(&Release, NaiveDate)> = input
        .releases
        .iter()
        .filter_map(|r| Some((r, local_day(input, r.deployment.as_ref()?.started))))
        .collect();

    // Deployments per week: the 26 weeks up to this one.
    let this_monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let weeks: Vec<NaiveDate> = (0..26)
        .rev()
        .map(|k| this_monday - Duration::weeks(k))
        .collect();
    let per_week = Series {
        id: "deployments",
        title: "Deployments per week",
        what: format!(
            "Deployments started in each of the 26 weeks from {} to {}.",
            weeks[0].format("%d %b %Y"),
            (this_monday + Duration::days(6)).format("%d %b %Y")
        ),
        unit: "",
        labels: weeks
            .iter()
            .map(|w| w.format("%d %b").to_string())
            .collect(),
        values: weeks
            .iter()
            .map(|w| {
                let end = *w + Duration::days(7);
                Some(deployed.iter().filter(|(_, d)| d >= w && *d < end).count() as f64)
            })
            .collect(),
        max: None,
    };

    // Monthly series: the 12 months up to this one.
    let this_month = month_start(today);
    let months: Vec<NaiveDate> = (0..12u32)
        .rev()
        .map(|k| this_month - chrono::Months::new(k))
        .collect();
    let in_month = |m: NaiveDate| {
        let end = m + chrono::Months::new(1);
        deployed
            .iter()
            .filter(move |(_, d)| *d >= m && *d < end)
            .map(|(r, _)| *r)
    };
    let labels: Vec<String> = months
        .iter()
        .map(|m| m.format("%b %Y").to_string())
        .collect();
    let rate = |hits: usize, total: usize| (total > 0).then(|| 100.0 * hits as f64 / total as f64);
    let on_time = Series {
        id: "on-time",
        title: "On-time delivery",
        what: "Share of releases closed in each month that deployed on time, in percent.".into(),
        unit: "%",
        labels: labels.clone(),
        values: months
            .iter()
            .map(|m| {
                let closed: Vec<_> = in_month(*m).filter_map(|r| r.closure.as_ref()).collect();
                rate(closed.iter().filter(|c| c.on_time).count(), closed.len())
            })
            .collect(),
        max: Some(100.0),
    };
    let failure = Series {
        id: "failure-rate",
        title: "Change failure rate",
        what: "Share of deployments in each month that were partial or rolled back, in percent."
            .into(),
        unit: "%",
        labels: labels.clone(),
        values: months
            .iter()
            .map(|m| {
                let all: Vec<_> = in_month(*m).collect();
                let failed = all
                    .iter()
                    .filter(|r| {
                        r.deployment.as_ref().is_some_and(|d| {
                            matches!(
                                d.status,
                                DeploymentStatus::Partial | DeploymentStatus::RolledBack
                            )
                        })
                    })
                    .count();
                rate(failed, all.len())
            })
            .collect(),
        max: Some(100.0),
    };
    let lead = Series {
        id: "lead-time",
        title: "Lead time from plan to deployment",
        what:
            "Mean days from booking a release to starting its deployment, by month of deployment."
                .into(),
        unit: " d",
        labels: labels.clone(),
        values: months
            .iter()
            .map(|m| {
                let days: Vec<f64> = in_month(*m)
                    .filter_map(|r| {
                        let d = r.deployment.as_ref()?;
                        Some((d.started - r.booked_at).num_minutes() as f64 / 1440.0)
                    })
                    .collect();
                (!days.is_empty()).then(|| days.iter().sum::<f64>() / days.len() as f64)
            })
            .collect(),
        max: None,
    };
    let escaped = Series {
        id: "defects-escaped",
        title: "Defects escaped to production",
        what: "Defects found after deployment, by month of the release's deployment.".into(),
        unit: "",
        labels,
        values: months
            .iter()
            .map(|m| {
                Some(
                    in_month(*m)
                        .map(|r| r.defects.iter().filter(|d| d.post_deploy).count())
                        .sum::<usize>() as f64,
                )
            })
            .collect(),
        max: None,
    };

    let mut b = String::from("<h1>Metrics</h1>\n");
    b.push_str(&format!(
        "<p class=\"lede\">Trends of delivery up to {}. Each chart's numbers are in the table under it.</p>\n",
        esc(&today.format("%d %b %Y").to_string())
    ));
    b.push_str(&summary(input, &deployed));
    for s in [&per_week, &on_time, &failure, &lead, &escaped] {
        b.push_str(&chart(s));
    }
    html::layout("", "Metrics", "metrics", &b)
}

fn summary(input: &SiteInput, deployed: &[(&Release, NaiveDate)]) -> String {
    let closed: Vec<_> = input
        .releases
        .iter()
        .filter_map(|r| r.closure.as_ref())
        .collect();
    let pct = |n: usize, d: usize| {
        if d == 0 {
            "–".to_string()
        } else {
            format!("{:.0} % ({n} of {d})", 100.0 * n as f64 / d as f64)
        }
    };
    let failed = deployed
        .iter()
        .filter(|(r, _)| {
            r.deployment
                .as_ref()
                .is_some_and(|d| d.status != DeploymentStatus::Successful)
        })
        .count();
    let leads: Vec<f64> = deployed
        .iter()
        .filter_map(|(r, _)| {
            Some((r.deployment.as_ref()?.started - r.booked_at).num_minutes() as f64 / 1440.0)
        })
        .collect();
    let escaped: usize = input
        .releases
        .iter()
        .map(|r| r.defects.iter().filter(|d| d.post_deploy).count())
        .sum();
    let mut out = String::from(
        "<table class=\"summary\">\n<caption>All time</caption>\n<thead><tr><th scope=\"col\">Metric</th><th scope=\"col\">Value</th></tr></thead>\n<tbody>\n",
    );
    for (k, v) in [
        ("Deployments", deployed.len().to_string()),
        ("Closed releases", closed.len().to_string()),
        (
            "On-time delivery",
            pct(closed.iter().filter(|c| c.on_time).count(), closed.len()),
        ),
        ("Change failure rate", pct(failed, deployed.len())),
        (
            "Mean lead time, plan to deployment",
            if leads.is_empty() {
                "–".into()
            } else {
                format!("{:.1} days", leads.iter().sum::<f64>() / leads.len() as f64)
            },
        ),
        ("Defects escaped to production", escaped.to_string()),
    ] {
        out.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n",
            esc(k),
            esc(&v)
        ));
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

fn number(v: f64, unit: &str) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}{unit}")
    } else {
        format!("{v:.1}{unit}")
    }
}

/// A bar chart, scaled to its container; the bars carry their values as
/// titles, the axis its scale in text.
fn chart(s: &Series) -> String {
    const W: f64 = 640.0;
    const H: f64 = 220.0;
    const LEFT: f64 = 44.0;
    const BOTTOM: f64 = 36.0;
    const TOP: f64 = 12.0;
    let data_max = s.values.iter().flatten().copied().fold(0.0, f64::max);
    let max = s.max.unwrap_or_else(|| {
        // A round top: 1, 2, 5 times a power of ten.
        let raw = data_max.max(1.0);
        let p = 10f64.powf(raw.log10().floor());
        [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * p)
            .find(|v| *v >= raw)
            .unwrap_or(raw)
    });
    let plot_h = H - TOP - BOTTOM;
    let n = s.values.len().max(1) as f64;
    let slot = (W - LEFT - 8.0) / n;
    let bar = (slot * 0.7).max(1.0);
    let y = |v: f64| TOP + plot_h - plot_h * (v / max).min(1.0);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"{id}-title\">{}</title>\n<desc id=\"{id}-desc\">{}</desc>\n",
        esc(s.title),
        esc(&s.what),
        id = s.id
    );
    for k in 0..=2 {
        let v = max * f64::from(k) / 2.0;
        svg.push_str(&format!(
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text class=\"axis\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            W - 4.0,
            LEFT - 6.0,
            y(v) + 4.0,
            esc(&number(v, s.unit)),
            y = y(v)
        ));
    }
    let every = (s.labels.len() / 6).max(1);
    for (i, (label, value)) in s.labels.iter().zip(&s.values).enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        if let Some(v) = value {
            // A zero still shows (a hairline), so it reads apart from no data.
            let top = y(*v).min(TOP + plot_h - 1.5);
            svg.push_str(&format!(
                "<rect class=\"bar\" x=\"{x:.1}\" y=\"{top:.1}\" width=\"{bar:.1}\" height=\"{:.1}\"><title>{}: {}</title></rect>\n",
                (TOP + plot_h - top).max(0.0),
                esc(label),
                esc(&number(*v, s.unit))
            ));
        }
        // Counted from the latest period, so the last label always shows
        // and none crowds another.
        if (s.labels.len() - 1 - i).is_multiple_of(every) {
            svg.push_str(&format!(
                "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
                x + bar / 2.0,
                H - BOTTOM + 16.0,
                esc(label)
            ));
        }
    }
    svg.push_str("</svg>\n");
    let mut table = format!(
        "<table class=\"data\">\n<caption>{}: the numbers</caption>\n<thead><tr><th scope=\"col\">Period</th><th scope=\"col\" class=\"num\">Value</th></tr></thead>\n<tbody>\n",
        esc(s.title)
    );
    for (label, value) in s.labels.iter().zip(&s.values) {
        table.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td></tr>\n",
            esc(label),
            value
                .map(|v| esc(&number(v, s.unit)))
                .unwrap_or_else(|| "no data".into())
        ));
    }
    table.push_str("</tbody>\n</table>\n");
    format!(
        "<section aria-labelledby=\"{id}\" class=\"metric\">\n<h2 id=\"{id}\">{}</h2>\n<p>{}</p>\n<figure>\n{svg}<figcaption><details><summary>The numbers</summary>\n{table}</details></figcaption>\n</figure>\n</section>\n",
        esc(s.title),
        esc(&s.what),
        id = s.id
    )
}
