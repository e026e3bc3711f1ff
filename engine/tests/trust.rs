//! No single account can obtain a credential, a certificate or an escrowed key for another
//! person. The abuse case that once worked, step by step: an operator redirects Alice's e-mail
//! address to their own, supplies her a mobile ID by e-mail, enrolls it on their own key and
//! takes her escrowed decryption key with serverkeygen. Each step that needs a second person
//! now stops there; the approval voids the code that waited, and both addresses are told.

mod common;

use common::{
    bad, caller, credentials, link_in, mailer, p256_csr, person, refusal, refused, set_options,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tessera_engine::entity::mail_outbox;
use tessera_engine::objects::mobile_id;
use tessera_engine::objects::mobile_id::enroll::{self, Credentials, EstError, KeyRequest};
use tessera_engine::objects::user::{directory, person_changes};
use tessera_engine::testing::SmtpSink;
use tessera_engine::{Engine, EngineError};
use tessera_process::person::PersonInput;
use tessera_process::{ErrorKind, OptionsPackage, ProcessId};

const SUPPLY: ProcessId = ProcessId::MobileIDProcSupplyMobileIDForUser;
const MALLORY: &str = "mallory@evil.example";

fn est_refused<T>(r: Result<T, EstError>) -> (u16, String) {
    match r {
        Ok(_) => panic!("expected a refusal"),
        Err(e) => (e.status(), e.to_string()),
    }
}

async fn mails_to(e: &Engine, to: &str, subject: &str) -> u64 {
    mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Recipient.eq(to))
        .filter(mail_outbox::Column::Subject.eq(subject))
        .count(&e.db)
        .await
        .unwrap()
}

async fn enroll_with(
    e: &Engine,
    label: &str,
    (id, code): &(String, String),
    server_key: bool,
) -> Result<enroll::Enrolled, EstError> {
    let cred = Credentials {
        public_id: id,
        code,
    };
    let csr = p256_csr();
    let request = match server_key {
        true => KeyRequest::Server { csr: &csr },
        false => KeyRequest::Phone { csr: &csr },
    };
    enroll::enroll(e, "192.0.2.66", label, &cred, request).await
}

async fn an_operator_alone_cannot_take_over_another_persons_identity(e: Engine) {
    set_options(
        &e,
        OptionsPackage::MobileIDScriptOptions,
        &[
            ("MobileIDQrDelivery", "email"),
            ("MobileIDCertificates", "authentication,encryption"),
            ("MobileIDRecoverEncryptionCertificates", "true"),
        ],
    )
    .await;
    let op = caller(&e, "operator").await;
    let alice = person(&e, "Alice Andersson").await;
    let her_address = alice.email.clone();

    // 1. The operator changes Alice's e-mail address to their own: it only waits.
    let redirected = PersonInput {
        employee_id: alice.employee_id.clone(),
        given_name: alice.given_name.clone(),
        surname: alice.surname.clone(),
        email: MALLORY.into(),
        upn: alice.upn.clone(),
        department: alice.department.clone(),
    };
    let out = directory::update(&e, &op, alice.id, alice.version, redirected.clone())
        .await
        .unwrap();
    let change = out.pending.expect("the change waits for a second person");
    assert!(
        change.because.contains("certificates"),
        "{}",
        change.because
    );
    assert_eq!(person(&e, "Alice Andersson").await.email, her_address);
    let asked = "A change of your sign-in details waits for approval";
    assert_eq!(mails_to(&e, &her_address, asked).await, 1, "Alice is told");
    assert_eq!(mails_to(&e, MALLORY, asked).await, 1, "the new address too");
    // A second change while one waits is refused; the operator cannot decide it.
    let alice_now = person(&e, "Alice Andersson").await;
    let err = directory::update(&e, &op, alice.id, alice_now.version, redirected.clone())
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), refused(ErrorKind::Conflict), "{err}");
    assert!(matches!(
        person_changes::decide(&e, &op, change.id, true, "").await,
        Err(EngineError::Forbidden(_))
    ));
    // An approver who asked for a change does not approve it either.
    let sup = caller(&e, "supervisor").await;
    let karim = person(&e, "Karim Khan").await;
    let mut karim_input = PersonInput {
        employee_id: karim.employee_id.clone(),
        given_name: karim.given_name.clone(),
        surname: karim.surname.clone(),
        email: karim.email.clone(),
        upn: karim.upn.clone(),
        department: karim.department.clone(),
    };
    karim_input.email = "sam@evil.example".into();
    let sam_change = directory::update(&e, &sup, karim.id, karim.version, karim_input)
        .await
        .unwrap()
        .pending
        .unwrap();
    let err = person_changes::decide(&e, &sup, sam_change.id, true, "")
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::SelfApproval { .. }), "{err}");

    // 2. Supply mobile ID: the activation goes to Alice's own address, not the operator's.
    let alice_now = person(&e, "Alice Andersson").await;
    let supplied = mobile_id::supply(&e, &op, SUPPLY, alice.id, alice_now.version)
        .await
        .unwrap();
    assert_eq!(supplied.sent_to.as_deref(), Some(her_address.as_str()));
    let sink = SmtpSink::start().unwrap();
    mailer(sink.port).deliver_due(&e, e.now()).await.unwrap();
    let qr_mail = sink
        .messages()
        .into_iter()
        .find(|m| m.contains("mobile-id-qr.png"))
        .expect("the QR code mail");
    assert!(qr_mail.contains(&format!("To: {her_address}")), "{qr_mail}");
    assert!(!qr_mail.contains(MALLORY));
    let cred = credentials(&link_in(&qr_mail));

    // 3. Even with the link, the escrowed key needs a key recovery agent's consent.
    let (status, message) = est_refused(enroll_with(&e, "encryption", &cred, true).await);
    assert_eq!(status, 403, "{message}");
    assert!(message.contains("consent"), "{message}");

    // 4. A second person approves the change: the code that waited is void, and both
    // addresses hear of it.
    let ap = caller(&e, "approver").await;
    let changed = person_changes::decide(&e, &ap, change.id, true, "")
        .await
        .unwrap();
    assert_eq!(changed.email, MALLORY);
    let (status, message) = est_refused(enroll_with(&e, "authentication", &cred, false).await);
    assert_eq!(status, 401, "{message}");
    assert!(message.contains("voided"), "{message}");
    let done = "Your sign-in details were changed";
    assert_eq!(mails_to(&e, &her_address, done).await, 1);
    assert_eq!(mails_to(&e, MALLORY, done).await, 1);
    let history = tessera_engine::objects::user::page::of(&e, &ap, alice.id)
        .await
        .unwrap()
        .history;
    for action in ["UserChangeRequested", "UserChangeApproved", "UserEdited"] {
        assert!(history.iter().any(|h| h.action == action), "{action}");
    }
}

/// An e-mailed code is bound to the address the supply saw: if the holder's address is no
/// longer that one (however it changed), the code enrolls nothing.
async fn an_emailed_code_works_only_for_the_address_it_was_sent_to(e: Engine) {
    set_options(
        &e,
        OptionsPackage::MobileIDScriptOptions,
        &[("MobileIDQrDelivery", "email")],
    )
    .await;
    let op = caller(&e, "operator").await;
    let bruno = person(&e, "Bruno Berg").await;
    mobile_id::supply(&e, &op, SUPPLY, bruno.id, bruno.version)
        .await
        .unwrap();
    let sink = SmtpSink::start().unwrap();
    mailer(sink.port).deliver_due(&e, e.now()).await.unwrap();
    let cred = credentials(&link_in(&sink.messages()[0]));
    // Behind Tessera's back (a directory tool writing the database): the address changes.
    let mut q = Query::update();
    q.table("person")
        .value("email", MALLORY)
        .and_where(Expr::col("id").eq(bruno.id));
    e.db.execute(&q).await.unwrap();
    let (status, message) = est_refused(enroll_with(&e, "authentication", &cred, false).await);
    assert_eq!(status, 403, "{message}");
    assert!(
        message.contains("no longer the e-mail address"),
        "{message}"
    );
    // Back to the address it was sent to: the code works.
    let mut q = Query::update();
    q.table("person")
        .value("email", bruno.email.as_str())
        .and_where(Expr::col("id").eq(bruno.id));
    e.db.execute(&q).await.unwrap();
    enroll_with(&e, "authentication", &cred, false)
        .await
        .unwrap();
}

/// The same edit on a person with nothing to take over is saved at once.
async fn a_person_without_credentials_is_edited_at_once(e: Engine) {
    let op = caller(&e, "operator").await;
    let who = tessera_engine::entity::person::Entity::find()
        .all(&e.db)
        .await
        .unwrap()
        .into_iter()
        .find(|p| {
            p.state.as_str() == "active"
                && p.common_name != "Alice Andersson"
                && p.common_name != "Karim Khan"
        })
        .unwrap();
    assert!(tessera_engine::pki::of_person(&e.db, who.id)
        .await
        .unwrap()
        .is_empty());
    let input = PersonInput {
        employee_id: who.employee_id.clone(),
        given_name: who.given_name.clone(),
        surname: who.surname.clone(),
        email: "new.address@example.com".into(),
        upn: who.upn.clone(),
        department: who.department.clone(),
    };
    let out = directory::update(&e, &op, who.id, who.version, input)
        .await
        .unwrap();
    assert!(out.pending.is_none());
    assert_eq!(out.user.email, "new.address@example.com");
}

/// A self-service user learns nothing about others' objects: an id that is someone else's gets
/// the same answer as one nobody has.
async fn others_objects_look_like_missing_ones(e: Engine) {
    let alice = caller(&e, "alice").await;
    let karim = person(&e, "Karim Khan").await;
    let karims_card = tessera_engine::entity::card::Entity::find()
        .filter(tessera_engine::entity::card::Column::PersonId.eq(karim.id))
        .one(&e.db)
        .await
        .unwrap()
        .unwrap();
    let theirs = tessera_engine::objects::card::page(&e, &alice, karims_card.id)
        .await
        .unwrap_err();
    let nobodys = tessera_engine::objects::card::page(&e, &alice, 999_999)
        .await
        .unwrap_err();
    assert_eq!(theirs.status(), 404);
    assert_eq!(nobodys.status(), 404);
    assert_eq!(
        theirs.to_string().replace(&karims_card.id.to_string(), "N"),
        nobodys.to_string().replace("999999", "N")
    );
    // The same for a mobile ID.
    let op = caller(&e, "operator").await;
    let supplied = mobile_id::supply(&e, &op, SUPPLY, karim.id, karim.version)
        .await
        .unwrap();
    let theirs = mobile_id::page(&e, &alice, supplied.mobile_id)
        .await
        .unwrap_err();
    let nobodys = mobile_id::page(&e, &alice, 999_999).await.unwrap_err();
    assert_eq!((theirs.status(), nobodys.status()), (404, 404));
    assert_eq!(
        theirs
            .to_string()
            .replace(&supplied.mobile_id.to_string(), "N"),
        nobodys.to_string().replace("999999", "N")
    );
}

/// The link's token from a message that invites or resets.
fn welcome_token(message: &str) -> String {
    let link = link_in(message);
    link.split_once("/welcome#t=")
        .map(|(_, t)| t.to_string())
        .unwrap_or_else(|| panic!("a welcome link in {message}"))
}

/// An admin alone cannot sign in as a person: a self-service account's password is chosen by
/// its person with a link mailed to their own address, which the admin cannot redirect alone,
/// and a reset sends a new link there too.
async fn an_admin_alone_cannot_sign_in_as_a_person(e: Engine) {
    let admin = caller(&e, "admin").await;
    let bruno = person(&e, "Bruno Berg").await;
    let created = tessera_engine::accounts::create(
        &e,
        &admin,
        tessera_process::dto::NewAccount {
            username: "bruno".into(),
            display_name: "Bruno Berg".into(),
            password: String::new(),
            roles: vec![tessera_process::Role::SelfService],
            employee_id: bruno.employee_id.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(created.invited.as_deref(), Some(bruno.email.as_str()));
    // The admin cannot point Bruno's address elsewhere: his account makes it wait.
    let mut redirected = tessera_engine::objects::user::edit::input_of(&bruno);
    redirected.email = MALLORY.into();
    let out = directory::update(&e, &admin, bruno.id, bruno.version, redirected)
        .await
        .unwrap();
    let change = out.pending.expect("waits for a second person");
    assert!(
        change.because.contains("self-service account"),
        "{}",
        change.because
    );
    // Asking voided the invitation; a reset sends a new link to Bruno's own address.
    let sent = tessera_engine::accounts::reset_password(&e, &admin, created.id, "")
        .await
        .unwrap();
    assert_eq!(sent.as_deref(), Some(bruno.email.as_str()));
    let sink = SmtpSink::start().unwrap();
    mailer(sink.port).deliver_due(&e, e.now()).await.unwrap();
    let got = sink.messages();
    assert!(got
        .iter()
        .all(|m| !m.contains(&format!("To: {MALLORY}")) || !m.contains("/welcome")));
    let to_bruno: Vec<&String> = got
        .iter()
        .filter(|m| m.contains(&format!("To: {}", bruno.email)) && m.contains("/welcome"))
        .collect();
    assert_eq!(to_bruno.len(), 2, "the invitation and the reset");
    let invited = welcome_token(to_bruno.iter().find(|m| m.contains("created")).unwrap());
    let reset = welcome_token(
        to_bruno
            .iter()
            .find(|m| m.contains("reset the password"))
            .unwrap(),
    );
    let invitations = tessera_engine::objects::user::invitations::redeem;
    // The first link was replaced; a made-up one works as little; neither changes anything.
    for token in [invited.as_str(), "made-up-token"] {
        let err = invitations(&e, "192.0.2.7", token, "violet tractor under moonlight")
            .await
            .unwrap_err();
        assert_eq!(refusal(&err), refused(ErrorKind::BadRequest), "{err}");
    }
    assert_eq!(
        tessera_engine::objects::user::invitations::greet(&e, "192.0.2.7", &reset)
            .await
            .unwrap(),
        "bruno"
    );
    // A weak password is refused and the link still works.
    let err = invitations(&e, "192.0.2.7", &reset, "bruno12345")
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), bad("password"), "{err}");
    assert_eq!(
        invitations(&e, "192.0.2.7", &reset, "violet tractor under moonlight")
            .await
            .unwrap(),
        "bruno"
    );
    // Once.
    assert!(
        invitations(&e, "192.0.2.7", &reset, "another fine passphrase here")
            .await
            .is_err()
    );
    let (_, info) =
        tessera_engine::auth::login(&e, "bruno", "violet tractor under moonlight", "test")
            .await
            .unwrap();
    assert!(!info.must_change_password && info.person_id == Some(bruno.id));
    // The history says who chose the password, with which link.
    let history = tessera_engine::objects::user::page::of(&e, &admin, bruno.id)
        .await
        .unwrap()
        .history;
    assert!(history
        .iter()
        .any(|h| h.action == "PasswordSetFromLink" && h.actor == "bruno"));

    // A link bound to an address stops working when the address is no longer the person's.
    tessera_engine::accounts::reset_password(&e, &admin, created.id, "")
        .await
        .unwrap();
    mailer(sink.port).deliver_due(&e, e.now()).await.unwrap();
    let last = welcome_token(
        sink.messages()
            .iter()
            .rev()
            .find(|m| m.contains("reset the password"))
            .unwrap(),
    );
    let mut q = Query::update();
    q.table("person")
        .value("email", MALLORY)
        .and_where(Expr::col("id").eq(bruno.id));
    e.db.execute(&q).await.unwrap();
    assert!(
        tessera_engine::objects::user::invitations::greet(&e, "192.0.2.7", &last)
            .await
            .is_err()
    );
}

/// A new person has no credential to take over, so whoever enters them sets their address at
/// once; that account then does not also send a credential there. Another operator does, and
/// an approval of the details lifts the rule.
async fn who_enters_an_address_does_not_also_send_a_credential_to_it(e: Engine) {
    set_options(
        &e,
        OptionsPackage::MobileIDScriptOptions,
        &[("MobileIDQrDelivery", "email")],
    )
    .await;
    let op = caller(&e, "operator").await;
    let eve = directory::create(
        &e,
        &op,
        PersonInput {
            employee_id: "E7701".into(),
            given_name: "Eve".into(),
            surname: "Newhire".into(),
            email: MALLORY.into(),
            upn: "eve.newhire@example.com".into(),
            department: "Sales".into(),
        },
    )
    .await
    .unwrap();
    let err = mobile_id::supply(&e, &op, SUPPLY, eve.id, eve.version)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 403, "{err}");
    assert!(err.to_string().contains("entered that address"), "{err}");
    assert!(
        mobile_id::preview(&e, &op, SUPPLY, eve.id).await.is_err(),
        "the page before Next says so too"
    );
    assert_eq!(
        mails_to(&e, MALLORY, "Your mobile ID: scan the QR code").await,
        0
    );
    // The same for an account link: an admin who entered the address does not invite to it.
    let admin = caller(&e, "admin").await;
    let mut input = tessera_engine::objects::user::edit::input_of(&person(&e, "Eve Newhire").await);
    input.email = "eve@evil.example".into();
    let edited = directory::update(&e, &admin, eve.id, eve.version, input)
        .await
        .unwrap();
    assert!(edited.pending.is_none(), "nothing to take over yet");
    let err = tessera_engine::accounts::create(
        &e,
        &admin,
        tessera_process::dto::NewAccount {
            username: "eve".into(),
            display_name: "Eve Newhire".into(),
            password: String::new(),
            roles: vec![tessera_process::Role::SelfService],
            employee_id: "E7701".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), 403, "{err}");
    assert!(err.to_string().contains("entered that address"), "{err}");
    // Another operator supplies the mobile ID: the address was not theirs to make up.
    let sup = caller(&e, "supervisor").await;
    let eve = person(&e, "Eve Newhire").await;
    let out = mobile_id::supply(&e, &sup, SUPPLY, eve.id, eve.version)
        .await
        .unwrap();
    assert_eq!(out.sent_to.as_deref(), Some("eve@evil.example"));
}

on_both_backends!(
    who_enters_an_address_does_not_also_send_a_credential_to_it,
    an_admin_alone_cannot_sign_in_as_a_person,
    an_operator_alone_cannot_take_over_another_persons_identity,
    an_emailed_code_works_only_for_the_address_it_was_sent_to,
    a_person_without_credentials_is_edited_at_once,
    others_objects_look_like_missing_ones,
);
