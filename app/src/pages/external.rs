//! External production (admin): what is queued for the bureau, the order files written, the
//! reports received, and "Run sync now".

use crate::api::{external_production, RunExternalSync, UploadBureauReport};
use crate::components::{loaded, ErrorBox};
use crate::i18n::{t_string, tu_string, use_i18n};
use crate::time::When;
use leptos::prelude::*;
use tessera_process::dto::ReportOutcome;

#[component]
pub fn ExternalProductionPage() -> impl IntoView {
    let i18n = use_i18n();
    let run = ServerAction::<RunExternalSync>::new();
    let page = Resource::new(move || run.version().get(), |_| external_production());
    view! {
        <section>
            <h1>{tu_string!(i18n, external.title)}</h1>
            <p class="actions">
                <button type="button" class="primary" data-testid="run-sync" disabled=move || run.pending().get()
                    on:click=move |_| { run.dispatch(RunExternalSync {}); }>{tu_string!(i18n, external.run_sync)}</button>
            </p>
            {move || run.value().get().map(|r| match r {
                Ok(out) => view! {
                    <div class="outcome" role="status" data-testid="sync-outcome">
                        {out.order_files.is_empty().then(|| view! { <p>{tu_string!(i18n, external.nothing_waiting)}</p> })}
                        {out.order_files.iter().map(|(file, n)| {
                            let (file, n) = (file.clone(), *n);
                            view! {
                                <p>{if n == 1 {
                                    tu_string!(i18n, external.order_file_written_singular, file = file).into_any()
                                } else {
                                    tu_string!(i18n, external.order_file_written_plural, file = file, count = n).into_any()
                                }}</p>
                            }
                        }).collect_view()}
                        {out.reports.into_iter().map(|r| view! { <ReportLines r/> }).collect_view()}
                    </div>
                }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
            <UploadReport on_applied=Callback::new(move |_| page.refetch())/>
            {loaded(page, move |p| view! {
                <dl class="data">
                    <dt>{tu_string!(i18n, external.queued_cards)}</dt><dd data-testid="queued">{p.queued}</dd>
                    <dt>{tu_string!(i18n, external.order_files_go_to)}</dt><dd><code>{p.outbox_dir.clone()}</code></dd>
                    <dt>{tu_string!(i18n, external.reports_read_from)}</dt><dd><code>{p.inbox_dir.clone()}</code>" " {tu_string!(i18n, external.or_post)}</dd>
                </dl>
                <h2>{tu_string!(i18n, external.order_files)}</h2>
                <table class="list" data-testid="order-files">
                    <thead><tr><th>{tu_string!(i18n, external.file)}</th><th>{tu_string!(i18n, external.cards)}</th><th>{tu_string!(i18n, external.written)}</th><th>{tu_string!(i18n, external.created)}</th></tr></thead>
                    <tbody>
                        {p.orders.into_iter().map(|(file, cards, written, at)| view! {
                            <tr><td><code>{file}</code></td><td>{cards}</td><td>{move || if written { t_string!(i18n, external.yes) } else { t_string!(i18n, external.pending) }}</td><td><When at=at/></td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <h2>{tu_string!(i18n, external.bureau_reports)}</h2>
                <table class="list" data-testid="reports">
                    <thead><tr><th>{tu_string!(i18n, external.received)}</th><th>{tu_string!(i18n, external.source)}</th><th>{tu_string!(i18n, external.applied)}</th><th>{tu_string!(i18n, external.refused)}</th><th>{tu_string!(i18n, external.refused_lines)}</th></tr></thead>
                    <tbody>
                        {p.reports.into_iter().map(|r| view! {
                            <tr><td><When at=r.received_at/></td><td>{r.source}</td><td>{r.applied}</td><td>{r.refused}</td><td><code>{r.details}</code></td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}

/// What one report did: how many lines applied, and each refused line with its reason.
#[component]
fn ReportLines(r: ReportOutcome) -> impl IntoView {
    let i18n = use_i18n();
    let (source, applied, refused) = (r.source, r.applied, r.refused.len());
    view! {
        <p>{if applied == 1 {
            tu_string!(i18n, external.report_singular, source = source, refused = refused).into_any()
        } else {
            tu_string!(i18n, external.report_plural, source = source, count = applied, refused = refused).into_any()
        }}</p>
        <ul>{r.refused.into_iter().map(|(line, id, why)| view! {
            <li>{tu_string!(i18n, external.refused_line, line = line, id = id, why = why)}</li>
        }).collect_view()}</ul>
    }
}

/// Upload a bureau status report (a file the bureau sent some other way): choose the file or
/// paste its text, then Apply; the same content is applied once.
#[component]
fn UploadReport(on_applied: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let apply = ServerAction::<UploadBureauReport>::new();
    let name = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    Effect::new(move |_| {
        if matches!(apply.value().get(), Some(Ok(_))) {
            on_applied.run(());
        }
    });
    let chosen = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let file = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0));
            if let Some(file) = file {
                name.set(file.name());
                leptos::task::spawn_local(async move {
                    if let Ok(read) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                        text.set(read.as_string().unwrap_or_default());
                    }
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! {
        <h2>{tu_string!(i18n, external.upload_title)}</h2>
        <form class="options" data-testid="upload-report" on:submit=move |ev| {
            ev.prevent_default();
            apply.dispatch(UploadBureauReport { name: name.get_untracked(), text: text.get_untracked() });
        }>
            <label>{tu_string!(i18n, external.report_file)} " "
                <input type="file" name="report" accept=".csv,text/csv,text/plain" on:change=chosen/>
            </label>
            <label>{tu_string!(i18n, external.or_its_text)} " "
                <textarea name="text" rows="4" class="csv" prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </label>
            <p class="actions"><button type="submit" class="primary" disabled=move || apply.pending().get() || text.with(|t| t.trim().is_empty())>{tu_string!(i18n, external.apply_report)}</button></p>
        </form>
        {move || apply.value().get().map(|r| match r {
            Ok(r) => view! { <div class="outcome" role="status" data-testid="upload-outcome"><ReportLines r/></div> }.into_any(),
            Err(e) => view! { <ErrorBox error=e/> }.into_any(),
        })}
    }
}
