//! Card processes: Request card (`CardsProcRequest`) and its approval
//! (`CardsProcApprove`, `CardsProcReject`, `CardsProcPostpone`).

use crate::audit::AuditRecord;
use crate::entity::{card, person};
use crate::objects::user::people::{self, account_names, card_summary};
use crate::runner::{self, authorize, hold, require_enabled, require_state};
use crate::Caller;
use crate::{audit, notifications, options, Engine, EngineError, Result};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use tessera_process::dto::{
    CardPage, CardRequestPage, CardRequestRow, RequestCardOutcome, RequestCardPreview,
    RequestsShown,
};
use tessera_process::lists::{Sort, SortBy, PAGE};
use tessera_process::options::cards;
use tessera_process::transition::find;
use tessera_process::{said, Words};
use tessera_process::{CardState, ObjectKind, OptionsPackage, ProcessId, State};

/// The card profile a requested card gets until card profiles are configurable.
pub const DEFAULT_CARD_PROFILE: &str = "Standard smart card";
pub use crate::reason::MAX_REASON;

/// How a card is produced: Request card (local, then Issue card) or Order card (a bureau).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Production {
    Local,
    External,
}

impl Production {
    pub fn process(self) -> ProcessId {
        match self {
            Production::Local => ProcessId::CardsProcRequest,
            Production::External => ProcessId::CardsAddonExtProdProcOrder,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Production::Local => "local",
            Production::External => "external",
        }
    }

    /// The options the page shows and the audit record keeps.
    fn option_keys(self) -> &'static [&'static str] {
        const LOCAL: &[&str] = &[cards::REQUEST_APPROVAL.name()];
        const EXTERNAL: &[&str] = &[
            cards::EXT_PROD_ORDER_APPROVAL.name(),
            cards::EXT_PROD_QUEUE.name(),
            cards::EXT_PROD_PRODUCTION_TYPE.name(),
            cards::EXT_PROD_ALLOW_MULTIPLE_ORDERS.name(),
            cards::EXT_PROD_SEND_ORDERED_EMAIL.name(),
        ];
        match self {
            Production::Local => LOCAL,
            Production::External => EXTERNAL,
        }
    }

    /// The card's state after Next, from the options in force.
    fn end_state(self, opts: &options::Current) -> CardState {
        match self {
            Production::Local if opts.get(cards::REQUEST_APPROVAL) => CardState::Requested,
            Production::Local => CardState::Approved,
            Production::External if opts.get(cards::EXT_PROD_ORDER_APPROVAL) => {
                CardState::Requested
            }
            Production::External => ordered_state(opts),
        }
    }
}

/// Where an approved external order goes: the queue, or straight to the bureau.
fn ordered_state(opts: &options::Current) -> CardState {
    if opts.get(cards::EXT_PROD_QUEUE) {
        CardState::Processing
    } else {
        CardState::Ordered
    }
}

/// The checks Request card and Order card make before anything is stored: who, which user,
/// enabled, state.
async fn check_request(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    user_id: i64,
    production: Production,
) -> Result<person::Model> {
    let def = production.process().def();
    authorize(caller, def)?;
    let p = people::load(conn, user_id).await?;
    let state = State::User(p.state);
    require_state(def, state)?;
    require_enabled(conn, def, state).await?;
    Ok(p)
}

/// The Request card page: card and user data and the options in force. Stores nothing, so
/// Cancel leaves nothing behind.
pub async fn preview(engine: &Engine, caller: &Caller, user_id: i64) -> Result<RequestCardPreview> {
    preview_for(engine, caller, user_id, Production::Local).await
}

/// The Request card or Order card page.
pub async fn preview_for(
    engine: &Engine,
    caller: &Caller,
    user_id: i64,
    production: Production,
) -> Result<RequestCardPreview> {
    let p = check_request(&engine.db, caller, user_id, production).await?;
    let opts = options::current(&engine.db, OptionsPackage::CardsScriptOptions).await?;
    Ok(RequestCardPreview {
        user: people::detail(&p)?,
        card_profile: DEFAULT_CARD_PROFILE.into(),
        options: opts.in_force(OptionsPackage::CardsScriptOptions, production.option_keys()),
        options_version: opts.version,
        end_state: production.end_state(&opts),
    })
}

/// Next on the Request card page: creates the card in `requested` (approval step on) or
/// `approved` (off), with its audit record, in one transaction.
pub async fn request(
    engine: &Engine,
    caller: &Caller,
    user_id: i64,
    user_version: i64,
) -> Result<RequestCardOutcome> {
    request_for(engine, caller, user_id, user_version, Production::Local).await
}

/// Next on the Request card or Order card page. An order goes to `requested` (approval step),
/// `processing` (queued for the next order file) or `ordered` (the order file is written at
/// once by the caller); the "card ordered" e-mail is queued in the same transaction.
pub async fn request_for(
    engine: &Engine,
    caller: &Caller,
    user_id: i64,
    user_version: i64,
    production: Production,
) -> Result<RequestCardOutcome> {
    let def = production.process().def();
    engine
        .transact(async |txn| {
            let p = check_request(txn, caller, user_id, production).await?;
            hold(txn, ObjectKind::User, p.id, user_version).await?;
            let opts = options::current(txn, OptionsPackage::CardsScriptOptions).await?;
            if production == Production::External && !opts.get(cards::EXT_PROD_ALLOW_MULTIPLE_ORDERS) {
                let open = card::Entity::find()
                    .filter(card::Column::PersonId.eq(p.id))
                    .filter(card::Column::Production.eq(Production::External.as_str()))
                    .filter(card::Column::State.is_in(CardState::UNDER_WAY.iter().copied()))
                    .one(txn)
                    .await?;
                if let Some(c) = open {
                    let option = cards::EXT_PROD_ALLOW_MULTIPLE_ORDERS.def.label;
                    return Err(EngineError::NotNow(said!(
                        "{name} already has card order {id} ({state}); multiple card orders are not allowed (option \"{en}\").",
                        "{name} har redan kortbeställning {id} ({state_sv}); flera kortbeställningar är inte tillåtna (alternativet ”{sv}”).",
                        name = &p.common_name,
                        id = c.id,
                        state = c.state,
                        state_sv = c.state.words().sv.to_lowercase(),
                        en = option.en,
                        sv = option.sv
                    )));
                }
            }
            let to = production.end_state(&opts);
            let transition = find(def.id, None, State::Card(to)).ok_or(EngineError::NoTransition {
                process: def.id,
                from: "(new)".into(),
                to: to.as_str().into(),
            })?;
            let now = txn.now();
            let card_id = card::Entity::insert(card::ActiveModel {
                id: Default::default(),
                person_id: Set(p.id),
                state: Set(to),
                version: Set(1),
                card_profile: Set(DEFAULT_CARD_PROFILE.into()),
                requested_by: Set(caller.account_id),
                decided_by: Set(None),
                decision_reason: Set(None),
                postponed_by: Set(None),
                postponed_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                production: Set(production.as_str().into()),
                production_type: Set((production == Production::External).then(|| opts.get(cards::EXT_PROD_PRODUCTION_TYPE))),
                bureau_order_id: Set(None),
                batch_order_id: Set(None),
            })
            .exec(txn)
            .await?
            .last_insert_id;
            let in_force = opts.in_force(OptionsPackage::CardsScriptOptions, production.option_keys());
            let options = opts.typed(production.option_keys());
            audit::append(
txn,
now,
Some(caller),
                AuditRecord::created(def.id, to.into(), card_id, serde_json::json!({
                        "user_id": p.id,
                        "production": production.as_str(),
                        "options_version": opts.version,
                        "options": options,
                        "certificate_effect": transition.effect,
                    }), match production {
                        Production::Local => format!("Card requested for {} ({})", p.common_name, p.upn),
                        Production::External => format!("Card ordered for {} ({})", p.common_name, p.upn),
                    }),
            )
            .await?;
            if production == Production::External {
                ordered_email(txn, now, &opts, &p, card_id, to).await?;
            }
            txn.order_file_if(State::Card(to), caller);
            Ok(RequestCardOutcome {
                options_version: opts.version,
                card_id,
                user_id: p.id,
                state: to,
                options: in_force,
            })
        })
        .await
}

/// The "card ordered" e-mail to the holder, if the option says so and the card is ordered
/// (queued or sent to the bureau), in the caller's transaction.
async fn ordered_email(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    opts: &options::Current,
    holder: &person::Model,
    card_id: i64,
    state: CardState,
) -> Result<()> {
    if !opts.get(cards::EXT_PROD_SEND_ORDERED_EMAIL)
        || !matches!(state, CardState::Processing | CardState::Ordered)
        || holder.email.trim().is_empty()
    {
        return Ok(());
    }
    // A holder's unusable address must not stop the order: the message is left out.
    if crate::mail::usable(&holder.email).is_none() {
        tracing::warn!(
            "card {card_id}: no \"card ordered\" e-mail, the address {:?} is unusable",
            holder.email
        );
        return Ok(());
    }
    crate::mail::enqueue(
        conn,
        now,
        &holder.email,
        "Your smart card has been ordered",
        &format!(
            "Hello {},\n\nyour smart card (card {card_id}) has been ordered. You will be told when it is ready to be handed over.\n",
            holder.common_name
        ),
    )
    .await
    .map(|_| ())
}

/// An approver's decision on a card request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject { reason: String },
    Postpone,
}

impl Decision {
    fn process(&self) -> ProcessId {
        match self {
            Decision::Approve => ProcessId::CardsProcApprove,
            Decision::Reject { .. } => ProcessId::CardsProcReject,
            Decision::Postpone => ProcessId::CardsProcPostpone,
        }
    }
}

async fn load_card(conn: &impl ConnectionTrait, id: i64) -> Result<card::Model> {
    runner::load::<card::Entity>(conn, ObjectKind::Card, id).await
}

/// Approve, reject (reason required; the requester is notified) or postpone a card request.
/// Nobody decides a request they made themselves. Returns the card's new state.
pub async fn decide(
    engine: &Engine,
    caller: &Caller,
    card_id: i64,
    version: i64,
    decision: Decision,
) -> Result<CardState> {
    let def = decision.process().def();
    authorize(caller, def)?;
    let reason = match &decision {
        Decision::Reject { reason } => Some(
            crate::reason::given_reason(
                reason,
                Some(said!(
                    "A reason is required to reject a card request.",
                    "En orsak krävs för att avslå en kortbegäran."
                )),
            )?
            .to_string(),
        ),
        _ => None,
    };
    engine
        .transact(async |txn| {
            let now = txn.now();
            let c = load_card(txn, card_id).await?;
            // Someone else acted since the caller looked: say so, rather than describe the new state.
            if c.version != version {
                return Err(EngineError::Conflict {
                    kind: ObjectKind::Card,
                });
            }
            let from = c.state;
            require_state(def, State::Card(from))?;
            if c.requested_by == caller.account_id {
                return Err(EngineError::SelfApproval {
                    what: Words::new("card", "det här kortet"),
                });
            }
            if matches!(decision, Decision::Approve) {
                // The user may have been deactivated or locked since the request.
                people::active_holder(
                    txn,
                    c.person_id,
                    said!(
                        " now, so the card request cannot be approved; reject it.",
                        " nu, så kan kortbegäran inte godkännas; avslå den."
                    ),
                )
                .await?;
            }
            let to = match decision {
                Decision::Approve => CardState::Approved,
                Decision::Reject { .. } => CardState::Rejected,
                Decision::Postpone => CardState::Requested,
            };
            let extra: Vec<(&'static str, sea_orm::Value)> = match decision {
                Decision::Postpone => vec![
                    ("postponed_by", caller.account_id.into()),
                    ("postponed_at", now.into()),
                ],
                _ => vec![
                    ("decided_by", caller.account_id.into()),
                    ("decision_reason", reason.clone().into()),
                ],
            };
            let p = people::load(txn, c.person_id).await?;
            let detail = match &reason {
                Some(r) => format!("{} for {} ({}): {r}", def.name.en, p.common_name, p.upn),
                None => format!("{} for {} ({})", def.name.en, p.common_name, p.upn),
            };
            let data = serde_json::json!({ "reason": reason, "requested_by": c.requested_by });
            runner::step(def, (c.id, version), from.into(), to.into())
                .setting(extra)
                .take(txn, now, Some(caller))
                .await?
                .record(txn, now, Some(caller), data, detail)
                .await?;
            // An approved order continues at once: to the queue, or to the bureau.
            let mut ordered = None;
            if to == CardState::Approved && c.production == Production::External.as_str() {
                let opts = options::current(txn, OptionsPackage::CardsScriptOptions).await?;
                let next = ordered_state(&opts);
                let order = ProcessId::CardsAddonExtProdProcOrder.def();
                let data = serde_json::json!({ "after_approval": true });
                let detail = format!(
                    "Card order for {} ({}) continues after approval",
                    p.common_name, p.upn
                );
                runner::step(order, (c.id, version + 1), to.into(), next.into())
                    .take(txn, now, Some(caller))
                    .await?
                    .record(txn, now, Some(caller), data, detail)
                    .await?;
                ordered_email(txn, now, &opts, &p, c.id, next).await?;
                ordered = Some(next);
            }
            if let Some(r) = &reason {
                notifications::notify(
                    txn,
                    now,
                    c.requested_by,
                    format!(
                        "Your card request {} for {} was rejected: {r}",
                        c.id, p.common_name
                    ),
                )
                .await?;
            }
            let end = ordered.unwrap_or(to);
            txn.order_file_if(State::Card(end), caller);
            Ok(end)
        })
        .await
}

/// The approver's Requests list: cards waiting in `requested`, by default oldest first with the
/// postponed ones last; ordered by the card (`SortBy::Object`), the user's name (`Holder`) or
/// when it was requested (`Changed`); a page from `offset`; all of them or only those `shown`.
pub async fn requests(
    engine: &Engine,
    caller: &Caller,
    (offset, sort, shown): (u64, Option<Sort>, RequestsShown),
) -> Result<CardRequestPage> {
    authorize(caller, ProcessId::CardsProcApprove.def())?;
    let offset = crate::lists::page_offset(offset)?;
    let waiting = card::Entity::find().filter(card::Column::State.eq(CardState::Requested));
    let waiting = match shown {
        RequestsShown::All => waiting,
        RequestsShown::NotPostponed => waiting.filter(card::Column::PostponedBy.is_null()),
        RequestsShown::Postponed => waiting.filter(card::Column::PostponedBy.is_not_null()),
    };
    let total = waiting.clone().count(&engine.db).await?;
    let order = |descending: bool| if descending { Order::Desc } else { Order::Asc };
    let query = match sort {
        // The queue: what waits longest first, what an approver put off last.
        None => waiting
            .order_by(
                Expr::col(card::Column::PostponedBy).is_not_null(),
                Order::Asc,
            )
            .order_by_asc(card::Column::Id),
        Some(s) => {
            let query = match s.by {
                SortBy::Object | SortBy::Changed => waiting,
                SortBy::Holder => waiting.order_by(
                    crate::lists::holder_name(card::Entity, card::Column::PersonId),
                    order(s.descending),
                ),
                SortBy::State => {
                    return Err(EngineError::bad_input(
                        "sort",
                        said!(
                            "Every request is requested: order them by card, user or time.",
                            "Alla begäranden har tillståndet Begärd: sortera dem efter kort, användare eller tid."
                        ),
                    ))
                }
            };
            query.order_by(card::Column::Id, order(s.descending))
        }
    };
    let cards = query.offset(offset).limit(PAGE).all(&engine.db).await?;
    let mut accounts: Vec<i64> = cards.iter().map(|c| c.requested_by).collect();
    accounts.extend(cards.iter().filter_map(|c| c.postponed_by));
    let names = account_names(&engine.db, accounts).await?;
    let person_ids: Vec<i64> = cards.iter().map(|c| c.person_id).collect();
    let persons: std::collections::HashMap<i64, person::Model> = person::Entity::find()
        .filter(person::Column::Id.is_in(person_ids))
        .all(&engine.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let rows: Vec<CardRequestRow> = cards
        .iter()
        .filter_map(|c| {
            let p = persons.get(&c.person_id)?;
            Some(CardRequestRow {
                card_id: c.id,
                version: c.version,
                user_id: p.id,
                common_name: p.common_name.clone(),
                upn: p.upn.clone(),
                card_profile: c.card_profile.clone(),
                requested_by: names.get(&c.requested_by).cloned().unwrap_or_default(),
                requested_at: crate::time::text(c.created_at),
                postponed: c.postponed_by.map(|by| {
                    format!(
                        "postponed by {} at {}",
                        names.get(&by).cloned().unwrap_or_default(),
                        c.postponed_at.map(crate::time::text).unwrap_or_default()
                    )
                }),
                own_request: c.requested_by == caller.account_id,
            })
        })
        .collect();
    Ok(CardRequestPage {
        total,
        offset,
        rows,
    })
}

/// The card page: the card, its user and its history.
pub async fn page(engine: &Engine, caller: &Caller, card_id: i64) -> Result<CardPage> {
    // A caller who may not see every card learns nothing about cards that are not theirs,
    // not even whether they exist.
    let c = load_card(&engine.db, card_id).await?;
    people::may_see_object(caller, c.person_id, (ObjectKind::Card, card_id))?;
    let p = people::load(&engine.db, c.person_id).await?;
    let names = account_names(&engine.db, [c.requested_by]).await?;
    Ok(CardPage {
        card: card_summary(&c, &names)?,
        user: people::summary(&p)?,
        certificates: crate::pki::of_owner(&engine.db, (ObjectKind::Card, c.id)).await?,
        history: audit::history(&engine.db, ObjectKind::Card, c.id).await?,
        commands: crate::enablement::commands(&engine.db, caller, State::Card(c.state)).await?,
    })
}
