//! External production (admin): what is queued for the bureau, the order files written, the
//! reports received, and "Run sync now".

use crate::api::{external_production, RunExternalSync};
use crate::components::{counted, loaded, ErrorBox};
use leptos::prelude::*;

#[component]
pub fn ExternalProductionPage() -> impl IntoView {
    let run = ServerAction::<RunExternalSync>::new();
    let page = Resource::new(move || run.version().get(), |_| external_production());
    view! {
        <section>
            <h1>"External production"</h1>
            <p class="actions">
                <button type="button" class="primary" data-testid="run-sync" disabled=move || run.pending().get()
                    on:click=move |_| { run.dispatch(RunExternalSync {}); }>"Run sync now"</button>
            </p>
            {move || run.value().get().map(|r| match r {
                Ok(out) => view! {
                    <div class="outcome" role="status" data-testid="sync-outcome">
                        {out.order_files.is_empty().then(|| view! { <p>"No card was waiting for an order file."</p> })}
                        {out.order_files.iter().map(|(file, n)| view! {
                            <p>{format!("Order file {file} written with {}.", counted(*n, "card"))}</p>
                        }).collect_view()}
                        {out.reports.iter().map(|r| view! {
                            <p>{format!("Report {}: {} applied, {} refused.", r.source, counted(r.applied, "line"), r.refused.len())}</p>
                            <ul>{r.refused.iter().map(|(line, id, why)| view! {
                                <li>{format!("line {line} (card {id}): {why}")}</li>
                            }).collect_view()}</ul>
                        }).collect_view()}
                    </div>
                }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
            {loaded(page, |p| view! {
                <dl class="data">
                    <dt>"Queued cards"</dt><dd data-testid="queued">{p.queued}</dd>
                    <dt>"Order files go to"</dt><dd><code>{p.outbox_dir.clone()}</code></dd>
                    <dt>"Reports are read from"</dt><dd><code>{p.inbox_dir.clone()}</code>" (or POST /bureau/reports)"</dd>
                </dl>
                <h2>"Order files"</h2>
                <table class="list" data-testid="order-files">
                    <thead><tr><th>"File"</th><th>"Cards"</th><th>"Written"</th><th>"Created"</th></tr></thead>
                    <tbody>
                        {p.orders.into_iter().map(|(file, cards, written, at)| view! {
                            <tr><td><code>{file}</code></td><td>{cards}</td><td>{if written { "yes" } else { "pending" }}</td><td><time>{at}</time></td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <h2>"Bureau reports"</h2>
                <table class="list" data-testid="reports">
                    <thead><tr><th>"Received"</th><th>"Source"</th><th>"Applied"</th><th>"Refused"</th><th>"Refused lines"</th></tr></thead>
                    <tbody>
                        {p.reports.into_iter().map(|r| view! {
                            <tr><td><time>{r.received_at}</time></td><td>{r.source}</td><td>{r.applied}</td><td>{r.refused}</td><td><code>{r.details}</code></td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}
