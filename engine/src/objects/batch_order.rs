//! BATCH ORDERS: Issue multiple temporary cards (`TempCardsBoProcIssueMultiple`) and Issue
//! multiple cards (`CardsBoProcIssueMultiple`).
//!
//! Search lists the cards ready for production (temporary cards `requested`, personal cards
//! `approved` for local production); the chosen ones become a batch order (`open`) of one kind.
//! Next produces them: the batch goes `in_production` and every card `unassigned` (temporary)
//! or `issued` (personal). Personal cards, and temporary cards with the option "Encode the
//! temporary card", are encoded through the card bridge, one after another in one reader (the
//! operator, or a printer's feeder, takes each card out and puts the next blank one in); a card
//! whose encoding fails is `failed` with its certificates revoked, and Repeat production
//! produces the failed ones again. Temporary cards without encoding move in one transaction,
//! each with a new PIN (shown once) and PUK (kept sealed). Complete order closes the batch;
//! Cancel order gives an open batch's cards back to the search.

use crate::audit::{self, AuditRecord};
use crate::bridge::encode::{self, random_digits, IssueSettings};
use crate::bridge::{jobs, reader, Bridge};
use crate::entity::{batch_order, card, encoding_job, temp_card, temp_card_secret};
use crate::error::Swedish;
use crate::objects::temp_card::MAX_REQUEST;
use crate::runner::{self, authorize};
use crate::Caller;
use crate::{options, Engine, EngineError, Result};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;
use std::time::Duration;
use tessera_process::bridge::JobState;
use tessera_process::dto::{BatchCandidate, BatchCard, BatchView};
use tessera_process::said;
use tessera_process::{
    BatchOrderState, CardState, ObjectKind, OptionsPackage, ProcessId, State, TempCardState,
};
use zeroize::Zeroizing;

/// How long production waits for the operator to take a card out or put the next one in.
pub const CARD_WAIT: Duration = Duration::from_secs(600);

/// What a batch order of one kind of card works with: the state a card waits in
/// and the states production leaves it in, and the four batch processes.
#[derive(Debug, Clone, Copy)]
pub struct BatchKind {
    pub kind: ObjectKind,
    pub ready: State,
    pub produced: State,
    pub failed: State,
    pub issue: ProcessId,
    pub repeat: ProcessId,
    pub complete: ProcessId,
    pub cancel: ProcessId,
}

pub const TEMP_CARDS: BatchKind = BatchKind {
    kind: ObjectKind::TempCard,
    ready: State::TempCard(TempCardState::Requested),
    produced: State::TempCard(TempCardState::Unassigned),
    failed: State::TempCard(TempCardState::Failed),
    issue: ProcessId::TempCardsBoProcIssueMultiple,
    repeat: ProcessId::TempCardsBoProcRepeatProduction,
    complete: ProcessId::TempCardsBoProcCompleteOrder,
    cancel: ProcessId::TempCardsBoProcCancelOrder,
};

pub const CARDS: BatchKind = BatchKind {
    kind: ObjectKind::Card,
    ready: State::Card(CardState::Approved),
    produced: State::Card(CardState::Issued),
    failed: State::Card(CardState::Failed),
    issue: ProcessId::CardsBoProcIssueMultiple,
    repeat: ProcessId::CardsBoProcRepeatProduction,
    complete: ProcessId::CardsBoProcCompleteOrder,
    cancel: ProcessId::CardsBoProcCancelOrder,
};

impl BatchKind {
    pub fn of(kind: ObjectKind) -> Result<BatchKind> {
        match kind {
            ObjectKind::TempCard => Ok(TEMP_CARDS),
            ObjectKind::Card => Ok(CARDS),
            other => Err(EngineError::Invalid(said!(
                "There are no batch orders of {en}.",
                "Det finns inga batchbeställningar av {sv}.",
                en = other.label().to_lowercase(),
                sv = Swedish::of(other).plural
            ))),
        }
    }

    /// "temporary card" or "card", for messages.
    fn noun(self) -> String {
        self.kind.label().to_lowercase()
    }

    /// "tillfälliga kort" or "kort", for messages.
    fn plural_sv(self) -> &'static str {
        Swedish::of(self.kind).plural
    }
}

async fn load(conn: &impl ConnectionTrait, id: i64) -> Result<(batch_order::Model, BatchKind)> {
    let b = runner::load::<batch_order::Entity>(conn, ObjectKind::BatchOrder, id).await?;
    let kind = ObjectKind::parse(&b.object_kind)
        .ok_or_else(|| EngineError::Corrupt(format!("Batch order {id} has no kind of card.")))?;
    Ok((b, BatchKind::of(kind)?))
}

/// One card of a batch (or of the search): its state and version, and for a personal card its
/// holder.
#[derive(Debug, Clone)]
struct Member {
    id: i64,
    state: State,
    version: i64,
    holder: Option<i64>,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// The cards of `k` in the batch, or (`batch` none) those ready that no batch holds.
async fn members(
    conn: &impl ConnectionTrait,
    k: BatchKind,
    batch: Option<i64>,
) -> Result<Vec<Member>> {
    Ok(match k.kind {
        ObjectKind::Card => {
            let mut q = card::Entity::find().order_by_asc(card::Column::Id);
            q = match batch {
                Some(b) => q.filter(card::Column::BatchOrderId.eq(b)),
                None => q
                    .filter(card::Column::State.eq(k.ready))
                    .filter(
                        card::Column::Production
                            .eq(crate::objects::card::Production::Local.as_str()),
                    )
                    .filter(card::Column::BatchOrderId.is_null()),
            };
            q.all(conn)
                .await?
                .into_iter()
                .map(|c| {
                    Ok(Member {
                        id: c.id,
                        state: State::Card(c.state),
                        version: c.version,
                        holder: Some(c.person_id),
                        created_at: c.created_at,
                    })
                })
                .collect::<Result<_>>()?
        }
        _ => {
            let mut q = temp_card::Entity::find().order_by_asc(temp_card::Column::Id);
            q = match batch {
                Some(b) => q.filter(temp_card::Column::BatchOrderId.eq(b)),
                None => q
                    .filter(temp_card::Column::State.eq(k.ready))
                    .filter(temp_card::Column::BatchOrderId.is_null()),
            };
            q.all(conn)
                .await?
                .into_iter()
                .map(|c| {
                    Ok(Member {
                        id: c.id,
                        state: State::TempCard(c.state),
                        version: c.version,
                        holder: None,
                        created_at: c.created_at,
                    })
                })
                .collect::<Result<_>>()?
        }
    })
}

/// Holder names of personal cards.
async fn holder_names(
    conn: &impl ConnectionTrait,
    members: &[Member],
) -> Result<HashMap<i64, String>> {
    crate::objects::user::people::holder_names(conn, members.iter().filter_map(|m| m.holder)).await
}

/// Search: the cards of `kind` ready for production that no batch holds. A ready card's batch
/// is always open: Cancel order lets go of its cards, and Complete order waits until none is
/// ready.
pub async fn search(
    engine: &Engine,
    caller: &Caller,
    kind: ObjectKind,
) -> Result<Vec<BatchCandidate>> {
    let k = BatchKind::of(kind)?;
    authorize(caller, k.issue.def())?;
    let found = members(&engine.db, k, None).await?;
    let names = holder_names(&engine.db, &found).await?;
    Ok(found
        .into_iter()
        .map(|m| BatchCandidate {
            id: m.id,
            holder: m.holder.and_then(|h| names.get(&h).cloned()),
            created_at: crate::time::text(m.created_at),
        })
        .collect())
}

/// Issue multiple (temporary) cards with the cards chosen: a new batch order (`open`) holds
/// them. Refused as a whole if any of them is no longer ready or another open batch has it.
pub async fn create(
    engine: &Engine,
    caller: &Caller,
    kind: ObjectKind,
    ids: &[i64],
) -> Result<i64> {
    let k = BatchKind::of(kind)?;
    let def = k.issue.def();
    authorize(caller, def)?;
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(EngineError::Invalid(said!(
            "No cards are selected: tick the cards to issue (Search lists the ones ready for production).",
            "Inga kort är markerade: markera korten som ska utfärdas (Sök visar de kort som är klara för produktion)."
        )));
    }
    if ids.len() > MAX_REQUEST as usize {
        return Err(EngineError::Invalid(said!(
            "A batch order holds at most {MAX_REQUEST} cards ({n} selected).",
            "En batchbeställning rymmer högst {MAX_REQUEST} kort ({n} markerade).",
            n = ids.len()
        )));
    }
    engine
        .transact(async |txn| {
            let now = txn.now();
            let batch = batch_order::Entity::insert(batch_order::ActiveModel {
                object_kind: Set(k.kind.as_str().into()),
                state: Set(BatchOrderState::Open),
                version: Set(1),
                created_by: Set(caller.account_id),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .exec(txn)
            .await?
            .last_insert_id;
            let mut attached = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(500) {
                let mut q = Query::update();
                q.table(runner::table(k.kind))
                    .value("batch_order_id", batch)
                    .value("updated_at", now)
                    .and_where(Expr::col("id").is_in(chunk.iter().copied()))
                    .and_where(Expr::col("state").eq(k.ready.as_str()))
                    // The same cards Search offers: produced here, not by a bureau.
                    .and_where(
                        Expr::col("production").eq(crate::objects::card::Production::Local.as_str()),
                    )
                    .and_where(Expr::col("batch_order_id").is_null())
                    .returning(Query::returning().column("id"));
                for row in txn.query_all(&q).await? {
                    attached.push(row.try_get::<i64>("", "id")?);
                }
            }
            if attached.len() != ids.len() {
                let attached: std::collections::HashSet<i64> = attached.into_iter().collect();
                let missing: Vec<String> = ids
                    .iter()
                    .filter(|i| !attached.contains(i))
                    .take(20)
                    .map(|i| i.to_string())
                    .collect();
                return Err(EngineError::NotNow(said!(
                    "Not ready for a batch order: {noun} {ids} (not {ready_en}, produced elsewhere, or held by another batch order). Search again; nothing was ordered.",
                    "Inte klara för en batchbeställning: {plural} {ids} (inte i tillståndet ”{ready_sv}”, produceras på annat håll eller ingår i en annan batchbeställning). Sök igen; ingenting beställdes.",
                    noun = k.noun(),
                    plural = k.plural_sv(),
                    ids = missing.join(", "),
                    ready_en = k.ready.label().to_lowercase(),
                    ready_sv = k.ready.words().sv
                )));
            }
            audit::append(
txn,
now,
Some(caller),
                AuditRecord::created(def.id, BatchOrderState::Open.into(), batch, serde_json::json!({ "cards": ids.len(), "first": ids[0], "last": ids[ids.len() - 1] }), format!("Batch order of {} {}s", ids.len(), k.noun())),
            )
            .await?;
            let members: Vec<(i64, State)> = ids.iter().map(|id| (*id, k.ready)).collect();
            in_each_history(txn, now, caller, &members, "AddedToBatchOrder", batch, format!("added to batch order {batch}")).await?;
            Ok(batch)
        })
        .await
}

/// The BATCH ORDERS view of one batch: its cards, how their production went, the run.
pub async fn view(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    batch: i64,
) -> Result<BatchView> {
    let (b, k) = load(&engine.db, batch).await?;
    authorize(caller, k.issue.def())?;
    let cards = members(&engine.db, k, Some(batch)).await?;
    let ids: Vec<i64> = cards.iter().map(|c| c.id).collect();
    // The newest job of each card says why it failed (or that it is in doubt).
    let last_job: HashMap<i64, encoding_job::Model> =
        jobs::of_objects(&engine.db, k.kind, &ids, false)
            .await?
            .into_iter()
            .map(|j| (j.object_id, j))
            .collect();
    let names = holder_names(&engine.db, &cards).await?;
    let chips = jobs::chip_serials(&engine.db, k.kind, &ids).await?;
    let run = bridge.batch(batch).unwrap_or_default();
    let job = match run.job.filter(|_| run.running) {
        Some(j) => {
            Some(jobs::view(&engine.db, Some(bridge), &jobs::load(&engine.db, j).await?).await?)
        }
        None => None,
    };
    let accounts = crate::objects::user::people::account_names(&engine.db, [b.created_by]).await?;
    let (state, encode) = (b.state, encodes(&engine.db, k).await?);
    // Last, once nothing can fail any more: the PINs are handed out only once.
    let mut pins = bridge.batch_take_pins(batch, caller.account_id);
    let mut out = Vec::with_capacity(cards.len());
    let (mut produced, mut failed) = (0, 0);
    for r in cards {
        if r.state != k.ready && r.state != k.failed {
            produced += 1;
        }
        if r.state == k.failed {
            failed += 1;
        }
        let job = last_job.get(&r.id);
        let error = job.and_then(|j| {
            if j.state == JobState::InDoubt.as_str() {
                Some(format!(
                    "Encoding job {} is in doubt (the server stopped while it ran): insert that card and reconcile it on the card's page.",
                    j.id
                ))
            } else if r.state == k.failed {
                j.error.clone()
            } else {
                None
            }
        });
        out.push(BatchCard {
            id: r.id,
            state: r.state,
            waiting: r.state == k.ready,
            failed: r.state == k.failed,
            repeatable: state == BatchOrderState::InProduction
                && (r.state == k.failed || r.state == k.produced),
            holder: r.holder.and_then(|h| names.get(&h).cloned()),
            chip_serial: chips.get(&r.id).cloned(),
            error,
            pin: pins.remove(&r.id).map(|p| p.to_string()),
        });
    }
    Ok(BatchView {
        id: b.id,
        kind: k.kind,
        state,
        version: b.version,
        created_by: accounts.get(&b.created_by).cloned().unwrap_or_default(),
        created_at: crate::time::text(b.created_at),
        encode,
        cards: out,
        produced,
        failed,
        running: run.running,
        message: run.message,
        job,
    })
}

/// Whether production encodes the cards: a personal card always, a temporary card as the
/// option says.
async fn encodes(conn: &impl ConnectionTrait, k: BatchKind) -> Result<bool> {
    if k.kind == ObjectKind::Card {
        return Ok(true);
    }
    Ok(
        options::current(conn, OptionsPackage::TempCardsScriptOptions)
            .await?
            .get(tessera_process::options::temp_cards::ENCODE_CARD),
    )
}

/// A line in the history of each card of a batch (added to it, released by Cancel order), so
/// that a card's page says which batch held it.
async fn in_each_history(
    txn: &crate::write::Tx,
    now: chrono::DateTime<chrono::Utc>,
    caller: &Caller,
    cards: &[(i64, State)],
    action: &str,
    batch: i64,
    detail: String,
) -> Result<()> {
    for (id, state) in cards {
        let data = serde_json::json!({ "batch_order": batch });
        let record = AuditRecord::event(action, *state, *id, data, detail.clone());
        audit::append(txn, now, Some(caller), record).await?;
    }
    Ok(())
}

/// How many cards each of the batch orders `ids` holds (a cancelled one has let go of its
/// cards: it holds none).
pub async fn card_counts(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<HashMap<i64, i64>> {
    let mut counts: HashMap<i64, i64> = temp_card::Entity::find()
        .select_only()
        .column(temp_card::Column::BatchOrderId)
        .column_as(temp_card::Column::Id.count(), "n")
        .filter(temp_card::Column::BatchOrderId.is_in(ids.to_vec()))
        .group_by(temp_card::Column::BatchOrderId)
        .into_tuple::<(i64, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    counts.extend(
        card::Entity::find()
            .select_only()
            .column(card::Column::BatchOrderId)
            .column_as(card::Column::Id.count(), "n")
            .filter(card::Column::BatchOrderId.is_in(ids.to_vec()))
            .group_by(card::Column::BatchOrderId)
            .into_tuple::<(i64, i64)>()
            .all(conn)
            .await?,
    );
    Ok(counts)
}

/// A batch whose cards are being encoded is left alone until its run ends.
fn not_running(bridge: &Bridge, batch: i64) -> Result<()> {
    if bridge.batch(batch).is_some_and(|r| r.running) {
        return Err(EngineError::NotNow(said!(
            "Batch order {batch} is being produced; wait until it ends or stop it.",
            "Batchbeställning {batch} produceras just nu; vänta tills den är klar eller stoppa den."
        )));
    }
    Ok(())
}

/// What Next (or Repeat production) did.
pub enum Produced {
    /// Without encoding: every card moved at once; the new PINs, shown once.
    Done(Vec<(i64, Zeroizing<String>)>),
    /// With encoding: production runs in the background; [`view`] follows it.
    Started,
}

/// Which cards of a batch a production run makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductionRun {
    /// Next: the cards still waiting.
    Next,
    /// Repeat production of every failed card.
    RepeatFailed,
    /// Repeat production of these cards of the batch, failed or produced: "re-issue cards which
    /// have failed or being printed out incorrectly". A produced card is taken back first (it
    /// becomes failed, its certificates revoked as superseded), then made again on a new blank.
    Repeat(Vec<i64>),
}

/// Next on an open batch (Issue multiple cards) or on one in production whose run stopped:
/// produces the cards still waiting; Repeat production produces failed or chosen cards again.
pub async fn produce(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    batch: i64,
    version: i64,
    reader: Option<&str>,
    what: ProductionRun,
) -> Result<Produced> {
    let what = match what {
        ProductionRun::Repeat(mut chosen) => {
            chosen.sort_unstable();
            chosen.dedup();
            ProductionRun::Repeat(chosen)
        }
        other => other,
    };
    let repeat = what != ProductionRun::Next;
    let (_, k) = load(&engine.db, batch).await?;
    let process = if repeat { k.repeat } else { k.issue };
    let def = process.def();
    authorize(caller, def)?;
    let from = if repeat { k.failed } else { k.ready };
    let encode = encodes(&engine.db, k).await?;
    if encode && reader.is_none() {
        return Err(EngineError::bad_input(
            "reader",
            if k.kind == ObjectKind::TempCard {
                said!(
                    "Choose the reader the cards are encoded in (option \"{en}\" is on).",
                    "Välj läsaren som korten kodas i (alternativet ”{sv}” är på).",
                    en = tessera_process::options::temp_cards::ENCODE_CARD
                        .def
                        .label
                        .en,
                    sv = tessera_process::options::temp_cards::ENCODE_CARD
                        .def
                        .label
                        .sv
                )
            } else {
                said!(
                    "Choose the reader the cards are encoded in.",
                    "Välj läsaren som korten kodas i."
                )
            },
        ));
    }
    not_running(bridge, batch)?;
    // The batch moves first (and is checked at `version`): two operators cannot both start it.
    let (pending, pins) = engine
        .transact(async |txn| {
            let now = txn.now();
            let (b, _) = load(txn, batch).await?;
            let state = b.state;
            let to = BatchOrderState::InProduction;
            if repeat || state == BatchOrderState::InProduction {
                if state != BatchOrderState::InProduction {
                    return Err(EngineError::NotNow(said!(
                        "Batch order {batch} is {en}: Repeat production needs it in production.",
                        "Batchbeställning {batch} har tillståndet ”{sv}”: Upprepa produktion kräver att den är i produktion.",
                        en = state.as_str().replace('_', " "),
                        sv = state.words().sv
                    )));
                }
                runner::hold(txn, ObjectKind::BatchOrder, batch, version).await?;
            } else {
                if state != BatchOrderState::Open {
                    return Err(EngineError::NotNow(said!(
                        "Batch order {batch} is {en}: there is nothing more to produce.",
                        "Batchbeställning {batch} har tillståndet ”{sv}”: det finns inget mer att producera.",
                        en = state.as_str().replace('_', " "),
                        sv = state.words().sv
                    )));
                }
                let data = serde_json::json!({ "encode": encode });
                let detail = format!("Production of batch order {batch} started");
                runner::step(def, (batch, version), state.into(), to.into())
                    .take(txn, now, Some(caller))
                    .await?
                    .record(txn, now, Some(caller), data, detail)
                    .await?;
            }
            let cards = members(txn, k, Some(batch)).await?;
            if let ProductionRun::Repeat(chosen) = &what {
                take_back(txn, (now, caller), (k, def), (batch, &cards), chosen).await?;
            }
            let pending: Vec<i64> = cards
                .into_iter()
                .filter(|c| match &what {
                    ProductionRun::Repeat(chosen) => chosen.contains(&c.id),
                    _ => c.state == from,
                })
                .map(|c| c.id)
                .collect();
            if pending.is_empty() {
                return Err(EngineError::NotNow(said!(
                    "Batch order {batch} has no {from_en} {noun} to produce.",
                    "Batchbeställning {batch} har inga {plural} i tillståndet ”{from_sv}” att producera.",
                    from_en = from.label().to_lowercase(),
                    from_sv = from.words().sv,
                    noun = k.noun(),
                    plural = k.plural_sv()
                )));
            }
            let pins = if encode {
                None
            } else {
                let from = match from {
                    State::TempCard(s) => s,
                    _ => {
                        return Err(EngineError::Config(
                            "only temporary cards are produced without encoding".into(),
                        ))
                    }
                };
                Some(
                    produce_without_encoding(engine, txn, now, caller, process, from, &pending)
                        .await?,
                )
            };
            Ok((pending, pins))
        })
        .await?;
    if let Some(pins) = pins {
        return Ok(Produced::Done(pins));
    }
    if !bridge.batch_begin(batch, caller.account_id) {
        return Err(EngineError::NotNow(said!(
            "Batch order {batch} is being produced already; wait for it or stop it.",
            "Batchbeställning {batch} produceras redan; vänta på den eller stoppa den."
        )));
    }
    let (engine, bridge, caller) = (engine.clone(), bridge.clone(), caller.clone());
    let reader = reader.unwrap_or_default().to_string();
    tokio::spawn(async move {
        let message = run_encoding(
            &engine,
            &bridge,
            &caller,
            (k, process),
            batch,
            &pending,
            &reader,
        )
        .await;
        bridge.batch_update(batch, |r| {
            r.running = false;
            r.job = None;
            r.message = Some(message);
        });
    });
    Ok(Produced::Started)
}

/// Repeat production of `chosen`: each must be a card of the batch that failed or was produced;
/// the produced ones become failed, their certificates revoked as superseded (the card is made
/// again on a new blank), one audit record each, in the caller's transaction.
async fn take_back(
    txn: &crate::write::Tx,
    (now, caller): (DateTime<Utc>, &Caller),
    (k, def): (BatchKind, &'static tessera_process::ProcessDef),
    (batch, cards): (i64, &[Member]),
    chosen: &[i64],
) -> Result<()> {
    if chosen.is_empty() {
        return Err(EngineError::bad_input(
            "cards",
            said!(
                "Tick the cards to produce again, then Repeat production.",
                "Markera korten som ska produceras igen och välj sedan Upprepa produktion."
            ),
        ));
    }
    for id in chosen {
        let card = cards.iter().find(|c| c.id == *id).ok_or_else(|| {
            EngineError::bad_input(
                "cards",
                said!(
                    "{en} {id} is not in batch order {batch}.",
                    "{sv} {id} ingår inte i batchbeställning {batch}.",
                    en = k.kind.label(),
                    sv = k.kind.words().sv
                ),
            )
        })?;
        if card.state == k.failed {
            continue;
        }
        if card.state != k.produced {
            return Err(EngineError::NotNow(said!(
                "{en} {id} is {state_en}: only failed or produced cards of the batch can be produced again.",
                "{sv} {id} har tillståndet ”{state_sv}”: bara misslyckade eller producerade kort i batchen kan produceras igen.",
                en = k.kind.label(),
                sv = k.kind.words().sv,
                state_en = card.state.label().to_lowercase(),
                state_sv = card.state.words().sv
            )));
        }
        let detail = format!(
            "{} {id} taken back for Repeat production in batch order {batch}; its certificates are revoked (superseded)",
            k.kind.label()
        );
        let changed = runner::step(def, (card.id, card.version), k.produced, k.failed)
            .because(Some(tessera_process::RevocationReason::Superseded))
            .take(txn.conn(), now, Some(caller))
            .await?
            .record(
                txn.conn(),
                now,
                Some(caller),
                serde_json::json!({ "batch_order": batch, "taken_back": true }),
                detail,
            )
            .await?;
        txn.publish_crl_if(&changed);
    }
    Ok(())
}

/// Every pending card `unassigned` with a new PIN and a sealed PUK, one audit record each, in
/// the caller's transaction.
#[allow(clippy::too_many_arguments)]
async fn produce_without_encoding(
    engine: &Engine,
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    caller: &Caller,
    process: ProcessId,
    from: TempCardState,
    pending: &[i64],
) -> Result<Vec<(i64, Zeroizing<String>)>> {
    let kek = &engine.pki()?.kek;
    let settings = IssueSettings::current(txn, ObjectKind::TempCard).await?;
    let to = TempCardState::Unassigned;
    let moved = runner::transition_many(
        txn,
        now,
        process.def(),
        pending,
        State::TempCard(from),
        State::TempCard(to),
    )
    .await?;
    if moved.len() != pending.len() {
        return Err(EngineError::Conflict {
            kind: ObjectKind::TempCard,
        });
    }
    let mut pins = Vec::with_capacity(moved.len());
    let mut secrets = Vec::with_capacity(moved.len());
    let mut records = Vec::with_capacity(moved.len());
    for id in moved {
        let pin = random_digits(settings.pin_length);
        let puk = random_digits(settings.puk_length);
        secrets.push(temp_card_secret::ActiveModel {
            temp_card_id: Set(id),
            puk: Set(crate::pki::seal::seal(
                kek,
                &format!("temp-card:{id}:puk"),
                puk.as_bytes(),
            )?),
            created_at: Set(now),
        });
        records.push(AuditRecord::step(
            process,
            (from.into(), to.into()),
            id,
            serde_json::json!({ "encoded": false, "pin_length": settings.pin_length, "puk_length": settings.puk_length }),
            format!("Temporary card {id} produced without encoding; PIN shown once, PUK kept sealed"),
        ));
        pins.push((id, pin));
    }
    let mut secrets = secrets.into_iter().peekable();
    while secrets.peek().is_some() {
        let chunk: Vec<_> = secrets.by_ref().take(500).collect();
        temp_card_secret::Entity::insert_many(chunk)
            .on_conflict(
                OnConflict::column(temp_card_secret::Column::TempCardId)
                    .update_columns([
                        temp_card_secret::Column::Puk,
                        temp_card_secret::Column::CreatedAt,
                    ])
                    .to_owned(),
            )
            .exec(txn)
            .await?;
    }
    audit::append_many(txn, now, Some(caller), records).await?;
    Ok(pins)
}

/// Encodes the pending cards one after another in `reader`; returns how it ended.
async fn run_encoding(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    (k, process): (BatchKind, ProcessId),
    batch: i64,
    pending: &[i64],
    reader_name: &str,
) -> String {
    let n = pending.len();
    let noun = k.noun();
    let mut skipped: Vec<String> = Vec::new();
    let mut done = 0;
    for (i, id) in pending.iter().enumerate() {
        if bridge.batch(batch).is_some_and(|r| r.stop_requested) {
            return format!("Stopped by the operator after {done} of {n} cards. Next continues.");
        }
        let ask = format!(
            "Insert a blank card for {noun} {id} ({} of {n}) in \"{reader_name}\".",
            i + 1
        );
        bridge.batch_update(batch, |r| r.message = Some(ask));
        if let Err(why) = wait_for(bridge, reader_name, Wanted::Blank).await {
            return format!("{why} Production stopped after {done} of {n} cards; Next continues.");
        }
        let version = match crate::bridge::target::load(&engine.db, (k.kind, *id)).await {
            Ok(c) => c.version,
            Err(e) => return format!("{} {id}: {e}", k.kind.label()),
        };
        let begun = encode::begin_as(
            engine,
            bridge,
            caller,
            (k.kind, *id),
            version,
            reader_name,
            Some(process),
        )
        .await;
        let (job, claim, settings) = match begun {
            Ok(b) => b,
            // This card cannot be produced now (its holder was deactivated, it changed
            // meanwhile): the others are not held up by it; it stays waiting for a later Next.
            Err(e) if e.is_user_facing() => {
                skipped.push(format!("{} {id}: {e}", k.kind.label()));
                continue;
            }
            Err(e) => {
                return format!(
                "{} {id} could not be started: {e} Production stopped after {done} of {n} cards.",
                k.kind.label()
            )
            }
        };
        bridge.batch_update(batch, |r| {
            r.job = Some(job);
            r.message = Some(format!("Encoding {noun} {id} ({} of {n}).", i + 1));
        });
        let name = reader_name.to_string();
        let finished = encode::run(
            engine,
            bridge,
            caller,
            job,
            claim,
            settings,
            move || reader::open(&name, true),
            encode::RunOptions::default(),
        )
        .await;
        // The PIN goes to the batch view, not to the job's.
        bridge.take_pin(job);
        if let Some(pin) = finished.pin {
            bridge.batch_update(batch, |r| {
                r.pins.insert(*id, pin);
            });
        }
        done += 1;
        if i + 1 < n {
            bridge.batch_update(batch, |r| {
                r.job = None;
                r.message = Some(format!(
                    "Take out {noun} {id} ({}); then insert the next blank card.",
                    if finished.state == JobState::Succeeded {
                        "produced"
                    } else {
                        "failed"
                    }
                ));
            });
            if let Err(why) = wait_for(bridge, reader_name, Wanted::Empty).await {
                return format!(
                    "{why} Production stopped after {done} of {n} cards; Next continues."
                );
            }
        }
    }
    let skipped = if skipped.is_empty() {
        String::new()
    } else {
        format!(
            " Not started, still waiting: {}. Complete order needs them produced (Next), or taken out of production on their page (lock).",
            skipped.join("; ")
        )
    };
    format!("Production finished: {done} of {n} cards went through the reader. Check the results, then Complete order (or Repeat production for failed cards).{skipped}")
}

enum Wanted {
    Blank,
    Empty,
}

/// Waits until `reader` holds a blank card (that no job uses), or is empty.
async fn wait_for(
    bridge: &Bridge,
    reader: &str,
    wanted: Wanted,
) -> std::result::Result<(), String> {
    let mut rx = bridge.subscribe();
    let deadline = tokio::time::Instant::now() + CARD_WAIT;
    loop {
        let ok = {
            let snap = rx.borrow_and_update();
            let r = snap.readers.iter().find(|r| r.name == reader);
            match wanted {
                Wanted::Blank => r.is_some_and(|r| {
                    !r.busy && r.card.as_ref().is_some_and(|c| c.blank == Some(true))
                }),
                Wanted::Empty => r.is_none_or(|r| r.card.is_none()),
            }
        };
        if ok {
            return Ok(());
        }
        match tokio::time::timeout_at(deadline, rx.changed()).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Err("The card bridge stopped.".into()),
            Err(_) => {
                return Err(format!(
                    "No card change in \"{reader}\" for {} minutes.",
                    CARD_WAIT.as_secs() / 60
                ))
            }
        }
    }
}

/// Stop after the card being encoded; audited with who asked.
pub async fn stop(engine: &Engine, bridge: &Bridge, caller: &Caller, batch: i64) -> Result<()> {
    caller.require_any(
        &[tessera_process::Role::Operator],
        said!("stop a batch order", "stoppa en batchbeställning"),
    )?;
    if !bridge.batch_request_stop(batch) {
        return Err(EngineError::NotNow(said!(
            "Batch order {batch} is not being produced: there is nothing to stop.",
            "Batchbeställning {batch} produceras inte: det finns inget att stoppa."
        )));
    }
    engine
        .transact(async |txn| {
            audit::append(
                txn,
                txn.now(),
                Some(caller),
                AuditRecord {
                    action: "BatchOrderStopRequested".into(),
                    object: Some((ObjectKind::BatchOrder, batch)),
                    detail: format!("Stop after the card being encoded, for batch order {batch}"),
                    ..Default::default()
                },
            )
            .await
        })
        .await
}

/// Complete order (in production → completed), or Cancel order (open → cancelled, the cards
/// back in the search).
pub async fn close(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    process: ProcessId,
    batch: i64,
    version: i64,
) -> Result<BatchOrderState> {
    let (_, k) = load(&engine.db, batch).await?;
    if process != k.complete && process != k.cancel {
        return Err(EngineError::Invalid(said!(
            "\"{name_en}\" does not close a batch order of {noun}s.",
            "”{name_sv}” avslutar inte en batchbeställning av {plural}.",
            name_en = process.def().name.en,
            name_sv = process.def().name.sv,
            noun = k.noun(),
            plural = k.plural_sv()
        )));
    }
    let def = process.def();
    authorize(caller, def)?;
    not_running(bridge, batch)?;
    engine
        .transact(async |txn| {
            let now = txn.now();
            let (b, _) = load(txn, batch).await?;
            let state = b.state;
            runner::require_state(def, State::BatchOrder(state))?;
            let cards = members(txn, k, Some(batch)).await?;
            let ids: Vec<i64> = cards.iter().map(|c| c.id).collect();
            if process == k.complete {
                let waiting = cards.iter().filter(|c| c.state == k.ready).count();
                let open_jobs = jobs::of_objects(txn, k.kind, &ids, true).await?.len();
                if waiting > 0 || open_jobs > 0 {
                    return Err(EngineError::NotNow(said!(
                        "Batch order {batch} is not finished: {waiting} cards are still {en} and {open_jobs} encoding jobs are open (reconcile those in doubt). Click Next to produce the rest.",
                        "Batchbeställning {batch} är inte klar: {waiting} kort har fortfarande tillståndet ”{sv}” och {open_jobs} kodningsjobb är öppna (stäm av dem med oklart utfall). Klicka på Nästa för att producera resten.",
                        en = k.ready.label().to_lowercase(),
                        sv = k.ready.words().sv
                    )));
                }
            }
            let (to, _) = runner::end_state(process, state)?;
            let moved = runner::step(def, (batch, version), state.into(), to.into())
                .take(txn, now, Some(caller))
                .await?;
            if process == k.cancel {
                let members: Vec<(i64, State)> = cards.iter().map(|c| (c.id, c.state)).collect();
                in_each_history(txn, now, caller, &members, "ReleasedFromBatchOrder", batch, format!("released from batch order {batch} (Cancel order)")).await?;
                let mut q = Query::update();
                q.table(runner::table(k.kind))
                    .value("batch_order_id", Option::<i64>::None)
                    .value("updated_at", now)
                    .and_where(Expr::col("batch_order_id").eq(batch));
                txn.execute(&q).await?;
            }
            let failed = cards.iter().filter(|c| c.state == k.failed).count();
            let data = serde_json::json!({ "cards": ids.len(), "failed": failed });
            let detail = format!("{} of batch order {batch} ({} cards, {failed} failed)", def.name.en, ids.len());
            moved.record(txn, now, Some(caller), data, detail).await?;
            Ok(to)
        })
        .await
}
