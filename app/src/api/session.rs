//! Signing in and out, the welcome link, and the signed-in person's own account.

use leptos::prelude::*;
use tessera_process::dto::*;
use tessera_process::AppError;

#[cfg(feature = "ssr")]
use super::ssr;

#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<SessionInfo, AppError> {
    use ssr::*;
    let parts = parts().await?;
    let engine = engine()?;
    let (token, info) = tessera_engine::auth::login(&engine, &username, &password, &source(&parts))
        .await
        .map_err(fail)?;
    set_cookie(&token, tessera_engine::auth::SESSION_HOURS * 3600);
    set_language_cookie(info.language);
    Ok(info)
}

#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "logout")]
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
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "welcome_link")]
pub async fn welcome_link(token: String) -> Result<String, AppError> {
    let parts = ssr::parts().await?;
    tessera_engine::objects::user::invitations::greet(&ssr::engine()?, &ssr::source(&parts), &token)
        .await
        .map_err(ssr::fail)
}

/// The welcome page: the person chooses their password with the mailed link; returns the user
/// name to sign in with.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "choose_password")]
pub async fn choose_password(token: String, password: String) -> Result<String, AppError> {
    let parts = ssr::parts().await?;
    tessera_engine::objects::user::invitations::redeem(
        &ssr::engine()?,
        &ssr::source(&parts),
        &token,
        &password,
    )
    .await
    .map_err(ssr::fail)
}

/// Who is signed in; `None` when nobody is.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "current_session")]
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
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "my_account")]
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
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "change_password")]
pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
    use ssr::*;
    let parts = parts().await?;
    let (engine, caller) = context().await?;
    let token = token(&parts).unwrap_or_default();
    tessera_engine::auth::change_password(&engine, &caller, &token, &current, &new)
        .await
        .map_err(fail)
}

/// The language of Tessera's pages for one's own account; `None`: the browser's. The pages
/// follow at once (the cookie that the server's rendering reads).
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "set_language")]
pub async fn set_language(language: Option<tessera_process::Language>) -> Result<(), AppError> {
    use ssr::*;
    let (engine, caller) = context().await?;
    tessera_engine::auth::set_language(&engine, &caller, language)
        .await
        .map_err(fail)?;
    set_language_cookie(language);
    Ok(())
}

/// Sign out everywhere: every session of one's account ends, this one too.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<u64, AppError> {
    use ssr::*;
    let (engine, caller) = context().await?;
    let ended = tessera_engine::auth::sign_out_everywhere(&engine, &caller)
        .await
        .map_err(fail)?;
    set_cookie("", 0);
    Ok(ended)
}

#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "my_notifications")]
pub async fn my_notifications() -> Result<Vec<(String, String)>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::notifications::mine(&engine, &caller)
        .await
        .map_err(ssr::fail)
}

/// The work waiting for the signed-in staff account: the home page's panels.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "dashboard")]
pub async fn dashboard() -> Result<tessera_process::dto::Dashboard, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::dashboard::of(&engine, &caller)
        .await
        .map_err(ssr::fail)
}
