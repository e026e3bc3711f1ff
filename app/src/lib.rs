#![recursion_limit = "256"]
//! Tessera's web UI. Pages live in `pages`, the server functions they call in `api`; server
//! functions are thin: who is calling → engine call → DTO.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
mod components;
/// The generated translations (build.rs): `i18n::use_i18n`, `t!` and the `Locale` of each page.
/// Generated code is not held to this crate's lints.
#[allow(clippy::all, clippy::expect_used, clippy::unwrap_used)]
mod translations {
    include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));
}
pub use translations::i18n;
mod language;
mod pages;
mod time;

use api::{Login, Logout};
use components::Header;
use i18n::{tu_string, use_i18n};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use tessera_process::dto::SessionInfo;
use tessera_process::ObjectKind;

/// The Content-Security-Policy of a page: scripts only with this response's nonce (and what
/// they load), WebAssembly compiled, everything else from Tessera itself; no plug-ins, no
/// framing, forms only to Tessera.
#[cfg(feature = "ssr")]
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// The HTML document around the app (server side only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(resp)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(v) = axum::http::HeaderValue::from_str(&content_security_policy(&nonce)) {
            resp.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, v);
        }
    }
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="data:,"/>
                <link rel="stylesheet" href=stylesheet(&options)/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The stylesheet, in the current build's directory (scripts/build names it by its hash).
fn stylesheet(options: &LeptosOptions) -> String {
    format!("/{}/{}.css", options.site_pkg_dir, options.output_name)
}

/// Who is signed in, shared by every page; refetched after sign-in and sign-out.
#[derive(Clone, Copy)]
pub struct Auth {
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
    pub session: Resource<Result<Option<SessionInfo>, tessera_process::AppError>>,
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let login = ServerAction::<Login>::new();
    let logout = ServerAction::<Logout>::new();
    let session = Resource::new(
        move || (login.version().get(), logout.version().get()),
        |_| api::current_session(),
    );
    provide_context(Auth {
        login,
        logout,
        session,
    });

    // End-to-end tests wait for this: the page reacts to clicks only once hydrated. The content
    // of a <Suspense/> hydrates in later microtasks, after this effect: a timeout runs only once
    // they are all done.
    Effect::new(move |_| {
        set_timeout(
            || {
                if let Some(body) = document().body() {
                    let _ = body.set_attribute("data-hydrated", "true");
                }
            },
            std::time::Duration::ZERO,
        );
    });

    view! {
        <i18n::I18nContextProvider ssr_lang_header_getter=language::requested()>
        <Title text="Tessera"/>
        <Router>
            <Header/>
            <main>
                <Routes fallback=|| view! { <p class="error">{tu_string!(use_i18n(), app.no_such_page)}</p> }>
                    <Route path=path!("/") view=pages::home::HomePage/>
                    <Route path=path!("/login") view=pages::login::LoginPage/>
                    <Route path=path!("/search") view=pages::search::SearchPage/>
                    <Route path=path!("/users") view=pages::users::UsersPage/>
                    <Route path=path!("/users/new") view=pages::people::NewUserPage/>
                    <Route path=path!("/users/import") view=pages::people::ImportPage/>
                    <Route path=path!("/users/:id") view=pages::user::UserPage/>
                    <Route path=path!("/users/:id/edit") view=pages::people::EditUserPage/>
                    <Route path=path!("/users/:id/request-card") view=|| view! { <pages::request_card::RequestCardPage/> }/>
                    <Route path=path!("/users/:id/order-card") view=|| view! { <pages::request_card::RequestCardPage external=true/> }/>
                    <Route path=path!("/users/:id/process/:process") view=|| view! { <pages::process::ProcessPage kind=ObjectKind::User/> }/>
                    <Route path=path!("/cards/:id/process/:process") view=|| view! { <pages::process::ProcessPage kind=ObjectKind::Card/> }/>
                    <Route path=path!("/cards/:id") view=pages::card::CardPage/>
                    <Route path=path!("/requests") view=pages::requests::RequestsPage/>
                    <Route path=path!("/temp-cards") view=pages::temp_cards::TempCardsPage/>
                    <Route path=path!("/temp-cards/:id") view=pages::temp_cards::TempCardPage/>
                    <Route path=path!("/temp-cards/:id/process/:process") view=|| view! { <pages::process::ProcessPage kind=ObjectKind::TempCard/> }/>
                    <Route path=path!("/batch-orders") view=pages::batch_orders::BatchOrdersPage/>
                    <Route path=path!("/batch-orders/:id") view=pages::batch_orders::BatchOrderPage/>
                    <Route path=path!("/lists/:list") view=pages::lists::ObjectListPage/>
                    <Route path=path!("/admin/options/:package") view=pages::options::OptionsPage/>
                    <Route path=path!("/admin/audit") view=pages::audit::AuditPage/>
                    <Route path=path!("/admin/ca") view=pages::ca::CaPage/>
                    <Route path=path!("/admin/external-production") view=pages::external::ExternalProductionPage/>
                    <Route path=path!("/admin/accounts") view=pages::accounts::AccountsPage/>
                    <Route path=path!("/account") view=pages::account::AccountPage/>
                    <Route path=path!("/admin/commands/:kind") view=pages::commands::CommandsPage/>
                    <Route path=path!("/admin/certificate-profiles") view=pages::profiles::ProfilesPage/>
                    <Route path=path!("/me") view=pages::me::MePage/>
                    <Route path=path!("/users/:id/mobile-id/:process") view=pages::mobile_ids::SupplyMobileIdPage/>
                    <Route path=path!("/mobile-ids/:id") view=pages::mobile_ids::MobileIdPage/>
                    <Route path=path!("/mobile-ids/:id/process/:process") view=|| view! { <pages::process::ProcessPage kind=ObjectKind::MobileId/> }/>
                    <Route path=path!("/mobile-id") view=pages::mobile_ids::MobileIdLinkPage/>
                    <Route path=path!("/welcome") view=pages::welcome::WelcomePage/>
                </Routes>
            </main>
        </Router>
        </i18n::I18nContextProvider>
    }
}
