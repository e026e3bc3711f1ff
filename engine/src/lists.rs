//! The menu's lists ([`tessera_process::lists`]): one query per object kind, filtered by the
//! states the list's row names, newest first, a page at a time. A list on a kind this module
//! knows needs no code here, only its row.

use crate::entity::{batch_order, card, certificate, mobile_id, person, temp_card};
use crate::objects::user::people::holder_names;
use crate::{Caller, Engine, Result};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use std::collections::HashMap;
use tessera_process::lists::{ListId, ListPage, ListRow, PAGE};
use tessera_process::ObjectKind;

/// The list `list` from `offset` on, for a caller the list's row lets in.
pub async fn page(engine: &Engine, caller: &Caller, list: ListId, offset: u64) -> Result<ListPage> {
    let def = list.def();
    caller.require_any(def.roles, &format!("see {}", def.title.to_lowercase()))?;
    // The databases take an offset as a signed 64-bit number; one beyond it is a bad request,
    // not a database error.
    if i64::try_from(offset).is_err() {
        return Err(crate::EngineError::Invalid(format!(
            "There is no page at row {offset} of {}.",
            def.title.to_lowercase()
        )));
    }
    let states: Vec<&'static str> = def.states.iter().map(|s| s.as_str()).collect();
    let (total, rows) = rows_of(&engine.db, def.kind, &states, None, offset).await?;
    Ok(ListPage {
        list,
        total,
        offset,
        rows,
    })
}

/// The objects of `kind` in any of `states` (all states if empty) that `narrow` lets through,
/// newest first: how many there are, and one page of them as rows. The lists in the menu and the
/// quick search both show objects this way.
pub(crate) async fn rows_of(
    conn: &impl ConnectionTrait,
    kind: ObjectKind,
    states: &[&str],
    narrow: Option<Condition>,
    offset: u64,
) -> Result<(u64, Vec<ListRow>)> {
    fn query<E: EntityTrait>(
        state: E::Column,
        states: &[&str],
        narrow: Option<Condition>,
    ) -> Select<E> {
        let mut q = E::find();
        if !states.is_empty() {
            q = q.filter(state.is_in(states.iter().copied()));
        }
        match narrow {
            Some(c) => q.filter(c),
            None => q,
        }
    }
    use certificate::Column as Cert;
    match kind {
        ObjectKind::Certificate => {
            let q = query::<certificate::Entity>(Cert::State, states, narrow);
            certificates(conn, q, offset).await
        }
        ObjectKind::Card => {
            let q = query::<card::Entity>(card::Column::State, states, narrow);
            cards(conn, q, offset).await
        }
        ObjectKind::TempCard => {
            let q = query::<temp_card::Entity>(temp_card::Column::State, states, narrow);
            temp_cards(conn, q, offset).await
        }
        ObjectKind::MobileId => {
            let q = query::<mobile_id::Entity>(mobile_id::Column::State, states, narrow);
            mobile_ids(conn, q, offset).await
        }
        ObjectKind::User => {
            let q = query::<person::Entity>(person::Column::State, states, narrow);
            users(conn, q, offset).await
        }
        ObjectKind::BatchOrder => {
            let q = query::<batch_order::Entity>(batch_order::Column::State, states, narrow);
            batch_orders(conn, q, offset).await
        }
    }
}

/// How many objects `query` finds, and one page of them, newest first.
async fn matching<E>(
    conn: &impl ConnectionTrait,
    query: Select<E>,
    id: E::Column,
    offset: u64,
) -> Result<(u64, Vec<E::Model>)>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let total = query.clone().count(conn).await?;
    let models = query
        .order_by_desc(id)
        .offset(offset)
        .limit(PAGE)
        .all(conn)
        .await?;
    Ok((total, models))
}

fn row(
    (kind, id): (ObjectKind, i64),
    label: String,
    opens: (ObjectKind, i64),
    holder: Option<String>,
    state: tessera_process::State,
    detail: String,
    changed_at: chrono::DateTime<chrono::Utc>,
) -> Result<ListRow> {
    Ok(ListRow {
        kind,
        id,
        label,
        opens,
        holder,
        state,
        detail,
        changed_at: crate::time::text(changed_at),
    })
}

async fn certificates(
    conn: &impl ConnectionTrait,
    query: Select<certificate::Entity>,
    offset: u64,
) -> Result<(u64, Vec<ListRow>)> {
    let (total, found) =
        matching::<certificate::Entity>(conn, query, certificate::Column::Id, offset).await?;
    let owners: Vec<(ObjectKind, i64)> = found
        .iter()
        .filter_map(|c| Some((ObjectKind::parse(&c.owner_kind)?, c.owner_id)))
        .collect();
    let holders = credential_holders(conn, &owners).await?;
    let rows = found
        .into_iter()
        .map(|c| {
            // A certificate is shown on its credential's page; one whose owner kind is unknown
            // opens nothing better than the start page.
            let owner = ObjectKind::parse(&c.owner_kind).map(|k| (k, c.owner_id));
            row(
                (ObjectKind::Certificate, c.id),
                format!("Certificate {}", c.serial),
                owner.unwrap_or((ObjectKind::Certificate, c.id)),
                owner.and_then(|o| holders.get(&o).cloned()),
                c.state.into(),
                format!(
                    "{} on {}, valid to {}",
                    c.profile,
                    owner
                        .map(|(k, id)| format!("{} {id}", k.label().to_lowercase()))
                        .unwrap_or_else(|| format!("{} {}", c.owner_kind, c.owner_id)),
                    crate::time::text(c.not_after)
                ),
                c.updated_at,
            )
        })
        .collect::<Result<_>>()?;
    Ok((total, rows))
}

/// The holder of each credential in `owners` ("Common name (UPN)"), with one query per kind.
async fn credential_holders(
    conn: &impl ConnectionTrait,
    owners: &[(ObjectKind, i64)],
) -> Result<HashMap<(ObjectKind, i64), String>> {
    let of = |kind: ObjectKind| -> Vec<i64> {
        owners
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| *id)
            .collect()
    };
    let mut person_of: Vec<((ObjectKind, i64), i64)> = Vec::new();
    for c in card::Entity::find()
        .filter(card::Column::Id.is_in(of(ObjectKind::Card)))
        .all(conn)
        .await?
    {
        person_of.push(((ObjectKind::Card, c.id), c.person_id));
    }
    for c in temp_card::Entity::find()
        .filter(temp_card::Column::Id.is_in(of(ObjectKind::TempCard)))
        .all(conn)
        .await?
    {
        if let Some(p) = c.person_id {
            person_of.push(((ObjectKind::TempCard, c.id), p));
        }
    }
    for m in mobile_id::Entity::find()
        .filter(mobile_id::Column::Id.is_in(of(ObjectKind::MobileId)))
        .all(conn)
        .await?
    {
        person_of.push(((ObjectKind::MobileId, m.id), m.person_id));
    }
    let names = holder_names(conn, person_of.iter().map(|(_, p)| *p)).await?;
    Ok(person_of
        .into_iter()
        .filter_map(|(owner, p)| Some((owner, names.get(&p)?.clone())))
        .collect())
}

async fn cards(
    conn: &impl ConnectionTrait,
    query: Select<card::Entity>,
    offset: u64,
) -> Result<(u64, Vec<ListRow>)> {
    let (total, found) = matching::<card::Entity>(conn, query, card::Column::Id, offset).await?;
    let names = holder_names(conn, found.iter().map(|c| c.person_id)).await?;
    let rows = found
        .into_iter()
        .map(|c| {
            row(
                (ObjectKind::Card, c.id),
                format!("Card {}", c.id),
                (ObjectKind::Card, c.id),
                names.get(&c.person_id).cloned(),
                c.state.into(),
                c.card_profile,
                c.updated_at,
            )
        })
        .collect::<Result<_>>()?;
    Ok((total, rows))
}

async fn temp_cards(
    conn: &impl ConnectionTrait,
    query: Select<temp_card::Entity>,
    offset: u64,
) -> Result<(u64, Vec<ListRow>)> {
    let (total, found) =
        matching::<temp_card::Entity>(conn, query, temp_card::Column::Id, offset).await?;
    let names = holder_names(conn, found.iter().filter_map(|c| c.person_id)).await?;
    let rows = found
        .into_iter()
        .map(|c| {
            let detail = match c.assigned_until {
                Some(until) => format!("assigned until {}", crate::time::text(until)),
                None => String::new(),
            };
            row(
                (ObjectKind::TempCard, c.id),
                format!("Temporary card {}", c.id),
                (ObjectKind::TempCard, c.id),
                c.person_id.and_then(|p| names.get(&p).cloned()),
                c.state.into(),
                detail,
                c.updated_at,
            )
        })
        .collect::<Result<_>>()?;
    Ok((total, rows))
}

async fn mobile_ids(
    conn: &impl ConnectionTrait,
    query: Select<mobile_id::Entity>,
    offset: u64,
) -> Result<(u64, Vec<ListRow>)> {
    let (total, found) =
        matching::<mobile_id::Entity>(conn, query, mobile_id::Column::Id, offset).await?;
    let names = holder_names(conn, found.iter().map(|m| m.person_id)).await?;
    let rows = found
        .into_iter()
        .map(|m| {
            row(
                (ObjectKind::MobileId, m.id),
                format!("Mobile ID {}", m.id),
                (ObjectKind::MobileId, m.id),
                names.get(&m.person_id).cloned(),
                m.state.into(),
                m.valid_until
                    .map(|t| format!("valid until {}", crate::time::text(t)))
                    .unwrap_or_default(),
                m.updated_at,
            )
        })
        .collect::<Result<_>>()?;
    Ok((total, rows))
}

async fn users(
    conn: &impl ConnectionTrait,
    query: Select<person::Entity>,
    offset: u64,
) -> Result<(u64, Vec<ListRow>)> {
    let (total, found) =
        matching::<person::Entity>(conn, query, person::Column::Id, offset).await?;
    let rows = found
        .into_iter()
        .map(|p| {
            row(
                (ObjectKind::User, p.id),
                p.common_name.clone(),
                (ObjectKind::User, p.id),
                Some(format!("{} ({})", p.common_name, p.upn)),
                p.state.into(),
                p.department,
                p.updated_at,
            )
        })
        .collect::<Result<_>>()?;
    Ok((total, rows))
}

async fn batch_orders(
    conn: &impl ConnectionTrait,
    query: Select<batch_order::Entity>,
    offset: u64,
) -> Result<(u64, Vec<ListRow>)> {
    let (total, found) =
        matching::<batch_order::Entity>(conn, query, batch_order::Column::Id, offset).await?;
    let rows = found
        .into_iter()
        .map(|b| {
            let kind = ObjectKind::parse(&b.object_kind)
                .map(|k| k.label().to_lowercase())
                .unwrap_or(b.object_kind.clone());
            row(
                (ObjectKind::BatchOrder, b.id),
                format!("Batch order {}", b.id),
                (ObjectKind::BatchOrder, b.id),
                None,
                b.state.into(),
                format!("of {kind}s"),
                b.updated_at,
            )
        })
        .collect::<Result<_>>()?;
    Ok((total, rows))
}
