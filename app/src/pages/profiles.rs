//! The admin's editor of certificate profiles. The server validates (the same rules as
//! `CertificateProfile::validate`) and refuses with a message; nothing is lost on a refusal.

use crate::api::{certificate_profiles, SaveCertificateProfile};
use crate::components::{loaded, ErrorBox};
use crate::i18n::{tu_string, use_i18n};
use crate::language::said;
use leptos::prelude::*;
use tessera_process::dto::ProfileRow;
use tessera_process::profile::{ExtendedKeyUsage, KeyAlgorithm, KeyUsageBit};

#[component]
pub fn ProfilesPage() -> impl IntoView {
    let i18n = use_i18n();
    let page = Resource::new(|| (), |_| certificate_profiles());
    view! {
        <section>
            <h1>{tu_string!(i18n, profiles.title)}</h1>
            <p class="muted">{tu_string!(i18n, profiles.intro)}</p>
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

/// A checkbox for one boolean of the profile.
fn check(
    label: impl IntoView + 'static,
    signal: RwSignal<bool>,
    field: &'static str,
) -> impl IntoView {
    view! {
        <label class="inline" data-field=field>
            <input type="checkbox" prop:checked=move || signal.get() on:change=move |ev| signal.set(event_target_checked(&ev))/>
            {label}
        </label>
    }
}

#[component]
fn ProfileForm(row: ProfileRow) -> impl IntoView {
    let i18n = use_i18n();
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
    view! {
        <form class="options profile" on:submit=submit data-profile=row.profile.name.clone()>
            <h2>{row.profile.name.clone()} " — " {said(purpose.words())}</h2>
            <p class="muted">{move || tu_string!(i18n, profiles.version, version = version.get())}</p>
            <div class="field"><label>{tu_string!(i18n, profiles.validity_days)} " " <input type="text" inputmode="numeric" name="validity_days" prop:value=move || validity.get() on:input=move |ev| validity.set(event_target_value(&ev))/></label></div>
            <div class="field"><strong>{tu_string!(i18n, profiles.key_usage)}</strong>
                {KeyUsageBit::ALL.iter().map(|&bit| view! {
                    <label class="inline">
                        <input type="checkbox" prop:checked=move || key_usage.get().contains(&bit)
                            on:change=move |ev| toggle(key_usage, bit, event_target_checked(&ev))/>
                        {said(bit.words())}
                    </label>
                }).collect_view()}
            </div>
            <div class="field"><strong>{tu_string!(i18n, profiles.extended_key_usage)}</strong>
                {ExtendedKeyUsage::ALL.iter().map(|&e| view! {
                    <label class="inline">
                        <input type="checkbox" prop:checked=move || eku.get().contains(&e)
                            on:change=move |ev| toggle(eku, e, event_target_checked(&ev))/>
                        {said(e.words())}
                    </label>
                }).collect_view()}
            </div>
            <div class="field"><strong>{tu_string!(i18n, profiles.subject_alt_name)}</strong>
                {check(tu_string!(i18n, profiles.upn), upn, "include_upn")}
                {check(tu_string!(i18n, profiles.email), email, "include_email")}
            </div>
            <div class="field">{check(tu_string!(i18n, profiles.crl_distribution_point), cdp, "crl_distribution_point")}</div>
            <div class="field">
                {check(tu_string!(i18n, profiles.recoverable), recoverable, "recoverable")}
                <label>{tu_string!(i18n, profiles.key_type)} " "
                    <select name="key_algorithm" on:change=move |ev| {
                        if let Some(a) = KeyAlgorithm::parse(&event_target_value(&ev)) { algorithm.set(a) }
                    }>
                        {KeyAlgorithm::ALL.iter().map(|&a| view! {
                            <option value=a.as_str() selected=move || algorithm.get() == a>{said(a.words())}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <p class="actions"><button type="submit" class="primary" disabled=move || save.pending().get()>{tu_string!(i18n, common.save)}</button></p>
            <Show when=move || bad_number.get()>
                <p class="error" role="alert">{tu_string!(i18n, profiles.bad_validity)}</p>
            </Show>
            {move || save.value().get().map(|r| match r {
                Ok(v) => view! { <p class="notice" role="status">{tu_string!(i18n, profiles.saved_as, version = v)}</p> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </form>
    }
}
