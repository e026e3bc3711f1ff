//! The home page's panels on SQLite and PostgreSQL: each staff role sees the work waiting for
//! it (requests to decide, jobs in doubt, open batches, certificates about to end, mails given
//! up), nobody else sees a dashboard, and nobody is asked to decide their own request.

mod common;

use common::{caller, person, refusal, refused};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use tessera_engine::bridge::jobs;
use tessera_engine::entity::{certificate, encoding_job, mail_outbox};
use tessera_engine::objects::{batch_order, card, temp_card};
use tessera_engine::{dashboard, mail, Engine};
use tessera_process::bridge::JobState;
use tessera_process::{CertificateState, ErrorKind, ObjectKind, ProcessId};

async fn each_role_sees_the_work_waiting_for_it(e: Engine) {
    let operator = caller(&e, "operator").await;
    let approver = caller(&e, "approver").await;
    let supervisor = caller(&e, "supervisor").await;
    let admin = caller(&e, "admin").await;
    let alice = caller(&e, "alice").await;

    // A self-service user has no dashboard.
    let err = dashboard::of(&e, &alice).await.unwrap_err();
    assert_eq!(refusal(&err), refused(ErrorKind::Forbidden));

    // Panels by role: an operator decides nothing and reads no mail outbox.
    let d = dashboard::of(&e, &operator).await.unwrap();
    assert_eq!(d.requests_for_me, None);
    assert_eq!(d.mails_given_up, None);
    let batches = d.open_batches.unwrap().len();
    let (expiring, _) = d.expiring.unwrap();
    assert_eq!(d.jobs_in_doubt.unwrap().len(), 0);
    let d = dashboard::of(&e, &approver).await.unwrap();
    assert_eq!(d.open_batches, None);
    assert_eq!(d.expiring, None);

    // A card the supervisor requests waits for the approver, and not for the supervisor.
    let for_approver = d.requests_for_me.unwrap();
    let for_supervisor = dashboard::of(&e, &supervisor)
        .await
        .unwrap()
        .requests_for_me
        .unwrap();
    let bruno = person(&e, "Bruno Berg").await;
    card::request(&e, &supervisor, bruno.id, bruno.version)
        .await
        .unwrap();
    assert_eq!(to_decide(&e, &approver).await, for_approver + 1);
    assert_eq!(to_decide(&e, &supervisor).await, for_supervisor);

    // An open batch order, linked to its page.
    let ids = temp_card::request(&e, &operator, 2).await.unwrap();
    let batch = batch_order::create(&e, &operator, ObjectKind::TempCard, &ids)
        .await
        .unwrap();
    let open = dashboard::of(&e, &operator)
        .await
        .unwrap()
        .open_batches
        .unwrap();
    assert_eq!(open.len(), batches + 1);
    assert!(open
        .iter()
        .any(|l| l.object == Some((ObjectKind::BatchOrder, batch))));

    // A valid certificate that ends in ten days, linked to the credential that holds it.
    let cert = certificate::Entity::find()
        .filter(certificate::Column::State.eq(CertificateState::Valid))
        .one(&e.db)
        .await
        .unwrap()
        .unwrap();
    let ends = e.now() + chrono::Duration::days(10);
    let mut soon: certificate::ActiveModel = cert.clone().into();
    soon.not_after = Set(ends);
    soon.update(&e.db).await.unwrap();
    let (n, lines) = dashboard::of(&e, &operator)
        .await
        .unwrap()
        .expiring
        .unwrap();
    assert_eq!(n, expiring + 1);
    let line = lines
        .iter()
        .find(|l| l.text.contains(&cert.serial))
        .unwrap();
    assert_eq!(
        line.object,
        Some((ObjectKind::parse(&cert.owner_kind).unwrap(), cert.owner_id))
    );

    // An encoding job left in doubt.
    let now = e.now();
    let job = jobs::create(
        &e.db,
        now,
        (ObjectKind::Card, cert.owner_id),
        ProcessId::CardsProcIssue,
        "Virtual PCD 00 00",
        operator.account_id,
    )
    .await
    .unwrap();
    let mut left: encoding_job::ActiveModel = encoding_job::Entity::find_by_id(job)
        .one(&e.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    left.state = Set(JobState::InDoubt.as_str().into());
    left.step = Set("certificates".into());
    left.update(&e.db).await.unwrap();
    let doubt = dashboard::of(&e, &admin)
        .await
        .unwrap()
        .jobs_in_doubt
        .unwrap();
    assert_eq!(doubt.len(), 1);
    assert!(
        doubt[0].text.contains("at step certificates"),
        "{:?}",
        doubt[0]
    );

    // A mail the outbox gave up on: the admin sees it with its last error.
    let id = mail::enqueue(&e.db, now, "bruno.berg@example.com", "Your card", "…")
        .await
        .unwrap();
    let m = mail_outbox::Entity::find_by_id(id)
        .one(&e.db)
        .await
        .unwrap()
        .unwrap();
    let mut given_up: mail_outbox::ActiveModel = m.into();
    given_up.state = Set(mail::GIVEN_UP.into());
    given_up.last_error = Set(Some("550 no such mailbox".into()));
    given_up.update(&e.db).await.unwrap();
    let (n, lines) = dashboard::of(&e, &admin)
        .await
        .unwrap()
        .mails_given_up
        .unwrap();
    assert_eq!(n, 1);
    assert!(lines[0].text.contains("550 no such mailbox"));
}

async fn to_decide(e: &Engine, c: &tessera_engine::Caller) -> u64 {
    dashboard::of(e, c).await.unwrap().requests_for_me.unwrap()
}

on_both_backends!(each_role_sees_the_work_waiting_for_it);
