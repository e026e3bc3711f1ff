//! Accounts and roles, as the admin manages them: create operator, approver, admin, key
//! recovery and self-service accounts (a self-service account belongs to exactly one user),
//! change roles, disable and enable. Every change is audited.

use crate::audit::{self, AuditRecord};
use crate::auth::{insert_account, NO_PASSWORD};
use crate::entity::{account, account_role, person, session};
use crate::objects::user::invitations::{self, Purpose};
use crate::objects::user::people::contains;
use crate::Caller;
use crate::{Engine, EngineError, Result};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use tessera_process::dto::{AccountCreated, AccountPage, AccountQuery, AccountRow, NewAccount};
use tessera_process::lists::PAGE;
use tessera_process::{said, Role};

pub const MAX_USERNAME: usize = 64;

fn admin(caller: &Caller) -> Result<()> {
    caller.require_any(&[Role::Admin], said!("manage accounts", "hantera konton"))
}

/// Self-service is a role of its own: an end user's account never also holds staff rights.
fn check_roles(roles: &[Role], has_person: bool) -> Result<()> {
    if roles.is_empty() {
        return Err(EngineError::bad_input(
            "roles",
            said!(
                "Give the account at least one role.",
                "Ge kontot minst en roll."
            ),
        ));
    }
    let self_service = roles.contains(&Role::SelfService);
    if self_service && roles.len() > 1 {
        return Err(EngineError::bad_input(
            "roles",
            said!("A self-service account holds no other role: staff work with a separate account.", "Ett självbetjäningskonto har ingen annan roll: personal arbetar med ett separat konto."),
        ));
    }
    if self_service && !has_person {
        return Err(EngineError::bad_input(
            "employee_id",
            said!(
                "A self-service account belongs to one user: give the user's employee id.",
                "Ett självbetjäningskonto hör till en användare: ange användarens anställnings-id."
            ),
        ));
    }
    if !self_service && has_person {
        return Err(EngineError::bad_input(
            "employee_id",
            said!(
                "Only a self-service account is linked to a user.",
                "Bara ett självbetjäningskonto kopplas till en användare."
            ),
        ));
    }
    Ok(())
}

/// One page of accounts ([`PAGE`] rows), ordered by user name: those whose user name or display
/// name contains the text (case does not matter) and, if one is chosen, that hold the role. The
/// roles and users are read for the page's rows only, so a page costs the same with a million
/// self-service accounts as with ten.
pub async fn page(engine: &Engine, caller: &Caller, q: &AccountQuery) -> Result<AccountPage> {
    admin(caller)?;
    let offset = crate::lists::page_offset(q.offset)?;
    let text = q.text.trim();
    if text.chars().count() > MAX_USERNAME {
        return Err(EngineError::bad_input(
            "text",
            said!(
                "The search text is too long ({MAX_USERNAME} characters at most).",
                "Söktexten är för lång (högst {MAX_USERNAME} tecken)."
            ),
        ));
    }
    let mut query = account::Entity::find();
    if !text.is_empty() {
        query = query.filter(
            Condition::any()
                .add(contains(account::Column::Username, text))
                .add(contains(account::Column::DisplayName, text)),
        );
    }
    if let Some(role) = q.role {
        query = query.filter(
            account::Column::Id.in_subquery(
                Query::select()
                    .column(account_role::Column::AccountId)
                    .from(account_role::Entity)
                    .and_where(account_role::Column::Role.eq(role.as_str()))
                    .to_owned(),
            ),
        );
    }
    let total = query.clone().count(&engine.db).await?;
    let accounts = query
        .order_by_asc(account::Column::Username)
        .order_by_asc(account::Column::Id)
        .offset(offset)
        .limit(PAGE)
        .all(&engine.db)
        .await?;
    let mut roles: HashMap<i64, Vec<Role>> = HashMap::new();
    for r in account_role::Entity::find()
        .filter(account_role::Column::AccountId.is_in(accounts.iter().map(|a| a.id)))
        .all(&engine.db)
        .await?
    {
        if let Some(role) = Role::parse(&r.role) {
            roles.entry(r.account_id).or_default().push(role);
        }
    }
    let people: HashMap<i64, person::Model> = person::Entity::find()
        .filter(person::Column::Id.is_in(accounts.iter().filter_map(|a| a.person_id)))
        .all(&engine.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let rows = accounts
        .into_iter()
        .map(|a| {
            let mut r = roles.remove(&a.id).unwrap_or_default();
            r.sort();
            AccountRow {
                id: a.id,
                person: a
                    .person_id
                    .and_then(|id| people.get(&id))
                    .map(|p| (p.id, p.common_name.clone(), p.employee_id.clone())),
                username: a.username,
                display_name: a.display_name,
                roles: r,
                disabled: a.disabled,
                created_at: crate::time::text(a.created_at),
            }
        })
        .collect();
    Ok(AccountPage {
        rows,
        total,
        offset,
    })
}

/// Creates an account. A staff account gets the admin's initial password, to be changed at the
/// first sign-in. A self-service account gets none: its person chooses it with a link mailed to
/// their own address ([`invitations`]), so the admin can never sign in as the person.
pub async fn create(engine: &Engine, caller: &Caller, new: NewAccount) -> Result<AccountCreated> {
    admin(caller)?;
    let username = new.username.trim().to_string();
    if username.is_empty()
        || username.chars().count() > MAX_USERNAME
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
    {
        return Err(EngineError::bad_input(
            "username",
            said!("The user name may have letters, digits and . - _ @ (1 to {MAX_USERNAME}).", "Användarnamnet får innehålla bokstäver, siffror och . - _ @ (1 till {MAX_USERNAME} tecken)."),
        ));
    }
    let display_name = new.display_name.trim().to_string();
    if display_name.is_empty() || display_name.chars().count() > 100 {
        return Err(EngineError::bad_input(
            "display_name",
            said!(
                "Give the account a display name (at most 100 characters).",
                "Ge kontot ett visningsnamn (högst 100 tecken)."
            ),
        ));
    }
    let employee_id = new.employee_id.trim();
    check_roles(&new.roles, !employee_id.is_empty())?;
    let password_hash = if employee_id.is_empty() {
        crate::passwords::check(&new.password, &[&username, &display_name])?;
        crate::auth::hash_in_slot(engine, &new.password).await?
    } else if !new.password.is_empty() {
        return Err(EngineError::bad_input("password", said!("Leave the initial password empty: a self-service user chooses their own, with a link Tessera mails to the user's address.", "Lämna startlösenordet tomt: en självbetjäningsanvändare väljer sitt eget, via en länk som Tessera skickar till användarens e-postadress.")));
    } else {
        NO_PASSWORD.to_string()
    };
    engine
        .transact(async |txn| {
            let now = txn.now();
            // "Admin" beside "admin" would be two accounts one person cannot tell apart.
            if let Some(other) = same_name(txn, &username).await? {
                return Err(EngineError::bad_input(
                    "username",
                    said!(
                        "There is already an account \"{name}\"; user names are compared without case.",
                        "Det finns redan ett konto ”{name}”; användarnamn jämförs utan hänsyn till versaler och gemener.",
                        name = &other.username
                    ),
                ));
            }
            let person = if employee_id.is_empty() {
                None
            } else {
                let p = person::Entity::find()
                    .filter(person::Column::EmployeeId.eq(employee_id))
                    .one(txn)
                    .await?
                    .ok_or_else(|| {
                        EngineError::bad_input(
                            "employee_id",
                            said!("There is no user with employee id {employee_id}.", "Det finns ingen användare med anställnings-id {employee_id}."),
                        )
                    })?;
                if p.state.is_final() {
                    return Err(EngineError::bad_input(
                        "employee_id",
                        said!(
                            "{name} is {en}: a self-service account is only for a user who may have credentials.",
                            "{name} har tillståndet ”{sv}”: ett självbetjäningskonto är bara för en användare som får ha legitimationer.",
                            name = &p.common_name,
                            en = p.state,
                            sv = p.state.words().sv
                        ),
                    ));
                }
                if let Some(other) = account::Entity::find()
                    .filter(account::Column::PersonId.eq(p.id))
                    .one(txn)
                    .await?
                {
                    return Err(EngineError::bad_input(
                        "employee_id",
                        said!(
                            "{name} already has the self-service account \"{account}\".",
                            "{name} har redan självbetjäningskontot ”{account}”.",
                            name = &p.common_name,
                            account = &other.username
                        ),
                    ));
                }
                Some(p)
            };
            let id = insert_account(
                txn,
                now,
                &username,
                &display_name,
                &password_hash,
                &new.roles,
                person.as_ref().map(|p| p.id),
            )
            .await?;
            let invited = match &person {
                Some(p) => Some(
                    invitations::send(
                        txn,
                        now,
                        engine,
                        caller,
                        &load(txn, id).await?,
                        p,
                        Purpose::Invite,
                    )
                    .await?,
                ),
                None => {
                    // The admin knows the first password: it opens nothing but the change to one's
                    // own.
                    let mut q = Query::update();
                    q.table("account")
                        .value("must_change_password", true)
                        .and_where(Expr::col("id").eq(id));
                    txn.execute(&q).await?;
                    None
                }
            };
            audit::append(
txn,
now,
Some(caller),
                AuditRecord {
                    action: "AccountCreated".into(),
                    data: serde_json::json!({
                        "account_id": id,
                        "username": username,
                        "roles": new.roles,
                        "person_id": person.as_ref().map(|p| p.id),
                        "link_sent_to": invited,
                    }),
                    detail: format!(
                        "Account \"{username}\" created ({})",
                        new.roles
                            .iter()
                            .map(|r| r.label())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    ..Default::default()
                },
            )
            .await?;
            Ok(AccountCreated { id, invited })
        })
        .await
}

async fn same_name(conn: &impl ConnectionTrait, username: &str) -> Result<Option<account::Model>> {
    Ok(account::Entity::find()
        .filter(
            Expr::expr(Func::lower(Expr::col(account::Column::Username)))
                .eq(username.to_lowercase()),
        )
        .one(conn)
        .await?)
}

/// Reset password (admin): the account's sessions end and its password no longer works. A
/// staff account gets the admin's new password, to be changed at its next sign-in; a
/// self-service account's person chooses a new one with a link mailed to their own address.
/// Returns that address.
pub async fn reset_password(
    engine: &Engine,
    caller: &Caller,
    id: i64,
    password: &str,
) -> Result<Option<String>> {
    admin(caller)?;
    if id == caller.account_id {
        return Err(EngineError::Invalid(said!(
            "Change your own password under My account; a reset is for someone else's.",
            "Byt ditt eget lösenord under Mitt konto; en återställning är till för någon annans."
        )));
    }
    let a = load(&engine.db, id).await?;
    let hash = match a.person_id {
        None => {
            crate::passwords::check(password, &[&a.username, &a.display_name])?;
            crate::auth::hash_in_slot(engine, password).await?
        }
        Some(_) if !password.is_empty() => {
            return Err(EngineError::Invalid(said!(
                "\"{name}\" is a self-service account: its user chooses the new password with a link Tessera mails to them. Leave the password empty.",
                "”{name}” är ett självbetjäningskonto: användaren väljer själv det nya lösenordet via en länk som Tessera skickar per e-post. Lämna lösenordet tomt.",
                name = &a.username
            )))
        }
        Some(_) => NO_PASSWORD.to_string(),
    };
    engine
        .transact(async |txn| {
            let now = txn.now();
            let sent_to = match a.person_id {
                Some(pid) => {
                    let p = person::Entity::find_by_id(pid)
                        .one(txn)
                        .await?
                        .ok_or_else(|| {
                            EngineError::Corrupt("The account's user is gone.".into())
                        })?;
                    let purpose = Purpose::Reset;
                    Some(invitations::send(txn, now, engine, caller, &a, &p, purpose).await?)
                }
                None => None,
            };
            let mut q = Query::update();
            q.table("account")
                .value("password_hash", hash)
                .value("must_change_password", a.person_id.is_none())
                .and_where(Expr::col("id").eq(id));
            txn.execute(&q).await?;
            let ended = session::Entity::delete_many()
                .filter(session::Column::AccountId.eq(id))
                .exec(txn)
                .await?
                .rows_affected;
            let detail = match &sent_to {
                Some(to) => format!(
                    "Password of \"{}\" reset by {}; a link to choose a new one went to {to}",
                    a.username, caller.name
                ),
                None => format!(
                    "Password of \"{}\" reset by {}; it must be changed at the next sign-in",
                    a.username, caller.name
                ),
            };
            audit::append(
                txn,
                now,
                Some(caller),
                AuditRecord {
                    action: "PasswordReset".into(),
                    data: serde_json::json!({
                        "account_id": id,
                        "sessions_ended": ended,
                        "link_sent_to": sent_to,
                    }),
                    detail,
                    ..Default::default()
                },
            )
            .await?;
            Ok(sent_to)
        })
        .await
}

async fn load(conn: &impl ConnectionTrait, id: i64) -> Result<account::Model> {
    account::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| {
            EngineError::Missing(said!(
                "There is no account with id {id}.",
                "Det finns inget konto med id {id}."
            ))
        })
}

/// Changes an account's roles and whether it is disabled, if it is still as the admin saw it
/// (`seen_roles`, `seen_disabled`). An admin cannot take away their own admin role or disable
/// themselves, and the last enabled admin stays (nobody would be left to undo it).
#[allow(clippy::too_many_arguments)]
pub async fn update(
    engine: &Engine,
    caller: &Caller,
    id: i64,
    seen_roles: Vec<Role>,
    seen_disabled: bool,
    mut roles: Vec<Role>,
    disabled: bool,
) -> Result<()> {
    admin(caller)?;
    roles.sort();
    roles.dedup();
    if id == caller.account_id && (disabled || !roles.contains(&Role::Admin)) {
        return Err(EngineError::Invalid(said!(
            "You cannot disable your own account or remove your own admin role; another admin can.",
            "Du kan inte inaktivera ditt eget konto eller ta bort din egen administratörsroll; en annan administratör kan göra det."
        )));
    }
    engine
        .transact(async |txn| {
            let now = txn.now();
            let a = load(txn, id).await?;
            check_roles(&roles, a.person_id.is_some())?;
            let mut before: Vec<Role> = account_role::Entity::find()
                .filter(account_role::Column::AccountId.eq(id))
                .all(txn)
                .await?
                .into_iter()
                .filter_map(|r| Role::parse(&r.role))
                .collect();
            before.sort();
            let mut seen = seen_roles;
            seen.sort();
            seen.dedup();
            if before != seen || a.disabled != seen_disabled {
                return Err(EngineError::NotNow(said!(
                    "The account \"{name}\" was changed by someone else in the meantime. Reload the page and try again.",
                    "Kontot ”{name}” har ändrats av någon annan under tiden. Ladda om sidan och försök igen.",
                    name = &a.username
                )));
            }
            account_role::Entity::delete_many()
                .filter(account_role::Column::AccountId.eq(id))
                .exec(txn)
                .await?;
            for role in &roles {
                account_role::Entity::insert(account_role::ActiveModel {
                    account_id: Set(id),
                    role: Set(role.as_str().into()),
                })
                .exec_without_returning(txn)
                .await?;
            }
            if disabled {
                invitations::void(txn, now, id).await?;
            }
            let mut am: account::ActiveModel = a.clone().into();
            am.disabled = Set(disabled);
            account::Entity::update(am).exec(txn).await?;
            // Someone must be left to administer: counted in this transaction, after the change.
            let admins = account_role::Entity::find()
                .filter(account_role::Column::Role.eq(Role::Admin.as_str()))
                .all(txn)
                .await?;
            let mut enabled_admins = 0;
            for r in admins {
                if !load(txn, r.account_id).await?.disabled {
                    enabled_admins += 1;
                }
            }
            if enabled_admins == 0 {
                return Err(EngineError::NotNow(said!(
                    "This would leave no enabled admin account.",
                    "Då skulle inget aktivt administratörskonto finnas kvar."
                )));
            }
            // A changed or disabled account signs in again with what it is now.
            session::Entity::delete_many()
                .filter(session::Column::AccountId.eq(id))
                .exec(txn)
                .await?;
            audit::append(
txn,
now,
Some(caller),
                AuditRecord {
                    action: "AccountChanged".into(),
                    data: serde_json::json!({
                        "account_id": id,
                        "before": { "roles": before, "disabled": a.disabled },
                        "after": { "roles": roles, "disabled": disabled },
                    }),
                    detail: format!(
                        "Account \"{}\": roles {}; {}",
                        a.username,
                        roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", "),
                        if disabled { "disabled" } else { "enabled" }
                    ),
                    ..Default::default()
                },
            )
            .await
        })
        .await
}

/// Lock user: the user's self-service account is disabled and signed out, in the caller's
/// transaction.
pub(crate) async fn disable_for_person(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    caller: &Caller,
    person_id: i64,
) -> Result<()> {
    let Some(a) = account::Entity::find()
        .filter(account::Column::PersonId.eq(person_id))
        .one(conn)
        .await?
    else {
        return Ok(());
    };
    session::Entity::delete_many()
        .filter(session::Column::AccountId.eq(a.id))
        .exec(conn)
        .await?;
    if a.disabled {
        return Ok(());
    }
    let mut am: account::ActiveModel = a.clone().into();
    am.disabled = Set(true);
    account::Entity::update(am).exec(conn).await?;
    audit::append(
        conn,
        now,
        Some(caller),
        AuditRecord {
            action: "AccountChanged".into(),
            data: serde_json::json!({ "account_id": a.id, "after": { "disabled": true } }),
            detail: format!("Account \"{}\" disabled with its locked user", a.username),
            ..Default::default()
        },
    )
    .await
}
