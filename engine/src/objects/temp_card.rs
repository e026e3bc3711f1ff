//! Temporary cards: Request temporary cards (n at once), Order temporary cards from the bureau
//! the card page, and the scheduled Expire. Assign, Withdraw, Extend, Lock and Abort temporary
//! card order go through [`crate::lifecycle`]. Local production is in [`crate::objects::batch_order`],
//! the bureau's side in [`crate::external`].

use crate::audit::{self, AuditRecord};
use crate::entity::temp_card;
use crate::objects::card::Production;
use crate::objects::user::people;
use crate::runner::{self, authorize};
use crate::Caller;
use crate::{options, Engine, EngineError, Result};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use tessera_process::dto::{TempCardPage, TempCardRow};
use tessera_process::{ObjectKind, OptionsPackage, ProcessId, State, TempCardState};

/// At most this many cards in one request (and one batch order).
pub const MAX_REQUEST: u32 = 10_000;

/// The rows the lists show, with holder names and chip serials in two lookups.
pub(crate) async fn rows(
    conn: &impl ConnectionTrait,
    cards: Vec<temp_card::Model>,
) -> Result<Vec<TempCardRow>> {
    let names = people::holder_names(conn, cards.iter().filter_map(|c| c.person_id)).await?;
    let ids: Vec<i64> = cards.iter().map(|c| c.id).collect();
    let chips = crate::bridge::jobs::chip_serials(conn, ObjectKind::TempCard, &ids).await?;
    cards
        .into_iter()
        .map(|c| {
            Ok(TempCardRow {
                id: c.id,
                state: c.state,
                version: c.version,
                user_id: c.person_id,
                user: c.person_id.and_then(|p| names.get(&p).cloned()),
                assigned_until: c.assigned_until.map(crate::time::text),
                batch_order_id: c.batch_order_id,
                chip_serial: chips.get(&c.id).cloned(),
                created_at: crate::time::text(c.created_at),
            })
        })
        .collect()
}

fn staff(caller: &Caller) -> Result<()> {
    caller.require_any(
        &[
            tessera_process::Role::Operator,
            tessera_process::Role::Admin,
        ],
        tessera_process::said!("see temporary cards", "se tillfälliga kort"),
    )
}

/// Request temporary cards: `count` new cards in `requested`, one audit record each. They are
/// produced in a batch order.
pub async fn request(engine: &Engine, caller: &Caller, count: u32) -> Result<Vec<i64>> {
    let (ids, _) = create(engine, caller, ProcessId::TempCardsProcRequest, count).await?;
    Ok(ids)
}

/// Order temporary cards from the bureau: `count` new cards, queued (`processing`, still
/// abortable) or ordered at once, as the options say. When they are ordered at once, the caller
/// writes the order file after this commit ([`crate::external::order_file_now`]).
pub async fn order(
    engine: &Engine,
    caller: &Caller,
    count: u32,
) -> Result<(Vec<i64>, TempCardState)> {
    create(
        engine,
        caller,
        ProcessId::TempCardsAddonExtProdProcOrder,
        count,
    )
    .await
}

async fn create(
    engine: &Engine,
    caller: &Caller,
    process: ProcessId,
    count: u32,
) -> Result<(Vec<i64>, TempCardState)> {
    let def = process.def();
    authorize(caller, def)?;
    let verb = if process == ProcessId::TempCardsProcRequest {
        tessera_process::Words::new("Request", "Begär")
    } else {
        tessera_process::Words::new("Order", "Beställ")
    };
    if count == 0 || count > MAX_REQUEST {
        return Err(EngineError::bad_input(
            "count",
            tessera_process::said!(
                "{en} between 1 and {MAX_REQUEST} temporary cards (asked for {count}).",
                "{sv} mellan 1 och {MAX_REQUEST} tillfälliga kort (du angav {count}).",
                en = verb.en,
                sv = verb.sv
            ),
        ));
    }
    engine
        .transact(async |txn| {
            let opts = options::current(txn, OptionsPackage::TempCardsScriptOptions).await?;
            let (state, production, production_type) = if process == ProcessId::TempCardsProcRequest
            {
                (TempCardState::Requested, Production::Local, None)
            } else {
                let state = if opts.get(tessera_process::options::temp_cards::EXT_PROD_QUEUE) {
                    TempCardState::Processing
                } else {
                    TempCardState::Ordered
                };
                (
                    state,
                    Production::External,
                    Some(opts.get(tessera_process::options::temp_cards::EXT_PROD_PRODUCTION_TYPE)),
                )
            };
            let now = txn.now();
            let mut ids = Vec::with_capacity(count as usize);
            for _ in 0..count {
                let id = temp_card::Entity::insert(temp_card::ActiveModel {
                    state: Set(state),
                    version: Set(1),
                    production: Set(production.as_str().into()),
                    production_type: Set(production_type.clone()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                })
                .exec(txn)
                .await?
                .last_insert_id;
                ids.push(id);
            }
            let what = if production == Production::Local {
                "requested"
            } else {
                "ordered from the bureau"
            };
            let records = ids
                .iter()
                .map(|id| {
                    AuditRecord::created(
                        def.id,
                        state.into(),
                        *id,
                        serde_json::json!({
                            "together": count,
                            "production_type": production_type,
                        }),
                        format!("Temporary card {what} ({count} together)"),
                    )
                })
                .collect();
            audit::append_many(txn, now, Some(caller), records).await?;
            txn.order_file_if(State::TempCard(state), caller);
            Ok((ids, state))
        })
        .await
}

async fn load(conn: &impl ConnectionTrait, id: i64) -> Result<temp_card::Model> {
    runner::load::<temp_card::Entity>(conn, ObjectKind::TempCard, id).await
}

pub async fn page(engine: &Engine, caller: &Caller, id: i64) -> Result<TempCardPage> {
    staff(caller)?;
    let c = load(&engine.db, id).await?;
    let state = c.state;
    Ok(TempCardPage {
        certificates: crate::pki::of_owner(&engine.db, (ObjectKind::TempCard, c.id)).await?,
        history: audit::history(&engine.db, ObjectKind::TempCard, c.id).await?,
        commands: crate::enablement::commands(&engine.db, caller, State::TempCard(state)).await?,
        card: rows(&engine.db, vec![c]).await?.remove(0),
    })
}

/// Expire temporary cards (scheduled): assigned cards past their end become expired, their
/// certificates on hold. One transaction per card, so one failure does not hold up the rest.
pub async fn expire_due(engine: &Engine) -> Result<usize> {
    let def = ProcessId::TempCardsBatchExpire.def();
    let due = temp_card::Entity::find()
        .filter(temp_card::Column::State.eq(TempCardState::Assigned))
        .filter(temp_card::Column::AssignedUntil.lte(engine.now()))
        .all(&engine.db)
        .await?;
    let mut n = 0;
    for c in due {
        let result = engine
            .transact(async |txn| {
                let now = txn.now();
                let (from, to) = (TempCardState::Assigned, TempCardState::Expired);
                let moved = runner::step(def, (c.id, c.version), from.into(), to.into())
                    .take(txn, now, None)
                    .await?;
                let data =
                    serde_json::json!({ "certificates_on_hold": moved.certificates.changed.len() });
                let detail = format!("Temporary card {} expired", c.id);
                let certs = moved.record(txn, now, None, data, detail).await?;
                txn.publish_crl_if(&certs);
                Ok(())
            })
            .await;
        match result {
            Ok(()) => n += 1,
            // Changed meanwhile (withdrawn, extended): the next run looks again.
            Err(EngineError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
