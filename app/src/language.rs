//! Which language a page speaks: the account's choice (the `tessera_lang` cookie, set at sign-in
//! and when the account changes it), else the browser's `Accept-Language`. The server renders in
//! that language and writes it in `<html lang>`, from where the browser's hydration takes it.

use crate::i18n::{use_i18n, Locale};
#[cfg(feature = "ssr")]
use leptos::prelude::use_context;
use leptos_i18n::context::UseLocalesOptions;
use tessera_process::{Language, Words};

/// The cookie that carries the account's language to the server's rendering.
#[cfg(feature = "ssr")]
pub const COOKIE: &str = "tessera_lang";

/// The language a request asks for, as `leptos_i18n` reads it on the server (the form of an
/// `Accept-Language` header). In the browser the locale comes from `<html lang>` instead.
pub fn requested() -> UseLocalesOptions {
    UseLocalesOptions::default().ssr_lang_header_getter(|| {
        #[cfg(feature = "ssr")]
        {
            let parts = use_context::<axum::http::request::Parts>()?;
            Some(of_request(&parts.headers).code().to_string())
        }
        #[cfg(not(feature = "ssr"))]
        None
    })
}

/// The language of a request: the account's cookie, else `Accept-Language`.
#[cfg(feature = "ssr")]
pub fn of_request(headers: &axum::http::HeaderMap) -> Language {
    let chosen = crate::api::ssr::cookie(headers, COOKIE).and_then(Language::from_code);
    chosen.unwrap_or_else(|| {
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map_or_else(Language::default, Language::from_accept_language)
    })
}

pub fn of_locale(locale: Locale) -> Language {
    match locale {
        Locale::en => Language::English,
        Locale::sv => Language::Swedish,
    }
}

/// The page's language, tracked: words of the process model (`Words::of`) follow a change.
pub fn current() -> impl Fn() -> Language + Copy + Send + Sync + 'static {
    let i18n = use_i18n();
    move || of_locale(i18n.get_locale())
}

/// A name of the process model (a state, a process, a list) in the page's language, following
/// a change of language: `{said(def.title)}`.
pub fn said(words: Words) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let language = current();
    move || words.of(language())
}

/// An option's name (`help`: its help text) in the page's language, found by its key (the keys
/// are unique across packages); what the server sent when the key is not one this build knows.
pub fn said_option(key: &str, help: bool, sent: String) -> leptos::prelude::AnyView {
    use leptos::prelude::IntoAny;
    let def = tessera_process::OptionsPackage::ALL
        .iter()
        .find_map(|p| p.def(key));
    match def {
        Some(d) => said(if help { d.help } else { d.label }).into_any(),
        None => sent.into_any(),
    }
}
