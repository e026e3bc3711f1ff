//! Cards and temporary cards: Request card and its approval, the encoding panel and its jobs, temporary cards.

use leptos::prelude::*;
use tessera_process::dto::*;
use tessera_process::AppError;

#[cfg(feature = "ssr")]
use super::ssr;

/// The Request card page, or with `external` the Order card page (external production).
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "request_card_preview")]
pub async fn preview_request_card(
    user_id: i64,
    external: Option<bool>,
) -> Result<RequestCardPreview, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::card::preview_for(&engine, &caller, user_id, ssr::production(external))
        .await
        .map_err(ssr::fail)
}

/// Next on the Request card page (`once`: the page's submission key).
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "request_card")]
pub async fn request_card(
    user_id: i64,
    user_version: i64,
    external: Option<bool>,
    once: Option<String>,
) -> Result<RequestCardOutcome, AppError> {
    let (engine, caller) = ssr::context().await?;
    let production = ssr::production(external);
    let request = async || {
        tessera_engine::objects::card::request_for(
            &engine,
            &caller,
            user_id,
            user_version,
            production,
        )
        .await
    };
    let what = production.process().as_str();
    tessera_engine::submission::once(&engine, &caller, once.as_deref(), what, request)
        .await
        .map_err(ssr::fail)
}

/// The Requests list from `offset`: the queue (oldest first, postponed last) or in the order
/// `sort`; all requests unless `shown` says which.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "card_requests", input = leptos::server_fn::codec::Json)]
pub async fn card_requests(
    offset: u64,
    sort: Option<tessera_process::lists::Sort>,
    shown: Option<tessera_process::dto::RequestsShown>,
) -> Result<CardRequestPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    let shown = shown.unwrap_or_default();
    tessera_engine::objects::card::requests(&engine, &caller, (offset, sort, shown))
        .await
        .map_err(ssr::fail)
}

/// Approve, reject (with a reason) or postpone a card request. `decision` is `approve`,
/// `reject` or `postpone`. Returns the card's new state.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "decide_card_request")]
pub async fn decide_card_request(
    card_id: i64,
    version: i64,
    decision: String,
    reason: String,
) -> Result<tessera_process::CardState, AppError> {
    use tessera_engine::objects::card::Decision;
    let (engine, caller) = ssr::context().await?;
    let decision = match decision.as_str() {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject { reason },
        "postpone" => Decision::Postpone,
        other => {
            return Err(ssr::refuse(AppError::bad_request(format!(
                "\"{other}\" is not a decision: use approve, reject or postpone."
            ))))
        }
    };
    let state = tessera_engine::objects::card::decide(&engine, &caller, card_id, version, decision)
        .await
        .map_err(ssr::fail)?;
    Ok(state)
}

#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "card_page")]
pub async fn fetch_card_page(card_id: i64) -> Result<CardPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::card::page(&engine, &caller, card_id)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "issue_panel")]
pub async fn issue_panel(
    kind: tessera_process::ObjectKind,
    id: i64,
) -> Result<tessera_process::bridge::IssuePanel, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::bridge::panel::panel(&engine, &ssr::bridge()?, &caller, (kind, id))
        .await
        .map_err(ssr::fail)
}

/// Issue card (a card) or Initialize temporary card: starts encoding the card in `reader`;
/// returns the job to watch.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "issue_card")]
pub async fn issue_card(
    kind: tessera_process::ObjectKind,
    id: i64,
    version: i64,
    reader: String,
) -> Result<i64, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::bridge::encode::start(
        &engine,
        &ssr::bridge()?,
        &caller,
        (kind, id),
        version,
        &reader,
    )
    .await
    .map_err(ssr::fail)
}

#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "encoding_job")]
pub async fn encoding_job(job_id: i64) -> Result<tessera_process::bridge::JobView, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::bridge::panel::job(&engine, &ssr::bridge()?, &caller, job_id)
        .await
        .map_err(ssr::fail)
}

/// Reconcile an in-doubt job with the card in `reader`: the message, and a new PIN if the card
/// was complete.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "reconcile_job")]
pub async fn reconcile_job(
    job_id: i64,
    reader: String,
) -> Result<(String, Option<String>), AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::bridge::panel::reconcile(&engine, &ssr::bridge()?, &caller, job_id, &reader)
        .await
        .map_err(ssr::fail)
}

/// Request temporary cards: `count` new cards in `requested` (`once`: the page's submission
/// key).
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "request_temp_cards")]
pub async fn request_temp_cards(count: u32, once: Option<String>) -> Result<Vec<i64>, AppError> {
    let (engine, caller) = ssr::context().await?;
    let request =
        async || tessera_engine::objects::temp_card::request(&engine, &caller, count).await;
    let what = tessera_process::ProcessId::TempCardsProcRequest.as_str();
    tessera_engine::submission::once(&engine, &caller, once.as_deref(), what, request)
        .await
        .map_err(ssr::fail)
}

/// Order temporary cards from the bureau: `count` new cards, queued or ordered at once as the
/// options say (then the order file is written now). Returns how many and their state.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "order_temp_cards")]
pub async fn order_temp_cards(
    count: u32,
    once: Option<String>,
) -> Result<(usize, tessera_process::TempCardState), AppError> {
    let (engine, caller) = ssr::context().await?;
    let order = async || {
        let (ids, state) =
            tessera_engine::objects::temp_card::order(&engine, &caller, count).await?;
        Ok((ids.len(), state))
    };
    let what = tessera_process::ProcessId::TempCardsAddonExtProdProcOrder.as_str();
    tessera_engine::submission::once(&engine, &caller, once.as_deref(), what, order)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "temp_card_page")]
pub async fn fetch_temp_card_page(id: i64) -> Result<TempCardPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::temp_card::page(&engine, &caller, id)
        .await
        .map_err(ssr::fail)
}
