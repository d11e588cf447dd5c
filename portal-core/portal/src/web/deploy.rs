//! The deployment API, for the bearer of `[channels] deploy_token` (`agora-channel deploy`):
//!
//! | route | does |
//! |---|---|
//! | `GET /api/v1/admin/packages` | the deployed packages, their versions, the current one, the publications using each |
//! | `PUT /api/v1/admin/packages` | `{manifest, component (base64), icon?}`: checked by loading it, stored as a new version, made current, the live set reloaded at once |
//! | `POST /api/v1/admin/packages/{name}/rollback` | `{version?}`: an earlier version current again (the one before, by default) |
//!
//! A bearer token is no ambient credential (a browser never sends it by itself), so these
//! state changes need no CSRF token. Without a token configured, the routes answer 404.
//! A change that the live set refuses (a publication no longer fits the new manifest) is
//! undone: the previous version stays current, and the answer says why.

use super::guard::problem;
use crate::live::packages::{self, DeployError, Deployed, Upload};
use crate::live::{Reload, deployed_store};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;

/// The body of `PUT /api/v1/admin/packages`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageUpload {
    /// `channel.toml`.
    pub manifest: String,
    /// `channel.wasm`, base64.
    pub component: String,
    /// The icon's SVG, when the manifest names one.
    #[serde(default)]
    pub icon: Option<String>,
}

/// The body of a rollback.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Rollback {
    /// The version to make current; the one before the current by default.
    #[serde(default)]
    pub version: Option<String>,
}

/// The request's refusal when it does not carry the deployment token.
fn refusal(req: &HttpRequest, state: &super::Tenant) -> Option<HttpResponse> {
    let token = state.config.channels.deploy_token.expose();
    if token.is_empty() {
        return Some(problem(
            404,
            "not-found",
            "deployment is off: set [channels] deploy_token",
        ));
    }
    if !super::ops::bearer_is(req, token) {
        tracing::warn!("deployment refused: no or wrong bearer token");
        let message = "the bearer token of [channels] deploy_token is needed";
        return Some(
            HttpResponse::Unauthorized()
                .insert_header((actix_web::http::header::WWW_AUTHENTICATE, "Bearer"))
                .json(json!({ "error": "unauthorized", "message": message })),
        );
    }
    None
}

/// The publications of the live set using package `name`.
fn users(state: &super::Tenant, name: &str) -> Vec<String> {
    let live = state.live.get();
    live.registry
        .iter()
        .filter(|(_, e)| e.channel.manifest.channel.id == name)
        .map(|(id, _)| id.clone())
        .collect()
}

/// Reload the live set now; when it refuses the change, `undo` it and say why.
async fn apply(state: &super::Tenant, done: Deployed, undo: impl FnOnce() + Send + 'static) -> HttpResponse {
    let site = state.0.clone();
    let checked = tokio::task::spawn_blocking(move || {
        let outcome = site.live.check(&site.config);
        if let Reload::Rejected(_) = outcome {
            undo();
            // Back to the files as they were, so the live set and /health agree again.
            site.live.check(&site.config);
        }
        outcome
    })
    .await;
    match checked {
        Ok(Reload::Rejected(e)) => {
            tracing::warn!(package = %done.package, version = %done.version, "deployment undone: {e}");
            problem(
                422,
                "rejected",
                format!("the portal's configuration refuses this version, which was withdrawn: {e}"),
            )
        }
        Ok(reload) => {
            let generation = match reload {
                Reload::Accepted(g) => g,
                _ => state.live.get().generation,
            };
            tracing::info!(package = %done.package, version = %done.version, previous = ?done.previous, generation, "package deployed");
            HttpResponse::Ok().json(json!({
                "package": done.package,
                "version": done.version,
                "previous": done.previous,
                "changed": done.changed,
                "generation": generation,
                "publications": users(state, &done.package),
            }))
        }
        Err(e) => problem(500, "internal", format!("the reload did not finish: {e}")),
    }
}

fn refused(e: DeployError) -> HttpResponse {
    match e {
        DeployError::Invalid(why) => problem(422, "invalid-package", why),
        e @ DeployError::VersionExists { .. } => problem(409, "version-exists", e.to_string()),
        DeployError::Io(e) => {
            tracing::error!("deployment: {e}");
            problem(500, "storage", "the package could not be stored")
        }
    }
}

/// `PUT /api/v1/admin/packages`.
pub async fn put_package(req: HttpRequest, state: super::Tenant, body: web::Bytes) -> HttpResponse {
    if let Some(refused) = refusal(&req, &state) {
        return refused;
    }
    let upload: PackageUpload = match serde_json::from_slice(&body) {
        Ok(u) => u,
        Err(e) => {
            return problem(
                400,
                "bad-request",
                format!("expected {{manifest, component (base64), icon?}}: {e}"),
            );
        }
    };
    let Ok(component) = base64::engine::general_purpose::STANDARD.decode(upload.component.trim()) else {
        return problem(400, "bad-request", "component is not base64");
    };
    let store = deployed_store(&state.config);
    let engine = state.slots.engine().clone();
    let stored = tokio::task::spawn_blocking(move || {
        packages::deploy(
            &engine,
            &store,
            &Upload {
                manifest: &upload.manifest,
                component: &component,
                icon: upload.icon.as_deref(),
            },
        )
    })
    .await;
    let done = match stored {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => return refused(e),
        Err(e) => return problem(500, "internal", format!("the deployment did not finish: {e}")),
    };
    let (store, name, previous) = (
        deployed_store(&state.config),
        done.package.clone(),
        done.previous.clone(),
    );
    apply(&state, done, move || {
        // Withdraw: the previous version current again, or no deployed version at all.
        match previous {
            Some(v) => {
                let _ = packages::rollback(&store, &name, Some(&v));
            }
            None => {
                let _ = std::fs::remove_file(store.join(&name).join("current"));
            }
        }
    })
    .await
}

/// `POST /api/v1/admin/packages/{name}/rollback`.
pub async fn rollback(
    req: HttpRequest,
    state: super::Tenant,
    name: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    if let Some(refused) = refusal(&req, &state) {
        return refused;
    }
    let asked: Rollback = if body.is_empty() {
        Rollback::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => return problem(400, "bad-request", format!("expected {{version?}}: {e}")),
        }
    };
    if !packages::valid_name(&name) {
        return problem(404, "not-found", "no such package");
    }
    let store = deployed_store(&state.config);
    let done = match packages::rollback(&store, &name, asked.version.as_deref()) {
        Ok(done) => done,
        Err(e) => return refused(e),
    };
    let previous = done.previous.clone();
    let name = name.into_inner();
    apply(&state, done, move || {
        if let Some(v) = previous {
            let _ = packages::rollback(&store, &name, Some(&v));
        }
    })
    .await
}

/// `GET /api/v1/admin/packages`.
pub async fn list(req: HttpRequest, state: super::Tenant) -> HttpResponse {
    if let Some(refused) = refusal(&req, &state) {
        return refused;
    }
    let store = deployed_store(&state.config);
    let list: Vec<serde_json::Value> = packages::deployed_names(&store)
        .into_iter()
        .map(|name| {
            json!({
                "package": name,
                "versions": packages::versions(&store, &name),
                "current": packages::current(&store, &name),
                "publications": users(&state, &name),
            })
        })
        .collect();
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(json!({ "packages": list }))
}
