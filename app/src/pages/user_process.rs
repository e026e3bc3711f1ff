//! Deactivate, Reactivate and Lock user: the user, what happens to the credentials and
//! certificates, Next / Cancel, then the outcome.

use crate::api::{error_text, fetch_user_process, RunUserProcess};
use crate::components::{ErrorBox, Loading, StateBadge};
use crate::pages::user::{id_param, UserData};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use tessera_process::dto::CascadeLine;

#[component]
fn Cascade(lines: Vec<CascadeLine>) -> impl IntoView {
    if lines.is_empty() {
        return view! { <p class="muted" data-testid="cascade">"No credential changes with the user."</p> }.into_any();
    }
    view! {
        <table class="list" data-testid="cascade">
            <thead><tr><th>"Credential"</th><th>"From"</th><th>"To"</th><th>"Process"</th></tr></thead>
            <tbody>
                {lines.into_iter().map(|l| view! {
                    <tr>
                        <td>{format!("{} {}", l.kind.label(), l.id)}</td>
                        <td>{l.from}</td>
                        <td>{l.to}</td>
                        <td><code>{l.process.as_str()}</code></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }.into_any()
}

#[component]
pub fn UserProcessPage() -> impl IntoView {
    let id = id_param("id");
    let params = use_params_map();
    let process = move || params.read().get("process").unwrap_or_default();
    let preview = Resource::new(
        move || (process(), id()),
        |(p, id)| fetch_user_process(p, id),
    );
    let run = ServerAction::<RunUserProcess>::new();
    let reason = RwSignal::new(String::new());
    view! {
        <section>
            {move || match run.value().get() {
                Some(Ok(out)) => view! {
                    <h1>"Done"</h1>
                    <div class="outcome" role="status" data-testid="outcome">
                        <p>"The user is now " <StateBadge name=out.state.as_str() label=out.state.label()/> "."</p>
                        <p>{format!("{} credentials and {} certificates changed with the user.", out.cascade.len(), out.certificates_changed)}</p>
                        <Cascade lines=out.cascade.clone()/>
                        <p class="actions"><A href=format!("/users/{}", out.user_id)>"Back to the user"</A></p>
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
                                let (user_id, version, name) = (p.user.id, p.user.version, p.process.as_str().to_string());
                                let needs_reason = p.needs_reason;
                                view! {
                                    <h1>{p.name.clone()}</h1>
                                    <div class="columns">
                                        <div>
                                            <h2>"User data"</h2>
                                            <UserData user=p.user.clone()/>
                                        </div>
                                        <div>
                                            <h2>"What happens"</h2>
                                            <p>"The user becomes " <StateBadge name=p.end_state.as_str() label=p.end_state.label()/> "."</p>
                                            <Cascade lines=p.cascade.clone()/>
                                            <p data-testid="certificates-affected">{format!("{} certificates change state.", p.certificates)}</p>
                                        </div>
                                    </div>
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
                                                move |_| { run.dispatch(RunUserProcess {
                                                    process: name.clone(),
                                                    user_id,
                                                    user_version: version,
                                                    reason: Some(reason.get_untracked()),
                                                }); }
                                            }>"Next"</button>
                                        <A href=format!("/users/{user_id}")>"Cancel"</A>
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
