//! Mobile IDs: Supply mobile ID / Get mobile ID, the QR code, the mobile ID's page, key recovery consent.

use leptos::prelude::*;
use tessera_process::dto::*;
use tessera_process::AppError;

#[cfg(feature = "ssr")]
use super::ssr;

/// Consent to recovering the holder's escrowed key onto a mobile ID (key recovery agents).
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "consent_key_recovery")]
pub async fn consent_key_recovery(
    mobile_id: i64,
    version: i64,
    reason: String,
) -> Result<MobileIdRow, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::mobile_id::recovery::consent(
        &engine, &caller, mobile_id, version, &reason,
    )
    .await
    .map_err(ssr::fail)
}

/// Supply mobile ID (operator) or Get mobile ID (self-service) before Next.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "supply_mobile_id_preview")]
pub async fn fetch_supply_mobile_id(
    process: tessera_process::ProcessId,
    user_id: i64,
) -> Result<SupplyMobileIdPreview, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::mobile_id::preview(&engine, &caller, process, user_id)
        .await
        .map_err(ssr::fail)
}

/// Next on Supply mobile ID or Get mobile ID (`once`: the page's submission key).
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "supply_mobile_id")]
pub async fn supply_mobile_id(
    process: tessera_process::ProcessId,
    user_id: i64,
    user_version: i64,
    once: Option<String>,
) -> Result<SupplyMobileIdOutcome, AppError> {
    let (engine, caller) = ssr::context().await?;
    let supply = async || {
        tessera_engine::objects::mobile_id::supply(&engine, &caller, process, user_id, user_version)
            .await
    };
    tessera_engine::submission::once(&engine, &caller, once.as_deref(), process.as_str(), supply)
        .await
        .map_err(ssr::fail)
}

/// Self-Service: the QR code of one's own mobile ID, with a new code.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "show_mobile_id_qr")]
pub async fn show_mobile_id_qr(mobile_id: i64) -> Result<MobileIdQr, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::mobile_id::show_qr(&engine, &caller, mobile_id)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "mobile_id_page")]
pub async fn fetch_mobile_id_page(id: i64) -> Result<MobileIdPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::mobile_id::page(&engine, &caller, id)
        .await
        .map_err(ssr::fail)
}
