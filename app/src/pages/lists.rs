//! The one page of every list in the menu (`/lists/:list`): the title and purpose from the
//! list's row, then its objects a page at a time, each linking to the page it belongs on.

use crate::api::fetch_list;
use crate::components::{loaded, object_href, StateBadge};
use crate::i18n::{tu_string, use_i18n};
use crate::language::said;
use crate::time::When;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use tessera_process::lists::{ListId, ListRow, Sort, SortBy, PAGE};
use tessera_process::ObjectKind;

#[component]
pub fn ObjectListPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let list = move || params.with(|p| p.get("list").and_then(|l| ListId::parse(&l)));
    let offset = RwSignal::new(0u64);
    let sort = RwSignal::new(Sort::default());
    // Another list in the menu starts at its first page, newest first.
    Effect::new(move |_| {
        list();
        offset.set(0);
        sort.set(Sort::default());
    });
    let page = Resource::new(
        move || (list(), offset.get(), sort.get()),
        move |(list, offset, sort)| async move {
            match list {
                Some(list) => fetch_list(list, offset, Some(sort), None).await,
                None => Err(tessera_process::AppError::not_found(tu_string!(
                    i18n,
                    lists.no_such_list
                ))),
            }
        },
    );
    view! {
        <section>
            {move || list().map(|l| {
                let def = l.def();
                view! {
                    <h1>{said(def.title)}</h1>
                    <p class="muted">{said(def.purpose)}</p>
                }
            })}
            {loaded(page, move |p| {
                let def = p.list.def();
                if p.rows.is_empty() {
                    return view! { <p class="muted" data-testid="list-empty">{said(def.empty)}</p> }.into_any();
                }
                view! {
                    <ObjectTable kind=def.kind rows=p.rows total=p.total offset=p.offset testid="list"
                        page=Callback::new(move |o| offset.set(o))
                        sort=sort.get_untracked()
                        order=Callback::new(move |s| { sort.set(s); offset.set(0); })/>
                }.into_any()
            })}
        </section>
    }
}

/// Objects as rows (a list of the menu, or what Quick search found), `PAGE` at a time, with
/// Previous and Next; each row links to the page it belongs on. The headings of the columns a
/// list can be ordered by are buttons: a click orders by it, another turns the order.
#[component]
pub fn ObjectTable(
    kind: ObjectKind,
    rows: Vec<ListRow>,
    total: u64,
    offset: u64,
    testid: &'static str,
    /// Asked for the page that starts at this offset.
    page: Callback<u64>,
    /// The order the rows are in.
    sort: Sort,
    /// Asked for the list in another order.
    order: Callback<Sort>,
) -> impl IntoView {
    let i18n = use_i18n();
    let count = rows.len() as u64;
    let (from, shown) = (offset + 1, offset + count);
    let heading = move |by: SortBy| {
        if !by.applies_to(kind) {
            return view! { <th>{said(by.words())}</th> }.into_any();
        }
        let aria_sort = match (sort.by == by, sort.descending) {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        };
        view! {
            <th aria-sort=aria_sort>
                <button type="button" class="sort" data-sort=format!("{by:?}").to_lowercase()
                    on:click=move |_| order.run(sort.toggled(by))>{said(by.words())}</button>
            </th>
        }
        .into_any()
    };
    view! {
        <p data-testid="list-count">{tu_string!(i18n, lists.count, from = from, shown = shown, total = total)}</p>
        <table class="list" data-testid=testid>
            <thead><tr>
                {heading(SortBy::Object)}{heading(SortBy::Holder)}{heading(SortBy::State)}
                <th>{tu_string!(i18n, lists.details)}</th>
                {heading(SortBy::Changed)}
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr data-testid="list-row" data-kind=r.kind.as_str() data-id=r.id>
                        <td><A href=object_href(r.opens.0, r.opens.1)>{r.label}</A></td>
                        <td>{r.holder.unwrap_or_default()}</td>
                        <td><StateBadge name=r.state.as_str() label=r.state.words()/></td>
                        <td>{r.detail}</td>
                        <td><When at=r.changed_at/></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <Pager offset rows=count total next_testid="list-next" page/>
    }
}

/// Previous and Next under a page of `rows` rows from `offset`, of `total`.
#[component]
pub fn Pager(
    offset: u64,
    rows: u64,
    total: u64,
    next_testid: &'static str,
    /// Asked for the page that starts at this offset.
    page: Callback<u64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let shown = offset + rows;
    let earlier = offset.saturating_sub(PAGE);
    let (has_earlier, has_more) = (offset > 0, shown < total);
    view! {
        <p class="pager">
            <Show when=move || has_earlier>
                <button type="button" on:click=move |_| page.run(earlier)>{tu_string!(i18n, common.previous)}</button>
            </Show>
            <Show when=move || has_more>
                <button type="button" data-testid=next_testid on:click=move |_| page.run(shown)>{tu_string!(i18n, common.next)}</button>
            </Show>
        </p>
    }
}
