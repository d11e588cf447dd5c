//! Usage statistics for the administrators ([`crate::statistics`]):
//!
//! | route | what |
//! |---|---|
//! | `GET /admin/statistics?days=30` | per day, per population and per channel, small counts hidden |
//! | `GET /admin/statistics.csv?days=30` | every count of those days as CSV, small counts hidden |

use super::extract::{error_page, locale_of};
use super::guard::PageAdmin;
use crate::clock::now_ms;
use crate::statistics::Report;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

/// How many days, at most.
const MOST_DAYS: u32 = 400;

#[derive(Deserialize)]
pub(super) struct StatisticsQuery {
    days: Option<u32>,
}

async fn report(state: &super::Tenant, days: Option<u32>) -> Result<Report, crate::storage::StorageError> {
    let days = days.unwrap_or(30).clamp(1, MOST_DAYS);
    state
        .usage
        .report(days, state.config.statistics.min_count, now_ms())
        .await
}

#[derive(Serialize)]
struct Labelled {
    label: String,
    id: String,
    cells: Vec<String>,
}

/// `GET /admin/statistics`.
pub(super) async fn page(
    req: HttpRequest,
    state: super::Tenant,
    session: super::session::PortalSession,
    PageAdmin(me): PageAdmin,
    query: web::Query<StatisticsQuery>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let report = match report(&state, query.days).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("cannot read the usage statistics: {e}");
            return error_page(&state, &locale, 503, "notice.storage_unavailable");
        }
    };
    let live = state.live.get();
    let cells = |row: &crate::statistics::Row| row.cells.iter().map(|c| c.text()).collect::<Vec<_>>();
    let populations: Vec<Labelled> = report
        .populations
        .iter()
        .map(|row| Labelled {
            label: live.populations.label_of(&row.label, &locale),
            id: row.label.clone(),
            cells: cells(row),
        })
        .collect();
    let channels: Vec<Labelled> = report
        .channels
        .iter()
        .map(|row| Labelled {
            label: live
                .registry
                .get(&row.label)
                .map(|e| e.publication.title.get(&locale).to_string())
                .unwrap_or_else(|| row.label.clone()),
            id: row.label.clone(),
            cells: cells(row),
        })
        .collect();
    let days: Vec<Labelled> = report
        .days
        .iter()
        .map(|row| Labelled {
            label: row.label.clone(),
            id: row.label.clone(),
            cells: cells(row),
        })
        .collect();
    let mut ctx = crate::page::base_context(&state.theme, &me, &locale);
    ctx.insert("csrf_token", &session.csrf_token());
    ctx.insert("from", &report.from);
    ctx.insert("to", &report.to);
    ctx.insert("min_count", &report.min_count);
    ctx.insert("days", &days);
    ctx.insert("populations", &populations);
    ctx.insert("channels", &channels);
    ctx.insert("period", &query.days.unwrap_or(30).clamp(1, MOST_DAYS));
    super::extract::html_page(&state, &locale, "statistics.html", &ctx)
}

/// `GET /admin/statistics.csv`.
pub(super) async fn csv(
    req: HttpRequest,
    state: super::Tenant,
    PageAdmin(_): PageAdmin,
    query: web::Query<StatisticsQuery>,
) -> HttpResponse {
    match report(&state, query.days).await {
        Ok(report) => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"usage-{}-{}.csv\"", report.from, report.to),
            ))
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .body(report.csv()),
        Err(e) => {
            tracing::error!("cannot read the usage statistics: {e}");
            error_page(&state, &locale_of(&req, &state), 503, "notice.storage_unavailable")
        }
    }
}
