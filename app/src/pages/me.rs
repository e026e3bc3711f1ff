use crate::api::my_page;
use crate::components::loaded;
use crate::pages::user::{CardList, UserData};
use leptos::prelude::*;

/// Self-service: my data and my credentials.
#[component]
pub fn MePage() -> impl IntoView {
    let page = Resource::new(|| (), |_| my_page());
    loaded(page, |p| {
        view! {
            <section>
                <h1>"My credentials"</h1>
                <UserData user=p.user/>
                <h2>"My cards"</h2>
                <CardList cards=p.cards/>
                <h2>"My certificates"</h2>
                <crate::pages::certificates::CertificatesPanel certificates=p.certificates/>
            </section>
        }
    })
}
