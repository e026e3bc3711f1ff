//! Request card and its approval through the process runner, on SQLite and PostgreSQL.

mod common;

use common::{bad, caller, person, refusal, refused, stored_card};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use tessera_engine::entity::{audit_log, card};
use tessera_engine::objects;
use tessera_engine::objects::card::Decision;
use tessera_engine::objects::user::page;
use tessera_engine::{audit, enablement, options, Engine, EngineError};
use tessera_process::dto::RequestsShown;
use tessera_process::lists::{Sort, SortBy, PAGE};
use tessera_process::{CardState, ErrorKind, OptionsPackage, ProcessId, State, UserState};

/// Cards made by Request card and its decisions (the demo data's issued cards are not counted).
async fn cards_count(e: &Engine) -> u64 {
    use sea_orm::{ColumnTrait, QueryFilter};
    card::Entity::find()
        .filter(card::Column::State.is_in(["requested", "approved", "rejected"]))
        .count(&e.db)
        .await
        .unwrap()
}

async fn request_with_approval_waits_for_an_approver(e: Engine) {
    let op = caller(&e, "operator").await;
    let alice = person(&e, "Bruno Berg").await;
    let preview = objects::card::preview(&e, &op, alice.id).await.unwrap();
    assert_eq!(preview.user.common_name, "Bruno Berg");
    assert_eq!(preview.user.upn, "bruno.berg@example.com");
    assert_eq!(preview.end_state, CardState::Requested);
    assert_eq!(cards_count(&e).await, 0, "the preview stores nothing");

    let out = objects::card::request(&e, &op, alice.id, alice.version)
        .await
        .unwrap();
    assert_eq!(out.state, CardState::Requested);
    let stored = stored_card(&e, out.card_id).await;
    assert_eq!(stored.state.as_str(), "requested");
    assert_eq!(stored.requested_by, op.account_id);

    let history = audit::history(&e.db, tessera_process::ObjectKind::Card, out.card_id)
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].action, "CardsProcRequest");
    assert_eq!(history[0].to_state.as_deref(), Some("requested"));
    let rec = audit_log::Entity::find().all(&e.db).await.unwrap();
    let last = rec.iter().find(|r| r.action == "CardsProcRequest").unwrap();
    assert!(
        last.data.contains("\"CardsRequestApproval\":true"),
        "{}",
        last.data
    );

    let approver = caller(&e, "approver").await;
    let list = objects::card::requests(&e, &approver, (0, None, RequestsShown::All))
        .await
        .unwrap()
        .rows;
    let row = list
        .iter()
        .find(|r| r.card_id == out.card_id)
        .expect("in the Requests list");
    assert!(!row.own_request);
    let state = objects::card::decide(&e, &approver, out.card_id, row.version, Decision::Approve)
        .await
        .unwrap();
    assert_eq!(state, CardState::Approved);
    let stored = stored_card(&e, out.card_id).await;
    assert_eq!((stored.state.as_str(), stored.version), ("approved", 2));
    assert_eq!(stored.decided_by, Some(approver.account_id));
    assert!(
        objects::card::requests(&e, &approver, (0, None, RequestsShown::All))
            .await
            .unwrap()
            .rows
            .iter()
            .all(|r| r.card_id != out.card_id)
    );
    assert!(audit::verify(&e.db).await.unwrap() >= 3);
}

async fn approval_off_lands_in_approved(e: Engine) {
    let admin = caller(&e, "admin").await;
    let op = caller(&e, "operator").await;
    let page = options::page(&e, &admin, OptionsPackage::CardsScriptOptions)
        .await
        .unwrap();
    let v = options::save(
        &e,
        &admin,
        OptionsPackage::CardsScriptOptions,
        page.version,
        &[("CardsRequestApproval".into(), "no".into())],
    )
    .await
    .unwrap();
    assert_eq!(v, page.version + 1);
    let u = person(&e, "Chloe Costa").await;
    let out = objects::card::request(&e, &op, u.id, u.version)
        .await
        .unwrap();
    assert_eq!(out.state, CardState::Approved);
    assert!(out
        .options
        .iter()
        .any(|o| o.key == "CardsRequestApproval" && o.value == "no"));
    let recent = audit::recent(&e.db, 5).await.unwrap();
    assert!(recent
        .iter()
        .any(|r| r.action == "options_changed"
            && r.detail.contains("CardsRequestApproval: yes → no")));
}

async fn an_approver_never_decides_their_own_request(e: Engine) {
    let sup = caller(&e, "supervisor").await;
    let u = person(&e, "Dmitri Dahl").await;
    let out = objects::card::request(&e, &sup, u.id, u.version)
        .await
        .unwrap();
    let rows = objects::card::requests(&e, &sup, (0, None, RequestsShown::All))
        .await
        .unwrap()
        .rows;
    assert!(
        rows.iter()
            .find(|r| r.card_id == out.card_id)
            .unwrap()
            .own_request
    );
    for d in [
        Decision::Approve,
        Decision::Reject {
            reason: "no".into(),
        },
        Decision::Postpone,
    ] {
        let err = objects::card::decide(&e, &sup, out.card_id, 1, d)
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::SelfApproval { .. }), "{err}");
    }
    let stored = stored_card(&e, out.card_id).await;
    assert_eq!((stored.state.as_str(), stored.version), ("requested", 1));
}

async fn rejection_needs_a_reason_and_notifies_the_requester(e: Engine) {
    let op = caller(&e, "operator").await;
    let ap = caller(&e, "approver").await;
    let u = person(&e, "Elena Ek").await;
    let out = objects::card::request(&e, &op, u.id, u.version)
        .await
        .unwrap();
    let err = objects::card::decide(
        &e,
        &ap,
        out.card_id,
        1,
        Decision::Reject {
            reason: "   ".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(&err), bad("reason"), "{err}");
    let stored = stored_card(&e, out.card_id).await;
    assert_eq!(stored.state.as_str(), "requested");
    let to = objects::card::decide(
        &e,
        &ap,
        out.card_id,
        1,
        Decision::Reject {
            reason: "Already has a valid card".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(to, CardState::Rejected);
    let notes = tessera_engine::notifications::mine(&e, &op).await.unwrap();
    assert!(
        notes
            .iter()
            .any(|(_, m)| m.contains("rejected: Already has a valid card")),
        "{notes:?}"
    );
    // A final state: nothing more can be decided.
    let err = objects::card::decide(&e, &ap, out.card_id, 2, Decision::Approve)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::WrongState { .. }), "{err}");
}

async fn postpone_keeps_the_request_and_moves_it_last(e: Engine) {
    let op = caller(&e, "operator").await;
    let ap = caller(&e, "approver").await;
    let a = person(&e, "Farid Falk").await;
    let b = person(&e, "Greta Gran").await;
    let first = objects::card::request(&e, &op, a.id, a.version)
        .await
        .unwrap();
    let second = objects::card::request(&e, &op, b.id, b.version)
        .await
        .unwrap();
    assert_eq!(
        objects::card::decide(&e, &ap, first.card_id, 1, Decision::Postpone)
            .await
            .unwrap(),
        CardState::Requested
    );
    let page = objects::card::requests(&e, &ap, (0, None, RequestsShown::All))
        .await
        .unwrap();
    let ids: Vec<i64> = page.rows.iter().map(|r| r.card_id).collect();
    assert_eq!(ids, vec![second.card_id, first.card_id]);
    assert_eq!(page.total, 2);
    assert!(page.rows[1]
        .postponed
        .as_deref()
        .unwrap()
        .starts_with("postponed by Astrid Approver"));
    // Ordered by the card, newest first, or by the user's name (Farid before Greta); a page
    // further on is empty; a state to order by is a bad request.
    let ordered = |by, descending| {
        let (e, ap) = (e.clone(), ap.clone());
        async move {
            objects::card::requests(
                &e,
                &ap,
                (0, Some(Sort { by, descending }), RequestsShown::All),
            )
            .await
            .unwrap()
            .rows
            .iter()
            .map(|r| r.card_id)
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        ordered(SortBy::Object, true).await,
        vec![second.card_id, first.card_id]
    );
    assert_eq!(
        ordered(SortBy::Holder, false).await,
        vec![first.card_id, second.card_id]
    );
    assert_eq!(
        ordered(SortBy::Holder, true).await,
        vec![second.card_id, first.card_id]
    );
    let beyond = objects::card::requests(&e, &ap, (PAGE, None, RequestsShown::All))
        .await
        .unwrap();
    assert!(beyond.rows.is_empty() && beyond.total == 2);
    // Only the postponed request, or only the others; the total counts what is shown.
    for (shown, expected) in [
        (RequestsShown::Postponed, first.card_id),
        (RequestsShown::NotPostponed, second.card_id),
    ] {
        let page = objects::card::requests(&e, &ap, (0, None, shown))
            .await
            .unwrap();
        let ids: Vec<i64> = page.rows.iter().map(|r| r.card_id).collect();
        assert_eq!((ids, page.total), (vec![expected], 1), "{shown:?}");
    }
    let state = Sort {
        by: SortBy::State,
        descending: false,
    };
    let err = objects::card::requests(&e, &ap, (0, Some(state), RequestsShown::All))
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), bad("sort"), "{err}");
    let err = objects::card::requests(&e, &ap, (u64::MAX, None, RequestsShown::All))
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), bad("offset"), "{err}");
}

async fn refusals_change_nothing(e: Engine) {
    let op = caller(&e, "operator").await;
    let ap = caller(&e, "approver").await;
    let selfservice = caller(&e, "alice").await;
    let active = person(&e, "Hiro Holm").await;
    let inactive = person(&e, "Jonas Jansen").await;
    assert_eq!(inactive.state.as_str(), UserState::Inactive.as_str());
    let before = audit::verify(&e.db).await.unwrap();

    let err = objects::card::request(&e, &op, inactive.id, inactive.version)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::WrongState { .. }), "{err}");
    assert!(err.to_string().contains("\"active\""), "{err}");
    let err = objects::card::preview(&e, &op, inactive.id)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::WrongState { .. }), "{err}");

    let err = objects::card::request(&e, &ap, active.id, active.version)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Forbidden(_)), "{err}");
    let err = objects::card::request(&e, &selfservice, active.id, active.version)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Forbidden(_)), "{err}");
    let err = objects::card::requests(&e, &op, (0, None, RequestsShown::All))
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Forbidden(_)), "{err}");

    let err = objects::card::request(&e, &op, 999_999, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::NotFound { .. }), "{err}");
    let err = objects::card::decide(&e, &ap, 999_999, 1, Decision::Approve)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::NotFound { .. }), "{err}");

    let err = objects::card::request(&e, &op, active.id, active.version + 7)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Conflict { .. }), "{err}");

    let txn = e.write().await.unwrap();
    enablement::disable(
        &txn,
        ProcessId::CardsProcRequest,
        State::User(UserState::Active),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let err = objects::card::request(&e, &op, active.id, active.version)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::NotEnabled { .. }), "{err}");
    assert_eq!(refusal(&err), refused(ErrorKind::Conflict), "{err}");
    let page = page::of(&e, &op, active.id).await.unwrap();
    assert!(page
        .commands
        .iter()
        .all(|c| c.process != ProcessId::CardsProcRequest));

    assert_eq!(cards_count(&e).await, 0);
    // Refusals write nothing but the sign-ins the test made.
    let after = audit::verify(&e.db).await.unwrap();
    assert_eq!(after, before);
}

async fn a_stale_version_is_refused_not_overwritten(e: Engine) {
    let op = caller(&e, "operator").await;
    let ap = caller(&e, "approver").await;
    let sup = caller(&e, "supervisor").await;
    let u = person(&e, "Ingrid Isaksson").await;
    let out = objects::card::request(&e, &op, u.id, u.version)
        .await
        .unwrap();
    objects::card::decide(&e, &ap, out.card_id, 1, Decision::Postpone)
        .await
        .unwrap();
    // The supervisor still sees version 1.
    let err = objects::card::decide(&e, &sup, out.card_id, 1, Decision::Approve)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Conflict { .. }), "{err}");
    assert_eq!(refusal(&err), refused(ErrorKind::Conflict), "{err}");
    let stored = stored_card(&e, out.card_id).await;
    assert_eq!(
        (stored.state.as_str(), stored.version, stored.decided_by),
        ("requested", 2, None)
    );
}

async fn concurrent_decisions_on_one_card_let_exactly_one_win(e: Engine) {
    let op = caller(&e, "operator").await;
    let ap = caller(&e, "approver").await;
    let sup = caller(&e, "supervisor").await;
    let u = person(&e, "Kaja Karlsson").await;
    let out = objects::card::request(&e, &op, u.id, u.version)
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        objects::card::decide(&e, &ap, out.card_id, 1, Decision::Approve),
        objects::card::decide(
            &e,
            &sup,
            out.card_id,
            1,
            Decision::Reject {
                reason: "duplicate".into()
            }
        ),
    );
    assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{a:?} {b:?}");
    let loser = match (a, b) {
        (Ok(_), Err(e)) | (Err(e), Ok(_)) => e,
        other => unreachable!("{other:?}"),
    };
    assert!(
        matches!(
            loser,
            EngineError::Conflict { .. } | EngineError::WrongState { .. }
        ),
        "{loser}"
    );
    audit::verify(&e.db).await.unwrap();
}

async fn concurrent_requests_all_land_and_keep_the_audit_chain(e: Engine) {
    let op = caller(&e, "operator").await;
    let u = person(&e, "Liam Lind").await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (e, op) = (e.clone(), op.clone());
        tasks.push(tokio::spawn(async move {
            objects::card::request(&e, &op, u.id, u.version).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(cards_count(&e).await, 20);
    audit::verify(&e.db).await.unwrap();
}

async fn a_changed_audit_record_is_detected(e: Engine) {
    let op = caller(&e, "operator").await;
    let u = person(&e, "Maja Moreau").await;
    objects::card::request(&e, &op, u.id, u.version)
        .await
        .unwrap();
    audit::verify(&e.db).await.unwrap();
    e.db.execute_unprepared(
        "UPDATE audit_log SET detail = 'nothing happened' WHERE action = 'CardsProcRequest'",
    )
    .await
    .unwrap();
    let err = audit::verify(&e.db).await.unwrap_err();
    assert!(err.to_string().contains("changed"), "{err}");
}

async fn a_removed_audit_record_is_detected(e: Engine) {
    let op = caller(&e, "operator").await;
    let u = person(&e, "Nils Nord").await;
    objects::card::request(&e, &op, u.id, u.version)
        .await
        .unwrap();
    e.db.execute_unprepared("DELETE FROM audit_log WHERE seq = 2")
        .await
        .unwrap();
    assert!(audit::verify(&e.db).await.is_err());
}

async fn a_missing_audit_head_is_detected(e: Engine) {
    let op = caller(&e, "operator").await;
    let u = person(&e, "Oskar Ortiz").await;
    objects::card::request(&e, &op, u.id, u.version)
        .await
        .unwrap();
    e.db.execute_unprepared("DELETE FROM audit_head")
        .await
        .unwrap();
    let err = audit::verify(&e.db).await.unwrap_err();
    assert!(err.to_string().contains("audit head"), "{err}");
}

/// Next sent twice with the page's key (a double click, the back button, a retry) makes one
/// card and answers both times with it; a refusal lets the key go, so the corrected form can
/// be sent again; the key is the account's own.
async fn next_sent_twice_makes_one_card(e: Engine) {
    use tessera_engine::submission::once;
    let op = caller(&e, "operator").await;
    let u = person(&e, "Elena Ek").await;
    let what = ProcessId::CardsProcRequest.as_str();
    let key = "0123456789abcdef0123456789abcdef";
    let request = |who| {
        let e = e.clone();
        async move {
            let who = caller(&e, who).await;
            once(&e, &who, Some(key), what, async || {
                objects::card::request(&e, &who, u.id, u.version).await
            })
            .await
        }
    };
    // A stale version is refused, and the key is free again afterwards.
    let stale = once(&e, &op, Some(key), what, async || {
        objects::card::request(&e, &op, u.id, u.version + 1).await
    })
    .await
    .unwrap_err();
    assert_eq!(refusal(&stale), refused(ErrorKind::Conflict), "{stale}");
    let first = request("operator").await.unwrap();
    let again = request("operator").await.unwrap();
    assert_eq!(again, first, "the second Next answers with the first card");
    assert_eq!(cards_count(&e).await, 1);
    // Two at once (a double click): one card between them.
    let second_key = "fedcba9876543210fedcba9876543210";
    let twice = |_| {
        let (e, op) = (e.clone(), op.clone());
        async move {
            once(&e, &op, Some(second_key), what, async || {
                objects::card::request(&e, &op, u.id, u.version).await
            })
            .await
        }
    };
    let (a, b) = tokio::join!(twice(1), twice(2));
    let made: Vec<_> = [&a, &b].iter().filter_map(|r| r.as_ref().ok()).collect();
    assert!(!made.is_empty(), "{a:?} {b:?}");
    for r in [&a, &b] {
        if let Err(err) = r {
            assert_eq!(refusal(err), refused(ErrorKind::Conflict), "{err}");
        }
    }
    assert_eq!(
        cards_count(&e).await,
        2,
        "one for the first key, one for the second"
    );
    // Another account's equal key is its own.
    let by_supervisor = request("supervisor").await.unwrap();
    assert_ne!(by_supervisor.card_id, first.card_id);
    assert_eq!(cards_count(&e).await, 3);
    // A key used for another form, or one no page makes, is refused and does nothing.
    let other = once(&e, &op, Some(key), "create_user", async || {
        objects::card::request(&e, &op, u.id, u.version).await
    })
    .await
    .unwrap_err();
    assert_eq!(refusal(&other), bad("once"), "{other}");
    let short = once(&e, &op, Some("abc"), what, async || {
        objects::card::request(&e, &op, u.id, u.version).await
    })
    .await
    .unwrap_err();
    assert_eq!(refusal(&short), bad("once"), "{short}");
    assert_eq!(cards_count(&e).await, 3);
    // Without a key (an API client) every call does its work.
    for _ in 0..2 {
        once(&e, &op, None, what, async || {
            objects::card::request(&e, &op, u.id, u.version).await
        })
        .await
        .unwrap();
    }
    assert_eq!(cards_count(&e).await, 5);
}

/// Abort card request: the operator withdraws a card request before it is decided. The card is
/// `aborted` (final), leaves the Requests list, and can no longer be approved; a decided card is
/// not aborted, and an approver (who decides) does not abort.
async fn abort_card_request_withdraws_it_before_the_decision(e: Engine) {
    const ABORT: ProcessId = ProcessId::CardsProcAbort;
    let op = caller(&e, "operator").await;
    let approver = caller(&e, "approver").await;
    let bruno = person(&e, "Bruno Berg").await;
    let out = objects::card::request(&e, &op, bruno.id, bruno.version)
        .await
        .unwrap();
    let card = (tessera_process::ObjectKind::Card, out.card_id);
    let listed = |e: Engine, who: tessera_engine::Caller, id: i64| async move {
        objects::card::requests(&e, &who, (0, None, RequestsShown::All))
            .await
            .unwrap()
            .rows
            .iter()
            .any(|r| r.card_id == id)
    };
    assert!(listed(e.clone(), approver.clone(), out.card_id).await);
    assert!(matches!(
        tessera_engine::lifecycle::preview(&e, &approver, ABORT, card).await,
        Err(EngineError::Forbidden(_))
    ));
    let version = stored_card(&e, out.card_id).await.version;
    let done = tessera_engine::lifecycle::run(
        &e,
        &op,
        ABORT,
        card,
        version,
        tessera_process::dto::ProcessInput::because(None),
    )
    .await
    .unwrap();
    assert_eq!(done.state, State::Card(CardState::Aborted));
    assert_eq!(stored_card(&e, out.card_id).await.state.as_str(), "aborted");
    assert!(!listed(e.clone(), approver.clone(), out.card_id).await);
    let late = objects::card::decide(
        &e,
        &approver,
        out.card_id,
        stored_card(&e, out.card_id).await.version,
        Decision::Approve,
    )
    .await;
    assert!(late.is_err(), "{late:?}");
    assert_eq!(stored_card(&e, out.card_id).await.state.as_str(), "aborted");
    let history = audit::history(&e.db, tessera_process::ObjectKind::Card, out.card_id)
        .await
        .unwrap();
    assert_eq!(
        history
            .iter()
            .map(|h| h.action.as_str())
            .collect::<Vec<_>>(),
        ["CardsProcRequest", "CardsProcAbort"]
    );

    // Once approved it is no longer a request to withdraw.
    let karim = person(&e, "Karim Khan").await;
    let other = objects::card::request(&e, &op, karim.id, karim.version)
        .await
        .unwrap();
    let v = stored_card(&e, other.card_id).await.version;
    objects::card::decide(&e, &approver, other.card_id, v, Decision::Approve)
        .await
        .unwrap();
    let v = stored_card(&e, other.card_id).await.version;
    let refused_abort = tessera_engine::lifecycle::run(
        &e,
        &op,
        ABORT,
        (tessera_process::ObjectKind::Card, other.card_id),
        v,
        tessera_process::dto::ProcessInput::because(None),
    )
    .await;
    assert!(
        matches!(refused_abort, Err(EngineError::WrongState { .. })),
        "{refused_abort:?}"
    );
    assert_eq!(
        stored_card(&e, other.card_id).await.state.as_str(),
        "approved"
    );
}

on_both_backends!(
    a_missing_audit_head_is_detected,
    next_sent_twice_makes_one_card,
    request_with_approval_waits_for_an_approver,
    approval_off_lands_in_approved,
    an_approver_never_decides_their_own_request,
    rejection_needs_a_reason_and_notifies_the_requester,
    postpone_keeps_the_request_and_moves_it_last,
    refusals_change_nothing,
    a_stale_version_is_refused_not_overwritten,
    concurrent_decisions_on_one_card_let_exactly_one_win,
    concurrent_requests_all_land_and_keep_the_audit_chain,
    a_changed_audit_record_is_detected,
    a_removed_audit_record_is_detected,
    abort_card_request_withdraws_it_before_the_decision,
);
