//! The certificates panel of the user page, the card page and "My credentials", with the key
//! recovery form for key recovery agents.

use crate::api::RecoverKey;
use crate::components::{signed_in, ErrorBox, StateBadge};
use crate::i18n::{tu_string, use_i18n};
use crate::language::said;
use crate::time::When;
use leptos::prelude::*;
use tessera_process::dto::CertificateRow;
use tessera_process::Role;

#[component]
pub fn CertificatesPanel(certificates: Vec<CertificateRow>) -> impl IntoView {
    let i18n = use_i18n();
    if certificates.is_empty() {
        return view! { <p class="muted" data-testid="certificates">{tu_string!(i18n, certificates.no_certificates)}</p> }
            .into_any();
    }
    view! {
        <table class="list" data-testid="certificates">
            <thead><tr>
                <th>{tu_string!(i18n, certificates.serial)}</th><th>{tu_string!(i18n, certificates.profile)}</th><th>{tu_string!(i18n, certificates.credential)}</th><th>{tu_string!(i18n, certificates.state)}</th>
                <th>{tu_string!(i18n, certificates.valid_from)}</th><th>{tu_string!(i18n, certificates.valid_to)}</th><th>{tu_string!(i18n, certificates.key)}</th><th></th>
            </tr></thead>
            <tbody>
                {certificates.into_iter().map(|c| view! { <CertificateLine c/> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn CertificateLine(c: CertificateRow) -> impl IntoView {
    let i18n = use_i18n();
    let language = crate::language::current();
    let session = signed_in();
    let may_recover = move || c.escrowed && session().is_some_and(|s| s.has(Role::KeyRecovery));
    let open = RwSignal::new(false);
    let owner = (said(c.owner_kind.words()), c.owner_id);
    let credential = move || format!("{} {}", owner.0(), owner.1);
    let state = c.state;
    // The server names the reason in English (`RevocationReason::label`); shown in the page's
    // language.
    let reason = c.revocation_reason.clone().map(|r| {
        let words = tessera_process::RevocationReason::ALL
            .iter()
            .find(|x| x.label() == r)
            .map(|x| x.words());
        move || format!(" ({})", words.map_or(r.as_str(), |w| w.of(language())))
    });
    let id = c.id;
    let pem = format!("/pki/certificates/{id}/pem");
    view! {
        <tr data-serial=c.serial.clone() data-profile=c.profile.clone()>
            <td><code class="serial">{c.serial.clone()}</code></td>
            <td>{c.profile.clone()}{c.escrowed.then_some(tu_string!(i18n, certificates.key_escrowed))}</td>
            <td>{credential}</td>
            <td><StateBadge name=state.as_str() label=state.words()/>{reason}</td>
            <td><When at=c.not_before.clone()/></td>
            <td><When at=c.not_after.clone() relative=true/></td>
            <td>{c.key_algorithm.clone()}</td>
            <td class="actions">
                <a href=pem rel="external" download>{tu_string!(i18n, certificates.download_pem)}</a>
                <Show when=may_recover>
                    " " <button type="button" class="link" on:click=move |_| open.update(|o| *o = !*o)>{tu_string!(i18n, certificates.recover_key)}</button>
                </Show>
            </td>
        </tr>
        <Show when=move || open.get()>
            <tr class="recover"><td colspan="8"><RecoverForm id/></td></tr>
        </Show>
    }
}

/// Password (twice) and reason; the PKCS#12 file is offered for download once.
#[component]
fn RecoverForm(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<RecoverKey>::new();
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let mismatch = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if password.get_untracked() != again.get_untracked() {
            mismatch.set(true);
            return;
        }
        mismatch.set(false);
        action.dispatch(RecoverKey {
            certificate_id: id,
            password: password.get_untracked(),
            reason: reason.get_untracked(),
        });
    };
    view! {
        <form class="recover" on:submit=submit data-testid="recover-form">
            <p class="muted">{tu_string!(i18n, certificates.recover_help)}</p>
            <label>{tu_string!(i18n, certificates.reason)} <input type="text" name="reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/></label>
            <label>{tu_string!(i18n, certificates.file_password)} <input type="password" name="password" autocomplete="new-password" prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/></label>
            <label>{tu_string!(i18n, certificates.repeat_password)} <input type="password" name="again" autocomplete="new-password" prop:value=move || again.get() on:input=move |ev| again.set(event_target_value(&ev))/></label>
            <button type="submit" class="primary" disabled=move || action.pending().get()>{tu_string!(i18n, certificates.recover)}</button>
            <Show when=move || mismatch.get()>
                <p class="error" role="alert">{tu_string!(i18n, certificates.passwords_differ)}</p>
            </Show>
            {move || action.value().get().map(|r| match r {
                Ok(k) => view! {
                    <p class="notice" role="status">
                        {tu_string!(i18n, certificates.key_recovered)}
                        <a rel="external" download=k.file_name.clone()
                            href=format!("data:application/x-pkcs12;base64,{}", k.pkcs12_base64)>
                            {tu_string!(i18n, certificates.download_file, file = k.file_name.clone())}
                        </a>
                    </p>
                }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </form>
    }
}
