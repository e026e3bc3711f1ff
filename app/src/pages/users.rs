use crate::i18n::{t_string, tu_string, use_i18n};
use leptos::prelude::*;
use leptos_router::components::{Form, A};

/// Users: create or import them, or find one (the search is Quick search's, for users).
#[component]
pub fn UsersPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section>
            <h1>{tu_string!(i18n, users.title)}</h1>
            <p class="actions"><A href="/users/new">{tu_string!(i18n, users.create_user)}</A> <A href="/users/import">{tu_string!(i18n, users.import_users)}</A></p>
            <Form method="GET" action="/search">
                <input type="hidden" name="kind" value="user"/>
                <label class="search">
                    {tu_string!(i18n, users.search_users)}
                    <input type="search" name="q" placeholder=move || t_string!(i18n, users.placeholder) autofocus/>
                </label>
                <button type="submit" class="primary">{tu_string!(i18n, users.search)}</button>
            </Form>
        </section>
    }
}
