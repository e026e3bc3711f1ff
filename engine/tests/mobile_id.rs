//! Supply mobile ID and Get mobile ID, the one-time activation, and enrollment over EST through
//! the engine (the HTTP layer and curl + openssl are in server/tests/est.rs), on SQLite and
//! PostgreSQL; the QR code by e-mail through a real SMTP server.

mod common;

use common::{caller, credentials, link_in, mailer, p256_csr, person};
use rcgen::{CertificateParams, KeyPair};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tessera_engine::entity::{
    audit_log, certificate, key_escrow, mail_outbox, mobile_id_activation,
};
use tessera_engine::objects;
use tessera_engine::objects::mobile_id::activation::EMAIL_VALIDITY;
use tessera_engine::objects::mobile_id::enroll::{self, Credentials, EstError, KeyRequest};
use tessera_engine::testing::SmtpSink;
use tessera_engine::{Engine, EngineError};
use tessera_process::dto::ActivationState;
use tessera_process::dto::ProcessInput;
use tessera_process::{
    MobileIdState, ObjectKind, OptionsPackage, ProcessId, RevocationReason, State,
};

const SUPPLY: ProcessId = ProcessId::MobileIDProcSupplyMobileIDForUser;

async fn set_options(e: &Engine, changes: &[(&str, &str)]) {
    common::set_options(e, OptionsPackage::MobileIDScriptOptions, changes).await;
}

fn rsa_csr() -> Vec<u8> {
    let key = tessera_engine::pki::keys::generate(tessera_process::profile::KeyAlgorithm::Rsa2048)
        .unwrap();
    CertificateParams::new(Vec::<String>::new())
        .unwrap()
        .serialize_request(&key)
        .unwrap()
        .der()
        .to_vec()
}

async fn phone(
    e: &Engine,
    label: &str,
    (id, code): &(String, String),
    csr: &[u8],
) -> Result<enroll::Enrolled, EstError> {
    let cred = Credentials {
        public_id: id,
        code,
    };
    enroll::enroll(e, "192.0.2.7", label, &cred, KeyRequest::Phone { csr }).await
}

async fn certificates(e: &Engine, mobile_id: i64) -> Vec<certificate::Model> {
    certificate::Entity::find()
        .filter(certificate::Column::OwnerKind.eq(ObjectKind::MobileId.as_str()))
        .filter(certificate::Column::OwnerId.eq(mobile_id))
        .all(&e.db)
        .await
        .unwrap()
}

fn status<T>(r: Result<T, EstError>) -> (u16, String) {
    match r {
        Ok(_) => panic!("expected a refusal"),
        Err(e) => (e.status(), e.to_string()),
    }
}

async fn supplied_in_self_service_and_enrolled_then_deactivated_and_locked(e: Engine) {
    let op = caller(&e, "operator").await;
    let alice_account = caller(&e, "alice").await;
    let alice = person(&e, "Alice Andersson").await;

    let preview = objects::mobile_id::preview(&e, &op, SUPPLY, alice.id)
        .await
        .unwrap();
    assert_eq!(preview.certificates, ["authentication", "signature"]);
    assert_eq!(preview.delivery, "self_service");
    assert_eq!(preview.options.len(), 6, "{:?}", preview.options);
    // The self-service user may not supply, nor get one for someone else.
    let bruno = person(&e, "Bruno Berg").await;
    assert!(matches!(
        objects::mobile_id::preview(&e, &alice_account, SUPPLY, alice.id).await,
        Err(EngineError::Forbidden(_))
    ));
    assert!(objects::mobile_id::preview(
        &e,
        &alice_account,
        ProcessId::MobileIDSelfServiceProcGet,
        bruno.id
    )
    .await
    .is_err());

    let out = objects::mobile_id::supply(&e, &op, SUPPLY, alice.id, alice.version)
        .await
        .unwrap();
    assert_eq!(out.state, MobileIdState::Registered);
    assert!(out.qr.is_none() && out.sent_to.is_none());
    let id = out.mobile_id;
    let page = objects::mobile_id::page(&e, &op, id).await.unwrap();
    assert_eq!(page.mobile_id.activation, ActivationState::NotShown);
    assert_eq!(
        page.properties
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>(),
        ["profile_name", "server_name", "user_id"]
    );
    // A second one while the first waits is refused, and nothing is stored.
    let again = objects::mobile_id::supply(&e, &op, SUPPLY, alice.id, alice.version).await;
    assert!(
        matches!(&again, Err(e) if common::refusal(e) == common::refused(tessera_process::ErrorKind::Conflict)),
        "{again:?}"
    );
    assert_eq!(
        objects::mobile_id::of_person(&e.db, e.now(), &alice)
            .await
            .unwrap()
            .len(),
        1
    );

    // Only the holder shows the QR code, in Self-Service.
    assert!(objects::mobile_id::show_qr(&e, &op, id).await.is_err());
    let first = objects::mobile_id::show_qr(&e, &alice_account, id)
        .await
        .unwrap();
    assert!(first.svg.starts_with("<svg"));
    let old = credentials(&first.link);
    let qr = objects::mobile_id::show_qr(&e, &alice_account, id)
        .await
        .unwrap();
    let cred = credentials(&qr.link);
    assert!(
        qr.link.contains("enroll=authentication,signature&keygen="),
        "{}",
        qr.link
    );
    assert!(
        !qr.link.contains("alice"),
        "nothing personal in the link: {}",
        qr.link
    );
    // Only the hash is kept: the code is nowhere in the database.
    let a = mobile_id_activation::Entity::find()
        .filter(mobile_id_activation::Column::MobileId.eq(id))
        .one(&e.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(a.code_hash, cred.1);
    assert_eq!(a.code_hash.len(), 64);
    for r in audit_log::Entity::find().all(&e.db).await.unwrap() {
        assert!(!r.data.contains(&cred.1) && !r.detail.contains(&cred.1));
    }
    // The code of the first QR code no longer works.
    let (s, m) = status(phone(&e, "authentication", &old, &p256_csr()).await);
    assert_eq!(s, 401, "{m}");

    let auth = phone(&e, "authentication", &cred, &p256_csr())
        .await
        .unwrap();
    assert!(!auth.activated);
    assert_eq!(certificates(&e, id).await.len(), 1);

    // Bad input: each refused with its status, and nothing changes.
    let (s, m) = status(phone(&e, "signature", &cred, &rsa_csr()).await);
    assert_eq!(s, 400, "{m}");
    assert!(m.contains("Wrong key type"), "{m}");
    let mut tampered = p256_csr();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    let (s, m) = status(phone(&e, "signature", &cred, &tampered).await);
    assert_eq!(s, 400, "{m}");
    let (s, m) = status(phone(&e, "encryption", &cred, &p256_csr()).await);
    assert_eq!(s, 403, "{m}");
    assert!(m.contains("does not get an encryption certificate"), "{m}");
    let (s, m) = status(phone(&e, "authentication", &cred, &p256_csr()).await);
    assert_eq!(s, 409, "{m}");
    let (s, m) = status(phone(&e, "pki", &cred, &p256_csr()).await);
    assert_eq!(s, 404, "{m}");
    assert_eq!(certificates(&e, id).await.len(), 1);
    assert_eq!(
        objects::mobile_id::page(&e, &op, id)
            .await
            .unwrap()
            .mobile_id
            .state,
        MobileIdState::Registered
    );

    let sign = phone(&e, "signature", &cred, &p256_csr()).await.unwrap();
    assert!(sign.activated);
    let page = objects::mobile_id::page(&e, &op, id).await.unwrap();
    assert_eq!(page.mobile_id.state, MobileIdState::Active);
    assert_eq!(page.mobile_id.activation, ActivationState::Used);
    let certs = certificates(&e, id).await;
    assert_eq!(certs.len(), 2);
    assert!(
        certs.iter().all(|c| c.state.as_str() == "valid"),
        "{certs:?}"
    );
    // Each ends no later than the mobile ID.
    let until = tessera_engine::entity::mobile_id::Entity::find_by_id(id)
        .one(&e.db)
        .await
        .unwrap()
        .unwrap()
        .valid_until
        .unwrap();
    assert!(certs.iter().all(|c| c.not_after <= until));
    // The code is used up.
    let (s, m) = status(phone(&e, "signature", &cred, &p256_csr()).await);
    assert_eq!(s, 401, "{m}");
    assert!(m.contains("already used"), "{m}");
    // The user is told.
    let mail = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Subject.eq("Your mobile ID is ready"))
        .count(&e.db)
        .await
        .unwrap();
    assert_eq!(mail, 1);

    // Deactivate (on hold), Reactivate (valid), Lock (revoked).
    let v = page.mobile_id.version;
    let d = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::MobileIDProcDeactivate,
        (ObjectKind::MobileId, id),
        v,
        ProcessInput::because(None),
    )
    .await
    .unwrap();
    assert_eq!(
        (d.state, d.certificates_changed),
        (State::MobileId(MobileIdState::Inactive), 2)
    );
    assert!(certificates(&e, id)
        .await
        .iter()
        .all(|c| c.state.as_str() == "on_hold"));
    let v = objects::mobile_id::page(&e, &op, id)
        .await
        .unwrap()
        .mobile_id
        .version;
    let r = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::MobileIDProcReactivate,
        (ObjectKind::MobileId, id),
        v,
        ProcessInput::because(None),
    )
    .await
    .unwrap();
    assert_eq!(r.state, State::MobileId(MobileIdState::Active));
    let v = objects::mobile_id::page(&e, &op, id)
        .await
        .unwrap()
        .mobile_id
        .version;
    let preview = tessera_engine::lifecycle::preview(
        &e,
        &op,
        ProcessId::MobileIDProcLockForOperator,
        (ObjectKind::MobileId, id),
    )
    .await
    .unwrap();
    assert!(preview.needs_reason);
    assert!(tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::MobileIDProcLockForOperator,
        (ObjectKind::MobileId, id),
        v,
        ProcessInput::because(None)
    )
    .await
    .is_err());
    let l = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::MobileIDProcLockForOperator,
        (ObjectKind::MobileId, id),
        v,
        ProcessInput::because(Some(RevocationReason::KeyCompromise)),
    )
    .await
    .unwrap();
    assert_eq!(
        (l.state, l.certificates_changed),
        (State::MobileId(MobileIdState::Locked), 2)
    );
    assert!(certificates(&e, id)
        .await
        .iter()
        .all(|c| c.state.as_str() == "revoked"));
    // Its page still says what was enrolled, and that it is revoked.
    let v = objects::mobile_id::page(&e, &op, id).await.unwrap();
    assert!(!v.mobile_id.enrolled.is_empty());
    assert!(
        v.mobile_id
            .enrolled
            .iter()
            .all(|l| l.ends_with(" (revoked)")),
        "{:?}",
        v.mobile_id.enrolled
    );
}

async fn by_email_sealed_until_sent_and_blocked_after_wrong_codes(e: Engine) {
    set_options(&e, &[("MobileIDQrDelivery", "email")]).await;
    let op = caller(&e, "operator").await;
    let bruno = person(&e, "Bruno Berg").await;
    let out = objects::mobile_id::supply(&e, &op, SUPPLY, bruno.id, bruno.version)
        .await
        .unwrap();
    assert_eq!(out.sent_to.as_deref(), Some(bruno.email.as_str()));
    // The outbox keeps the message sealed: no link, no QR in clear.
    let queued = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Recipient.eq(bruno.email.clone()))
        .all(&e.db)
        .await
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].body, tessera_engine::mail::SEALED_BODY);
    assert!(queued[0].sealed_content.is_some());

    let sink = SmtpSink::start().unwrap();
    let sent = mailer(sink.port).deliver_due(&e, e.now()).await.unwrap();
    assert_eq!(sent, 1);
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    assert!(got[0].contains("Content-Type: image/png"), "{}", got[0]);
    assert!(got[0].contains("mobile-id-qr.png"));
    let cred = credentials(&link_in(&got[0]));
    let after = mail_outbox::Entity::find_by_id(queued[0].id)
        .one(&e.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.state.as_str(), "sent");
    assert!(
        after.sealed_content.is_none(),
        "the secret is erased once sent"
    );

    // Four wrong codes are refused and counted; the fifth blocks the activation.
    let wrong = (cred.0.clone(), "A".repeat(22));
    for left in (1..=4).rev() {
        let (s, m) = status(phone(&e, "authentication", &wrong, &p256_csr()).await);
        assert_eq!(s, 401, "{m}");
        assert!(m.contains(&format!("{left} attempts are left")), "{m}");
    }
    let (s, m) = status(phone(&e, "authentication", &wrong, &p256_csr()).await);
    assert_eq!(s, 403, "{m}");
    // Blocked: even the right code no longer works, and the user is told.
    let (s, m) = status(phone(&e, "authentication", &cred, &p256_csr()).await);
    assert_eq!(s, 403, "{m}");
    assert!(m.contains("blocked"), "{m}");
    assert!(certificates(&e, out.mobile_id).await.is_empty());
    let told = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Subject.eq("Your mobile ID could not be set up"))
        .count(&e.db)
        .await
        .unwrap();
    assert_eq!(told, 1);

    // An expired code: lock the blocked one, supply again, let the code run out.
    let page = objects::mobile_id::page(&e, &op, out.mobile_id)
        .await
        .unwrap();
    assert_eq!(page.mobile_id.activation, ActivationState::Blocked);
    tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::MobileIDProcLockForOperator,
        (ObjectKind::MobileId, out.mobile_id),
        page.mobile_id.version,
        ProcessInput::because(Some(RevocationReason::CessationOfOperation)),
    )
    .await
    .unwrap();
    let bruno = person(&e, "Bruno Berg").await;
    let second = objects::mobile_id::supply(&e, &op, SUPPLY, bruno.id, bruno.version)
        .await
        .unwrap();
    mailer(sink.port).deliver_due(&e, e.now()).await.unwrap();
    let got = sink.messages();
    let cred = credentials(&link_in(got.last().unwrap()));
    let activation = async || {
        objects::mobile_id::page(&e, &op, second.mobile_id)
            .await
            .unwrap()
            .mobile_id
            .activation
    };
    assert_eq!(activation().await, ActivationState::Open);
    // The code runs out.
    e.clock
        .advance(EMAIL_VALIDITY + chrono::Duration::minutes(1));
    assert_eq!(activation().await, ActivationState::Expired);
    let (s, m) = status(phone(&e, "authentication", &cred, &p256_csr()).await);
    assert_eq!(s, 401, "{m}");
    assert!(m.contains("expired"), "{m}");
}

async fn an_escrowed_encryption_key_is_recovered_onto_the_phone(e: Engine) {
    set_options(
        &e,
        &[
            ("MobileIDCertificates", "authentication,encryption"),
            ("MobileIDRecoverEncryptionCertificates", "true"),
        ],
    )
    .await;
    let op = caller(&e, "operator").await;
    let alice_account = caller(&e, "alice").await;
    let alice = person(&e, "Alice Andersson").await;
    // Self-service: Get mobile ID shows the QR code at once.
    let out = objects::mobile_id::supply(
        &e,
        &alice_account,
        ProcessId::MobileIDSelfServiceProcGet,
        alice.id,
        alice.version,
    )
    .await
    .unwrap();
    let qr = out.qr.expect("the QR code at once");
    assert!(
        qr.link.contains("enroll=authentication&keygen=encryption"),
        "{}",
        qr.link
    );
    let (id, code) = credentials(&qr.link);
    let cred = Credentials {
        public_id: &id,
        code: &code,
    };
    let props = enroll::properties(&e, "192.0.2.7", &cred).await.unwrap();
    assert_eq!(
        props.get("user_id").map(String::as_str),
        Some(alice.upn.as_str())
    );
    // The escrowed key goes by serverkeygen only; the phone's own keys by simpleenroll only.
    let (s, m) = status(phone(&e, "encryption", &(id.clone(), code.clone()), &p256_csr()).await);
    assert_eq!(s, 400, "{m}");
    let (s, _) = status(
        enroll::enroll(
            &e,
            "192.0.2.7",
            "authentication",
            &cred,
            KeyRequest::Server { csr: &p256_csr() },
        )
        .await,
    );
    assert_eq!(s, 400);

    let escrowed_before: Vec<certificate::Model> = certificate::Entity::find()
        .filter(certificate::Column::Profile.eq("Encryption"))
        .filter(certificate::Column::OwnerKind.eq(ObjectKind::Card.as_str()))
        .all(&e.db)
        .await
        .unwrap();
    let old = escrowed_before
        .iter()
        .max_by_key(|c| c.id)
        .expect("Alice's escrowed certificate");
    // Recovering the escrowed key is a key recovery: refused until a key recovery agent, who
    // neither supplied the mobile ID nor holds it, consents with a reason.
    let server_key = || async {
        enroll::enroll(
            &e,
            "192.0.2.7",
            "encryption",
            &cred,
            KeyRequest::Server { csr: &p256_csr() },
        )
        .await
    };
    let (s, m) = status(server_key().await);
    assert_eq!(s, 403, "{m}");
    assert!(m.contains("key recovery agent's consent"), "{m}");
    let version = |id| {
        let e = e.clone();
        async move {
            tessera_engine::entity::mobile_id::Entity::find_by_id(id)
                .one(&e.db)
                .await
                .unwrap()
                .unwrap()
                .version
        }
    };
    let v = version(out.mobile_id).await;
    for who in [&op, &alice_account] {
        assert!(matches!(
            objects::mobile_id::recovery::consent(&e, who, out.mobile_id, v, "asked for").await,
            Err(EngineError::Forbidden(_))
        ));
    }
    let agent = caller(&e, "recovery").await;
    let err = objects::mobile_id::recovery::consent(&e, &agent, out.mobile_id, v, " ")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Say why"), "{err}");
    let row = objects::mobile_id::recovery::consent(
        &e,
        &agent,
        out.mobile_id,
        v,
        "new phone, ticket 4711",
    )
    .await
    .unwrap();
    assert!(row
        .recovery_consent
        .as_deref()
        .is_some_and(|c| c.contains("ticket 4711")));
    let got = server_key().await.unwrap();
    let key = got.private_key_pkcs8.expect("the recovered key");
    let pair = KeyPair::try_from(key.as_slice()).unwrap();
    let spki = rcgen::PublicKeyData::subject_public_key_info(&pair);
    use x509_parser::prelude::{FromDer, X509Certificate};
    let (_, old_cert) = X509Certificate::from_der(old.der.as_ref().unwrap()).unwrap();
    assert_eq!(
        old_cert.public_key().raw,
        spki.as_slice(),
        "the same key as before"
    );
    let (_, new_cert) = X509Certificate::from_der(&got.certificate_der).unwrap();
    assert_eq!(new_cert.public_key().raw, spki.as_slice());
    assert!(!got.activated);
    // The new certificate is escrowed too, and the recovery is in the audit log.
    let mine = certificates(&e, out.mobile_id).await;
    assert_eq!(mine.len(), 1);
    assert!(key_escrow::Entity::find_by_id(mine[0].id)
        .one(&e.db)
        .await
        .unwrap()
        .is_some());
    // In Alice's history: who started it, who consented, and why.
    let history = tessera_engine::objects::user::page::of(&e, &op, alice.id)
        .await
        .unwrap()
        .history;
    let recovered: Vec<_> = history
        .iter()
        .filter(|h| h.action == "KeyRecovered")
        .collect();
    assert_eq!(recovered.len(), 1, "{history:?}");
    assert!(
        recovered[0].detail.contains("ticket 4711") && recovered[0].data.contains("Rita Recovery"),
        "{:?}",
        recovered[0]
    );
    assert!(history
        .iter()
        .any(|h| h.action == "MobileIdKeyRecoveryConsented" && h.actor == "recovery"));
    let last = phone(
        &e,
        "authentication",
        &(id.clone(), code.clone()),
        &p256_csr(),
    )
    .await
    .unwrap();
    assert!(last.activated);
    let page = objects::mobile_id::page(&e, &op, out.mobile_id)
        .await
        .unwrap();
    assert_eq!(page.mobile_id.state, MobileIdState::Active);
    assert_eq!(page.mobile_id.enrolled, ["authentication", "encryption"]);
}

/// Self-Service: a person whose phone is lost locks their own mobile ID from their page, at
/// once, without an operator: its activation code stops working and its certificates are
/// revoked. Nobody locks another person's this way, and the admin can take the command away.
async fn the_holder_locks_their_own_mobile_id_in_self_service(e: Engine) {
    const LOCK: ProcessId = ProcessId::MobileIDSelfServiceProcLock;
    let op = caller(&e, "operator").await;
    let alice_account = caller(&e, "alice").await;
    let alice = person(&e, "Alice Andersson").await;
    let bruno = person(&e, "Bruno Berg").await;
    let mine = objects::mobile_id::supply(&e, &op, SUPPLY, alice.id, alice.version)
        .await
        .unwrap()
        .mobile_id;
    let theirs = objects::mobile_id::supply(&e, &op, SUPPLY, bruno.id, bruno.version)
        .await
        .unwrap()
        .mobile_id;
    let qr = objects::mobile_id::show_qr(&e, &alice_account, mine)
        .await
        .unwrap();
    let cred = credentials(&qr.link);
    phone(&e, "authentication", &cred, &p256_csr())
        .await
        .unwrap();
    assert_eq!(certificates(&e, mine).await.len(), 1);

    // Their own page offers it beside the mobile ID.
    let page = objects::user::page::of(&e, &alice_account, alice.id)
        .await
        .unwrap();
    let row = page.mobile_ids.iter().find(|m| m.id == mine).unwrap();
    assert_eq!(
        row.commands.iter().map(|c| c.process).collect::<Vec<_>>(),
        [LOCK]
    );
    // An operator's view of the user lists no per-row commands; the operator locks with
    // "Lock mobile ID", and may not start the holder's own process.
    let staff_view = objects::user::page::of(&e, &op, alice.id).await.unwrap();
    assert!(staff_view.mobile_ids.iter().all(|m| m.commands.is_empty()));
    assert!(matches!(
        tessera_engine::lifecycle::preview(&e, &op, LOCK, (ObjectKind::MobileId, mine)).await,
        Err(EngineError::Forbidden(_))
    ));
    // Nor does one person lock another's.
    let version = |id| {
        let e = &e;
        let op = &op;
        async move {
            objects::mobile_id::page(e, op, id)
                .await
                .unwrap()
                .mobile_id
                .version
        }
    };
    let refused = tessera_engine::lifecycle::run(
        &e,
        &alice_account,
        LOCK,
        (ObjectKind::MobileId, theirs),
        version(theirs).await,
        ProcessInput::because(Some(RevocationReason::KeyCompromise)),
    )
    .await;
    assert!(
        matches!(refused, Err(EngineError::Forbidden(_))),
        "{refused:?}"
    );
    assert_eq!(
        objects::mobile_id::page(&e, &op, theirs)
            .await
            .unwrap()
            .mobile_id
            .state,
        MobileIdState::Registered
    );

    let preview =
        tessera_engine::lifecycle::preview(&e, &alice_account, LOCK, (ObjectKind::MobileId, mine))
            .await
            .unwrap();
    assert!(preview.needs_reason);
    let locked = tessera_engine::lifecycle::run(
        &e,
        &alice_account,
        LOCK,
        (ObjectKind::MobileId, mine),
        version(mine).await,
        ProcessInput::because(Some(RevocationReason::KeyCompromise)),
    )
    .await
    .unwrap();
    assert_eq!(
        (locked.state, locked.certificates_changed),
        (State::MobileId(MobileIdState::Locked), 1)
    );
    assert!(certificates(&e, mine)
        .await
        .iter()
        .all(|c| c.state.as_str() == "revoked"
            && c.revocation_reason.as_deref() == Some("key_compromise")));
    // The rest of the QR code's work is refused now.
    let (s, m) = status(phone(&e, "signature", &cred, &p256_csr()).await);
    assert!(s == 401 || s == 403 || s == 409, "{s} {m}");
    // One audit record, by the holder's own account.
    let records = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(LOCK.as_str()))
        .all(&e.db)
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].actor_id, Some(alice_account.account_id));
    // A locked mobile ID offers nothing more.
    let page = objects::user::page::of(&e, &alice_account, alice.id)
        .await
        .unwrap();
    assert!(page.mobile_ids.iter().all(|m| m.commands.is_empty()));

    // The admin may take the command away: then it is neither offered nor carried out.
    let again = objects::mobile_id::supply(&e, &op, SUPPLY, alice.id, alice.version)
        .await
        .unwrap()
        .mobile_id;
    tessera_engine::enablement::disable(&e.db, LOCK, State::MobileId(MobileIdState::Registered))
        .await
        .unwrap();
    let page = objects::user::page::of(&e, &alice_account, alice.id)
        .await
        .unwrap();
    assert!(page.mobile_ids.iter().all(|m| m.commands.is_empty()));
    assert!(matches!(
        tessera_engine::lifecycle::run(
            &e,
            &alice_account,
            LOCK,
            (ObjectKind::MobileId, again),
            version(again).await,
            ProcessInput::because(Some(RevocationReason::KeyCompromise)),
        )
        .await,
        Err(EngineError::NotEnabled { .. })
    ));
}

/// An installation from before "Lock my mobile ID" gets it enabled like a fresh one: its
/// migration adds the command where the admin's choices are already stored.
async fn an_earlier_installation_gets_lock_my_mobile_id_enabled(e: Engine) {
    use sea_orm_migration::MigratorTrait;
    use tessera_engine::entity::process_enablement;
    use tessera_engine::migration::Migrator;
    let lock_rows = || async {
        process_enablement::Entity::find()
            .filter(process_enablement::Column::Process.eq("MobileIDSelfServiceProcLock"))
            .count(&e.db)
            .await
            .unwrap()
    };
    assert_eq!(lock_rows().await, 3, "a fresh installation enables it");
    let migrations = Migrator::migrations();
    let at = migrations
        .iter()
        .position(|m| m.name() == "m20261208_000019_self_service_lock")
        .unwrap();
    let later = u32::try_from(migrations.len() - at).unwrap();
    // Back to before it (the earlier choices stay), then forward again.
    Migrator::down(&e.db, Some(later)).await.unwrap();
    assert_eq!(lock_rows().await, 0);
    let others = process_enablement::Entity::find()
        .count(&e.db)
        .await
        .unwrap();
    assert!(others > 0);
    Migrator::up(&e.db, None).await.unwrap();
    assert_eq!(lock_rows().await, 3);
    // So does every command shipped enabled after it (Abort card request).
    let abort_rows = process_enablement::Entity::find()
        .filter(process_enablement::Column::Process.eq("CardsProcAbort"))
        .count(&e.db)
        .await
        .unwrap();
    assert_eq!(abort_rows, 1);
    let alice_account = caller(&e, "alice").await;
    let alice = person(&e, "Alice Andersson").await;
    let op = caller(&e, "operator").await;
    objects::mobile_id::supply(&e, &op, SUPPLY, alice.id, alice.version)
        .await
        .unwrap();
    let page = objects::user::page::of(&e, &alice_account, alice.id)
        .await
        .unwrap();
    assert_eq!(page.mobile_ids[0].commands.len(), 1);
}

on_both_backends!(
    supplied_in_self_service_and_enrolled_then_deactivated_and_locked,
    by_email_sealed_until_sent_and_blocked_after_wrong_codes,
    an_escrowed_encryption_key_is_recovered_onto_the_phone,
    the_holder_locks_their_own_mobile_id_in_self_service,
    an_earlier_installation_gets_lock_my_mobile_id_enabled,
);
