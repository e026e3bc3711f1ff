use crate::api::fetch_card_page;
use crate::components::id_param;
use crate::components::{loaded, StateBadge};
use crate::i18n::{tu_string, use_i18n};
use crate::time::When;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn CardPage() -> impl IntoView {
    let id = id_param("id");
    let i18n = use_i18n();
    let page = Resource::new(id, fetch_card_page);
    let details = loaded(page, move |p| {
        view! {
            <section>
                <h1>{tu_string!(i18n, card.title, id = p.card.id)}</h1>
                <dl class="data" data-testid="card-data">
                    <dt>{tu_string!(i18n, card.state)}</dt><dd><StateBadge name=p.card.state.as_str() label=p.card.state.words()/></dd>
                    <dt>{tu_string!(i18n, card.card_profile)}</dt><dd>{p.card.card_profile.clone()}</dd>
                    <dt>{tu_string!(i18n, card.user)}</dt><dd><A href=format!("/users/{}", p.user.id)>{p.user.common_name.clone()}</A> " (" {p.user.upn.clone()} ")"</dd>
                    <dt>{tu_string!(i18n, card.requested_by)}</dt><dd>{p.card.requested_by.clone()}</dd>
                    <dt>{tu_string!(i18n, card.created)}</dt><dd><When at=p.card.created_at.clone()/></dd>
                </dl>
                {
                    let card_id = p.card.id;
                    view! {
                        <crate::components::CommandPanel noun="card" commands=p.commands.clone()
                            href=move |process| format!("/cards/{card_id}/process/{}", process.as_str())/>
                    }
                }
                <h2>{tu_string!(i18n, card.certificates)}</h2>
                <crate::pages::certificates::CertificatesPanel certificates=p.certificates/>
                <h2>{tu_string!(i18n, card.history)}</h2>
                <crate::components::HistoryTable history=p.history/>
            </section>
        }
    });
    // Outside the card's data, so that the job's progress and the PIN stay on screen while the
    // card is reloaded after the job.
    view! {
        {details}
        {move || {
            let card_id = id();
            (card_id > 0).then(|| view! {
                <crate::pages::issue_card::IssueCardPanel card_id on_change=move |_| page.refetch()/>
            })
        }}
    }
}
