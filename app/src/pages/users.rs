use crate::api::search_users;
use crate::components::{ErrorBox, Loading, StateBadge};
use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

/// Quick search for users.
#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let results = Resource::new(q, search_users);
    view! {
        <section>
            <h1>"Users"</h1>
            <p class="actions"><A href="/users/new">"Create user"</A> <A href="/users/import">"Import users"</A></p>
            <Form method="GET" action="">
                <label class="search">
                    "Search users"
                    <input type="search" name="q" prop:value=q placeholder="Name, UPN or employee id" autofocus/>
                </label>
                <button type="submit" class="primary">"Search"</button>
            </Form>
            <Transition fallback=Loading>
                {move || results.get().map(|r| match r {
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No user matches."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="list" data-testid="search-results">
                            <thead><tr><th>"Name"</th><th>"UPN"</th><th>"Employee id"</th><th>"Department"</th><th>"State"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|u| view! {
                                    <tr>
                                        <td><A href=format!("/users/{}", u.id)>{u.common_name}</A></td>
                                        <td>{u.upn}</td>
                                        <td>{u.employee_id}</td>
                                        <td>{u.department}</td>
                                        <td><StateBadge name=u.state.as_str() label=u.state.label()/></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}
