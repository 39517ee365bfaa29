//! The leader's view: how are we doing? On-time rates per unit and per procedure from the
//! cases' own dates (not self-reported), overdue counts per unit, and each plan's progress.

use crate::auth::Auth;
use crate::i18n::Tr;
use crate::pages::{plan_summaries, render, store_error_page, PlanSummary, UserView};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use fazhi_store::StoreError;
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new().route("/leader", get(leader_page))
}

/// One row of a rate table.
pub struct RateRow {
    pub name: String,
    pub received: i64,
    pub closed: i64,
    pub closed_on_time: i64,
    pub overdue_now: usize,
}

impl RateRow {
    pub fn rate(&self) -> String {
        if self.closed == 0 {
            "—".into()
        } else {
            format!(
                "{:.0}%",
                100.0 * self.closed_on_time as f64 / self.closed as f64
            )
        }
    }
}

#[derive(Template)]
#[template(path = "leader.html")]
struct LeaderPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    by_unit: Vec<RateRow>,
    by_procedure: Vec<RateRow>,
    plans: Vec<PlanSummary>,
}

impl LeaderPage {
    fn sections(&self) -> [(&'static str, &Vec<RateRow>); 2] {
        [
            (self.t.t("leader.by_unit"), &self.by_unit),
            (self.t.t("leader.by_procedure"), &self.by_procedure),
        ]
    }
}

async fn leader_page(State(state): State<AppState>, t: Tr, auth: Auth) -> Response {
    let user = UserView::of(&auth);
    if auth.principal.auditor().is_err() {
        return store_error_page(t, Some(user), "/home", StoreError::Forbidden);
    }
    let loaded = async {
        let stats = fazhi_store::cases::public_stats(&state.db).await?;
        let overdue =
            fazhi_store::cases::overdue(&state.db, &auth.principal, crate::plan_pages::today_cst())
                .await?;
        Ok::<_, StoreError>((stats, overdue, plan_summaries(&state.db).await?))
    }
    .await;
    let (stats, overdue, plans) = match loaded {
        Ok(x) => x,
        Err(e) => return store_error_page(t, Some(user), "/home", e),
    };
    let mut by_unit: BTreeMap<String, RateRow> = BTreeMap::new();
    let mut by_procedure: BTreeMap<String, RateRow> = BTreeMap::new();
    let blank = |name: String| RateRow {
        name,
        received: 0,
        closed: 0,
        closed_on_time: 0,
        overdue_now: 0,
    };
    for s in &stats {
        let proc_name = crate::case_pages::procedure_name(&t, &s.procedure);
        for row in [
            by_unit
                .entry(s.unit_name.clone())
                .or_insert_with(|| blank(s.unit_name.clone())),
            by_procedure
                .entry(s.procedure.clone())
                .or_insert_with(|| blank(proc_name.clone())),
        ] {
            row.received += s.received;
            row.closed += s.closed;
            row.closed_on_time += s.closed_on_time;
        }
    }
    for o in &overdue {
        by_unit
            .entry(o.unit_name.clone())
            .or_insert_with(|| blank(o.unit_name.clone()))
            .overdue_now += 1;
        let proc_name = crate::case_pages::procedure_name(&t, &o.procedure);
        by_procedure
            .entry(o.procedure.clone())
            .or_insert_with(|| blank(proc_name))
            .overdue_now += 1;
    }
    let mut by_unit: Vec<RateRow> = by_unit.into_values().collect();
    // The units falling behind first.
    by_unit.sort_by(|a, b| b.overdue_now.cmp(&a.overdue_now).then(a.name.cmp(&b.name)));
    let page = LeaderPage {
        t,
        user: Some(user),
        path: "/leader".into(),
        by_unit,
        by_procedure: by_procedure.into_values().collect(),
        plans,
    };
    render(&page, StatusCode::OK)
}
