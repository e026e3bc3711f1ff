//! Mobile IDs: the list on a user's page and in Self-Service (with Show QR code), Supply mobile
//! ID / Get mobile ID (Next / Cancel, then the outcome), the mobile ID page, and Lock /
//! Deactivate / Reactivate mobile ID.

use crate::api::{
    fetch_mobile_id_page, fetch_supply_mobile_id, ConsentKeyRecovery, ShowMobileIdQr,
    SupplyMobileId,
};
use crate::components::id_param;
use crate::components::UserData;
use crate::components::{
    loaded, submission_key, CommandPanel, ErrorBox, Loading, StateBadge, Stepper,
};
use crate::pages::process::{process_step, PROCESS_STEPS};
use crate::time::When;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use tessera_process::dto::{ActivationState, MobileIdQr, MobileIdRow};
use tessera_process::MobileIdState;

fn delivery_label(d: &str) -> &'static str {
    if d == "email" {
        "by e-mail"
    } else {
        "in Self-Service"
    }
}

fn activation_text(m: &MobileIdRow) -> String {
    match (m.activation, &m.activation_expires_at) {
        (ActivationState::Open, Some(t)) => format!("open until {t}"),
        (ActivationState::Expired, Some(t)) => format!("expired at {t}"),
        (s, _) => s.label().to_string(),
    }
}

/// The QR code a phone scans, with its expiry and the link it holds.
#[component]
pub fn QrCode(qr: MobileIdQr) -> impl IntoView {
    view! {
        <div class="qr" data-testid="qr">
            <div class="qr-image" data-testid="qr-image" inner_html=qr.svg></div>
            <p>"Scan this code with the mobile ID app. It works for one enrollment and expires at "
                <span data-testid="qr-expires"><When at=qr.expires_at relative=true/></span>"."</p>
            <details>
                <summary>"No camera? Open the link on the phone instead"</summary>
                <code class="qr-link" data-testid="qr-link">{qr.link}</code>
            </details>
        </div>
    }
}

/// Mobile IDs in a table. In Self-Service a mobile ID waiting for enrollment offers its QR code.
#[component]
pub fn MobileIdList(
    mobile_ids: Vec<MobileIdRow>,
    #[prop(optional)] self_service: bool,
) -> impl IntoView {
    if mobile_ids.is_empty() {
        return view! { <p class="muted">"No mobile IDs."</p> }.into_any();
    }
    view! {
        <table class="list" data-testid="mobile-ids">
            <thead><tr><th>"Mobile ID"</th><th>"State"</th><th>"Certificates"</th><th>"QR code"</th><th>"Activation"</th><th>"Valid until"</th></tr></thead>
            <tbody>
                {mobile_ids.into_iter().map(|m| {
                    let show = self_service && m.state == MobileIdState::Registered && m.delivery == "self_service";
                    view! {
                        <tr data-mobile-id=m.id>
                            <td>{if self_service {
                                view! { <span>{format!("Mobile ID {}", m.id)}</span> }.into_any()
                            } else {
                                view! { <A href=format!("/mobile-ids/{}", m.id)>{format!("Mobile ID {}", m.id)}</A> }.into_any()
                            }}</td>
                            <td><StateBadge name=m.state.as_str() label=m.state.label()/></td>
                            <td>{format!("{} (enrolled: {})", m.certificates.join(", "), if m.enrolled.is_empty() { "none".to_string() } else { m.enrolled.join(", ") })}</td>
                            <td>{delivery_label(&m.delivery)}</td>
                            <td data-testid="activation">{activation_text(&m)}</td>
                            <td>{m.valid_until.clone().map(|t| view! { <When at=t relative=true/> })}</td>
                        </tr>
                        {show.then(|| view! { <tr><td colspan="6"><ShowQr mobile_id=m.id/></td></tr> })}
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// Self-Service: a fresh QR code on request (the code of an earlier one stops working).
#[component]
fn ShowQr(mobile_id: i64) -> impl IntoView {
    let show = ServerAction::<ShowMobileIdQr>::new();
    view! {
        <div class="show-qr">
            <button type="button" class="primary" data-testid="show-qr" disabled=move || show.pending().get()
                on:click=move |_| { show.dispatch(ShowMobileIdQr { mobile_id }); }>
                {move || if show.value().get().is_some() { "Show a new QR code" } else { "Show QR code" }}
            </button>
            {move || show.value().get().map(|r| match r {
                Ok(qr) => view! { <QrCode qr/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </div>
    }
}

/// Supply mobile ID (operator) or Get mobile ID (self-service): user data, the options in
/// force, Next / Cancel, then the outcome.
#[component]
pub fn SupplyMobileIdPage() -> impl IntoView {
    let id = id_param("id");
    let params = use_params_map();
    let process = move || {
        params
            .read()
            .get("process")
            .and_then(|p| tessera_process::ProcessId::parse(&p))
    };
    let preview = Resource::new(
        move || (process(), id()),
        |(p, id)| async move {
            match p {
                Some(p) => fetch_supply_mobile_id(p, id).await,
                None => Err(tessera_process::AppError::not_found(
                    "There is no such process.",
                )),
            }
        },
    );
    let run = ServerAction::<SupplyMobileId>::new();
    let once = submission_key();
    let back = move || {
        if process() == Some(tessera_process::ProcessId::MobileIDSelfServiceProcGet) {
            "/me".to_string()
        } else {
            format!("/users/{}", id())
        }
    };
    let step = process_step(
        move || matches!(run.value().get(), Some(Ok(_))),
        run.pending(),
    );
    view! {
        <section>
            <Stepper steps=PROCESS_STEPS current=step/>
            {move || match run.value().get() {
                Some(Ok(out)) => view! {
                    <h1>"Done"</h1>
                    <div class="outcome" role="status" data-testid="outcome">
                        <p>{format!("Mobile ID {} is ", out.mobile_id)}<StateBadge name=out.state.as_str() label=out.state.label()/>
                            " until the phone has enrolled its certificates."</p>
                        {match (&out.sent_to, &out.qr) {
                            (Some(to), _) => view! { <p data-testid="delivery">{format!("The QR code was sent by e-mail to {to}.")}</p> }.into_any(),
                            (None, Some(qr)) => view! { <QrCode qr=qr.clone()/> }.into_any(),
                            (None, None) => view! { <p data-testid="delivery">"The user shows the QR code in Self-Service (My credentials) and scans it with the phone."</p> }.into_any(),
                        }}
                        <p class="muted">{format!("Options version {}.", out.options_version)}</p>
                        <p class="actions"><A href=back()>"Back"</A></p>
                    </div>
                }.into_any(),
                _ => view! {
                    <Suspense fallback=Loading>
                        {move || preview.get().map(|p| match p {
                            Err(e) => view! {
                                <ErrorBox error=e/>
                                <p><A href=back()>"Back"</A></p>
                            }.into_any(),
                            Ok(p) => {
                                let (user_id, version, name) = (p.user.id, p.user.version, p.process);
                                view! {
                                    <h1>{p.name.clone()}</h1>
                                    <div class="columns">
                                        <div>
                                            <h2>"User data"</h2>
                                            <UserData user=p.user.clone()/>
                                        </div>
                                        <div>
                                            <h2>"Mobile ID"</h2>
                                            <dl class="data" data-testid="mobile-id-plan">
                                                <dt>"Certificates"</dt><dd>{p.certificates.join(", ")}</dd>
                                                <dt>"QR code"</dt><dd>{match &p.email {
                                                    Some(e) => format!("sent by e-mail to {e}"),
                                                    None => "shown in Self-Service".to_string(),
                                                }}</dd>
                                                <dt>"State after Next"</dt><dd><StateBadge name=p.end_state.as_str() label=p.end_state.label()/></dd>
                                            </dl>
                                            <h2>"Options"</h2>
                                            <dl class="data" data-testid="options">
                                                {p.options.iter().map(|o| view! { <dt>{o.label.clone()}</dt><dd data-option=o.key.clone()>{o.value.clone()}</dd> }).collect_view()}
                                            </dl>
                                        </div>
                                    </div>
                                    {move || run.value().get().and_then(|r| r.err()).map(|e| view! {
                                        <ErrorBox error=e/>
                                    })}
                                    <p class="actions">
                                        <button type="button" class="primary" data-testid="next" disabled=move || run.pending().get()
                                            on:click=move |_| { run.dispatch(SupplyMobileId { process: name, user_id, user_version: version, once: once.get() }); }>"Next"</button>
                                        <A href=back() attr:class="button cancel">"Cancel"</A>
                                    </p>
                                }.into_any()
                            }
                        })}
                    </Suspense>
                }.into_any(),
            }}
        </section>
    }
}

/// The mobile ID page: data, activation, user properties, certificates, history, commands.
#[component]
pub fn MobileIdPage() -> impl IntoView {
    let id = id_param("id");
    let page = Resource::new(id, fetch_mobile_id_page);
    loaded(page, |p| {
        let m = p.mobile_id.clone();
        let mobile_id = m.id;
        view! {
            <section>
                <h1>{format!("Mobile ID {}", m.id)}</h1>
                <div class="columns">
                    <div>
                        <dl class="data" data-testid="mobile-id">
                            <dt>"State"</dt><dd><StateBadge name=m.state.as_str() label=m.state.label()/></dd>
                            <dt>"User"</dt><dd><A href=format!("/users/{}", p.user.id)>{format!("{} ({})", p.user.common_name, p.user.upn)}</A></dd>
                            <dt>"Certificates"</dt><dd>{m.certificates.join(", ")}</dd>
                            <dt>"Enrolled"</dt><dd data-testid="enrolled">{if m.enrolled.is_empty() { "none".to_string() } else { m.enrolled.join(", ") }}</dd>
                            <dt>"QR code"</dt><dd>{delivery_label(&m.delivery)}</dd>
                            <dt>"Activation"</dt><dd data-testid="activation">{activation_text(&m)}</dd>
                            <dt>"Wrong codes"</dt><dd>{m.failed_attempts}</dd>
                            <dt>"Recover encryption certificates"</dt><dd>{if m.recover_encryption { "yes" } else { "no" }}</dd>
                            {m.recover_encryption.then(|| view! {
                                <dt>"Consent to key recovery"</dt>
                                <dd data-testid="recovery-consent">{m.recovery_consent.clone().unwrap_or_else(|| "not given: the escrowed key is handed out only with a key recovery agent's consent".into())}</dd>
                            })}
                            <dt>"Valid until"</dt><dd>{m.valid_until.clone().map(|t| view! { <When at=t relative=true/> })}</dd>
                            <dt>"Supplied"</dt><dd><When at=m.created_at.clone()/></dd>
                            <dt>"Active since"</dt><dd>{match m.activated_at.clone() { Some(t) => view! { <When at=t/> }.into_any(), None => "—".into_any() }}</dd>
                        </dl>
                        <h2>"User properties"</h2>
                        <dl class="data" data-testid="properties">
                            {p.properties.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view()}
                        </dl>
                    </div>
                    <CommandPanel noun="mobile ID" commands=p.commands.clone() href=move |process| format!("/mobile-ids/{mobile_id}/process/{}", process.as_str())>
                        <RecoveryConsent mobile=m.clone()/>
                    </CommandPanel>
                </div>
                <h2>"Certificates"</h2>
                <crate::pages::certificates::CertificatesPanel certificates=p.certificates.clone()/>
                <h2>"History"</h2>
                <ul class="history">
                    {p.history.iter().map(|h| view! { <li><When at=h.at.clone()/>" "{h.detail.clone()}</li> }).collect_view()}
                </ul>
            </section>
        }
    })
}

/// Consent to key recovery, for a key recovery agent, while a mobile ID supplied with "Recover
/// encryption certificates" waits for enrollment.
#[component]
fn RecoveryConsent(mobile: MobileIdRow) -> impl IntoView {
    let session = crate::components::signed_in();
    let consent = ServerAction::<ConsentKeyRecovery>::new();
    let reason = RwSignal::new(String::new());
    let (id, version) = (mobile.id, mobile.version);
    let open = mobile.recover_encryption
        && mobile.recovery_consent.is_none()
        && mobile.state == MobileIdState::Registered;
    let agent =
        move || open && session().is_some_and(|s| s.has(tessera_process::Role::KeyRecovery));
    view! {
        <Show when=agent>
            <div class="decision" data-testid="consent-panel">
                <p>"The user's escrowed encryption key goes onto this mobile ID only with your consent."</p>
                <label>"Reason " <input type="text" name="reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/></label>
                <p class="actions">
                    <button type="button" class="primary" data-testid="consent" disabled=move || consent.pending().get()
                        on:click=move |_| { consent.dispatch(ConsentKeyRecovery { mobile_id: id, version, reason: reason.get_untracked() }); }>"Consent to key recovery"</button>
                </p>
                {move || consent.value().get().map(|r| match r {
                    Ok(m) => view! { <p class="notice" role="status">{format!("Consent given: {}", m.recovery_consent.unwrap_or_default())}</p> }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
            </div>
        </Show>
    }
}

/// Where the QR code's link leads a phone without the app: what to do instead.
#[component]
pub fn MobileIdLinkPage() -> impl IntoView {
    view! {
        <section>
            <h1>"Mobile ID"</h1>
            <p>"This link sets up a mobile ID. Open it with the mobile ID app, or scan the QR code from the app."</p>
            <p class="muted">"Without a phone, the reference client does the same: "<code>"tessera-mobile enroll '<link>'"</code>"."</p>
        </section>
    }
}
