//! The server functions. Each one establishes who is calling from the session cookie, calls the
//! engine, and returns a DTO; the engine checks roles, ownership and state.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use tessera_process::dto::*;
use tessera_process::AppError;

mod process;
pub use process::*;

/// The message of a server function error, as a person should read it.
pub fn error_text(e: &AppError) -> String {
    e.message.clone()
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use axum::extract::ConnectInfo;
    use axum::http::request::Parts;
    use leptos::prelude::*;
    use std::net::SocketAddr;
    use tessera_engine::{auth, Caller, Engine, EngineError};
    use tessera_process::AppError;

    pub const COOKIE: &str = "tessera_session";
    /// The cookie's name over HTTPS: a `__Host-` cookie is only accepted by browsers when it
    /// is Secure, for this host alone and for the whole site, so no sibling subdomain or plain
    /// HTTP page can plant one.
    pub const SECURE_COOKIE: &str = "__Host-tessera_session";

    /// Whether the server sends its cookie Secure, set once at start ([`CookiePolicy::install`]).
    static SECURE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

    fn cookie_name() -> &'static str {
        if SECURE.get().copied().unwrap_or(false) {
            SECURE_COOKIE
        } else {
            COOKIE
        }
    }

    /// A piece the server provides to every request (`what` names it in the error).
    fn provided<T: Clone + Send + Sync + 'static>(what: &str) -> Result<T, AppError> {
        use_context::<T>().ok_or_else(|| {
            refuse(AppError::internal(format!(
                "The server has no {what} configured."
            )))
        })
    }

    /// A refusal the server function makes itself: answered with its kind's status.
    pub fn refuse(e: AppError) -> AppError {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(
                axum::http::StatusCode::from_u16(e.kind.status())
                    .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
            );
        }
        e
    }

    pub fn engine() -> Result<Engine, AppError> {
        provided("engine")
    }

    /// An engine error as the person who made the request should see it; internal faults are
    /// logged and reported without their details.
    pub fn fail(e: EngineError) -> AppError {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(
                axum::http::StatusCode::from_u16(e.status())
                    .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
            );
            if let Some(seconds) = e.retry_after() {
                resp.insert_header(axum::http::header::RETRY_AFTER, seconds.into());
            }
        }
        if e.is_user_facing() {
            AppError {
                kind: e.kind(),
                message: e.to_string(),
                field: e.field(),
            }
        } else {
            tracing::error!("server function failed: {e}");
            AppError::internal(
                "Something went wrong on the server. Nothing was changed; the administrator finds the details in the server log.",
            )
        }
    }

    pub async fn parts() -> Result<Parts, AppError> {
        leptos_axum::extract::<Parts>()
            .await
            .map_err(|e| refuse(AppError::internal(e.to_string())))
    }

    pub fn token(parts: &Parts) -> Option<String> {
        parts
            .headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == cookie_name())
            .map(|(_, v)| v.to_string())
    }

    pub fn source(parts: &Parts) -> String {
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into())
    }

    /// The signed-in caller, or an error asking them to sign in.
    pub async fn caller() -> Result<Caller, AppError> {
        let parts = parts().await?;
        let engine = engine()?;
        let token = token(&parts).ok_or_else(|| fail(EngineError::Unauthenticated))?;
        match auth::session(&engine, &token, &source(&parts))
            .await
            .map_err(fail)?
        {
            Some((_, caller)) => Ok(caller),
            None => Err(fail(EngineError::Unauthenticated)),
        }
    }

    pub fn production(external: Option<bool>) -> tessera_engine::cards::Production {
        if external == Some(true) {
            tessera_engine::cards::Production::External
        } else {
            tessera_engine::cards::Production::Local
        }
    }

    /// The bureau's outbox and inbox: the engine carries them, so that its after-commit work
    /// writes order files to the same place.
    pub fn external() -> Result<tessera_engine::external::ExternalSettings, AppError> {
        engine()?.external.as_deref().cloned().ok_or_else(|| {
            refuse(AppError::internal(
                "The server has no external production configured.",
            ))
        })
    }

    pub fn bridge() -> Result<tessera_engine::bridge::Bridge, AppError> {
        provided("card bridge")
    }

    /// Engine and caller, the start of every server function.
    pub async fn context() -> Result<(Engine, Caller), AppError> {
        Ok((engine()?, caller().await?))
    }

    pub fn package(name: &str) -> Result<tessera_process::OptionsPackage, AppError> {
        tessera_process::OptionsPackage::parse(name).ok_or_else(|| {
            refuse(AppError::not_found(format!(
                "There is no options document \"{name}\"."
            )))
        })
    }

    /// How the session cookie is sent; the server provides it from its settings.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct CookiePolicy {
        /// Only over HTTPS (`Secure`): on for every deployment behind TLS.
        pub secure: bool,
    }

    impl CookiePolicy {
        /// Makes this the policy of the process: the cookie's name follows it.
        pub fn install(self) -> Self {
            let _ = SECURE.set(self.secure);
            self
        }
    }

    pub fn set_cookie(value: &str, max_age: i64) {
        let secure = use_context::<CookiePolicy>().unwrap_or_default().secure;
        let name = if secure { SECURE_COOKIE } else { COOKIE };
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            let mut cookie =
                format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}");
            if secure {
                cookie.push_str("; Secure");
            }
            if let Ok(v) = axum::http::HeaderValue::from_str(&cookie) {
                resp.insert_header(axum::http::header::SET_COOKIE, v);
            }
        }
    }
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<SessionInfo, AppError> {
    use ssr::*;
    let parts = parts().await?;
    let engine = engine()?;
    let (token, info) = tessera_engine::auth::login(&engine, &username, &password, &source(&parts))
        .await
        .map_err(fail)?;
    set_cookie(&token, tessera_engine::auth::SESSION_HOURS * 3600);
    Ok(info)
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use ssr::*;
    let parts = parts().await?;
    let engine = engine()?;
    if let (Some(token), Ok(caller)) = (token(&parts), caller().await) {
        tessera_engine::auth::logout(&engine, &token, &caller)
            .await
            .map_err(fail)?;
    }
    set_cookie("", 0);
    Ok(())
}

/// The welcome page: the user name a mailed link is for, if the link still works.
#[server(prefix = "/api", endpoint = "welcome_link")]
pub async fn welcome_link(token: String) -> Result<String, AppError> {
    let parts = ssr::parts().await?;
    tessera_engine::invitations::greet(&ssr::engine()?, &ssr::source(&parts), &token)
        .await
        .map_err(ssr::fail)
}

/// The welcome page: the person chooses their password with the mailed link; returns the user
/// name to sign in with.
#[server(prefix = "/api", endpoint = "choose_password")]
pub async fn choose_password(token: String, password: String) -> Result<String, AppError> {
    let parts = ssr::parts().await?;
    tessera_engine::invitations::redeem(&ssr::engine()?, &ssr::source(&parts), &token, &password)
        .await
        .map_err(ssr::fail)
}

/// Who is signed in; `None` when nobody is.
#[server(prefix = "/api", endpoint = "current_session")]
pub async fn current_session() -> Result<Option<SessionInfo>, AppError> {
    use ssr::*;
    let parts = parts().await?;
    let engine = engine()?;
    let Some(token) = token(&parts) else {
        return Ok(None);
    };
    Ok(
        tessera_engine::auth::session(&engine, &token, &source(&parts))
            .await
            .map_err(fail)?
            .map(|(info, _)| info),
    )
}

/// The signed-in person's own account: whether the password must change, the sessions.
#[server(prefix = "/api", endpoint = "my_account")]
pub async fn fetch_my_account() -> Result<MyAccount, AppError> {
    use ssr::*;
    let parts = parts().await?;
    let (engine, caller) = context().await?;
    let token = token(&parts).unwrap_or_default();
    tessera_engine::auth::my_account(&engine, &caller, &token)
        .await
        .map_err(fail)
}

/// Change one's own password (the current one first); the other sessions end.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
    use ssr::*;
    let parts = parts().await?;
    let (engine, caller) = context().await?;
    let token = token(&parts).unwrap_or_default();
    tessera_engine::auth::change_password(&engine, &caller, &token, &current, &new)
        .await
        .map_err(fail)
}

/// Sign out everywhere: every session of one's account ends, this one too.
#[server(prefix = "/api", endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<u64, AppError> {
    use ssr::*;
    let (engine, caller) = context().await?;
    let ended = tessera_engine::auth::sign_out_everywhere(&engine, &caller)
        .await
        .map_err(fail)?;
    set_cookie("", 0);
    Ok(ended)
}

/// Reset password (admin): a staff account must change it at its next sign-in; a self-service
/// account's user gets a link to choose a new one (the address it went to is returned).
#[server(prefix = "/api", endpoint = "reset_password")]
pub async fn reset_password(account_id: i64, password: String) -> Result<Option<String>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::accounts::reset_password(&engine, &caller, account_id, &password)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", endpoint = "search_users")]
pub async fn search_users(query: String) -> Result<Vec<UserSummary>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::people::search(&engine, &caller, &query, 50)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", endpoint = "user_page")]
pub async fn fetch_user_page(user_id: i64) -> Result<UserPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::people::page(&engine, &caller, user_id)
        .await
        .map_err(ssr::fail)
}

/// The self-service user's own page.
#[server(prefix = "/api", endpoint = "my_page")]
pub async fn my_page() -> Result<UserPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    let Some(person) = caller.person_id else {
        return Err(ssr::refuse(AppError::not_found(
            "Your account does not belong to a user, so it has no credentials.",
        )));
    };
    tessera_engine::people::page(&engine, &caller, person)
        .await
        .map_err(ssr::fail)
}

/// The Request card page, or with `external` the Order card page (external production).
#[server(prefix = "/api", endpoint = "request_card_preview")]
pub async fn preview_request_card(
    user_id: i64,
    external: Option<bool>,
) -> Result<RequestCardPreview, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::cards::preview_for(&engine, &caller, user_id, ssr::production(external))
        .await
        .map_err(ssr::fail)
}

/// Next on the Request card page.
#[server(prefix = "/api", endpoint = "request_card")]
pub async fn request_card(
    user_id: i64,
    user_version: i64,
    external: Option<bool>,
) -> Result<RequestCardOutcome, AppError> {
    let (engine, caller) = ssr::context().await?;
    let out = tessera_engine::cards::request_for(
        &engine,
        &caller,
        user_id,
        user_version,
        ssr::production(external),
    )
    .await
    .map_err(ssr::fail)?;
    Ok(out)
}

#[server(prefix = "/api", endpoint = "card_requests")]
pub async fn card_requests() -> Result<Vec<CardRequestRow>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::cards::requests(&engine, &caller)
        .await
        .map_err(ssr::fail)
}

/// Approve, reject (with a reason) or postpone a card request. `decision` is `approve`,
/// `reject` or `postpone`. Returns the card's new state.
#[server(prefix = "/api", endpoint = "decide_card_request")]
pub async fn decide_card_request(
    card_id: i64,
    version: i64,
    decision: String,
    reason: String,
) -> Result<tessera_process::CardState, AppError> {
    use tessera_engine::cards::Decision;
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
    let state = tessera_engine::cards::decide(&engine, &caller, card_id, version, decision)
        .await
        .map_err(ssr::fail)?;
    Ok(state)
}

#[server(prefix = "/api", endpoint = "card_page")]
pub async fn fetch_card_page(card_id: i64) -> Result<CardPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::cards::page(&engine, &caller, card_id)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", endpoint = "options_page")]
pub async fn fetch_options_page(package_name: String) -> Result<OptionsPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::options::page(&engine, &caller, ssr::package(&package_name)?)
        .await
        .map_err(ssr::fail)
}

/// Saves changed option values (key, text as typed) as a new version; returns that version.
#[server(prefix = "/api", endpoint = "save_options", input = Json)]
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
#[server(prefix = "/api", endpoint = "restore_options")]
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

/// Audit records matching the filter, newest first (admin only).
#[server(prefix = "/api", endpoint = "audit_log", input = Json)]
pub async fn audit_log(filter: AuditFilter) -> Result<Vec<AuditRow>, AppError> {
    let (engine, caller) = ssr::context().await?;
    caller
        .require_any(&[tessera_process::Role::Admin], "read the audit log")
        .map_err(ssr::fail)?;
    tessera_engine::audit::search(&engine.db, &filter, 500)
        .await
        .map_err(ssr::fail)
}

/// Walks the whole audit chain (admin only): the number of records, or where it breaks. Apart
/// from the searches, because it reads every record.
#[server(prefix = "/api", endpoint = "verify_audit")]
pub async fn verify_audit() -> Result<Result<i64, String>, AppError> {
    let (engine, caller) = ssr::context().await?;
    caller
        .require_any(&[tessera_process::Role::Admin], "read the audit log")
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

#[server(prefix = "/api", endpoint = "my_notifications")]
pub async fn my_notifications() -> Result<Vec<(String, String)>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::notifications::mine(&engine, &caller)
        .await
        .map_err(ssr::fail)
}

/// The admin's CA page: CA certificates, key protection, the current CRL.
#[server(prefix = "/api", endpoint = "ca_page")]
pub async fn fetch_ca_page() -> Result<CaPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::pki::ca_page(&engine, &caller)
        .await
        .map_err(ssr::fail)
}

/// Publishes a CRL now (admin only); returns its number.
#[server(prefix = "/api", endpoint = "publish_crl")]
pub async fn publish_crl() -> Result<i64, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::pki::crl::publish_by(&engine, &caller)
        .await
        .map(|info| info.number)
        .map_err(ssr::fail)
}

#[server(prefix = "/api", endpoint = "certificate_profiles")]
pub async fn certificate_profiles() -> Result<Vec<ProfileRow>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::pki::profiles::list(&engine, &caller)
        .await
        .map_err(ssr::fail)
}

/// Saves an admin's change to a certificate profile; returns the new version.
#[server(prefix = "/api", endpoint = "save_certificate_profile", input = Json)]
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
#[server(prefix = "/api", endpoint = "recover_key")]
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
#[server(prefix = "/api", endpoint = "commands_page")]
pub async fn fetch_commands_page(
    kind: tessera_process::ObjectKind,
) -> Result<CommandsPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::enablement::page(&engine, &caller, kind)
        .await
        .map_err(ssr::fail)
}

/// Enables or disables a command for an object kind and state.
#[server(prefix = "/api", endpoint = "set_command", input = Json)]
pub async fn set_command(
    state: tessera_process::State,
    process: tessera_process::ProcessId,
    enabled: bool,
) -> Result<(), AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::enablement::set(&engine, &caller, process, state, enabled)
        .await
        .map_err(ssr::fail)
}

/// Create user (active, or requested with the approval step).
#[server(prefix = "/api", endpoint = "create_user", input = Json)]
pub async fn create_user(
    input: tessera_process::person::PersonInput,
) -> Result<UserDetail, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::directory::create(&engine, &caller, input)
        .await
        .map_err(ssr::fail)
}

/// Edit user.
#[server(prefix = "/api", endpoint = "update_user", input = Json)]
pub async fn update_user(
    user_id: i64,
    version: i64,
    input: tessera_process::person::PersonInput,
) -> Result<UserEditOutcome, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::directory::update(&engine, &caller, user_id, version, input)
        .await
        .map_err(ssr::fail)
}

/// Approve user or Reject user (with a reason) on a requested user.
#[server(prefix = "/api", endpoint = "decide_user")]
pub async fn decide_user(
    user_id: i64,
    version: i64,
    approve: bool,
    reason: String,
) -> Result<UserDetail, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::directory::decide(&engine, &caller, user_id, version, approve, &reason)
        .await
        .map_err(ssr::fail)
}

/// Checks an import file; writes nothing.
#[server(prefix = "/api", endpoint = "check_import", input = Json)]
pub async fn check_import(text: String) -> Result<ImportPreview, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::directory::import_preview(&engine, &caller, &text)
        .await
        .map_err(ssr::fail)
}

/// Imports a file (all of it or, if any line has an error, nothing).
#[server(prefix = "/api", endpoint = "import_users", input = Json)]
pub async fn import_users(text: String) -> Result<ImportOutcome, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::directory::import(&engine, &caller, &text)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", endpoint = "accounts")]
pub async fn fetch_accounts() -> Result<Vec<AccountRow>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::accounts::list(&engine, &caller)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", endpoint = "create_account", input = Json)]
pub async fn create_account(
    account: NewAccount,
) -> Result<tessera_process::dto::AccountCreated, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::accounts::create(&engine, &caller, account)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", endpoint = "update_account", input = Json)]
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

/// Changes of e-mail address or UPN waiting for a second person (approvers).
#[server(prefix = "/api", endpoint = "pending_user_changes")]
pub async fn pending_user_changes() -> Result<Vec<PendingChange>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::person_changes::pending(&engine, &caller)
        .await
        .map_err(ssr::fail)
}

/// Approve or reject (with a reason) a waiting change of user data.
#[server(prefix = "/api", endpoint = "decide_user_change")]
pub async fn decide_user_change(
    change_id: i64,
    approve: bool,
    reason: String,
) -> Result<UserDetail, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::person_changes::decide(&engine, &caller, change_id, approve, &reason)
        .await
        .map_err(ssr::fail)
}

/// Consent to recovering the holder's escrowed key onto a mobile ID (key recovery agents).
#[server(prefix = "/api", endpoint = "consent_key_recovery")]
pub async fn consent_key_recovery(
    mobile_id: i64,
    version: i64,
    reason: String,
) -> Result<MobileIdRow, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::mobile_ids::recovery::consent(&engine, &caller, mobile_id, version, &reason)
        .await
        .map_err(ssr::fail)
}

/// Users waiting for approval (approvers).
#[server(prefix = "/api", endpoint = "requested_users")]
pub async fn requested_users() -> Result<Vec<UserSummary>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::directory::requested(&engine, &caller)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", endpoint = "issue_panel")]
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
#[server(prefix = "/api", endpoint = "issue_card")]
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

#[server(prefix = "/api", endpoint = "encoding_job")]
pub async fn encoding_job(job_id: i64) -> Result<tessera_process::bridge::JobView, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::bridge::panel::job(&engine, &ssr::bridge()?, &caller, job_id)
        .await
        .map_err(ssr::fail)
}

/// Reconcile an in-doubt job with the card in `reader`: the message, and a new PIN if the card
/// was complete.
#[server(prefix = "/api", endpoint = "reconcile_job")]
pub async fn reconcile_job(
    job_id: i64,
    reader: String,
) -> Result<(String, Option<String>), AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::bridge::panel::reconcile(&engine, &ssr::bridge()?, &caller, job_id, &reader)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", endpoint = "external_production")]
pub async fn external_production() -> Result<ExternalPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::external::page(&engine, &ssr::external()?, &caller)
        .await
        .map_err(ssr::fail)
}

/// The admin's "Run now" of the external production sync.
#[server(prefix = "/api", endpoint = "run_external_sync")]
pub async fn run_external_sync() -> Result<SyncOutcome, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::external::sync(&engine, &ssr::external()?, Some(&caller))
        .await
        .map_err(ssr::fail)
}

/// Request temporary cards: `count` new cards in `requested`.
#[server(prefix = "/api", endpoint = "request_temp_cards")]
pub async fn request_temp_cards(count: u32) -> Result<Vec<i64>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::temp_cards::request(&engine, &caller, count)
        .await
        .map_err(ssr::fail)
}

/// Order temporary cards from the bureau: `count` new cards, queued or ordered at once as the
/// options say (then the order file is written now). Returns how many and their state.
#[server(prefix = "/api", endpoint = "order_temp_cards")]
pub async fn order_temp_cards(
    count: u32,
) -> Result<(usize, tessera_process::TempCardState), AppError> {
    let (engine, caller) = ssr::context().await?;
    let (ids, state) = tessera_engine::temp_cards::order(&engine, &caller, count)
        .await
        .map_err(ssr::fail)?;
    Ok((ids.len(), state))
}

/// Temporary cards, newest first; `state` filters ("" for all).
#[server(prefix = "/api", endpoint = "temp_cards")]
pub async fn temp_cards(state: String) -> Result<Vec<TempCardRow>, AppError> {
    let (engine, caller) = ssr::context().await?;
    let state = match state.as_str() {
        "" => None,
        s => Some(tessera_process::TempCardState::parse(s).ok_or_else(|| {
            ssr::refuse(AppError::bad_request(format!(
                "\"{s}\" is not a state of a temporary card."
            )))
        })?),
    };
    tessera_engine::temp_cards::list(&engine, &caller, state, 500)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", endpoint = "temp_card_page")]
pub async fn fetch_temp_card_page(id: i64) -> Result<TempCardPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::temp_cards::page(&engine, &caller, id)
        .await
        .map_err(ssr::fail)
}

/// BATCH ORDERS, Issue multiple (temporary) cards: Search for cards of `kind` ready for
/// production.
#[server(prefix = "/api", endpoint = "batch_search")]
pub async fn batch_search(
    kind: tessera_process::ObjectKind,
) -> Result<Vec<BatchCandidate>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::batch_orders::search(&engine, &caller, kind)
        .await
        .map_err(ssr::fail)
}

/// Issue multiple (temporary) cards with the ticked cards: a new batch order.
#[server(prefix = "/api", endpoint = "create_batch", input = Json)]
pub async fn create_batch(
    kind: tessera_process::ObjectKind,
    ids: Vec<i64>,
) -> Result<i64, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::batch_orders::create(&engine, &caller, kind, &ids)
        .await
        .map_err(ssr::fail)
}

/// The batch orders: id, kind of card, state, number of cards.
#[server(prefix = "/api", endpoint = "batch_orders")]
pub async fn batch_orders() -> Result<
    Vec<(
        i64,
        tessera_process::ObjectKind,
        tessera_process::BatchOrderState,
        usize,
    )>,
    AppError,
> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::batch_orders::list(&engine, &caller)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", endpoint = "batch_view")]
pub async fn fetch_batch(batch: i64) -> Result<BatchView, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::batch_orders::view(&engine, &ssr::bridge()?, &caller, batch)
        .await
        .map_err(ssr::fail)
}

/// Next (or Repeat production): without encoding the new PINs come back at once (shown once);
/// with encoding production starts and [`fetch_batch`] follows it.
#[server(prefix = "/api", endpoint = "produce_batch")]
pub async fn produce_batch(
    batch: i64,
    version: i64,
    reader: Option<String>,
    repeat: bool,
) -> Result<Vec<(i64, String)>, AppError> {
    use tessera_engine::batch_orders::{self, Produced};
    let (engine, caller) = ssr::context().await?;
    let reader = reader.filter(|r| !r.is_empty());
    match batch_orders::produce(
        &engine,
        &ssr::bridge()?,
        &caller,
        batch,
        version,
        reader.as_deref(),
        repeat,
    )
    .await
    .map_err(ssr::fail)?
    {
        Produced::Done(pins) => Ok(pins
            .into_iter()
            .map(|(id, pin)| (id, pin.to_string()))
            .collect()),
        Produced::Started => Ok(vec![]),
    }
}

/// Complete order or Cancel order.
#[server(prefix = "/api", endpoint = "close_batch")]
pub async fn close_batch(
    process: tessera_process::ProcessId,
    batch: i64,
    version: i64,
) -> Result<String, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::batch_orders::close(&engine, &ssr::bridge()?, &caller, process, batch, version)
        .await
        .map(|s| s.as_str().to_string())
        .map_err(ssr::fail)
}

/// Stop production after the card being encoded.
#[server(prefix = "/api", endpoint = "stop_batch")]
pub async fn stop_batch(batch: i64) -> Result<(), AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::batch_orders::stop(&engine, &ssr::bridge()?, &caller, batch)
        .await
        .map_err(ssr::fail)
}

/// Supply mobile ID (operator) or Get mobile ID (self-service) before Next.
#[server(prefix = "/api", endpoint = "supply_mobile_id_preview")]
pub async fn fetch_supply_mobile_id(
    process: tessera_process::ProcessId,
    user_id: i64,
) -> Result<SupplyMobileIdPreview, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::mobile_ids::preview(&engine, &caller, process, user_id)
        .await
        .map_err(ssr::fail)
}

/// Next on Supply mobile ID or Get mobile ID.
#[server(prefix = "/api", endpoint = "supply_mobile_id")]
pub async fn supply_mobile_id(
    process: tessera_process::ProcessId,
    user_id: i64,
    user_version: i64,
) -> Result<SupplyMobileIdOutcome, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::mobile_ids::supply(&engine, &caller, process, user_id, user_version)
        .await
        .map_err(ssr::fail)
}

/// Self-Service: the QR code of one's own mobile ID, with a new code.
#[server(prefix = "/api", endpoint = "show_mobile_id_qr")]
pub async fn show_mobile_id_qr(mobile_id: i64) -> Result<MobileIdQr, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::mobile_ids::show_qr(&engine, &caller, mobile_id)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", endpoint = "mobile_id_page")]
pub async fn fetch_mobile_id_page(id: i64) -> Result<MobileIdPage, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::mobile_ids::page(&engine, &caller, id)
        .await
        .map_err(ssr::fail)
}
