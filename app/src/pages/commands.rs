//! Additional Commands: per object kind, one tab per state with the processes enabled there;
//! the admin adds what the process model allows and removes what is enabled.

use crate::api::{fetch_commands_page, SetCommand};
use crate::components::{loaded, ErrorBox};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use tessera_process::dto::{CommandEntry, StateCommands};
use tessera_process::{ObjectKind, ProcessId};

/// The kinds whose objects have "What do you want to do?" lists.
const KINDS: &[ObjectKind] = &[
    ObjectKind::User,
    ObjectKind::Card,
    ObjectKind::TempCard,
    ObjectKind::MobileId,
];

fn roles(e: &CommandEntry) -> String {
    e.roles
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
pub fn CommandsPage() -> impl IntoView {
    let params = use_params_map();
    let kind = move || {
        params
            .read()
            .get("kind")
            .and_then(|k| ObjectKind::parse(&k))
            .unwrap_or(ObjectKind::User)
    };
    let set = ServerAction::<SetCommand>::new();
    let page = Resource::new(
        move || (kind(), set.version().get()),
        |(k, _)| fetch_commands_page(k),
    );
    let tab = RwSignal::new(String::new());
    view! {
        <section>
            <h1>"Additional Commands"</h1>
            <nav class="tabs">
                {KINDS.iter().map(|k| view! { <A href=format!("/admin/commands/{}", k.as_str())>{k.label()}</A> }).collect_view()}
            </nav>
            {move || set.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox error=e/> })}
            {loaded(page, move |p| {
                let kind = p.kind;
                let first = p.states.first().map(|s| s.state.as_str().to_string()).unwrap_or_default();
                if tab.get_untracked().is_empty() || !p.states.iter().any(|s| s.state.as_str() == tab.get_untracked()) {
                    tab.set(first);
                }
                view! {
                    <nav class="tabs states" data-testid="state-tabs">
                        {p.states.iter().map(|s| {
                            let name = s.state.as_str().to_string();
                            let n = name.clone();
                            view! {
                                <button type="button" class="tab" data-state=name.clone()
                                    class:active=move || tab.get() == n
                                    on:click=move |_| tab.set(name.clone())>{s.label.clone()}</button>
                            }
                        }).collect_view()}
                    </nav>
                    {p.states.into_iter().map(|s| {
                        let name = s.state.as_str().to_string();
                        view! {
                            <Show when={let name = name.clone(); move || tab.get() == name}>
                                <StateTab kind s=s.clone() set/>
                            </Show>
                        }
                    }).collect_view()}
                }
            })}
        </section>
    }
}

#[component]
fn StateTab(kind: ObjectKind, s: StateCommands, set: ServerAction<SetCommand>) -> impl IntoView {
    let chosen = RwSignal::new(s.available.first().map(|e| e.process));
    let state = s.state;
    view! {
        <div class="state-tab" data-testid="state-tab" data-state=s.state.as_str()>
            <h2>{format!("{} / {}", kind.label(), s.label)}</h2>
            <table class="list" data-testid="enabled">
                <thead><tr><th>"Process"</th><th>"Symbolic name"</th><th>"Mapping"</th><th>"Started by"</th><th></th></tr></thead>
                <tbody>
                    {s.enabled.into_iter().map(|e| {
                        let process = e.process;
                        view! {
                            <tr data-process=e.process.as_str()>
                                <td>{e.name.clone()}{(!e.implemented).then_some(" (not carried out by this version yet)")}</td>
                                <td><code>{e.process.as_str()}</code></td>
                                <td>{e.mapping.clone().unwrap_or_default()}</td>
                                <td>{roles(&e)}</td>
                                <td><button type="button" on:click=move |_| { set.dispatch(SetCommand {
                                    state, process, enabled: false,
                                }); }>"Remove"</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {(!s.available.is_empty()).then(|| view! {
                <p class="add">
                    <label>"Add " <select name="process" on:change=move |ev| chosen.set(ProcessId::parse(&event_target_value(&ev)))>
                        {s.available.iter().map(|e| view! {
                            <option value=e.process.as_str()>{format!("{} ({})", e.name, e.process.as_str())}</option>
                        }).collect_view()}
                    </select></label>
                    " "
                    <button type="button" class="primary" on:click=move |_| {
                        if let Some(process) = chosen.get_untracked() {
                            set.dispatch(SetCommand { state, process, enabled: true });
                        }
                    }>"Add"</button>
                </p>
            })}
        </div>
    }
}
