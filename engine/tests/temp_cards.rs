//! Temporary cards without encoding: request, BATCH ORDERS (search, choose, Next, Complete,
//! Cancel), Assign / Extend / Withdraw / Lock and the user cascade, on SQLite and PostgreSQL.
//! Encoding a batch through the card bridge is in `bridge.rs` (it needs the virtual reader).

mod common;

use common::{bad, caller, person, refusal, refused};
use sea_orm::{EntityTrait, PaginatorTrait};
use tessera_engine::bridge::Bridge;
use tessera_engine::entity::{batch_order, temp_card, temp_card_secret};
use tessera_engine::objects;
use tessera_engine::objects::batch_order::{Produced, ProductionRun};
use tessera_engine::{audit, options, Engine, EngineError};
use tessera_process::dto::ProcessInput;
use tessera_process::{
    BatchOrderState, ErrorKind, ObjectKind, OptionsPackage, ProcessId, RevocationReason, State,
    TempCardState,
};

async fn encoding(e: &Engine, on: bool) {
    let admin = caller(e, "admin").await;
    let cur = options::current(&e.db, OptionsPackage::TempCardsScriptOptions)
        .await
        .unwrap();
    if cur.get(tessera_process::options::temp_cards::ENCODE_CARD) == on {
        return;
    }
    options::save(
        e,
        &admin,
        OptionsPackage::TempCardsScriptOptions,
        cur.version,
        &[("TempCardsEncodeCard".into(), on.to_string())],
    )
    .await
    .unwrap();
}

async fn card(e: &Engine, id: i64) -> temp_card::Model {
    temp_card::Entity::find_by_id(id)
        .one(&e.db)
        .await
        .unwrap()
        .unwrap()
}

async fn batch_version(e: &Engine, id: i64) -> i64 {
    batch_order::Entity::find_by_id(id)
        .one(&e.db)
        .await
        .unwrap()
        .unwrap()
        .version
}

/// Requested cards, chosen into a batch, produced without encoding: unassigned, each with a
/// PIN shown once and a sealed PUK; bad choices are refused and change nothing.
async fn a_batch_without_encoding_is_produced_in_one_step(e: Engine) {
    encoding(&e, false).await;
    let op = caller(&e, "operator").await;
    let bridge = Bridge::new();
    let approver = caller(&e, "approver").await;
    assert!(matches!(
        objects::temp_card::request(&e, &approver, 2).await,
        Err(EngineError::Forbidden(_))
    ));
    assert!(objects::temp_card::request(&e, &op, 0).await.is_err());
    let ids = objects::temp_card::request(&e, &op, 5).await.unwrap();
    assert_eq!(ids.len(), 5);
    let found = objects::batch_order::search(&e, &op, ObjectKind::TempCard)
        .await
        .unwrap();
    assert_eq!(found.len(), 5);

    // Nothing chosen.
    let none = objects::batch_order::create(&e, &op, ObjectKind::TempCard, &[])
        .await
        .unwrap_err();
    assert_eq!(refusal(&none), refused(ErrorKind::BadRequest), "{none}");

    let batch = objects::batch_order::create(&e, &op, ObjectKind::TempCard, &ids[..3])
        .await
        .unwrap();
    // The search no longer offers them, and a second batch with one of them is refused whole.
    assert_eq!(
        objects::batch_order::search(&e, &op, ObjectKind::TempCard)
            .await
            .unwrap()
            .len(),
        2
    );
    let batches = batch_order::Entity::find().count(&e.db).await.unwrap();
    let clash = objects::batch_order::create(&e, &op, ObjectKind::TempCard, &[ids[2], ids[3]])
        .await
        .unwrap_err();
    assert_eq!(refusal(&clash), refused(ErrorKind::Conflict), "{clash}");
    assert!(
        clash.to_string().contains(&ids[2].to_string()),
        "names the card: {clash}"
    );
    assert_eq!(
        batch_order::Entity::find().count(&e.db).await.unwrap(),
        batches
    );
    assert_eq!(card(&e, ids[3]).await.batch_order_id, None);

    // Complete before anything was produced: refused.
    assert!(objects::batch_order::close(
        &e,
        &bridge,
        &op,
        ProcessId::TempCardsBoProcCompleteOrder,
        batch,
        batch_version(&e, batch).await
    )
    .await
    .is_err());

    // Next.
    let v = batch_version(&e, batch).await;
    let Produced::Done(pins) =
        objects::batch_order::produce(&e, &bridge, &op, batch, v, None, ProductionRun::Next)
            .await
            .unwrap()
    else {
        panic!("without encoding production ends at once");
    };
    assert_eq!(pins.len(), 3);
    for (id, pin) in &pins {
        assert!(ids[..3].contains(id));
        assert_eq!(pin.len(), 6);
        assert!(pin.chars().all(|c| c.is_ascii_digit()));
        let c = card(&e, *id).await;
        assert_eq!(c.state.as_str(), TempCardState::Unassigned.as_str());
        let secret = temp_card_secret::Entity::find_by_id(*id)
            .one(&e.db)
            .await
            .unwrap()
            .expect("the PUK is kept");
        let puk = tessera_engine::pki::seal::open(
            &e.pki().unwrap().kek,
            &format!("temp-card:{id}:puk"),
            &secret.puk,
        )
        .unwrap();
        assert_eq!(puk.len(), 8);
    }
    // The same Next again: nothing left to produce, and the PINs are not shown again.
    let again = objects::batch_order::produce(
        &e,
        &bridge,
        &op,
        batch,
        batch_version(&e, batch).await,
        None,
        ProductionRun::Next,
    )
    .await;
    assert!(again.is_err());
    let view = objects::batch_order::view(&e, &bridge, &op, batch)
        .await
        .unwrap();
    assert_eq!(view.state, BatchOrderState::InProduction);
    assert_eq!(view.produced, 3);
    assert!(view.cards.iter().all(|c| c.pin.is_none()));
    assert!(view.cards.iter().all(|c| c.repeatable));

    // Repeat production of a produced card ("printed out incorrectly"): taken back, made again
    // with a new PIN; the others stay as they are.
    let reprint = ids[1];
    let old_pin = pins
        .iter()
        .find(|(id, _)| *id == reprint)
        .map(|(_, p)| p.to_string());
    let repeat = |cards: Vec<i64>| {
        let (e, bridge, op) = (e.clone(), bridge.clone(), op.clone());
        async move {
            let v = batch_version(&e, batch).await;
            objects::batch_order::produce(
                &e,
                &bridge,
                &op,
                batch,
                v,
                None,
                ProductionRun::Repeat(cards),
            )
            .await
        }
    };
    let before = audit::history(&e.db, ObjectKind::TempCard, ids[0])
        .await
        .unwrap()
        .len();
    let Produced::Done(again) = repeat(vec![reprint, reprint]).await.unwrap() else {
        panic!("without encoding production ends at once");
    };
    assert_eq!(again.len(), 1, "the card once, however often it is ticked");
    assert_eq!(again[0].0, reprint);
    assert_ne!(Some(again[0].1.to_string()), old_pin, "a new PIN");
    assert_eq!(
        card(&e, reprint).await.state.as_str(),
        TempCardState::Unassigned.as_str()
    );
    let steps: Vec<(Option<String>, Option<String>)> =
        audit::history(&e.db, ObjectKind::TempCard, reprint)
            .await
            .unwrap()
            .into_iter()
            .filter(|h| h.action == ProcessId::TempCardsBoProcRepeatProduction.as_str())
            .map(|h| (h.from_state, h.to_state))
            .collect();
    assert_eq!(
        steps,
        vec![
            (Some("unassigned".into()), Some("failed".into())),
            (Some("failed".into()), Some("unassigned".into())),
        ]
    );
    assert_eq!(
        audit::history(&e.db, ObjectKind::TempCard, ids[0])
            .await
            .unwrap()
            .len(),
        before,
        "an unticked card is left alone"
    );
    // What cannot be made again is refused, and nothing changes: no card ticked, a card of
    // another batch, a card that is no longer produced.
    for (cards, field) in [(vec![], "cards"), (vec![ids[3]], "cards")] {
        let Err(err) = repeat(cards).await else {
            panic!("refused")
        };
        assert_eq!(refusal(&err), bad(field), "{err}");
    }
    let p = person(&e, "Bruno Berg").await;
    tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::TempCardsProcAssign,
        (ObjectKind::TempCard, ids[2]),
        card(&e, ids[2]).await.version,
        ProcessInput {
            user_id: Some(p.id),
            reason: None,
        },
    )
    .await
    .unwrap();
    let Err(err) = repeat(vec![ids[0], ids[2]]).await else {
        panic!("refused")
    };
    assert_eq!(refusal(&err), refused(ErrorKind::Conflict), "{err}");
    assert!(err.to_string().contains("assigned"), "{err}");
    assert_eq!(
        card(&e, ids[0]).await.state.as_str(),
        TempCardState::Unassigned.as_str(),
        "all or nothing"
    );

    let closed = objects::batch_order::close(
        &e,
        &bridge,
        &op,
        ProcessId::TempCardsBoProcCompleteOrder,
        batch,
        batch_version(&e, batch).await,
    )
    .await
    .unwrap();
    assert_eq!(closed, BatchOrderState::Completed);

    // Cancel order gives an open batch's cards back to the search.
    let second = objects::batch_order::create(&e, &op, ObjectKind::TempCard, &ids[3..])
        .await
        .unwrap();
    assert!(objects::batch_order::search(&e, &op, ObjectKind::TempCard)
        .await
        .unwrap()
        .is_empty());
    objects::batch_order::close(
        &e,
        &bridge,
        &op,
        ProcessId::TempCardsBoProcCancelOrder,
        second,
        batch_version(&e, second).await,
    )
    .await
    .unwrap();
    assert_eq!(
        objects::batch_order::search(&e, &op, ObjectKind::TempCard)
            .await
            .unwrap()
            .len(),
        2
    );
    // Each card's history says which batch held it, and that Cancel order let it go.
    let history = audit::history(&e.db, ObjectKind::TempCard, ids[3])
        .await
        .unwrap();
    let said: Vec<&str> = history.iter().map(|h| h.detail.as_str()).collect();
    let added = format!("added to batch order {second}");
    let released = format!("released from batch order {second} (Cancel order)");
    assert!(said.contains(&added.as_str()), "{said:?}");
    assert!(said.contains(&released.as_str()), "{said:?}");
    // BATCH ORDERS lists both, newest first, with what each holds.
    let batches = tessera_process::lists::ListId::BatchOrders;
    let listed = tessera_engine::lists::page(&e, &op, (batches, None), 0, Default::default())
        .await
        .unwrap();
    let detail = |id: i64| {
        listed
            .rows
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.detail.clone())
            .unwrap_or_default()
    };
    assert_eq!(listed.rows[0].id, second);
    assert_eq!(detail(second), "of temporary cards, cards released");
    assert_eq!(detail(batch), "of temporary cards, 3 cards");
    // Its Status filter: only the cancelled ones; a state batch orders never have is refused.
    let cancelled = State::BatchOrder(BatchOrderState::Cancelled);
    let only =
        tessera_engine::lists::page(&e, &op, (batches, Some(cancelled)), 0, Default::default())
            .await
            .unwrap();
    assert!(only.rows.iter().any(|r| r.id == second));
    assert!(only.rows.iter().all(|r| r.state == cancelled));
    let assigned = State::TempCard(TempCardState::Assigned);
    let err =
        tessera_engine::lists::page(&e, &op, (batches, Some(assigned)), 0, Default::default())
            .await
            .unwrap_err();
    assert_eq!(refusal(&err), bad("state"), "{err}");
    // One audit record per card and step; the chain holds.
    audit::verify(&e.db).await.unwrap();
}

async fn produced_card(e: &Engine) -> i64 {
    encoding(e, false).await;
    let op = caller(e, "operator").await;
    let ids = objects::temp_card::request(e, &op, 1).await.unwrap();
    let batch = objects::batch_order::create(e, &op, ObjectKind::TempCard, &ids)
        .await
        .unwrap();
    let v = batch_version(e, batch).await;
    objects::batch_order::produce(e, &Bridge::new(), &op, batch, v, None, ProductionRun::Next)
        .await
        .unwrap();
    ids[0]
}

/// Assign to an active user for the option's days, one per user, Extend, Withdraw with a
/// reason, Lock; Deactivate user locks the user's temporary card.
async fn assign_extend_withdraw_lock(e: Engine) {
    let op = caller(&e, "operator").await;
    let id = produced_card(&e).await;
    let other = produced_card(&e).await;
    let p = person(&e, "Bruno Berg").await;
    let assign = |id: i64, user: i64| {
        let (e, op) = (e.clone(), op.clone());
        async move {
            let v = card(&e, id).await.version;
            tessera_engine::lifecycle::run(
                &e,
                &op,
                ProcessId::TempCardsProcAssign,
                (ObjectKind::TempCard, id),
                v,
                ProcessInput {
                    user_id: Some(user),
                    reason: None,
                },
            )
            .await
        }
    };
    let preview = tessera_engine::lifecycle::preview(
        &e,
        &op,
        ProcessId::TempCardsProcAssign,
        (ObjectKind::TempCard, id),
    )
    .await
    .unwrap();
    assert!(preview.needs_user);
    assert_eq!(preview.validity_days, Some(14));
    // No user chosen.
    let v = card(&e, id).await.version;
    let err = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::TempCardsProcAssign,
        (ObjectKind::TempCard, id),
        v,
        ProcessInput::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(&err), bad("user_id"), "{err}");

    let out = assign(id, p.id).await.unwrap();
    assert_eq!(out.state, State::TempCard(TempCardState::Assigned));
    let c = card(&e, id).await;
    assert_eq!(c.person_id, Some(p.id));
    let until = c.assigned_until.unwrap();
    let days = (until - chrono::Utc::now()).num_hours();
    assert!((13 * 24..=14 * 24).contains(&days), "{days} hours");

    // One assigned temporary card per user.
    let err = assign(other, p.id).await.unwrap_err();
    assert_eq!(refusal(&err), refused(ErrorKind::Conflict), "{err}");
    assert_eq!(
        card(&e, other).await.state.as_str(),
        TempCardState::Unassigned.as_str()
    );

    // Extend: from the current end.
    let v = card(&e, id).await.version;
    tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::TempCardsProcExtend,
        (ObjectKind::TempCard, id),
        v,
        ProcessInput::default(),
    )
    .await
    .unwrap();
    let extended = card(&e, id).await.assigned_until.unwrap();
    assert!((extended - until).num_days() == 14);

    // Withdraw needs a reason; then the card is free again.
    let v = card(&e, id).await.version;
    assert!(tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::TempCardsProcWithdraw,
        (ObjectKind::TempCard, id),
        v,
        ProcessInput::default()
    )
    .await
    .is_err());
    tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::TempCardsProcWithdraw,
        (ObjectKind::TempCard, id),
        v,
        ProcessInput {
            user_id: None,
            reason: Some(RevocationReason::CessationOfOperation),
        },
    )
    .await
    .unwrap();
    let c = card(&e, id).await;
    assert_eq!(c.state.as_str(), TempCardState::Unassigned.as_str());
    assert_eq!(c.person_id, None);

    // The other card now goes to the user; deactivating the user locks it.
    assign(other, p.id).await.unwrap();
    let p = person(&e, "Bruno Berg").await;
    tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::UsersProcDeactivate,
        (ObjectKind::User, p.id),
        p.version,
        ProcessInput::because(Some(RevocationReason::CessationOfOperation)),
    )
    .await
    .unwrap();
    assert_eq!(
        card(&e, other).await.state.as_str(),
        TempCardState::Locked.as_str()
    );

    // Lock an unassigned card.
    let v = card(&e, id).await.version;
    tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::TempCardsProcLock,
        (ObjectKind::TempCard, id),
        v,
        ProcessInput {
            user_id: None,
            reason: Some(RevocationReason::KeyCompromise),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        card(&e, id).await.state.as_str(),
        TempCardState::Locked.as_str()
    );
    audit::verify(&e.db).await.unwrap();
}

/// An assignment past its end expires (scheduled); Withdraw takes the card back.
async fn an_assignment_expires(e: Engine) {
    let op = caller(&e, "operator").await;
    let id = produced_card(&e).await;
    let p = person(&e, "Bruno Berg").await;
    let v = card(&e, id).await.version;
    tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::TempCardsProcAssign,
        (ObjectKind::TempCard, id),
        v,
        ProcessInput {
            user_id: Some(p.id),
            reason: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(objects::temp_card::expire_due(&e).await.unwrap(), 0);
    // The end passes.
    let until = card(&e, id).await.assigned_until.unwrap();
    e.clock
        .advance(until - e.now() + chrono::Duration::minutes(1));
    assert_eq!(objects::temp_card::expire_due(&e).await.unwrap(), 1);
    assert_eq!(
        card(&e, id).await.state.as_str(),
        TempCardState::Expired.as_str()
    );
    let page = objects::temp_card::page(&e, &op, id).await.unwrap();
    assert!(page
        .commands
        .iter()
        .any(|c| c.process == ProcessId::TempCardsProcWithdraw));
}

on_both_backends!(
    a_batch_without_encoding_is_produced_in_one_step,
    assign_extend_withdraw_lock,
    an_assignment_expires,
);
