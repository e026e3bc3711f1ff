//! The one page of every list in the menu (`/lists/:list`): the title and purpose from the
//! list's row, then its objects a page at a time, each linking to the page it belongs on.

use crate::api::fetch_list;
use crate::components::{loaded, object_href, StateBadge};
use crate::time::When;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use tessera_process::lists::{ListId, ListRow, PAGE};

#[component]
pub fn ObjectListPage() -> impl IntoView {
    let params = use_params_map();
    let list = move || params.with(|p| p.get("list").and_then(|l| ListId::parse(&l)));
    let offset = RwSignal::new(0u64);
    // Another list in the menu starts at its first page.
    Effect::new(move |_| {
        list();
        offset.set(0);
    });
    let page = Resource::new(
        move || (list(), offset.get()),
        |(list, offset)| async move {
            match list {
                Some(list) => fetch_list(list, offset).await,
                None => Err(tessera_process::AppError::not_found(
                    "There is no such list.",
                )),
            }
        },
    );
    view! {
        <section>
            {move || list().map(|l| {
                let def = l.def();
                view! {
                    <h1>{def.title}</h1>
                    <p class="muted">{def.purpose}</p>
                }
            })}
            {loaded(page, move |p| {
                let def = p.list.def();
                if p.rows.is_empty() {
                    return view! { <p class="muted" data-testid="list-empty">{def.empty}</p> }.into_any();
                }
                view! {
                    <ObjectTable rows=p.rows total=p.total offset=p.offset testid="list"
                        page=Callback::new(move |o| offset.set(o))/>
                }.into_any()
            })}
        </section>
    }
}

/// Objects as rows (a list of the menu, or what Quick search found), `PAGE` at a time, with
/// Previous and Next; each row links to the page it belongs on.
#[component]
pub fn ObjectTable(
    rows: Vec<ListRow>,
    total: u64,
    offset: u64,
    testid: &'static str,
    /// Asked for the page that starts at this offset.
    page: Callback<u64>,
) -> impl IntoView {
    let shown = offset + rows.len() as u64;
    let from = offset + 1;
    let earlier = offset.saturating_sub(PAGE);
    let (has_earlier, has_more) = (from > 1, shown < total);
    view! {
        <p data-testid="list-count">{format!("{from}–{shown} of {total}")}</p>
        <table class="list" data-testid=testid>
            <thead><tr><th>"Object"</th><th>"Holder"</th><th>"State"</th><th>"Details"</th><th>"Changed"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr data-testid="list-row" data-kind=r.kind.as_str() data-id=r.id>
                        <td><A href=object_href(r.opens.0, r.opens.1)>{r.label}</A></td>
                        <td>{r.holder.unwrap_or_default()}</td>
                        <td><StateBadge name=r.state.as_str() label=r.state.label()/></td>
                        <td>{r.detail}</td>
                        <td><When at=r.changed_at/></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <p class="actions">
            <Show when=move || has_earlier>
                <button type="button" on:click=move |_| page.run(earlier)>"Previous"</button>
            </Show>
            <Show when=move || has_more>
                <button type="button" data-testid="list-next" on:click=move |_| page.run(shown)>"Next"</button>
            </Show>
        </p>
    }
}
