//! Charts as server-rendered SVG (plotters' SVG backend): the on-time rate per unit, the
//! monthly volume per procedure, and a plan's progress by timing. Text stays SVG `<text>` with a
//! CJK font stack, so the browser renders Chinese with the fonts it has; titles, axes and
//! legends come from the locale files. Only aggregated numbers: safe for the public portal.

use crate::i18n::Tr;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use fazhi_store::cases::PublicStat;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// The font family written into the SVG: CJK fonts first, as in the stylesheet.
const FONT: &str = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif";
const ACCENT: RGBColor = RGBColor(0x9b, 0x1c, 0x1c);
const PALETTE: [RGBColor; 6] = [
    RGBColor(0x9b, 0x1c, 0x1c),
    RGBColor(0x0b, 0x4f, 0x8a),
    RGBColor(0x1d, 0x6b, 0x36),
    RGBColor(0x8a, 0x5a, 0x00),
    RGBColor(0x5b, 0x3f, 0x8c),
    RGBColor(0x4a, 0x55, 0x60),
];

/// A named line: one optional value per month.
pub type Series = (String, Vec<Option<i64>>);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/charts/on-time.svg", get(on_time))
        .route("/charts/volume.svg", get(volume))
        .route("/charts/on-time-monthly.svg", get(on_time_monthly))
        .route("/charts/plan/{id}", get(plan_progress))
}

fn svg(body: Result<String, String>) -> Response {
    match body {
        Ok(s) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            s,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "chart failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Bars of one value per label, 0–100 %, labelled with the value.
pub fn percent_bars(title: &str, y_desc: &str, bars: &[(String, f64)]) -> Result<String, String> {
    let mut out = String::new();
    {
        let width = (160 + 70 * bars.len().max(3)) as u32;
        let root = SVGBackend::with_string(&mut out, (width.min(1400), 340)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = bars.len().max(1) as u32;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 20))
            .margin(12)
            .x_label_area_size(70)
            .y_label_area_size(50)
            .build_cartesian_2d((0..n).into_segmented(), 0f64..100f64)
            .map_err(err)?;
        let labels: Vec<String> = bars.iter().map(|(l, _)| l.clone()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc(y_desc)
            .x_labels(bars.len().max(1))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 14))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(ACCENT.filled())
                    .margin(12)
                    .data(bars.iter().enumerate().map(|(i, (_, v))| (i as u32, *v))),
            )
            .map_err(err)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
                Text::new(
                    format!("{v:.0}%"),
                    (SegmentValue::CenterOf(i as u32), (v + 3.0).min(97.0)),
                    (FONT, 12),
                )
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// One line per series over months; a `None` point is left out, so a month with no data is not
/// drawn as zero.
pub fn monthly_lines(
    title: &str,
    y_desc: &str,
    months: &[String],
    series: &[Series],
) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (760, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let max = series
            .iter()
            .flat_map(|(_, v)| v.iter().flatten().copied())
            .max()
            .unwrap_or(1)
            .max(1);
        let n = months.len().max(1) as u32;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 20))
            .margin(12)
            .margin_right(40)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0..n.saturating_sub(1).max(1), 0i64..max + 1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .y_desc(y_desc)
            .x_labels(months.len().max(1))
            .x_label_formatter(&|i| months.get(*i as usize).cloned().unwrap_or_default())
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 14))
            .draw()
            .map_err(err)?;
        for (k, (name, values)) in series.iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(
                    values
                        .iter()
                        .enumerate()
                        .filter_map(|(i, v)| v.map(|v| (i as u32, v))),
                    color.stroke_width(2),
                ))
                .map_err(err)?
                .label(name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .label_font((FONT, 13))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// On-time rate per unit over closed cases: closed on time / closed.
pub fn on_time_by_unit(stats: &[PublicStat]) -> Vec<(String, f64)> {
    let mut per: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for s in stats {
        let e = per.entry(&s.unit_name).or_default();
        e.0 += s.closed_on_time;
        e.1 += s.closed;
    }
    per.into_iter()
        .filter(|(_, (_, closed))| *closed > 0)
        .map(|(u, (ok, closed))| (u.to_string(), 100.0 * ok as f64 / closed as f64))
        .collect()
}

async fn on_time(State(state): State<AppState>, t: Tr) -> Response {
    let body = async {
        let stats = fazhi_store::cases::public_stats(&state.db)
            .await
            .map_err(err)?;
        percent_bars(
            t.t("chart.on_time_title"),
            t.t("chart.percent"),
            &on_time_by_unit(&stats),
        )
    }
    .await;
    svg(body)
}

/// Cases received per month, one line per procedure.
pub fn volume_series(t: &Tr, stats: &[PublicStat]) -> (Vec<String>, Vec<Series>) {
    let months: Vec<String> = stats
        .iter()
        .map(|s| s.month.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut per: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for s in stats {
        let row = per
            .entry(&s.procedure)
            .or_insert_with(|| vec![0; months.len()]);
        if let Some(i) = months.iter().position(|m| *m == s.month) {
            row[i] += s.received;
        }
    }
    let series = per
        .into_iter()
        .map(|(p, v)| {
            let points = v.into_iter().map(Some).collect();
            (crate::case_pages::procedure_name(t, p), points)
        })
        .collect();
    (months, series)
}

async fn volume(State(state): State<AppState>, t: Tr) -> Response {
    let body = async {
        let stats = fazhi_store::cases::public_stats(&state.db)
            .await
            .map_err(err)?;
        let (months, series) = volume_series(&t, &stats);
        monthly_lines(
            t.t("chart.volume_title"),
            t.t("chart.cases"),
            &months,
            &series,
        )
    }
    .await;
    svg(body)
}

/// A plan's items by timing on today: how many closed on time, closed late, running, overdue.
async fn plan_progress(State(state): State<AppState>, t: Tr, Path(file): Path<String>) -> Response {
    let Some(id) = file
        .strip_suffix(".svg")
        .and_then(|s| s.parse::<i64>().ok())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let body = async {
        let items = fazhi_store::plans::items(&state.db, id, crate::plan_pages::today_cst())
            .await
            .map_err(err)?;
        let total = items.len().max(1) as f64;
        let keys = [
            "timing.closed_on_time",
            "timing.closed_late",
            "timing.on_time",
            "timing.due_soon",
            "timing.overdue",
        ];
        let bars: Vec<(String, f64)> = keys
            .iter()
            .map(|k| {
                let n = items
                    .iter()
                    .filter(|i| crate::plan_pages::timing_key(i) == *k)
                    .count();
                (t.t(k).to_string(), 100.0 * n as f64 / total)
            })
            .collect();
        percent_bars(t.t("chart.plan_title"), t.t("chart.percent_items"), &bars)
    }
    .await;
    svg(body)
}

/// Monthly on-time rate (%) per procedure, over the months cases were opened; a month with no
/// closed case carries the previous month's rate so a line does not drop to zero for lack of data.
pub fn on_time_monthly_series(t: &Tr, stats: &[PublicStat]) -> (Vec<String>, Vec<Series>) {
    let months: Vec<String> = stats
        .iter()
        .map(|s| s.month.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut per: BTreeMap<&str, Vec<(i64, i64)>> = BTreeMap::new();
    for s in stats {
        let row = per
            .entry(&s.procedure)
            .or_insert_with(|| vec![(0, 0); months.len()]);
        if let Some(i) = months.iter().position(|m| *m == s.month) {
            row[i].0 += s.closed_on_time;
            row[i].1 += s.closed;
        }
    }
    let series = per
        .into_iter()
        .filter(|(_, v)| v.iter().any(|(_, closed)| *closed > 0))
        .map(|(p, v)| {
            let rates = v
                .into_iter()
                .map(|(ok, closed)| (closed > 0).then(|| (100 * ok + closed / 2) / closed))
                .collect();
            (crate::case_pages::procedure_name(t, p), rates)
        })
        .collect();
    (months, series)
}

async fn on_time_monthly(State(state): State<AppState>, t: Tr) -> Response {
    let body = async {
        let data = crate::public_data::public_data(&state).await.map_err(err)?;
        let (months, series) = on_time_monthly_series(&t, &data.stats);
        monthly_lines(
            t.t("chart.on_time_monthly_title"),
            t.t("chart.percent"),
            &months,
            &series,
        )
    }
    .await;
    svg(body)
}
