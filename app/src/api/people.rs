//! Users: search, their pages, create, edit, approve, import, and the changes that wait for a second person.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use tessera_process::dto::*;
use tessera_process::AppError;

#[cfg(feature = "ssr")]
use super::ssr;

#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "search_users")]
pub async fn search_users(query: String) -> Result<Vec<UserSummary>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::user::people::search(&engine, &caller, &query, 50)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "user_page")]
pub async fn fetch_user_page(user_id: i64) -> Result<UserPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::user::page::of(&engine, &caller, user_id)
        .await
        .map_err(ssr::fail)
}

/// The self-service user's own page.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "my_page")]
pub async fn my_page() -> Result<UserPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    let Some(person) = caller.person_id else {
        return Err(ssr::refuse(AppError::not_found(
            "Your account does not belong to a user, so it has no credentials.",
        )));
    };
    tessera_engine::objects::user::page::of(&engine, &caller, person)
        .await
        .map_err(ssr::fail)
}

/// Create user (active, or requested with the approval step); `once`: the page's submission
/// key.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "create_user", input = Json)]
pub async fn create_user(
    input: tessera_process::person::PersonInput,
    once: Option<String>,
) -> Result<UserDetail, AppError> {
    let (engine, caller) = ssr::context().await?;
    let create =
        async || tessera_engine::objects::user::directory::create(&engine, &caller, input).await;
    tessera_engine::submission::once(&engine, &caller, once.as_deref(), "create_user", create)
        .await
        .map_err(ssr::fail)
}

/// Edit user.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "update_user", input = Json)]
pub async fn update_user(
    user_id: i64,
    version: i64,
    input: tessera_process::person::PersonInput,
) -> Result<UserEditOutcome, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::user::directory::update(&engine, &caller, user_id, version, input)
        .await
        .map_err(ssr::fail)
}

/// Approve user or Reject user (with a reason) on a requested user.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "decide_user")]
pub async fn decide_user(
    user_id: i64,
    version: i64,
    approve: bool,
    reason: String,
) -> Result<UserDetail, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::user::directory::decide(
        &engine, &caller, user_id, version, approve, &reason,
    )
    .await
    .map_err(ssr::fail)
}

/// Checks an import file; writes nothing.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "check_import", input = Json)]
pub async fn check_import(text: String) -> Result<ImportPreview, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::user::directory::import_preview(&engine, &caller, &text)
        .await
        .map_err(ssr::fail)
}

/// Imports a file (all of it or, if any line has an error, nothing).
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "import_users", input = Json)]
pub async fn import_users(text: String) -> Result<ImportOutcome, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::user::directory::import(&engine, &caller, &text)
        .await
        .map_err(ssr::fail)
}

/// Changes of e-mail address or UPN waiting for a second person (approvers).
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "pending_user_changes")]
pub async fn pending_user_changes() -> Result<Vec<PendingChange>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::user::person_changes::pending(&engine, &caller)
        .await
        .map_err(ssr::fail)
}

/// Approve or reject (with a reason) a waiting change of user data.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "decide_user_change")]
pub async fn decide_user_change(
    change_id: i64,
    approve: bool,
    reason: String,
) -> Result<UserDetail, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::user::person_changes::decide(
        &engine, &caller, change_id, approve, &reason,
    )
    .await
    .map_err(ssr::fail)
}

/// Users waiting for approval (approvers).
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "requested_users")]
pub async fn requested_users() -> Result<Vec<UserSummary>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::user::directory::requested(&engine, &caller)
        .await
        .map_err(ssr::fail)
}
