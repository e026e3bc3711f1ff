//! The audit viewer: filter by object, actor, process and time; each record with its data
//! (before/after values), a page at a time; the chain check on request.

use crate::api::{audit_log, VerifyAudit, AUDIT_PAGE};
use crate::components::{ErrorBox, Loading};
use crate::i18n::{t_string, tu_string, use_i18n};
use crate::language::said;
use crate::time::When;
use leptos::prelude::*;
use tessera_process::dto::AuditFilter;
use tessera_process::ObjectKind;

#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
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
    view! {
        <section>
            <h1>{tu_string!(i18n, audit.title)}</h1>
            <form class="filters" on:submit=apply data-testid="audit-filter">
                <label>{tu_string!(i18n, audit.object_filter)} <select name="object_kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="">{tu_string!(i18n, audit.any)}</option>
                    {ObjectKind::ALL.iter().map(|k| view! { <option value=k.as_str()>{said(k.words())}</option> }).collect_view()}
                </select></label>
                {text(tu_string!(i18n, audit.id), "object_id", object_id, move || t_string!(i18n, audit.hint_id))}
                {text(tu_string!(i18n, audit.who), "actor", actor, move || t_string!(i18n, audit.hint_actor))}
                {text(tu_string!(i18n, audit.process), "action", action, move || t_string!(i18n, audit.hint_process))}
                {text(tu_string!(i18n, audit.from), "since", since, || "2026-11-01")}
                {text(tu_string!(i18n, audit.to), "until", until, || "2026-11-30")}
                <button type="submit">{tu_string!(i18n, audit.filter)}</button>
            </form>
            <div class="actions">
                <button type="button" data-testid="check-chain" disabled=move || chain.pending().get() on:click=move |_| { chain.dispatch(VerifyAudit {}); }>{tu_string!(i18n, audit.check_chain)}</button>
                {move || chain.value().get().map(|c| match c {
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    Ok(Ok(n)) => view! { <p class="notice" data-testid="chain">{if n == 1 {
                        tu_string!(i18n, audit.chain_intact_singular, n = n).into_any()
                    } else {
                        tu_string!(i18n, audit.chain_intact_plural, n = n).into_any()
                    }}</p> }.into_any(),
                    Ok(Err(e)) => view! { <p class="error" data-testid="chain">{e}</p> }.into_any(),
                })}
            </div>
            <Suspense fallback=Loading>
                {move || log.get().map(|l| match l {
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    Ok(page) => { let older = page.older; let rows = page.rows; view! {
                        <p class="muted" data-testid="audit-count">{match (rows.first(), rows.last()) {
                            (Some(first), Some(last)) => tu_string!(i18n, audit.records_range, first = first.id, last = last.id, per_page = AUDIT_PAGE).into_any(),
                            _ => tu_string!(i18n, audit.no_records).into_any(),
                        }}</p>
                        <table class="list" data-testid="audit">
                            <thead><tr><th>"#"</th><th>{tu_string!(i18n, audit.col_when)}</th><th>{tu_string!(i18n, audit.who)}</th><th>{tu_string!(i18n, audit.col_what)}</th><th>{tu_string!(i18n, audit.col_object)}</th><th>{tu_string!(i18n, audit.col_before)}</th><th>{tu_string!(i18n, audit.col_after)}</th><th>{tu_string!(i18n, audit.col_details)}</th></tr></thead>
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
                                                <details><summary>{tu_string!(i18n, audit.data)}</summary><pre class="data">{r.data.clone()}</pre></details>
                                            })}
                                        </td>
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                        <nav class="pager">
                            <button type="button" data-testid="newer" disabled=move || newer.with(|n| n.is_empty()) on:click=to_newer>{tu_string!(i18n, audit.newer)}</button>
                            <button type="button" data-testid="older" disabled=older.is_none() on:click=move |_| { if let Some(o) = older { to_older(o) } }>{tu_string!(i18n, audit.older)}</button>
                        </nav>
                    }.into_any() },
                })}
            </Suspense>
        </section>
    }
}

/// A text filter: its label, and a hint in the box.
fn text(
    label: impl IntoView + 'static,
    name: &'static str,
    signal: RwSignal<String>,
    hint: impl Fn() -> &'static str + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <label>{label} <input type="text" name=name placeholder=hint prop:value=move || signal.get() on:input=move |ev| signal.set(event_target_value(&ev))/></label>
    }
}
