use crate::api::my_page;
use crate::components::{ErrorBox, Loading};
use crate::pages::user::{CardList, UserData};
use leptos::prelude::*;

/// Self-service: my data and my credentials.
#[component]
pub fn MePage() -> impl IntoView {
    let page = Resource::new(|| (), |_| my_page());
    view! {
        <Suspense fallback=Loading>
            {move || page.get().map(|p| match p {
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                Ok(p) => view! {
                    <section>
                        <h1>"My credentials"</h1>
                        <UserData user=p.user/>
                        <h2>"My cards"</h2>
                        <CardList cards=p.cards/>
                    </section>
                }.into_any(),
            })}
        </Suspense>
    }
}
