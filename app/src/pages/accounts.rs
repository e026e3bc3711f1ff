//! The admin's accounts: who may sign in, with which roles; a self-service account belongs to
//! one user.

use crate::api::{fetch_accounts, CreateAccount, ResetPassword, UpdateAccount};
use crate::components::{loaded, refusal_of, ErrorBox, FieldRefusal, FormRefusal};
use crate::i18n::{t_string, tu_string, use_i18n};
use crate::language::said;
use crate::pages::lists::Pager;
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_process::dto::{AccountQuery, AccountRow, NewAccount};
use tessera_process::{AppError, Role};

fn role_boxes(chosen: RwSignal<Vec<Role>>, prefix: String) -> impl IntoView {
    Role::ALL
        .iter()
        .map(|&r| {
            let name = format!("{prefix}.{}", r.as_str());
            view! {
                <label class="inline">
                    <input type="checkbox" name=name prop:checked=move || chosen.get().contains(&r)
                        on:change=move |ev| chosen.update(|v| {
                            v.retain(|x| *x != r);
                            if event_target_checked(&ev) { v.push(r); }
                        })/>
                    {said(r.words())}
                </label>
            }
        })
        .collect_view()
}

/// The fields of the new-account form, where the server's refusal of one is shown.
const NEW_ACCOUNT_FIELDS: &[&str] = &[
    "username",
    "display_name",
    "roles",
    "password",
    "employee_id",
];

#[component]
pub fn AccountsPage() -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<CreateAccount>::new();
    let update = ServerAction::<UpdateAccount>::new();
    let reset = ServerAction::<ResetPassword>::new();
    // The filter as typed; applied with Search (or Enter), which starts at the first page.
    let text = RwSignal::new(String::new());
    let role = RwSignal::new(None::<Role>);
    let query = RwSignal::new(AccountQuery::default());
    let list = Resource::new(
        move || (query.get(), create.version().get(), update.version().get()),
        |(q, _, _)| fetch_accounts(q),
    );
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        query.set(AccountQuery {
            text: text.get_untracked(),
            role: role.get_untracked(),
            offset: 0,
        });
    };
    let username = RwSignal::new(String::new());
    let display = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let employee = RwSignal::new(String::new());
    let roles = RwSignal::new(Vec::<Role>::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // Only the field on show counts: a self-service account has no initial password, a
        // staff account no user.
        let self_service = roles.with_untracked(|r| r.contains(&Role::SelfService));
        create.dispatch(CreateAccount {
            account: NewAccount {
                username: username.get_untracked(),
                display_name: display.get_untracked(),
                password: if self_service {
                    String::new()
                } else {
                    password.get_untracked()
                },
                roles: roles.get_untracked(),
                employee_id: if self_service {
                    employee.get_untracked()
                } else {
                    String::new()
                },
            },
        });
    };
    let refused = refusal_of(create);
    view! {
        <section>
            <h1>{tu_string!(i18n, accounts.title)}</h1>
            {move || update.value().get().map(|r| match r {
                Ok(()) => view! { <p class="notice" role="status">{tu_string!(i18n, accounts.saved)}</p> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
            {move || reset.value().get().map(|r| match r {
                Ok(None) => view! { <p class="notice" role="status">{tu_string!(i18n, accounts.reset_done)}</p> }.into_any(),
                Ok(Some(to)) => view! { <p class="notice" role="status" data-testid="reset-link-sent">{tu_string!(i18n, accounts.reset_link_sent, to = to)}</p> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
            <form class="filters" role="search" data-testid="account-filter" on:submit=search>
                <label>{tu_string!(i18n, accounts.find)} " "
                    <input type="search" name="text" maxlength="64" prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))/></label>
                <label>{tu_string!(i18n, accounts.with_role)} " "
                    <select name="role" on:change=move |ev| role.set(Role::parse(&event_target_value(&ev)))>
                        <option value="">{tu_string!(i18n, accounts.any_role)}</option>
                        {Role::ALL.iter().map(|r| view! { <option value=r.as_str()>{said(r.words())}</option> }).collect_view()}
                    </select></label>
                <button type="submit">{tu_string!(i18n, accounts.search)}</button>
            </form>
            {loaded(list, move |p| {
                if p.rows.is_empty() {
                    return view! { <p class="muted" data-testid="accounts-empty">{tu_string!(i18n, accounts.none_match)}</p> }.into_any();
                }
                let (offset, count, total) = (p.offset, p.rows.len() as u64, p.total);
                view! {
                    <p class="muted" data-testid="accounts-count">{tu_string!(i18n, accounts.range, from = offset + 1, shown = offset + count, total = total)}</p>
                    <table class="list" data-testid="accounts">
                        <thead><tr><th>{tu_string!(i18n, accounts.user_name)}</th><th>{tu_string!(i18n, accounts.name)}</th><th>{tu_string!(i18n, accounts.roles)}</th><th>{tu_string!(i18n, accounts.user)}</th><th>{tu_string!(i18n, accounts.disabled)}</th><th></th><th>{tu_string!(i18n, accounts.reset_password)}</th></tr></thead>
                        <tbody>{p.rows.into_iter().map(|a| view! { <AccountLine a update reset/> }).collect_view()}</tbody>
                    </table>
                    <Pager offset rows=count total next_testid="accounts-next"
                        page=Callback::new(move |o| query.update(|q| q.offset = o))/>
                }.into_any()
            })}
            <h2>{tu_string!(i18n, accounts.new_account)}</h2>
            <form class="options account" on:submit=submit data-testid="new-account">
                {input(tu_string!(i18n, accounts.user_name), "username", "text", username, refused)}
                {input(tu_string!(i18n, accounts.display_name), "display_name", "text", display, refused)}
                <div class="field"><strong>{tu_string!(i18n, accounts.roles)}</strong> {role_boxes(roles, "new".into())} <FieldRefusal refused name="roles"/></div>
                <Show when=move || roles.with(|r| r.contains(&Role::SelfService))
                    fallback=move || input(tu_string!(i18n, accounts.initial_password), "password", "password", password, refused)>
                    {input(tu_string!(i18n, accounts.employee_id), "employee_id", "text", employee, refused)}
                    <p class="muted">{tu_string!(i18n, accounts.self_service_help)}</p>
                </Show>
                <p class="actions"><button type="submit" class="primary" disabled=move || create.pending().get()>{tu_string!(i18n, accounts.create_account)}</button></p>
                {move || create.value().get().map(|r| match r {
                    Ok(created) => view! { <p class="notice" role="status" data-testid="account-created">{match created.invited {
                        Some(to) => tu_string!(i18n, accounts.created_invited, to = to).into_any(),
                        None => tu_string!(i18n, accounts.created).into_any(),
                    }}</p> }.into_any(),
                    Err(e) => view! { <FormRefusal error=e fields=NEW_ACCOUNT_FIELDS/> }.into_any(),
                })}
            </form>
        </section>
    }
}

#[component]
fn AccountLine(
    a: AccountRow,
    update: ServerAction<UpdateAccount>,
    reset: ServerAction<ResetPassword>,
) -> impl IntoView {
    let i18n = use_i18n();
    let roles = RwSignal::new(a.roles.clone());
    let temporary = RwSignal::new(String::new());
    let disabled = RwSignal::new(a.disabled);
    let (id, seen_roles, seen_disabled) = (a.id, a.roles.clone(), a.disabled);
    view! {
        <tr data-account=a.username.clone()>
            <td>{a.username.clone()}</td>
            <td>{a.display_name.clone()}</td>
            <td>{role_boxes(roles, a.username.clone())}</td>
            <td>{a.person.clone().map(|(pid, name, emp)| view! { <A href=format!("/users/{pid}")>{format!("{name} ({emp})")}</A> })}</td>
            <td><input type="checkbox" name="disabled" aria-label={ let user = a.username.clone(); move || format!("{user} {}", t_string!(i18n, accounts.disabled_after_name)) } prop:checked=move || disabled.get() on:change=move |ev| disabled.set(event_target_checked(&ev))/></td>
            <td><button type="button" on:click=move |_| { update.dispatch(UpdateAccount {
                account_id: id, seen_roles: seen_roles.clone(), seen_disabled,
                roles: roles.get_untracked(), disabled: disabled.get_untracked(),
            }); }>{tu_string!(i18n, common.save)}</button></td>
            <td>
                {match a.person.is_some() {
                    // The user chooses the new password from a mailed link.
                    true => view! {
                        <button type="button" data-testid="send-reset-link" on:click=move |_| { reset.dispatch(ResetPassword { account_id: id, password: String::new() }); }>{tu_string!(i18n, accounts.send_reset_link)}</button>
                    }.into_any(),
                    false => view! {
                        <input type="password" name="reset" aria-label=move || t_string!(i18n, accounts.new_password) autocomplete="new-password"
                            prop:value=move || temporary.get() on:input=move |ev| temporary.set(event_target_value(&ev))/>
                        <button type="button" on:click=move |_| { reset.dispatch(ResetPassword { account_id: id, password: temporary.get_untracked() }); }>{tu_string!(i18n, accounts.reset)}</button>
                    }.into_any(),
                }}
            </td>
        </tr>
    }
}

/// A labelled field of the new-account form, with the server's refusal of it.
fn input(
    label: impl IntoView + 'static,
    name: &'static str,
    kind: &'static str,
    s: RwSignal<String>,
    refused: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <label>{label} <input type=kind name=name prop:value=move || s.get() on:input=move |ev| s.set(event_target_value(&ev))/></label>
        <FieldRefusal refused name/>
    }
}
