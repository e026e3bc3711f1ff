use crate::api::fetch_user_page;
use crate::components::id_param;
use crate::components::{loaded, StateBadge, UserData};
use crate::i18n::{tu_string, use_i18n};
use crate::time::When;
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_process::dto::CardSummary;
use tessera_process::ProcessId;

/// Where a command of "What do you want to do?" starts.
pub fn command_href(process: ProcessId, user_id: i64) -> String {
    match process {
        ProcessId::CardsProcRequest => format!("/users/{user_id}/request-card"),
        ProcessId::CardsAddonExtProdProcOrder => format!("/users/{user_id}/order-card"),
        ProcessId::MobileIDProcSupplyMobileIDForUser | ProcessId::MobileIDSelfServiceProcGet => {
            format!("/users/{user_id}/mobile-id/{}", process.as_str())
        }
        other => format!("/users/{user_id}/process/{}", other.as_str()),
    }
}

#[component]
pub fn CardList(cards: Vec<CardSummary>) -> impl IntoView {
    let i18n = use_i18n();
    if cards.is_empty() {
        return view! { <p class="muted">{tu_string!(i18n, user.no_cards)}</p> }.into_any();
    }
    view! {
        <table class="list" data-testid="cards">
            <thead><tr>
                <th>{tu_string!(i18n, user.card)}</th><th>{tu_string!(i18n, user.profile)}</th><th>{tu_string!(i18n, user.state)}</th>
                <th>{tu_string!(i18n, user.requested_by)}</th><th>{tu_string!(i18n, user.created)}</th>
            </tr></thead>
            <tbody>
                {cards.into_iter().map(|c| view! {
                    <tr data-card=c.id>
                        <td><A href=format!("/cards/{}", c.id)>{tu_string!(i18n, user.card_n, id = c.id)}</A></td>
                        <td>{c.card_profile}</td>
                        <td><StateBadge name=c.state.as_str() label=c.state.words()/></td>
                        <td>{c.requested_by}</td>
                        <td><When at=c.created_at/></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// A user's page: data, credentials, and "What do you want to do?".
#[component]
pub fn UserPage() -> impl IntoView {
    let id = id_param("id");
    let i18n = use_i18n();
    let page = Resource::new(id, fetch_user_page);
    loaded(page, move |p| {
        let user_id = p.user.id;
        view! {
            <section>
                <h1>{p.user.common_name.clone()}</h1>
                <div class="columns">
                    <div>
                        <h2>{tu_string!(i18n, user.user)}</h2>
                        <UserData user=p.user.clone()/>
                        <crate::pages::people::EditLink user_id/>
                        <crate::pages::people::UserDecision user=p.user.clone()/>
                        {p.pending_change.clone().map(|change| view! { <crate::pages::people::PendingChangePanel change/> })}
                    </div>
                    <crate::components::CommandPanel noun="user" commands=p.commands href=move |process| command_href(process, user_id)/>
                </div>
                <h2>{tu_string!(i18n, user.cards)}</h2>
                <CardList cards=p.cards/>
                <h2>{tu_string!(i18n, user.mobile_ids)}</h2>
                <crate::pages::mobile_ids::MobileIdList mobile_ids=p.mobile_ids/>
                <h2>{tu_string!(i18n, user.certificates)}</h2>
                <crate::pages::certificates::CertificatesPanel certificates=p.certificates/>
                <h2>{tu_string!(i18n, user.history)}</h2>
                <crate::components::HistoryTable history=p.history/>
            </section>
        }
    })
}
