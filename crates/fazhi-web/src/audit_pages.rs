//! The audit trail's signed checkpoints on the public portal, as certificate-transparency logs
//! publish their signed tree heads: `/audit/checkpoints` (a page) and `/audit/checkpoints.json`
//! (the same for machines: the public keys, and the newest checkpoints first, each one usable
//! as it is with `fazhi audit verify --since`). Anyone may keep one and later prove with the
//! public key that the trail still extends it. Nothing here is personal: sequence numbers,
//! hashes, times, signatures.

use crate::auth::MaybeAuth;
use crate::i18n::Tr;
use crate::pages::{render, store_error_page, UserView};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use fazhi_store::audit::checkpoint::{self, Checkpoint};
use fazhi_store::StoreResult;
use serde::Serialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/audit/checkpoints", get(page))
        .route("/audit/checkpoints.json", get(document))
}

/// How many checkpoints the page and the document list.
const SHOWN: i64 = 50;

/// A public key checkpoints are signed with.
#[derive(Serialize)]
pub struct KeyView {
    pub key_id: String,
    pub public_key_pem: String,
    /// The key this server signs with now; otherwise one seen on stored checkpoints (which
    /// proves nothing by itself: trust a key by its id, published where you trust it).
    pub this_server: bool,
}

async fn keys(state: &AppState) -> StoreResult<Vec<KeyView>> {
    let mut out: Vec<KeyView> = state
        .audit_key
        .iter()
        .map(|k| KeyView {
            key_id: k.key_id.clone(),
            public_key_pem: k.to_pem(),
            this_server: true,
        })
        .collect();
    for (key_id, pem) in checkpoint::public_keys(&state.db).await? {
        if !out.iter().any(|k| k.key_id == key_id) {
            out.push(KeyView {
                key_id,
                public_key_pem: pem,
                this_server: false,
            });
        }
    }
    Ok(out)
}

#[derive(Serialize)]
struct Document {
    format: &'static str,
    public_keys: Vec<KeyView>,
    /// Newest first.
    checkpoints: Vec<Checkpoint>,
}

async fn document(State(state): State<AppState>) -> Result<Json<Document>, crate::error::ApiError> {
    Ok(Json(Document {
        format: checkpoint::FORMAT,
        public_keys: keys(&state).await?,
        checkpoints: checkpoint::list(&state.db, SHOWN).await?,
    }))
}

#[derive(Template)]
#[template(path = "audit_checkpoints.html")]
struct CheckpointsPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    keys: Vec<KeyView>,
    checkpoints: Vec<Checkpoint>,
}

async fn page(State(state): State<AppState>, t: Tr, MaybeAuth(auth): MaybeAuth) -> Response {
    let user = auth.as_ref().map(UserView::of);
    let path = "/audit/checkpoints";
    let found = async {
        Ok::<_, fazhi_store::StoreError>((
            keys(&state).await?,
            checkpoint::list(&state.db, SHOWN).await?,
        ))
    }
    .await;
    match found {
        Ok((keys, checkpoints)) => render(
            &CheckpointsPage {
                t,
                user,
                path: path.into(),
                keys,
                checkpoints,
            },
            StatusCode::OK,
        ),
        Err(e) => store_error_page(t, user, path, e).into_response(),
    }
}
