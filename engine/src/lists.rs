//! The menu's lists ([`tessera_process::lists`]): one query per object kind, filtered by the
//! states the list's row names, newest first, a page at a time. A list on a kind this module
//! knows needs no code here, only its row.

use crate::entity::{batch_order, card, certificate, mobile_id, person, temp_card};
use crate::objects::user::people::holder_names;
use crate::{Caller, Engine, Result};
use sea_orm::sea_query::{Expr, ExprTrait, Query, QueryStatementBuilder, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use std::collections::HashMap;
use tessera_process::lists::{ListId, ListPage, ListRow, Sort, SortBy, PAGE};
use tessera_process::{said, ObjectKind};

/// The list `list` (only its objects in `only`, one of the list's states, if given) in the
/// order `sort`, from `offset` on, for a caller the list's row lets in.
pub async fn page(
    engine: &Engine,
    caller: &Caller,
    (list, only): (ListId, Option<tessera_process::State>),
    offset: u64,
    sort: Sort,
) -> Result<ListPage> {
    let def = list.def();
    caller.require_any(
        def.roles,
        said!(
            "see {en}",
            "se {sv}",
            en = def.title.en.to_lowercase(),
            sv = def.title.sv.to_lowercase()
        ),
    )?;
    // The databases take an offset as a signed 64-bit number; one beyond it is a bad request,
    // not a database error.
    if i64::try_from(offset).is_err() {
        return Err(crate::EngineError::Invalid(said!(
            "There is no page at row {offset} of {en}.",
            "Det finns ingen sida vid rad {offset} i listan ”{sv}”.",
            en = def.title.en.to_lowercase(),
            sv = def.title.sv
        )));
    }
    if let Some(state) = only.filter(|s| !def.states.contains(s)) {
        return Err(crate::EngineError::bad_input(
            "state",
            said!(
                "{en} are never {state_en}: choose a state from the Status list.",
                "{sv} har aldrig tillståndet ”{state_sv}”: välj ett tillstånd i listan Status.",
                en = def.title.en,
                sv = def.title.sv,
                state_en = state.label().to_lowercase(),
                state_sv = state.words().sv
            ),
        ));
    }
    let states: Vec<&'static str> = match only {
        Some(state) => vec![state.as_str()],
        None => def.states.iter().map(|s| s.as_str()).collect(),
    };
    let (total, rows) = rows_of(&engine.db, def.kind, &states, None, (offset, sort)).await?;
    Ok(ListPage {
        list,
        total,
        offset,
        rows,
    })
}

/// The objects of `kind` in any of `states` (all states if empty) that `narrow` lets through,
/// in the order `sort`: how many there are, and the page from `offset` as rows. The lists in
/// the menu and the quick search both show objects this way.
pub(crate) async fn rows_of(
    conn: &impl ConnectionTrait,
    kind: ObjectKind,
    states: &[&str],
    narrow: Option<Condition>,
    (offset, sort): (u64, Sort),
) -> Result<(u64, Vec<ListRow>)> {
    if !sort.by.applies_to(kind) {
        return Err(crate::EngineError::bad_input(
            "sort",
            said!(
                "A list of {kind_en}s cannot be ordered by {by_en}.",
                "En lista med {kind_sv} kan inte sorteras efter {by_sv}.",
                kind_en = kind.label().to_lowercase(),
                kind_sv = crate::error::Swedish::of(kind).plural,
                by_en = sort.by.label().to_lowercase(),
                by_sv = sort.by.words().sv.to_lowercase()
            ),
        ));
    }
    let page = (offset, sort);
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
            certificates(conn, q, page).await
        }
        ObjectKind::Card => {
            let q = query::<card::Entity>(card::Column::State, states, narrow);
            cards(conn, q, page).await
        }
        ObjectKind::TempCard => {
            let q = query::<temp_card::Entity>(temp_card::Column::State, states, narrow);
            temp_cards(conn, q, page).await
        }
        ObjectKind::MobileId => {
            let q = query::<mobile_id::Entity>(mobile_id::Column::State, states, narrow);
            mobile_ids(conn, q, page).await
        }
        ObjectKind::User => {
            let q = query::<person::Entity>(person::Column::State, states, narrow);
            users(conn, q, page).await
        }
        ObjectKind::BatchOrder => {
            let q = query::<batch_order::Entity>(batch_order::Column::State, states, narrow);
            batch_orders(conn, q, page).await
        }
    }
}

/// The columns a kind's list is ordered by ([`SortBy`]); the object's number is the last key
/// of every order, so that pages never overlap.
struct Orderable<E: EntityTrait> {
    id: E::Column,
    state: E::Column,
    changed: E::Column,
    /// The holder's common name, if the kind has a holder column.
    holder: Option<SimpleExpr>,
}

/// The first row of a page a request asks for. The databases take an offset as a signed 64-bit
/// number: one beyond it is a bad request (400), not a database error.
pub(crate) fn page_offset(offset: u64) -> Result<u64> {
    if i64::try_from(offset).is_err() {
        return Err(crate::EngineError::bad_input(
            "offset",
            said!(
                "There is no page at row {offset}.",
                "Det finns ingen sida vid rad {offset}."
            ),
        ));
    }
    Ok(offset)
}

/// The common name of the person `person_id` (a column of `table`) names, as an expression to
/// order by: a correlated subquery, so that the page is still one query.
pub(crate) fn holder_name<E: EntityTrait, C: ColumnTrait>(table: E, person_id: C) -> SimpleExpr {
    let name = Query::select()
        .column(person::Column::CommonName)
        .from(person::Entity)
        .and_where(Expr::col((person::Entity, person::Column::Id)).equals((table, person_id)))
        .to_owned();
    SimpleExpr::SubQuery(None, Box::new(name.into_sub_query_statement()))
}

/// How many objects `query` finds, and the page from `offset` of them in the order `sort`.
async fn matching<E>(
    conn: &impl ConnectionTrait,
    query: Select<E>,
    columns: Orderable<E>,
    (offset, sort): (u64, Sort),
) -> Result<(u64, Vec<E::Model>)>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let total = query.clone().count(conn).await?;
    let order = if sort.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let query = match (sort.by, columns.holder) {
        (SortBy::Object, _) | (SortBy::Holder, None) => query,
        (SortBy::Holder, Some(name)) => query.order_by(name, order.clone()),
        (SortBy::State, _) => query.order_by(columns.state, order.clone()),
        (SortBy::Changed, _) => query.order_by(columns.changed, order.clone()),
    };
    let models = query
        .order_by(columns.id, order)
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
    page: (u64, Sort),
) -> Result<(u64, Vec<ListRow>)> {
    let (total, found) = matching::<certificate::Entity>(
        conn,
        query,
        Orderable {
            id: certificate::Column::Id,
            state: certificate::Column::State,
            changed: certificate::Column::UpdatedAt,
            holder: None,
        },
        page,
    )
    .await?;
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
    page: (u64, Sort),
) -> Result<(u64, Vec<ListRow>)> {
    let (total, found) = matching::<card::Entity>(
        conn,
        query,
        Orderable {
            id: card::Column::Id,
            state: card::Column::State,
            changed: card::Column::UpdatedAt,
            holder: Some(holder_name(card::Entity, card::Column::PersonId)),
        },
        page,
    )
    .await?;
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
    page: (u64, Sort),
) -> Result<(u64, Vec<ListRow>)> {
    let (total, found) = matching::<temp_card::Entity>(
        conn,
        query,
        Orderable {
            id: temp_card::Column::Id,
            state: temp_card::Column::State,
            changed: temp_card::Column::UpdatedAt,
            holder: Some(holder_name(temp_card::Entity, temp_card::Column::PersonId)),
        },
        page,
    )
    .await?;
    let names = holder_names(conn, found.iter().filter_map(|c| c.person_id)).await?;
    let rows = found
        .into_iter()
        .map(|c| {
            let detail = [
                c.serial.as_ref().map(|s| format!("chip {s}")),
                c.batch_order_id.map(|b| format!("batch order {b}")),
                c.assigned_until
                    .map(|until| format!("assigned until {}", crate::time::text(until))),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
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
    page: (u64, Sort),
) -> Result<(u64, Vec<ListRow>)> {
    let (total, found) = matching::<mobile_id::Entity>(
        conn,
        query,
        Orderable {
            id: mobile_id::Column::Id,
            state: mobile_id::Column::State,
            changed: mobile_id::Column::UpdatedAt,
            holder: Some(holder_name(mobile_id::Entity, mobile_id::Column::PersonId)),
        },
        page,
    )
    .await?;
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
    page: (u64, Sort),
) -> Result<(u64, Vec<ListRow>)> {
    let (total, found) = matching::<person::Entity>(
        conn,
        query,
        Orderable {
            id: person::Column::Id,
            state: person::Column::State,
            changed: person::Column::UpdatedAt,
            holder: Some(Expr::col((person::Entity, person::Column::CommonName))),
        },
        page,
    )
    .await?;
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
    page: (u64, Sort),
) -> Result<(u64, Vec<ListRow>)> {
    let (total, found) = matching::<batch_order::Entity>(
        conn,
        query,
        Orderable {
            id: batch_order::Column::Id,
            state: batch_order::Column::State,
            changed: batch_order::Column::UpdatedAt,
            holder: None,
        },
        page,
    )
    .await?;
    let ids: Vec<i64> = found.iter().map(|b| b.id).collect();
    let counts = crate::objects::batch_order::card_counts(conn, &ids).await?;
    let rows = found
        .into_iter()
        .map(|b| {
            let kind = ObjectKind::parse(&b.object_kind)
                .map(|k| k.label().to_lowercase())
                .unwrap_or(b.object_kind.clone());
            // Cancel order gave the cards back: the batch holds none, and says so.
            let cards = match counts.get(&b.id).copied().unwrap_or(0) {
                _ if b.state == tessera_process::BatchOrderState::Cancelled => {
                    "cards released".to_string()
                }
                1 => "1 card".to_string(),
                n => format!("{n} cards"),
            };
            row(
                (ObjectKind::BatchOrder, b.id),
                format!("Batch order {}", b.id),
                (ObjectKind::BatchOrder, b.id),
                None,
                b.state.into(),
                format!("of {kind}s, {cards}"),
                b.updated_at,
            )
        })
        .collect::<Result<_>>()?;
    Ok((total, rows))
}
