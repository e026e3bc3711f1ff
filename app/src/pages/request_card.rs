use crate::api::{preview_request_card, RequestCard};
use crate::components::id_param;
use crate::components::UserData;
use crate::components::{submission_key, ErrorBox, Loading, StateBadge, Stepper};
use crate::pages::process::{process_step, PROCESS_STEPS};
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_process::dto::OptionInForce;
use tessera_process::CardState;

#[component]
fn OptionsInForce(options: Vec<OptionInForce>, version: Option<i64>) -> impl IntoView {
    view! {
        <h2>"Options"</h2>
        <dl class="data" data-testid="options-in-force">
            {options.into_iter().map(|o| view! { <dt>{o.label}</dt><dd data-option=o.key>{o.value}</dd> }).collect_view()}
        </dl>
        {version.map(|v| view! { <p class="muted">{format!("CardsScriptOptions version {v}")}</p> })}
    }
}

fn outcome_text(state: CardState) -> &'static str {
    match state {
        CardState::Processing => {
            "The card is ordered and queued: the next order file takes it to the bureau."
        }
        CardState::Ordered => {
            "The card is ordered: it goes to the bureau in the order file written now."
        }
        CardState::Requested => "The card request was created. It waits for an approver.",
        CardState::Approved => {
            "The card request was created and is approved. The card can now be issued."
        }
        _ => "The card request was created.",
    }
}

/// Request card (`CardsProcRequest`), or with `external` Order card for external production
/// (`CardsAddonExtProdProcOrder`): card and user data, Next and Cancel, then the outcome.
#[component]
pub fn RequestCardPage(#[prop(optional)] external: bool) -> impl IntoView {
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
            <Stepper steps=PROCESS_STEPS current=step/>
            <h1>{if external { "Order card" } else { "Request card" }}</h1>
            {move || match request.value().get() {
                Some(Ok(out)) => view! {
                    <div class="outcome" role="status" data-testid="outcome">
                        <p>{outcome_text(out.state)}</p>
                        <p>
                            {format!("Card {} is now in state ", out.card_id)}
                            <StateBadge name=out.state.as_str() label=out.state.label()/>
                            "."
                        </p>
                        <OptionsInForce options=out.options.clone() version=Some(out.options_version)/>
                        <p class="actions">
                            <A href=format!("/cards/{}", out.card_id)>"Open the card"</A>
                            <A href=format!("/users/{}", out.user_id)>"Back to the user"</A>
                        </p>
                    </div>
                }.into_any(),
                _ => view! {
                    <Suspense fallback=Loading>
                        {move || preview.get().map(|p| match p {
                            Err(e) => view! {
                                <ErrorBox error=e/>
                                <p><A href=format!("/users/{}", id())>"Back to the user"</A></p>
                            }.into_any(),
                            Ok(p) => {
                                let (user_id, user_version) = (p.user.id, p.user.version);
                                view! {
                                    <div class="columns">
                                        <div>
                                            <h2>"Card data"</h2>
                                            <dl class="data" data-testid="card-data">
                                                <dt>"Card profile"</dt><dd>{p.card_profile.clone()}</dd>
                                                <dt>"State after Next"</dt>
                                                <dd><StateBadge name=p.end_state.as_str() label=p.end_state.label()/></dd>
                                            </dl>
                                            <h2>"User data"</h2>
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
                                            "Next"
                                        </button>
                                        <A href=format!("/users/{user_id}") attr:class="button cancel">"Cancel"</A>
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
