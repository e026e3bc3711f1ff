use leptos::prelude::*;
use leptos_router::components::{Form, A};

/// Users: create or import them, or find one (the search is Quick search's, for users).
#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <section>
            <h1>"Users"</h1>
            <p class="actions"><A href="/users/new">"Create user"</A> <A href="/users/import">"Import users"</A></p>
            <Form method="GET" action="/search">
                <input type="hidden" name="kind" value="user"/>
                <label class="search">
                    "Search users"
                    <input type="search" name="q" placeholder="Name, UPN or employee id" autofocus/>
                </label>
                <button type="submit" class="primary">"Search"</button>
            </Form>
        </section>
    }
}
