//! The one server function of every list in the menu (`tessera_process::lists`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use tessera_process::lists::{ListId, ListPage, Sort};
use tessera_process::AppError;

/// One page of `list` (only its objects in `state`, if given) from `offset` on, in the order
/// `sort` (newest first without one); the list's row says who may see it.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "fetch_list", input = Json)]
pub async fn fetch_list(
    list: ListId,
    offset: u64,
    sort: Option<Sort>,
    state: Option<tessera_process::State>,
) -> Result<ListPage, AppError> {
    use super::ssr;
    let (engine, caller) = ssr::context().await?;
    let sort = sort.unwrap_or_default();
    tessera_engine::lists::page(&engine, &caller, (list, state), offset, sort)
        .await
        .map_err(ssr::fail)
}

/// Quick search: objects of `kind` (in `state`, if given) that `text` names, in the order
/// `sort` (newest first without one), from `offset`.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "quick_search", input = Json)]
pub async fn quick_search(
    kind: tessera_process::ObjectKind,
    state: Option<tessera_process::State>,
    text: String,
    offset: u64,
    sort: Option<Sort>,
) -> Result<tessera_process::lists::Found, AppError> {
    use super::ssr;
    let (engine, caller) = ssr::context().await?;
    let page = (offset, sort.unwrap_or_default());
    tessera_engine::search::quick(&engine, &caller, kind, state, &text, page)
        .await
        .map_err(ssr::fail)
}
