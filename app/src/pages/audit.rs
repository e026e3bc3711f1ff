//! The audit viewer: filter by object, actor, process and time; each record with its data
//! (before/after values), a page at a time; the chain check on request.

use crate::api::{audit_log, VerifyAudit, AUDIT_PAGE};
use crate::components::{ErrorBox, Loading};
use crate::time::When;
use leptos::prelude::*;
use tessera_process::dto::AuditFilter;
use tessera_process::ObjectKind;

#[component]
pub fn AuditPage() -> impl IntoView {
    let filter = RwSignal::new(AuditFilter::default());
    let log = Resource::new(move || filter.get(), audit_log);
    // Where the pages before this one started, to go back to them.
    let newer = RwSignal::new(Vec::<Option<i64>>::new());
    // The chain check reads every record, so it runs when asked, not with every visit.
    let chain = ServerAction::<VerifyAudit>::new();
    let kind = RwSignal::new(String::new());
    let object_id = RwSignal::new(String::new());
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let since = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        filter.set(AuditFilter {
            object_kind: kind.get_untracked(),
            object_id: object_id.get_untracked(),
            actor: actor.get_untracked(),
            action: action.get_untracked(),
            since: since.get_untracked(),
            until: until.get_untracked(),
            before: None,
        });
        newer.set(Vec::new());
    };
    let to_older = move |older: i64| {
        newer.update(|n| n.push(filter.get_untracked().before));
        filter.update(|f| f.before = Some(older));
    };
    let to_newer = move |_| {
        if let Some(before) = newer.try_update(|n| n.pop()).flatten() {
            filter.update(|f| f.before = before);
        }
    };
    let text = |label: &'static str,
                name: &'static str,
                signal: RwSignal<String>,
                hint: &'static str| {
        view! {
            <label>{label} <input type="text" name=name placeholder=hint prop:value=move || signal.get() on:input=move |ev| signal.set(event_target_value(&ev))/></label>
        }
    };
    view! {
        <section>
            <h1>"Audit log"</h1>
            <form class="filters" on:submit=apply data-testid="audit-filter">
                <label>"Object " <select name="object_kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="">"any"</option>
                    {ObjectKind::ALL.iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                </select></label>
                {text("Id", "object_id", object_id, "e.g. 12")}
                {text("Who", "actor", actor, "user name")}
                {text("Process", "action", action, "e.g. CardsProcApprove")}
                {text("From", "since", since, "2026-11-01")}
                {text("To", "until", until, "2026-11-30")}
                <button type="submit">"Filter"</button>
            </form>
            <div class="actions">
                <button type="button" data-testid="check-chain" disabled=move || chain.pending().get() on:click=move |_| { chain.dispatch(VerifyAudit {}); }>"Check the chain"</button>
                {move || chain.value().get().map(|c| match c {
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    Ok(Ok(n)) => view! { <p class="notice" data-testid="chain">{format!("The audit chain is intact: {n} records.")}</p> }.into_any(),
                    Ok(Err(e)) => view! { <p class="error" data-testid="chain">{e}</p> }.into_any(),
                })}
            </div>
            <Suspense fallback=Loading>
                {move || log.get().map(|l| match l {
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    Ok(page) => { let older = page.older; let rows = page.rows; view! {
                        <p class="muted" data-testid="audit-count">{match (rows.first(), rows.last()) {
                            (Some(first), Some(last)) => format!("Records {} to {}, newest first, {AUDIT_PAGE} a page.", first.id, last.id),
                            _ => "No records match.".to_string(),
                        }}</p>
                        <table class="list" data-testid="audit">
                            <thead><tr><th>"#"</th><th>"When"</th><th>"Who"</th><th>"What"</th><th>"Object"</th><th>"Before"</th><th>"After"</th><th>"Details"</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|r| { let action = r.action.clone(); view! {
                                    <tr data-action=action>
                                        <td>{r.id}</td>
                                        <td><When at=r.at/></td>
                                        <td>{r.actor}</td>
                                        <td><code>{r.action}</code></td>
                                        <td>{r.object}</td>
                                        <td>{r.from_state.unwrap_or_default()}</td>
                                        <td>{r.to_state.unwrap_or_default()}</td>
                                        <td>
                                            {r.detail}
                                            {(!r.data.is_empty()).then(|| view! {
                                                <details><summary>"Data"</summary><pre class="data">{r.data.clone()}</pre></details>
                                            })}
                                        </td>
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                        <nav class="pager">
                            <button type="button" data-testid="newer" disabled=move || newer.with(|n| n.is_empty()) on:click=to_newer>"← Newer"</button>
                            <button type="button" data-testid="older" disabled=older.is_none() on:click=move |_| { if let Some(o) = older { to_older(o) } }>"Older →"</button>
                        </nav>
                    }.into_any() },
                })}
            </Suspense>
        </section>
    }
}
