use crate::api::my_page;
use crate::components::loaded;
use crate::components::UserData;
use crate::i18n::{tu_string, use_i18n};
use crate::pages::user::CardList;
use leptos::prelude::*;

/// Self-service: my data and my credentials.
#[component]
pub fn MePage() -> impl IntoView {
    let i18n = use_i18n();
    let page = Resource::new(|| (), |_| my_page());
    loaded(page, move |p| {
        let me = p.user.id;
        view! {
            <section>
                <h1>{tu_string!(i18n, me.title)}</h1>
                <UserData user=p.user/>
                <h2>{tu_string!(i18n, me.my_cards)}</h2>
                <CardList cards=p.cards/>
                <h2>{tu_string!(i18n, me.my_mobile_ids)}</h2>
                <crate::pages::mobile_ids::MobileIdList mobile_ids=p.mobile_ids self_service=true/>
                <crate::components::CommandPanel noun="account" commands=p.commands href=move |process| crate::pages::user::command_href(process, me)/>
                <h2>{tu_string!(i18n, me.my_certificates)}</h2>
                <crate::pages::certificates::CertificatesPanel certificates=p.certificates/>
            </section>
        }
    })
}
