//! The admin's CA page: the CA certificates, how their keys are protected, and the CRL.

use crate::api::{fetch_ca_page, PublishCrl};
use crate::components::{loaded, ErrorBox};
use crate::time::When;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn CaPage() -> impl IntoView {
    let publish = ServerAction::<PublishCrl>::new();
    let page = Resource::new(move || publish.version().get(), |_| fetch_ca_page());
    view! {
        <section>
            <h1>"Certificate authority"</h1>
            <p><A href="/admin/certificate-profiles">"Certificate profiles"</A></p>
            {loaded(page, move |p| view! {
                <table class="list" data-testid="ca-certificates">
                    <thead><tr><th>"CA"</th><th>"Subject"</th><th>"Key"</th><th>"Valid from"</th><th>"Valid to"</th><th>"SHA-256"</th><th></th></tr></thead>
                    <tbody>
                        {p.certificates.into_iter().map(|c| view! {
                            <tr data-role=c.role.clone()>
                                <td>{if c.role == "root" { "Root CA" } else { "Issuing CA" }}</td>
                                <td>{c.subject}</td>
                                <td>{c.algorithm}</td>
                                <td><When at=c.not_before/></td>
                                <td><When at=c.not_after relative=true/></td>
                                <td><code class="fingerprint">{c.sha256}</code></td>
                                <td><a href=c.download_url rel="external" download>"Download"</a></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <p><a href="/pki/ca/chain.pem" rel="external" download>"Download the chain (PEM)"</a></p>
                <dl class="data" data-testid="ca-data">
                    <dt>"Key protection"</dt><dd data-field="key_protection">{p.key_protection}</dd>
                    <dt>"CRL distribution point"</dt><dd><a href=p.crl_url.clone() rel="external" data-field="crl_url">{p.crl_url.clone()}</a></dd>
                    {p.crl.map(|c| view! {
                        <dt>"Current CRL"</dt>
                        <dd data-field="crl">{format!("Number {}, {} entries, this update {}, next update {}", c.number, c.entries, c.this_update, c.next_update)}</dd>
                    })}
                    <dt>"Certificates"</dt>
                    <dd data-field="counts">{format!("{} issued, {} revoked, {} on hold", p.issued, p.revoked, p.on_hold)}</dd>
                </dl>
            })}
            <ActionForm action=publish>
                <button type="submit" disabled=move || publish.pending().get()>"Publish CRL now"</button>
            </ActionForm>
            {move || publish.value().get().map(|r| match r {
                Ok(n) => view! { <p class="notice" role="status">{format!("CRL number {n} published.")}</p> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </section>
    }
}
