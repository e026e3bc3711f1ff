use crate::api::audit_log;
use crate::components::{ErrorBox, Loading};
use leptos::prelude::*;

#[component]
pub fn AuditPage() -> impl IntoView {
    let log = Resource::new(|| (), |_| audit_log());
    view! {
        <section>
            <h1>"Audit log"</h1>
            <Suspense fallback=Loading>
                {move || log.get().map(|l| match l {
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    Ok((chain, rows)) => view! {
                        {match chain {
                            Ok(n) => view! { <p class="notice" data-testid="chain">{format!("The audit chain is intact: {n} records.")}</p> }.into_any(),
                            Err(e) => view! { <p class="error" data-testid="chain">{e}</p> }.into_any(),
                        }}
                        <table class="list">
                            <thead><tr><th>"#"</th><th>"When"</th><th>"Who"</th><th>"What"</th><th>"Object"</th><th>"From"</th><th>"To"</th><th>"Details"</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|r| view! {
                                    <tr>
                                        <td>{r.id}</td>
                                        <td><time>{r.at}</time></td>
                                        <td>{r.actor}</td>
                                        <td><code>{r.action}</code></td>
                                        <td>{r.object}</td>
                                        <td>{r.from_state.unwrap_or_default()}</td>
                                        <td>{r.to_state.unwrap_or_default()}</td>
                                        <td>{r.detail}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
