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
use crate::i18n::{t_string, td_string, tu_string, use_i18n, Locale};
use crate::language::said;
use crate::pages::process::{process_step, process_steps};
use crate::time::When;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use tessera_process::dto::{ActivationState, MobileIdQr, MobileIdRow};
use tessera_process::MobileIdState;

fn delivery_label(locale: Locale, d: &str) -> &'static str {
    if d == "email" {
        td_string!(locale, mobile_ids.by_email)
    } else {
        td_string!(locale, mobile_ids.in_self_service)
    }
}

fn activation_text(locale: Locale, m: &MobileIdRow) -> String {
    match (m.activation, &m.activation_expires_at) {
        (ActivationState::Open, Some(t)) => td_string!(locale, mobile_ids.open_until, at = t),
        (ActivationState::Expired, Some(t)) => td_string!(locale, mobile_ids.expired_at, at = t),
        (s, _) => s.words().of(crate::language::of_locale(locale)).to_string(),
    }
}

/// `none` when the phone has enrolled nothing yet, else the certificates it has.
fn enrolled_text(locale: Locale, enrolled: &[String]) -> String {
    if enrolled.is_empty() {
        td_string!(locale, mobile_ids.none).to_string()
    } else {
        enrolled.join(", ")
    }
}

/// The QR code a phone scans, with its expiry and the link it holds.
#[component]
pub fn QrCode(qr: MobileIdQr) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="qr" data-testid="qr">
            <div class="qr-image" data-testid="qr-image" inner_html=qr.svg></div>
            <p>{tu_string!(i18n, mobile_ids.qr_scan_before)}
                <span data-testid="qr-expires"><When at=qr.expires_at relative=true/></span>{tu_string!(i18n, mobile_ids.qr_scan_after)}</p>
            <details>
                <summary>{tu_string!(i18n, mobile_ids.qr_no_camera)}</summary>
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
    let i18n = use_i18n();
    if mobile_ids.is_empty() {
        return view! { <p class="muted">{tu_string!(i18n, mobile_ids.no_mobile_ids)}</p> }
            .into_any();
    }
    view! {
        <table class="list" data-testid="mobile-ids">
            <thead><tr>
                <th>{tu_string!(i18n, mobile_ids.mobile_id)}</th>
                <th>{tu_string!(i18n, mobile_ids.state)}</th>
                <th>{tu_string!(i18n, mobile_ids.certificates)}</th>
                <th>{tu_string!(i18n, mobile_ids.qr_code)}</th>
                <th>{tu_string!(i18n, mobile_ids.activation)}</th>
                <th>{tu_string!(i18n, mobile_ids.valid_until)}</th>
                {self_service.then(|| view! { <th>{tu_string!(i18n, mobile_ids.what_to_do)}</th> })}
            </tr></thead>
            <tbody>
                {mobile_ids.into_iter().map(|m| {
                    let show = self_service && m.state == MobileIdState::Registered && m.delivery == "self_service";
                    let certificates = m.certificates.join(", ");
                    let enrolled = m.enrolled.clone();
                    let delivery = m.delivery.clone();
                    let row = m.clone();
                    let mobile_id = m.id;
                    let commands = m.commands.clone();
                    view! {
                        <tr data-mobile-id=m.id>
                            <td>{if self_service {
                                view! { <span>{tu_string!(i18n, mobile_ids.mobile_id_n, id = m.id)}</span> }.into_any()
                            } else {
                                view! { <A href=format!("/mobile-ids/{}", m.id)>{tu_string!(i18n, mobile_ids.mobile_id_n, id = m.id)}</A> }.into_any()
                            }}</td>
                            <td><StateBadge name=m.state.as_str() label=m.state.words()/></td>
                            <td>{move || t_string!(i18n, mobile_ids.certificates_enrolled,
                                certificates = certificates.clone(),
                                enrolled = enrolled_text(i18n.get_locale(), &enrolled))}</td>
                            <td>{move || delivery_label(i18n.get_locale(), &delivery)}</td>
                            <td data-testid="activation">{move || activation_text(i18n.get_locale(), &row)}</td>
                            <td>{m.valid_until.clone().map(|t| view! { <When at=t relative=true/> })}</td>
                            {self_service.then(|| view! {
                                <td class="row-commands" data-testid="mobile-id-commands">
                                    {commands.into_iter().map(|c| view! {
                                        <A href=format!("/mobile-ids/{mobile_id}/process/{}", c.process.as_str()) attr:class="button" attr:data-process=c.process.as_str()>
                                            {crate::language::said(c.process.def().name)}
                                        </A>
                                    }).collect_view()}
                                </td>
                            })}
                        </tr>
                        {show.then(|| view! { <tr><td colspan="7"><ShowQr mobile_id=m.id/></td></tr> })}
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
    let i18n = use_i18n();
    let show = ServerAction::<ShowMobileIdQr>::new();
    view! {
        <div class="show-qr">
            <button type="button" class="primary" data-testid="show-qr" disabled=move || show.pending().get()
                on:click=move |_| { show.dispatch(ShowMobileIdQr { mobile_id }); }>
                {move || if show.value().get().is_some() { t_string!(i18n, mobile_ids.show_new_qr) } else { t_string!(i18n, mobile_ids.show_qr) }}
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
    let i18n = use_i18n();
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
        move |(p, id)| async move {
            match p {
                Some(p) => fetch_supply_mobile_id(p, id).await,
                None => Err(tessera_process::AppError::not_found(tu_string!(
                    i18n,
                    mobile_ids.no_such_process
                ))),
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
            <Stepper steps=process_steps(i18n.get_locale_untracked()) current=step/>
            {move || match run.value().get() {
                Some(Ok(out)) => view! {
                    <h1>{tu_string!(i18n, mobile_ids.done)}</h1>
                    <div class="outcome" role="status" data-testid="outcome">
                        <p>{tu_string!(i18n, mobile_ids.outcome_before, id = out.mobile_id)}<StateBadge name=out.state.as_str() label=out.state.words()/>
                            {tu_string!(i18n, mobile_ids.outcome_after)}</p>
                        {match (&out.sent_to, &out.qr) {
                            (Some(to), _) => view! { <p data-testid="delivery">{tu_string!(i18n, mobile_ids.qr_sent_to, to = to.clone())}</p> }.into_any(),
                            (None, Some(qr)) => view! { <QrCode qr=qr.clone()/> }.into_any(),
                            (None, None) => view! { <p data-testid="delivery">{tu_string!(i18n, mobile_ids.qr_in_self_service)}</p> }.into_any(),
                        }}
                        <p class="muted">{tu_string!(i18n, mobile_ids.options_version, version = out.options_version)}</p>
                        <p class="actions"><A href=back()>{tu_string!(i18n, mobile_ids.back)}</A></p>
                    </div>
                }.into_any(),
                _ => view! {
                    <Suspense fallback=Loading>
                        {move || preview.get().map(|p| match p {
                            Err(e) => view! {
                                <ErrorBox error=e/>
                                <p><A href=back()>{tu_string!(i18n, mobile_ids.back)}</A></p>
                            }.into_any(),
                            Ok(p) => {
                                let (user_id, version, name) = (p.user.id, p.user.version, p.process);
                                view! {
                                    <h1>{said(p.process.def().name)}</h1>
                                    <div class="columns">
                                        <div>
                                            <h2>{tu_string!(i18n, mobile_ids.user_data)}</h2>
                                            <UserData user=p.user.clone()/>
                                        </div>
                                        <div>
                                            <h2>{tu_string!(i18n, mobile_ids.mobile_id)}</h2>
                                            <dl class="data" data-testid="mobile-id-plan">
                                                <dt>{tu_string!(i18n, mobile_ids.certificates)}</dt><dd>{p.certificates.join(", ")}</dd>
                                                <dt>{tu_string!(i18n, mobile_ids.qr_code)}</dt><dd>{match p.email.clone() {
                                                    Some(e) => tu_string!(i18n, mobile_ids.sent_by_email_to, to = e).into_any(),
                                                    None => tu_string!(i18n, mobile_ids.shown_in_self_service).into_any(),
                                                }}</dd>
                                                <dt>{tu_string!(i18n, mobile_ids.state_after_next)}</dt><dd><StateBadge name=p.end_state.as_str() label=p.end_state.words()/></dd>
                                            </dl>
                                            <h2>{tu_string!(i18n, mobile_ids.options)}</h2>
                                            <dl class="data" data-testid="options">
                                                {p.options.iter().map(|o| view! { <dt>{crate::language::said_option(&o.key, false, o.label.clone())}</dt><dd data-option=o.key.clone()>{o.value.clone()}</dd> }).collect_view()}
                                            </dl>
                                        </div>
                                    </div>
                                    {move || run.value().get().and_then(|r| r.err()).map(|e| view! {
                                        <ErrorBox error=e/>
                                    })}
                                    <p class="actions">
                                        <button type="button" class="primary" data-testid="next" disabled=move || run.pending().get()
                                            on:click=move |_| { run.dispatch(SupplyMobileId { process: name, user_id, user_version: version, once: once.get() }); }>{tu_string!(i18n, common.next)}</button>
                                        <A href=back() attr:class="button cancel">{tu_string!(i18n, common.cancel)}</A>
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
    let i18n = use_i18n();
    let id = id_param("id");
    let page = Resource::new(id, fetch_mobile_id_page);
    loaded(page, move |p| {
        let m = p.mobile_id.clone();
        let mobile_id = m.id;
        let (enrolled, delivery, row) = (m.enrolled.clone(), m.delivery.clone(), m.clone());
        let recover = m.recover_encryption;
        let consent = m.recovery_consent.clone();
        view! {
            <section>
                <h1>{tu_string!(i18n, mobile_ids.mobile_id_n, id = m.id)}</h1>
                <div class="columns">
                    <div>
                        <dl class="data" data-testid="mobile-id">
                            <dt>{tu_string!(i18n, mobile_ids.state)}</dt><dd><StateBadge name=m.state.as_str() label=m.state.words()/></dd>
                            <dt>{tu_string!(i18n, mobile_ids.user)}</dt><dd><A href=format!("/users/{}", p.user.id)>{format!("{} ({})", p.user.common_name, p.user.upn)}</A></dd>
                            <dt>{tu_string!(i18n, mobile_ids.certificates)}</dt><dd>{m.certificates.join(", ")}</dd>
                            <dt>{tu_string!(i18n, mobile_ids.enrolled)}</dt><dd data-testid="enrolled">{move || enrolled_text(i18n.get_locale(), &enrolled)}</dd>
                            <dt>{tu_string!(i18n, mobile_ids.qr_code)}</dt><dd>{move || delivery_label(i18n.get_locale(), &delivery)}</dd>
                            <dt>{tu_string!(i18n, mobile_ids.activation)}</dt><dd data-testid="activation">{move || activation_text(i18n.get_locale(), &row)}</dd>
                            <dt>{tu_string!(i18n, mobile_ids.wrong_codes)}</dt><dd>{m.failed_attempts}</dd>
                            <dt>{tu_string!(i18n, mobile_ids.recover_encryption)}</dt><dd>{move || if recover { t_string!(i18n, mobile_ids.yes) } else { t_string!(i18n, mobile_ids.no) }}</dd>
                            {recover.then(|| view! {
                                <dt>{tu_string!(i18n, mobile_ids.consent_to_key_recovery)}</dt>
                                <dd data-testid="recovery-consent">{match consent {
                                    Some(c) => c.into_any(),
                                    None => tu_string!(i18n, mobile_ids.consent_not_given).into_any(),
                                }}</dd>
                            })}
                            <dt>{tu_string!(i18n, mobile_ids.valid_until)}</dt><dd>{m.valid_until.clone().map(|t| view! { <When at=t relative=true/> })}</dd>
                            <dt>{tu_string!(i18n, mobile_ids.supplied)}</dt><dd><When at=m.created_at.clone()/></dd>
                            <dt>{tu_string!(i18n, mobile_ids.active_since)}</dt><dd>{match m.activated_at.clone() { Some(t) => view! { <When at=t/> }.into_any(), None => "—".into_any() }}</dd>
                        </dl>
                        <h2>{tu_string!(i18n, mobile_ids.user_properties)}</h2>
                        <dl class="data" data-testid="properties">
                            {p.properties.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view()}
                        </dl>
                    </div>
                    <CommandPanel noun="mobile ID" commands=p.commands.clone() href=move |process| format!("/mobile-ids/{mobile_id}/process/{}", process.as_str())>
                        <RecoveryConsent mobile=m.clone()/>
                    </CommandPanel>
                </div>
                <h2>{tu_string!(i18n, mobile_ids.certificates)}</h2>
                <crate::pages::certificates::CertificatesPanel certificates=p.certificates.clone()/>
                <h2>{tu_string!(i18n, mobile_ids.history)}</h2>
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
    let i18n = use_i18n();
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
                <p>{tu_string!(i18n, mobile_ids.consent_explained)}</p>
                <label>{tu_string!(i18n, mobile_ids.reason)}" "<input type="text" name="reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/></label>
                <p class="actions">
                    <button type="button" class="primary" data-testid="consent" disabled=move || consent.pending().get()
                        on:click=move |_| { consent.dispatch(ConsentKeyRecovery { mobile_id: id, version, reason: reason.get_untracked() }); }>{tu_string!(i18n, mobile_ids.consent_to_key_recovery)}</button>
                </p>
                {move || consent.value().get().map(|r| match r {
                    Ok(m) => view! { <p class="notice" role="status">{tu_string!(i18n, mobile_ids.consent_given, consent = m.recovery_consent.unwrap_or_default())}</p> }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
            </div>
        </Show>
    }
}

/// Where the QR code's link leads a phone without the app: what to do instead.
#[component]
pub fn MobileIdLinkPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section>
            <h1>{tu_string!(i18n, mobile_ids.mobile_id)}</h1>
            <p>{tu_string!(i18n, mobile_ids.link_explained)}</p>
            <p class="muted">{tu_string!(i18n, mobile_ids.reference_client_before)}<code>"tessera-mobile enroll '<link>'"</code>{tu_string!(i18n, mobile_ids.reference_client_after)}</p>
        </section>
    }
}
