//! The admin's CA page: the CA certificates, how their keys are protected, and the CRL.

use crate::api::{fetch_ca_page, PublishCrl};
use crate::components::{loaded, ErrorBox};
use crate::i18n::{t_string, tu_string, use_i18n};
use crate::time::When;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn CaPage() -> impl IntoView {
    let i18n = use_i18n();
    let publish = ServerAction::<PublishCrl>::new();
    let page = Resource::new(move || publish.version().get(), |_| fetch_ca_page());
    view! {
        <section>
            <h1>{tu_string!(i18n, ca.title)}</h1>
            <p><A href="/admin/certificate-profiles">{tu_string!(i18n, ca.profiles)}</A></p>
            {loaded(page, move |p| view! {
                <table class="list" data-testid="ca-certificates">
                    <thead><tr><th>{tu_string!(i18n, ca.ca)}</th><th>{tu_string!(i18n, ca.subject)}</th><th>{tu_string!(i18n, ca.key)}</th><th>{tu_string!(i18n, ca.valid_from)}</th><th>{tu_string!(i18n, ca.valid_to)}</th><th>"SHA-256"</th><th></th></tr></thead>
                    <tbody>
                        {p.certificates.into_iter().map(|c| {
                            let root = c.role == "root";
                            view! {
                            <tr data-role=c.role.clone()>
                                <td>{move || if root { t_string!(i18n, ca.root_ca) } else { t_string!(i18n, ca.issuing_ca) }}</td>
                                <td>{c.subject}</td>
                                <td>{c.algorithm}</td>
                                <td><When at=c.not_before/></td>
                                <td><When at=c.not_after relative=true/></td>
                                <td><code class="fingerprint">{c.sha256}</code></td>
                                <td><a href=c.download_url rel="external" download>{tu_string!(i18n, ca.download)}</a></td>
                            </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <p><a href="/pki/ca/chain.pem" rel="external" download>{tu_string!(i18n, ca.download_chain)}</a></p>
                <dl class="data" data-testid="ca-data">
                    <dt>{tu_string!(i18n, ca.key_protection)}</dt><dd data-field="key_protection">{p.key_protection}</dd>
                    <dt>{tu_string!(i18n, ca.crl_distribution_point)}</dt><dd><a href=p.crl_url.clone() rel="external" data-field="crl_url">{p.crl_url.clone()}</a></dd>
                    {p.crl.map(|c| view! {
                        <dt>{tu_string!(i18n, ca.current_crl)}</dt>
                        <dd data-field="crl">{if c.entries == 1 {
                            tu_string!(i18n, ca.crl_info_singular, number = c.number, entries = c.entries, this_update = c.this_update, next_update = c.next_update).into_any()
                        } else {
                            tu_string!(i18n, ca.crl_info_plural, number = c.number, entries = c.entries, this_update = c.this_update, next_update = c.next_update).into_any()
                        }}</dd>
                    })}
                    <dt>{tu_string!(i18n, ca.certificates)}</dt>
                    <dd data-field="counts">{tu_string!(i18n, ca.counts, issued = p.issued, revoked = p.revoked, on_hold = p.on_hold)}</dd>
                </dl>
            })}
            <ActionForm action=publish>
                <button type="submit" disabled=move || publish.pending().get()>{tu_string!(i18n, ca.publish_crl)}</button>
            </ActionForm>
            {move || publish.value().get().map(|r| match r {
                Ok(n) => view! { <p class="notice" role="status">{tu_string!(i18n, ca.published, number = n)}</p> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </section>
    }
}
