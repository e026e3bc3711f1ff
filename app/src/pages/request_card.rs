use crate::api::{preview_request_card, RequestCard};
use crate::components::id_param;
use crate::components::UserData;
use crate::components::{submission_key, ErrorBox, Loading, StateBadge, Stepper};
use crate::i18n::{tu_string, use_i18n};
use crate::pages::process::{process_step, process_steps};
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_process::dto::OptionInForce;
use tessera_process::CardState;

#[component]
fn OptionsInForce(options: Vec<OptionInForce>, version: Option<i64>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h2>{tu_string!(i18n, request_card.options)}</h2>
        <dl class="data" data-testid="options-in-force">
            {options.into_iter().map(|o| view! { <dt>{crate::language::said_option(&o.key, false, o.label)}</dt><dd data-option=o.key>{o.value}</dd> }).collect_view()}
        </dl>
        {version.map(|v| view! { <p class="muted">{tu_string!(i18n, request_card.options_version, version = v)}</p> })}
    }
}

fn outcome_text(state: CardState) -> AnyView {
    let i18n = use_i18n();
    match state {
        CardState::Processing => {
            view! { {tu_string!(i18n, request_card.outcome_processing)} }.into_any()
        }
        CardState::Ordered => view! { {tu_string!(i18n, request_card.outcome_ordered)} }.into_any(),
        CardState::Requested => {
            view! { {tu_string!(i18n, request_card.outcome_requested)} }.into_any()
        }
        CardState::Approved => {
            view! { {tu_string!(i18n, request_card.outcome_approved)} }.into_any()
        }
        _ => view! { {tu_string!(i18n, request_card.outcome_created)} }.into_any(),
    }
}

/// Request card (`CardsProcRequest`), or with `external` Order card for external production
/// (`CardsAddonExtProdProcOrder`): card and user data, Next and Cancel, then the outcome.
#[component]
pub fn RequestCardPage(#[prop(optional)] external: bool) -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param("id");
    let preview = Resource::new(id, move |id| preview_request_card(id, Some(external)));
    let request = ServerAction::<RequestCard>::new();
    let once = submission_key();
    let step = process_step(
        move || matches!(request.value().get(), Some(Ok(_))),
        request.pending(),
    );
    view! {
        <section>
            <Stepper steps=process_steps(i18n.get_locale_untracked()) current=step/>
            <h1>{if external { tu_string!(i18n, request_card.order_card).into_any() } else { tu_string!(i18n, request_card.request_card).into_any() }}</h1>
            {move || match request.value().get() {
                Some(Ok(out)) => view! {
                    <div class="outcome" role="status" data-testid="outcome">
                        <p>{outcome_text(out.state)}</p>
                        <p>
                            {tu_string!(i18n, request_card.now_in_state, id = out.card_id)}
                            <StateBadge name=out.state.as_str() label=out.state.words()/>
                            "."
                        </p>
                        <OptionsInForce options=out.options.clone() version=Some(out.options_version)/>
                        <p class="actions">
                            <A href=format!("/cards/{}", out.card_id)>{tu_string!(i18n, request_card.open_card)}</A>
                            <A href=format!("/users/{}", out.user_id)>{tu_string!(i18n, request_card.back_to_user)}</A>
                        </p>
                    </div>
                }.into_any(),
                _ => view! {
                    <Suspense fallback=Loading>
                        {move || preview.get().map(|p| match p {
                            Err(e) => view! {
                                <ErrorBox error=e/>
                                <p><A href=format!("/users/{}", id())>{tu_string!(i18n, request_card.back_to_user)}</A></p>
                            }.into_any(),
                            Ok(p) => {
                                let (user_id, user_version) = (p.user.id, p.user.version);
                                view! {
                                    <div class="columns">
                                        <div>
                                            <h2>{tu_string!(i18n, request_card.card_data)}</h2>
                                            <dl class="data" data-testid="card-data">
                                                <dt>{tu_string!(i18n, request_card.card_profile)}</dt><dd>{p.card_profile.clone()}</dd>
                                                <dt>{tu_string!(i18n, request_card.state_after_next)}</dt>
                                                <dd><StateBadge name=p.end_state.as_str() label=p.end_state.words()/></dd>
                                            </dl>
                                            <h2>{tu_string!(i18n, request_card.user_data)}</h2>
                                            <UserData user=p.user.clone()/>
                                        </div>
                                        <div>
                                            <OptionsInForce options=p.options.clone() version=Some(p.options_version)/>
                                        </div>
                                    </div>
                                    {move || request.value().get().and_then(|r| r.err()).map(|e| view! {
                                        <ErrorBox error=e/>
                                    })}
                                    <p class="actions">
                                        <button
                                            class="primary"
                                            disabled=move || request.pending().get()
                                            on:click=move |_| { request.dispatch(RequestCard { user_id, user_version, external: Some(external), once: once.get() }); }
                                        >
                                            {tu_string!(i18n, common.next)}
                                        </button>
                                        <A href=format!("/users/{user_id}") attr:class="button cancel">{tu_string!(i18n, common.cancel)}</A>
                                    </p>
                                }.into_any()
                            }
                        })}
                    </Suspense>
                }.into_any(),
            }}
        </section>
    }
}
