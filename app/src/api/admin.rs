//! The admin's pages: options, audit, the CA and certificate profiles, additional commands, accounts and external production.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use tessera_process::dto::*;
use tessera_process::AppError;

#[cfg(feature = "ssr")]
use super::ssr;

/// Reset password (admin): a staff account must change it at its next sign-in; a self-service
/// account's user gets a link to choose a new one (the address it went to is returned).
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "reset_password")]
pub async fn reset_password(account_id: i64, password: String) -> Result<Option<String>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::accounts::reset_password(&engine, &caller, account_id, &password)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "options_page")]
pub async fn fetch_options_page(package_name: String) -> Result<OptionsPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::options::page(&engine, &caller, ssr::package(&package_name)?)
        .await
        .map_err(ssr::fail)
}

/// Saves changed option values (key, text as typed) as a new version; returns that version.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "save_options", input = Json)]
pub async fn save_options(
    package_name: String,
    version: i64,
    changes: Vec<(String, String)>,
) -> Result<i64, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::options::save(
        &engine,
        &caller,
        ssr::package(&package_name)?,
        version,
        &changes,
    )
    .await
    .map_err(ssr::fail)
}

/// Restores an earlier version of an options document as the newest one.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "restore_options")]
pub async fn restore_options(
    package_name: String,
    version: i64,
    restore: i64,
) -> Result<i64, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::options::restore(
        &engine,
        &caller,
        ssr::package(&package_name)?,
        version,
        restore,
    )
    .await
    .map_err(ssr::fail)
}

/// How many audit records a page shows.
pub const AUDIT_PAGE: u64 = 50;

/// A page of audit records matching the filter, newest first (admin only).
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "audit_log", input = Json)]
pub async fn audit_log(filter: AuditFilter) -> Result<AuditPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    caller
        .require_any(
            &[tessera_process::Role::Admin],
            tessera_process::said!("read the audit log", "läsa granskningsloggen"),
        )
        .map_err(ssr::fail)?;
    tessera_engine::audit::search(&engine.db, &filter, AUDIT_PAGE)
        .await
        .map_err(ssr::fail)
}

/// Walks the whole audit chain (admin only): the number of records, or where it breaks. Apart
/// from the searches, because it reads every record.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "verify_audit")]
pub async fn verify_audit() -> Result<Result<i64, String>, AppError> {
    let (engine, caller) = ssr::context().await?;
    caller
        .require_any(
            &[tessera_process::Role::Admin],
            tessera_process::said!("read the audit log", "läsa granskningsloggen"),
        )
        .map_err(ssr::fail)?;
    let checkpoints = tessera_engine::audit_checkpoint::stored(&engine)
        .await
        .map_err(ssr::fail)?;
    match tessera_engine::audit_checkpoint::verify(&engine, &checkpoints).await {
        Ok(n) => Ok(Ok(n)),
        Err(e @ tessera_engine::EngineError::AuditBroken { .. }) => Ok(Err(e.to_string())),
        Err(e) => Err(ssr::fail(e)),
    }
}

/// The admin's CA page: CA certificates, key protection, the current CRL.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "ca_page")]
pub async fn fetch_ca_page() -> Result<CaPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::pki::ca_page(&engine, &caller)
        .await
        .map_err(ssr::fail)
}

/// Publishes a CRL now (admin only); returns its number.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "publish_crl")]
pub async fn publish_crl() -> Result<i64, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::pki::crl::publish_by(&engine, &caller)
        .await
        .map(|info| info.number)
        .map_err(ssr::fail)
}

#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "certificate_profiles")]
pub async fn certificate_profiles() -> Result<Vec<ProfileRow>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::pki::profiles::list(&engine, &caller)
        .await
        .map_err(ssr::fail)
}

/// Saves an admin's change to a certificate profile; returns the new version.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "save_certificate_profile", input = Json)]
pub async fn save_certificate_profile(
    id: i64,
    version: i64,
    profile: tessera_process::CertificateProfile,
) -> Result<i64, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::pki::profiles::save(&engine, &caller, id, version, profile)
        .await
        .map(|row| row.version)
        .map_err(ssr::fail)
}

/// Recovers an escrowed key as a password-protected PKCS#12 (key recovery agents only).
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "recover_key")]
pub async fn recover_key(
    certificate_id: i64,
    password: String,
    reason: String,
) -> Result<RecoveredKey, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::pki::escrow::recover(&engine, &caller, certificate_id, &password, &reason)
        .await
        .map_err(ssr::fail)
}

/// The admin's Additional Commands page of an object kind.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "commands_page")]
pub async fn fetch_commands_page(
    kind: tessera_process::ObjectKind,
) -> Result<CommandsPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::enablement::page(&engine, &caller, kind)
        .await
        .map_err(ssr::fail)
}

/// A page of accounts, narrowed by part of the name and by role.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "accounts", input = Json)]
pub async fn fetch_accounts(
    query: tessera_process::dto::AccountQuery,
) -> Result<tessera_process::dto::AccountPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::accounts::page(&engine, &caller, &query)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "create_account", input = Json)]
pub async fn create_account(
    account: NewAccount,
) -> Result<tessera_process::dto::AccountCreated, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::accounts::create(&engine, &caller, account)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "update_account", input = Json)]
pub async fn update_account(
    account_id: i64,
    seen_roles: Vec<tessera_process::Role>,
    seen_disabled: bool,
    roles: Vec<tessera_process::Role>,
    disabled: bool,
) -> Result<(), AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::accounts::update(
        &engine,
        &caller,
        account_id,
        seen_roles,
        seen_disabled,
        roles,
        disabled,
    )
    .await
    .map_err(ssr::fail)
}

#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "external_production")]
pub async fn external_production() -> Result<ExternalPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::external::page(&engine, &ssr::external()?, &caller)
        .await
        .map_err(ssr::fail)
}

/// The admin's "Run now" of the external production sync.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "run_external_sync")]
pub async fn run_external_sync() -> Result<SyncOutcome, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::external::sync(&engine, &ssr::external()?, Some(&caller))
        .await
        .map_err(ssr::fail)
}

/// Apply a bureau report the admin uploaded (External production page).
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "upload_bureau_report")]
pub async fn upload_bureau_report(
    name: String,
    text: String,
) -> Result<tessera_process::dto::ReportOutcome, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::external::upload_report(&engine, &caller, &name, &text)
        .await
        .map_err(ssr::fail)
}

/// Save on a state tab of Additional Commands: `processes` are what the tab lists now.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "save_commands", input = Json)]
pub async fn save_commands(
    state: tessera_process::State,
    processes: Vec<tessera_process::ProcessId>,
) -> Result<usize, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::enablement::save(&engine, &caller, state, &processes)
        .await
        .map_err(ssr::fail)
}
