//! Activate, Deactivate, Reactivate and Lock card: the card and its certificates in one
//! transaction, on SQLite and PostgreSQL.

mod common;

use common::{bad, caller, person, refusal, refused, stored_card};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tessera_engine::entity::{card, certificate};
use tessera_engine::objects;
use tessera_engine::pki::issue::{self, SubjectData};
use tessera_engine::pki::keys::{self, KeySource};
use tessera_engine::pki::{crl, profiles};
use tessera_engine::{enablement, Engine, EngineError};
use tessera_process::dto::ProcessInput;
use tessera_process::profile::KeyAlgorithm;
use tessera_process::{CardState, ErrorKind, ObjectKind, ProcessId, RevocationReason, State};

async fn certificate_states(e: &Engine, card_id: i64) -> Vec<String> {
    let mut v: Vec<String> = certificate::Entity::find()
        .filter(certificate::Column::OwnerKind.eq("card"))
        .filter(certificate::Column::OwnerId.eq(card_id))
        .all(&e.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.state.to_string())
        .collect();
    v.sort();
    v
}

async fn active_card_of(e: &Engine, name: &str) -> card::Model {
    let p = person(e, name).await;
    card::Entity::find()
        .filter(card::Column::PersonId.eq(p.id))
        .filter(card::Column::State.eq("active"))
        .one(&e.db)
        .await
        .unwrap()
        .expect("an active demo card")
}

async fn deactivate_reactivate_and_lock(e: Engine) {
    let op = caller(&e, "operator").await;
    let c = active_card_of(&e, "Karim Khan").await;
    assert_eq!(certificate_states(&e, c.id).await, ["valid", "valid"]);

    let preview = tessera_engine::lifecycle::preview(
        &e,
        &op,
        ProcessId::CardsProcDeactivate,
        (ObjectKind::Card, c.id),
    )
    .await
    .unwrap();
    assert_eq!(preview.end_state, State::Card(CardState::Inactive));
    assert_eq!(preview.certificates, 2);
    assert!(!preview.needs_reason);
    assert_eq!(
        preview.subject.holder().expect("the holder").common_name,
        "Karim Khan"
    );

    let out = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::CardsProcDeactivate,
        (ObjectKind::Card, c.id),
        c.version,
        ProcessInput::because(None),
    )
    .await
    .unwrap();
    assert_eq!(out.state, State::Card(CardState::Inactive));
    assert_eq!(out.certificates_changed, 2);
    assert_eq!(certificate_states(&e, c.id).await, ["on_hold", "on_hold"]);
    // The CRL lists certificates on hold.
    assert!(crl::latest(&e.db).await.unwrap().unwrap().entries >= 2);

    // A page that still shows the old version changes nothing.
    let stale = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::CardsProcReactivate,
        (ObjectKind::Card, c.id),
        c.version,
        ProcessInput::because(None),
    )
    .await;
    assert!(
        matches!(stale, Err(EngineError::Conflict { .. })),
        "{stale:?}"
    );
    let c = stored_card(&e, c.id).await;
    assert_eq!(c.state.as_str(), "inactive");

    tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::CardsProcReactivate,
        (ObjectKind::Card, c.id),
        c.version,
        ProcessInput::because(None),
    )
    .await
    .unwrap();
    assert_eq!(certificate_states(&e, c.id).await, ["valid", "valid"]);

    // Lock needs a reason, and "certificate hold" is none; nothing changes without one.
    let c = stored_card(&e, c.id).await;
    let preview = tessera_engine::lifecycle::preview(
        &e,
        &op,
        ProcessId::CardsProcLock,
        (ObjectKind::Card, c.id),
    )
    .await
    .unwrap();
    assert!(preview.needs_reason);
    let err = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::CardsProcLock,
        (ObjectKind::Card, c.id),
        c.version,
        ProcessInput::because(None),
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(&err), bad("reason"), "{err}");
    let err = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::CardsProcLock,
        (ObjectKind::Card, c.id),
        c.version,
        ProcessInput::because(Some(RevocationReason::CertificateHold)),
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(&err), bad("reason"), "{err}");
    assert_eq!(stored_card(&e, c.id).await.state.as_str(), "active");
    let out = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::CardsProcLock,
        (ObjectKind::Card, c.id),
        c.version,
        ProcessInput::because(Some(RevocationReason::KeyCompromise)),
    )
    .await
    .unwrap();
    assert_eq!(out.state, State::Card(CardState::Locked));
    let certs = certificate::Entity::find()
        .filter(certificate::Column::OwnerKind.eq("card"))
        .filter(certificate::Column::OwnerId.eq(c.id))
        .all(&e.db)
        .await
        .unwrap();
    assert!(
        certs.iter().all(|x| x.state.as_str() == "revoked"
            && x.revocation_reason.as_deref() == Some("key_compromise")),
        "{certs:?}"
    );
    // Locked is final: nothing more is offered or accepted.
    let err = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::CardsProcReactivate,
        (ObjectKind::Card, c.id),
        c.version + 1,
        ProcessInput::because(None),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, EngineError::WrongState { .. }), "{err}");
    let page = objects::card::page(&e, &op, c.id).await.unwrap();
    assert!(page.commands.is_empty(), "{:?}", page.commands);
}

async fn activate_an_issued_card_validates_its_certificates(e: Engine) {
    let op = caller(&e, "operator").await;
    let ap = caller(&e, "approver").await;
    let p = person(&e, "Bruno Berg").await;
    let out = objects::card::request(&e, &op, p.id, p.version)
        .await
        .unwrap();
    let c = stored_card(&e, out.card_id).await;
    objects::card::decide(&e, &ap, c.id, c.version, objects::card::Decision::Approve)
        .await
        .unwrap();
    // As Issue card leaves it (the bridge tests cover the encoding itself).
    use sea_orm::ConnectionTrait;
    e.db.execute_unprepared(&format!(
        "UPDATE card SET state = 'issued' WHERE id = {}",
        c.id
    ))
    .await
    .unwrap();
    let profile = profiles::by_name(&e.db, "Authentication").await.unwrap();
    let key = keys::generate(KeyAlgorithm::EcdsaP256).unwrap();
    issue::issue(
        &e.db,
        e.now(),
        e.pki().unwrap(),
        Some(&op),
        (ObjectKind::Card, c.id),
        &SubjectData::from(&p),
        &profile,
        KeySource::Spki(rcgen::PublicKeyData::subject_public_key_info(&key)),
    )
    .await
    .unwrap();
    assert_eq!(certificate_states(&e, c.id).await, ["issued"]);
    let c = stored_card(&e, c.id).await;
    let page = objects::card::page(&e, &op, c.id).await.unwrap();
    assert!(page
        .commands
        .iter()
        .any(|x| x.process == ProcessId::CardsProcActivate));
    let out = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::CardsProcActivate,
        (ObjectKind::Card, c.id),
        c.version,
        ProcessInput::because(None),
    )
    .await
    .unwrap();
    assert_eq!(out.state, State::Card(CardState::Active));
    assert_eq!(certificate_states(&e, c.id).await, ["valid"]);
}

async fn only_operators_and_only_enabled_processes(e: Engine) {
    let c = active_card_of(&e, "Karim Khan").await;
    let ap = caller(&e, "approver").await;
    let err = tessera_engine::lifecycle::run(
        &e,
        &ap,
        ProcessId::CardsProcDeactivate,
        (ObjectKind::Card, c.id),
        c.version,
        ProcessInput::because(None),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, EngineError::Forbidden(_)), "{err}");
    // A self-service user may not even look at someone else's card process.
    let alice = caller(&e, "alice").await;
    assert!(tessera_engine::lifecycle::preview(
        &e,
        &alice,
        ProcessId::CardsProcDeactivate,
        (ObjectKind::Card, c.id)
    )
    .await
    .is_err());
    // A process the admin disabled is refused, even by a crafted call.
    enablement::disable(
        &e.db,
        ProcessId::CardsProcDeactivate,
        State::Card(CardState::Active),
    )
    .await
    .unwrap();
    let op = caller(&e, "operator").await;
    let err = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::CardsProcDeactivate,
        (ObjectKind::Card, c.id),
        c.version,
        ProcessInput::because(None),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, EngineError::NotEnabled { .. }), "{err}");
    // A process that is not a card process is refused as such.
    let err = tessera_engine::lifecycle::preview(
        &e,
        &op,
        ProcessId::UsersProcLock,
        (ObjectKind::Card, c.id),
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(&err), refused(ErrorKind::BadRequest), "{err}");
    assert_eq!(stored_card(&e, c.id).await.state.as_str(), "active");
}

async fn a_card_of_a_user_who_is_not_active_is_not_reactivated(e: Engine) {
    let op = caller(&e, "operator").await;
    let c = active_card_of(&e, "Karim Khan").await;
    let karim = person(&e, "Karim Khan").await;
    tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::UsersProcDeactivate,
        (ObjectKind::User, karim.id),
        karim.version,
        ProcessInput::because(None),
    )
    .await
    .unwrap();
    let c = stored_card(&e, c.id).await;
    assert_eq!(c.state.as_str(), "inactive", "deactivated with the user");
    let err = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::CardsProcReactivate,
        (ObjectKind::Card, c.id),
        c.version,
        ProcessInput::because(None),
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(&err), refused(ErrorKind::Conflict), "{err}");
    assert_eq!(certificate_states(&e, c.id).await, ["on_hold", "on_hold"]);
}

on_both_backends!(
    a_card_of_a_user_who_is_not_active_is_not_reactivated,
    deactivate_reactivate_and_lock,
    activate_an_issued_card_validates_its_certificates,
    only_operators_and_only_enabled_processes,
);
