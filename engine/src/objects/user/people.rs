//! People ("users" in the operator UI): quick search and the user page.

use crate::entity::{account, card, person};
use crate::Caller;
use crate::{Engine, EngineError, Result};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use tessera_process::dto::{CardSummary, UserDetail, UserSummary};
use tessera_process::{said, ObjectKind, Role, Said};

pub(crate) const STAFF: &[Role] = &[
    Role::Operator,
    Role::Approver,
    Role::Admin,
    Role::KeyRecovery,
];

/// Staff see everyone; a self-service user sees only themselves.
pub fn may_see_person(caller: &Caller, person_id: i64) -> Result<()> {
    if STAFF.iter().any(|r| caller.has(*r)) || caller.person_id == Some(person_id) {
        Ok(())
    } else {
        Err(EngineError::Forbidden(said!(
            "see this user",
            "se den här användaren"
        )))
    }
}

/// Refuses to send a credential (an activation code, an account link) to the person's e-mail
/// address if the caller entered that address, or the UPN, alone: one account would otherwise
/// make up a person's address and receive their credential. Another account sends it, or a
/// second person approved the details (`person::Model::identity_entered_by`).
pub fn check_not_entered_by(p: &person::Model, caller: &Caller) -> Result<()> {
    if p.identity_entered_by == Some(caller.account_id) {
        return Err(EngineError::Forbidden(said!(
            "send a credential for {name} to {email}: your account entered that address (or the UPN) itself. Another operator or admin sends it, or a second person approves the user's details",
            "skicka en legitimation för {name} till {email}: ditt konto angav själv den adressen (eller UPN). En annan operatör eller administratör skickar den, eller så godkänner en andra person användarens uppgifter",
            name = &p.common_name,
            email = p.email.trim()
        )));
    }
    Ok(())
}

/// For an object of a person: one who may not see that person is told it does not exist, the
/// same answer as for an id nobody has, so that ids of others' objects stay unknown.
pub fn may_see_object(caller: &Caller, person_id: i64, object: (ObjectKind, i64)) -> Result<()> {
    may_see_person(caller, person_id).map_err(|_| EngineError::NotFound {
        kind: object.0,
        id: object.1,
    })
}

pub fn detail(p: &person::Model) -> Result<UserDetail> {
    Ok(UserDetail {
        id: p.id,
        employee_id: p.employee_id.clone(),
        given_name: p.given_name.clone(),
        surname: p.surname.clone(),
        common_name: p.common_name.clone(),
        upn: p.upn.clone(),
        email: p.email.clone(),
        department: p.department.clone(),
        state: p.state,
        version: p.version,
    })
}

pub fn summary(p: &person::Model) -> Result<UserSummary> {
    Ok(UserSummary {
        id: p.id,
        employee_id: p.employee_id.clone(),
        common_name: p.common_name.clone(),
        upn: p.upn.clone(),
        department: p.department.clone(),
        state: p.state,
    })
}

/// The person `id`, who must be active; otherwise "<name> is <state><then>".
pub async fn active_holder(
    conn: &impl ConnectionTrait,
    id: i64,
    then: Said,
) -> Result<person::Model> {
    let p = load(conn, id).await?;
    if p.state != tessera_process::UserState::Active {
        return Err(crate::EngineError::NotNow(said!(
            "{name} is {state}{then_en}",
            "{name} har tillståndet ”{state_sv}”{then_sv}",
            name = &p.common_name,
            state = p.state,
            state_sv = p.state.words().sv,
            then_en = &then.en,
            then_sv = &then.sv
        )));
    }
    Ok(p)
}

pub async fn load(conn: &impl ConnectionTrait, id: i64) -> Result<person::Model> {
    crate::stored::load::<person::Entity>(conn, ObjectKind::User, id).await
}

/// Quick search by name, UPN or employee id (case-insensitive, any part).
pub async fn search(
    engine: &Engine,
    caller: &Caller,
    query: &str,
    limit: u64,
) -> Result<Vec<UserSummary>> {
    caller.require_any(STAFF, said!("search users", "söka användare"))?;
    let q = query.trim().to_lowercase();
    if q.chars().count() > 100 {
        return Err(EngineError::bad_input(
            "query",
            said!(
                "The search text is too long (100 characters at most).",
                "Söktexten är för lång (högst 100 tecken)."
            ),
        ));
    }
    let mut find = person::Entity::find();
    if !q.is_empty() {
        find = find.filter(matching_text(&q));
    }
    find.order_by_asc(person::Column::Surname)
        .order_by_asc(person::Column::GivenName)
        .limit(Ord::min(limit, 200))
        .all(&engine.db)
        .await?
        .iter()
        .map(summary)
        .collect()
}

/// `column` (lower-cased) contains `text`, which is taken literally (no wildcards).
pub(crate) fn contains(column: impl ColumnTrait, text: &str) -> SimpleExpr {
    let pattern = format!(
        "%{}%",
        text.to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern).escape('\\'))
}

/// People whose name, UPN or employee id contains `text` (without regard to case).
pub(crate) fn matching_text(text: &str) -> Condition {
    Condition::any()
        .add(contains(person::Column::CommonName, text))
        .add(contains(person::Column::Upn, text))
        .add(contains(person::Column::EmployeeId, text))
}

pub(crate) async fn account_names(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, String>> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(account::Entity::find()
        .filter(account::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.display_name))
        .collect())
}

/// "Greta Gran (greta@…)" of each person in `ids`, in lookups of 500.
pub(crate) async fn holder_names(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, String>> {
    let ids: Vec<i64> = ids.into_iter().collect();
    let mut names = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        for p in person::Entity::find()
            .filter(person::Column::Id.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            names.insert(p.id, format!("{} ({})", p.common_name, p.upn));
        }
    }
    Ok(names)
}

pub(crate) fn card_summary(c: &card::Model, names: &HashMap<i64, String>) -> Result<CardSummary> {
    Ok(CardSummary {
        id: c.id,
        state: c.state,
        card_profile: c.card_profile.clone(),
        requested_by: names.get(&c.requested_by).cloned().unwrap_or_default(),
        created_at: crate::time::text(c.created_at),
        updated_at: crate::time::text(c.updated_at),
        version: c.version,
    })
}
