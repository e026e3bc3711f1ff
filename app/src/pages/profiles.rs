//! The admin's editor of certificate profiles. The server validates (the same rules as
//! `CertificateProfile::validate`) and refuses with a message; nothing is lost on a refusal.

use crate::api::{certificate_profiles, SaveCertificateProfile};
use crate::components::{loaded, ErrorBox};
use leptos::prelude::*;
use tessera_process::dto::ProfileRow;
use tessera_process::profile::{ExtendedKeyUsage, KeyAlgorithm, KeyUsageBit};

#[component]
pub fn ProfilesPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| certificate_profiles());
    view! {
        <section>
            <h1>"Certificate profiles"</h1>
            <p class="muted">"The subject is always CN = the user's common name. A change applies to certificates issued from now on."</p>
            {loaded(page, |rows| rows.into_iter().map(|row| view! { <ProfileForm row/> }).collect_view())}
        </section>
    }
}

fn toggle<T: PartialEq + Copy + Send + Sync + 'static>(list: RwSignal<Vec<T>>, item: T, on: bool) {
    list.update(|l| {
        l.retain(|x| *x != item);
        if on {
            l.push(item);
        }
    });
}

#[component]
fn ProfileForm(row: ProfileRow) -> impl IntoView {
    let save = ServerAction::<SaveCertificateProfile>::new();
    let version = RwSignal::new(row.version);
    Effect::new(move |_| {
        if let Some(Ok(v)) = save.value().get() {
            version.set(v);
        }
    });
    let p = row.profile.clone();
    let validity = RwSignal::new(p.validity_days.to_string());
    let key_usage = RwSignal::new(p.key_usage.clone());
    let eku = RwSignal::new(p.extended_key_usage.clone());
    let upn = RwSignal::new(p.include_upn);
    let email = RwSignal::new(p.include_email);
    let cdp = RwSignal::new(p.crl_distribution_point);
    let recoverable = RwSignal::new(p.recoverable);
    let algorithm = RwSignal::new(p.key_algorithm);
    let bad_number = RwSignal::new(false);
    let purpose = p.purpose;
    let id = row.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(days) = validity.get_untracked().trim().parse::<u32>() else {
            bad_number.set(true);
            return;
        };
        bad_number.set(false);
        let mut profile = p.clone();
        profile.validity_days = days;
        profile.key_usage = key_usage.get_untracked();
        profile.extended_key_usage = eku.get_untracked();
        profile.include_upn = upn.get_untracked();
        profile.include_email = email.get_untracked();
        profile.crl_distribution_point = cdp.get_untracked();
        profile.recoverable = recoverable.get_untracked();
        profile.key_algorithm = algorithm.get_untracked();
        save.dispatch(SaveCertificateProfile {
            id,
            version: version.get_untracked(),
            profile,
        });
    };
    let check = |label: &'static str, signal: RwSignal<bool>, field: &'static str| {
        view! {
            <label class="inline" data-field=field>
                <input type="checkbox" prop:checked=move || signal.get() on:change=move |ev| signal.set(event_target_checked(&ev))/>
                {label}
            </label>
        }
    };
    view! {
        <form class="options profile" on:submit=submit data-profile=row.profile.name.clone()>
            <h2>{row.profile.name.clone()} " — " {purpose.label()}</h2>
            <p class="muted">{move || format!("Version {}", version.get())}</p>
            <div class="field"><label>"Validity (days) " <input type="text" inputmode="numeric" name="validity_days" prop:value=move || validity.get() on:input=move |ev| validity.set(event_target_value(&ev))/></label></div>
            <div class="field"><strong>"Key usage"</strong>
                {KeyUsageBit::ALL.iter().map(|&bit| view! {
                    <label class="inline">
                        <input type="checkbox" prop:checked=move || key_usage.get().contains(&bit)
                            on:change=move |ev| toggle(key_usage, bit, event_target_checked(&ev))/>
                        {bit.label()}
                    </label>
                }).collect_view()}
            </div>
            <div class="field"><strong>"Extended key usage"</strong>
                {ExtendedKeyUsage::ALL.iter().map(|&e| view! {
                    <label class="inline">
                        <input type="checkbox" prop:checked=move || eku.get().contains(&e)
                            on:change=move |ev| toggle(eku, e, event_target_checked(&ev))/>
                        {e.label()}
                    </label>
                }).collect_view()}
            </div>
            <div class="field"><strong>"Subject alternative name"</strong>
                {check("User principal name (UPN)", upn, "include_upn")}
                {check("E-mail address", email, "include_email")}
            </div>
            <div class="field">{check("CRL distribution point", cdp, "crl_distribution_point")}</div>
            <div class="field">
                {check("Recoverable: the server generates the key pair and escrows the private key", recoverable, "recoverable")}
                <label>"Key type for generated keys "
                    <select name="key_algorithm" on:change=move |ev| {
                        if let Some(a) = KeyAlgorithm::parse(&event_target_value(&ev)) { algorithm.set(a) }
                    }>
                        {KeyAlgorithm::ALL.iter().map(|&a| view! {
                            <option value=a.as_str() selected=move || algorithm.get() == a>{a.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <p class="actions"><button type="submit" class="primary" disabled=move || save.pending().get()>"Save"</button></p>
            <Show when=move || bad_number.get()>
                <p class="error" role="alert">"Validity must be a whole number of days."</p>
            </Show>
            {move || save.value().get().map(|r| match r {
                Ok(v) => view! { <p class="notice" role="status">{format!("Saved as version {v}.")}</p> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </form>
    }
}
