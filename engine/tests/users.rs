//! Deactivate, Reactivate and Lock user with their cascades, on SQLite and PostgreSQL.

mod common;

use common::{bad, caller, person, refusal, refused, stored_card};
use tessera_engine::pki::crl;
use tessera_engine::{Engine, EngineError};
use tessera_process::dto::ProcessInput;
use tessera_process::{
    CertificateState, ErrorKind, ObjectKind, ProcessId, RevocationReason, State, UserState,
};

async fn alice_cards(e: &Engine) -> (i64, i64) {
    let alice = person(e, "Alice Andersson").await;
    let certs = tessera_engine::pki::of_person(&e.db, alice.id)
        .await
        .unwrap();
    let active = certs
        .iter()
        .find(|c| c.state == CertificateState::Valid)
        .unwrap()
        .owner_id;
    let locked = certs
        .iter()
        .find(|c| c.state == CertificateState::Revoked)
        .unwrap()
        .owner_id;
    (active, locked)
}

async fn cert_states(e: &Engine, person_id: i64) -> Vec<(i64, CertificateState)> {
    let mut v: Vec<_> = tessera_engine::pki::of_person(&e.db, person_id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.state))
        .collect();
    v.sort();
    v
}

async fn deactivate_and_reactivate_cascade_to_cards_and_certificates(e: Engine) {
    let op = caller(&e, "operator").await;
    let alice = person(&e, "Alice Andersson").await;
    let (active, locked) = alice_cards(&e).await;
    let preview = tessera_engine::lifecycle::preview(
        &e,
        &op,
        ProcessId::UsersProcDeactivate,
        (ObjectKind::User, alice.id),
    )
    .await
    .unwrap();
    assert_eq!(preview.end_state, State::User(UserState::Inactive));
    assert_eq!(
        preview.cascade.len(),
        1,
        "only the active card can be deactivated"
    );
    assert_eq!(preview.cascade[0].id, active);
    assert_eq!(preview.certificates, 3);
    assert!(!preview.needs_reason);

    let out = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::UsersProcDeactivate,
        (ObjectKind::User, alice.id),
        alice.version,
        ProcessInput::because(None),
    )
    .await
    .unwrap();
    assert_eq!(out.state, State::User(UserState::Inactive));
    assert_eq!(out.certificates_changed, 3);
    assert_eq!(stored_card(&e, active).await.state.as_str(), "inactive");
    assert_eq!(stored_card(&e, locked).await.state.as_str(), "locked");
    let states = cert_states(&e, alice.id).await;
    assert_eq!(
        states
            .iter()
            .filter(|(_, s)| *s == CertificateState::OnHold)
            .count(),
        3
    );

    // A stale version changes nothing.
    let err = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::UsersProcReactivate,
        (ObjectKind::User, alice.id),
        alice.version,
        ProcessInput::because(None),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, EngineError::Conflict { .. }), "{err}");
    assert_eq!(cert_states(&e, alice.id).await, states);

    // Reactivating the user does not reactivate the card deactivated with them: its
    // certificates stay on hold until the card is reactivated.
    let out = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::UsersProcReactivate,
        (ObjectKind::User, alice.id),
        alice.version + 1,
        ProcessInput::because(None),
    )
    .await
    .unwrap();
    assert_eq!(out.state, State::User(UserState::Active));
    assert_eq!(stored_card(&e, active).await.state.as_str(), "inactive");
    assert_eq!(cert_states(&e, alice.id).await, states);
}

async fn lock_user_revokes_everything_with_a_reason(e: Engine) {
    let op = caller(&e, "operator").await;
    let alice = person(&e, "Alice Andersson").await;
    let (active, _) = alice_cards(&e).await;
    let before = crl::latest(&e.db).await.unwrap().unwrap();
    let preview = tessera_engine::lifecycle::preview(
        &e,
        &op,
        ProcessId::UsersProcLock,
        (ObjectKind::User, alice.id),
    )
    .await
    .unwrap();
    assert!(preview.needs_reason);
    let err = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::UsersProcLock,
        (ObjectKind::User, alice.id),
        alice.version,
        ProcessInput::because(None),
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(&err), bad("reason"), "{err}");
    let err = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::UsersProcLock,
        (ObjectKind::User, alice.id),
        alice.version,
        ProcessInput::because(Some(RevocationReason::CertificateHold)),
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(&err), bad("reason"), "{err}");
    assert_eq!(
        person(&e, "Alice Andersson").await.state.as_str(),
        "active",
        "refusals change nothing"
    );

    let out = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::UsersProcLock,
        (ObjectKind::User, alice.id),
        alice.version,
        ProcessInput::because(Some(RevocationReason::AffiliationChanged)),
    )
    .await
    .unwrap();
    assert_eq!(out.state, State::User(UserState::Locked));
    assert_eq!(stored_card(&e, active).await.state.as_str(), "locked");
    let certs = tessera_engine::pki::of_person(&e.db, alice.id)
        .await
        .unwrap();
    assert!(
        certs.iter().all(|c| c.state == CertificateState::Revoked),
        "{certs:?}"
    );
    assert_eq!(
        certs
            .iter()
            .filter(|c| c.revocation_reason.as_deref() == Some("Affiliation changed"))
            .count(),
        3
    );
    let after = crl::latest(&e.db).await.unwrap().unwrap();
    assert!(after.number > before.number && after.entries == before.entries + 3);
    // Alice's self-service account is disabled and signed out with her.
    assert!(
        tessera_engine::auth::login(&e, "alice", "alice-demo", "test")
            .await
            .is_err()
    );
    // Locked is final: nothing more can be done.
    let err = tessera_engine::lifecycle::preview(
        &e,
        &op,
        ProcessId::UsersProcReactivate,
        (ObjectKind::User, alice.id),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, EngineError::WrongState { .. }), "{err}");
    let history = tessera_engine::audit::history(&e.db, tessera_process::ObjectKind::Card, active)
        .await
        .unwrap();
    assert!(history
        .iter()
        .any(|h| h.action == "CardsProcLock" && h.detail.contains("Lock user")));
}

async fn a_card_request_of_a_deactivated_user_is_not_approved(e: Engine) {
    let op = caller(&e, "operator").await;
    let ap = caller(&e, "approver").await;
    let bruno = person(&e, "Bruno Berg").await;
    let card = tessera_engine::objects::card::request(&e, &op, bruno.id, bruno.version)
        .await
        .unwrap();
    let bruno = person(&e, "Bruno Berg").await;
    tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::UsersProcDeactivate,
        (ObjectKind::User, bruno.id),
        bruno.version,
        ProcessInput::because(None),
    )
    .await
    .unwrap();
    let err = tessera_engine::objects::card::decide(
        &e,
        &ap,
        card.card_id,
        1,
        tessera_engine::objects::card::Decision::Approve,
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(&err), refused(ErrorKind::Conflict), "{err}");
    tessera_engine::objects::card::decide(
        &e,
        &ap,
        card.card_id,
        1,
        tessera_engine::objects::card::Decision::Reject {
            reason: "left".into(),
        },
    )
    .await
    .unwrap();
}

async fn only_operators_run_user_processes(e: Engine) {
    let alice = person(&e, "Alice Andersson").await;
    for who in ["approver", "alice", "admin"] {
        let c = caller(&e, who).await;
        let err = tessera_engine::lifecycle::run(
            &e,
            &c,
            ProcessId::UsersProcDeactivate,
            (ObjectKind::User, alice.id),
            alice.version,
            ProcessInput::because(None),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, EngineError::Forbidden(_)), "{who}: {err}");
    }
    let op = caller(&e, "operator").await;
    let err = tessera_engine::lifecycle::preview(
        &e,
        &op,
        ProcessId::CardsProcRequest,
        (ObjectKind::User, alice.id),
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(&err), refused(ErrorKind::BadRequest), "{err}");
    // Disabled by the admin: refused even if called directly.
    let txn = e.write().await.unwrap();
    tessera_engine::enablement::disable(
        &txn,
        ProcessId::UsersProcDeactivate,
        tessera_process::State::User(UserState::Active),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let err = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::UsersProcDeactivate,
        (ObjectKind::User, alice.id),
        alice.version,
        ProcessInput::because(None),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, EngineError::NotEnabled { .. }), "{err}");
}

/// Abort user: the request for a new user (or a registered user never activated) is withdrawn.
/// The user is `aborted`, which is final: no approver sees the request any more, nor can approve
/// it; an active user cannot be aborted, and only operators abort.
async fn abort_user_withdraws_a_request_for_a_new_user(e: Engine) {
    const ABORT: ProcessId = ProcessId::UsersProcAbort;
    common::set_options(
        &e,
        tessera_process::OptionsPackage::UsersScriptOptions,
        &[("UsersCreateApproval", "yes")],
    )
    .await;
    let op = caller(&e, "operator").await;
    let ap = caller(&e, "approver").await;
    let input = tessera_process::person::PersonInput {
        employee_id: "E9100".into(),
        given_name: "Olle".into(),
        surname: "Ohlsson".into(),
        email: "olle.ohlsson@example.com".into(),
        upn: "olle.ohlsson@example.com".into(),
        department: "IT".into(),
    };
    let olle = tessera_engine::objects::user::directory::create(&e, &op, input)
        .await
        .unwrap();
    assert_eq!(olle.state, UserState::Requested);
    let waiting = |e: &Engine, ap: &tessera_engine::Caller| {
        let (e, ap) = (e.clone(), ap.clone());
        async move {
            tessera_engine::objects::user::directory::requested(&e, &ap)
                .await
                .unwrap()
                .iter()
                .any(|u| u.id == olle.id)
        }
    };
    assert!(waiting(&e, &ap).await);
    // The user page offers it for the requested user.
    let page = tessera_engine::objects::user::page::of(&e, &op, olle.id)
        .await
        .unwrap();
    assert!(
        page.commands.iter().any(|c| c.process == ABORT),
        "{:?}",
        page.commands
    );

    // Only operators.
    let alice = caller(&e, "alice").await;
    assert!(matches!(
        tessera_engine::lifecycle::preview(&e, &alice, ABORT, (ObjectKind::User, olle.id)).await,
        Err(EngineError::Forbidden(_))
    ));
    let preview = tessera_engine::lifecycle::preview(&e, &op, ABORT, (ObjectKind::User, olle.id))
        .await
        .unwrap();
    assert_eq!(preview.end_state, State::User(UserState::Aborted));
    assert!(!preview.needs_reason);
    let out = tessera_engine::lifecycle::run(
        &e,
        &op,
        ABORT,
        (ObjectKind::User, olle.id),
        olle.version,
        ProcessInput::because(None),
    )
    .await
    .unwrap();
    assert_eq!(out.state, State::User(UserState::Aborted));
    assert!(!waiting(&e, &ap).await, "the approver no longer sees it");
    let late = tessera_engine::objects::user::directory::decide(
        &e,
        &ap,
        olle.id,
        person(&e, "Olle Ohlsson").await.version,
        true,
        "",
    )
    .await;
    assert!(
        late.is_err(),
        "an aborted request is not approved: {late:?}"
    );
    assert_eq!(person(&e, "Olle Ohlsson").await.state, UserState::Aborted);
    // Final: not aborted twice; and an active user is not aborted.
    let again = tessera_engine::lifecycle::run(
        &e,
        &op,
        ABORT,
        (ObjectKind::User, olle.id),
        person(&e, "Olle Ohlsson").await.version,
        ProcessInput::because(None),
    )
    .await;
    assert!(
        matches!(again, Err(EngineError::WrongState { .. })),
        "{again:?}"
    );
    let bruno = person(&e, "Bruno Berg").await;
    let active = tessera_engine::lifecycle::run(
        &e,
        &op,
        ABORT,
        (ObjectKind::User, bruno.id),
        bruno.version,
        ProcessInput::because(None),
    )
    .await;
    assert!(
        matches!(active, Err(EngineError::WrongState { .. })),
        "{active:?}"
    );
    assert_eq!(person(&e, "Bruno Berg").await.state, UserState::Active);
}

on_both_backends!(
    deactivate_and_reactivate_cascade_to_cards_and_certificates,
    lock_user_revokes_everything_with_a_reason,
    only_operators_run_user_processes,
    a_card_request_of_a_deactivated_user_is_not_approved,
    abort_user_withdraws_a_request_for_a_new_user,
);
