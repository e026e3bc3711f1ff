//! Activate, Deactivate, Reactivate and Lock card: the card and its holder, what happens to the
//! certificates, Next / Cancel, then the outcome.

use crate::api::{error_text, fetch_card_process, RunCardProcess};
use crate::components::{ErrorBox, Loading, StateBadge};
use crate::pages::user::id_param;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn CardProcessPage() -> impl IntoView {
    let id = id_param("id");
    let params = use_params_map();
    let process = move || params.read().get("process").unwrap_or_default();
    let preview = Resource::new(
        move || (process(), id()),
        |(p, id)| fetch_card_process(p, id),
    );
    let run = ServerAction::<RunCardProcess>::new();
    let reason = RwSignal::new(String::new());
    view! {
        <section>
            {move || match run.value().get() {
                Some(Ok(out)) => view! {
                    <h1>"Done"</h1>
                    <div class="outcome" role="status" data-testid="outcome">
                        <p>"The card is now " <StateBadge name=out.state.as_str() label=out.state.label()/> "."</p>
                        <p>{format!("{} certificates changed with the card.", out.certificates_changed)}</p>
                        <p class="actions"><A href=format!("/cards/{}", out.card_id)>"Back to the card"</A></p>
                    </div>
                }.into_any(),
                _ => view! {
                    <Suspense fallback=Loading>
                        {move || preview.get().map(|p| match p {
                            Err(e) => view! {
                                <ErrorBox error=e/>
                                <p><A href=format!("/cards/{}", id())>"Back to the card"</A></p>
                            }.into_any(),
                            Ok(p) => {
                                let (card_id, version, name) = (p.card.id, p.card.version, p.process.as_str().to_string());
                                let needs_reason = p.needs_reason;
                                view! {
                                    <h1>{p.name.clone()}</h1>
                                    <dl class="data" data-testid="card-data">
                                        <dt>"Card"</dt><dd>{format!("{} ({})", p.card.id, p.card.card_profile)}</dd>
                                        <dt>"State"</dt><dd><StateBadge name=p.card.state.as_str() label=p.card.state.label()/></dd>
                                        <dt>"User"</dt><dd data-field="common_name">{p.user.common_name.clone()}</dd>
                                        <dt>"UPN"</dt><dd data-field="upn">{p.user.upn.clone()}</dd>
                                    </dl>
                                    <h2>"What happens"</h2>
                                    <p>"The card becomes " <StateBadge name=p.end_state.as_str() label=p.end_state.label()/> "."</p>
                                    <p data-testid="certificates-affected">{format!("{} certificates change state.", p.certificates)}</p>
                                    <Show when=move || needs_reason>
                                        <crate::components::RevocationReasonField reason/>
                                    </Show>
                                    {move || run.value().get().and_then(|r| r.err()).map(|e| view! {
                                        <p class="error" role="alert">{error_text(&e)}</p>
                                    })}
                                    <p class="actions">
                                        <button type="button" class="primary" disabled=move || run.pending().get()
                                            on:click={
                                                let name = name.clone();
                                                move |_| { run.dispatch(RunCardProcess {
                                                    process: name.clone(),
                                                    card_id,
                                                    version,
                                                    reason: Some(reason.get_untracked()),
                                                }); }
                                            }>"Next"</button>
                                        <A href=format!("/cards/{card_id}")>"Cancel"</A>
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
