//! The mail outbox against a real SMTP server on loopback (aiosmtpd), on SQLite and PostgreSQL.

mod common;

use sea_orm::{EntityTrait, PaginatorTrait, TransactionTrait};
use tessera_engine::entity::mail_outbox as outbox;
use tessera_engine::mail;
use tessera_engine::testing::SmtpSink;
use tessera_engine::Engine;

use common::mailer;

async fn rows(e: &Engine) -> Vec<outbox::Model> {
    outbox::Entity::find().all(&e.db).await.unwrap()
}

async fn a_message_exists_only_with_its_change(e: Engine) {
    let txn = e.db.begin().await.unwrap();
    mail::enqueue(
        &txn,
        e.now(),
        "bruno.berg@example.com",
        "Card ordered",
        "Your card is ordered.",
    )
    .await
    .unwrap();
    txn.rollback().await.unwrap();
    assert_eq!(outbox::Entity::find().count(&e.db).await.unwrap(), 0);
    let txn = e.db.begin().await.unwrap();
    mail::enqueue(
        &txn,
        e.now(),
        "bruno.berg@example.com",
        "Card ordered",
        "Your card is ordered.",
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(outbox::Entity::find().count(&e.db).await.unwrap(), 1);
    let err = mail::enqueue(&e.db, e.now(), "not an address", "x", "y")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not an e-mail address"), "{err}");
}

async fn two_workers_deliver_each_message_once(e: Engine) {
    let sink = SmtpSink::start().unwrap();
    for i in 0..5 {
        mail::enqueue(
            &e.db,
            e.now(),
            &format!("user{i}@example.com"),
            &format!("Message {i}"),
            "Hello, Grüße.",
        )
        .await
        .unwrap();
    }
    let (a, b) = (mailer(sink.port), mailer(sink.port));
    let now = e.now();
    let (x, y) = tokio::join!(a.deliver_due(&e, now), b.deliver_due(&e, now));
    assert_eq!(x.unwrap() + y.unwrap(), 5);
    let got = sink.messages();
    assert_eq!(got.len(), 5, "{got:?}");
    for i in 0..5 {
        let m = got
            .iter()
            .find(|m| m.contains(&format!("Subject: Message {i}")))
            .expect("each message");
        assert!(m.contains(&format!("To: user{i}@example.com")), "{m}");
        assert!(m.contains("From: Tessera <tessera@example.com>"), "{m}");
        assert!(m.contains("@tessera.example.com>"), "{m}");
    }
    assert!(rows(&e)
        .await
        .iter()
        .all(|r| r.state == mail::SENT && r.sent_at.is_some()));
    // Nothing is sent twice.
    assert_eq!(
        a.deliver_due(&e, now + chrono::Duration::hours(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(sink.messages().len(), 5);
}

async fn a_server_that_is_down_means_retries_with_backoff(e: Engine) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let m = mailer(port);
    mail::enqueue(
        &e.db,
        e.now(),
        "bruno.berg@example.com",
        "Card ordered",
        "Your card is ordered.",
    )
    .await
    .unwrap();
    let t0 = e.now();
    assert_eq!(m.deliver_due(&e, t0).await.unwrap(), 0);
    let r = &rows(&e).await[0];
    assert_eq!(r.state, mail::PENDING);
    assert_eq!(r.attempts, 1);
    assert!(r.last_error.is_some());
    assert_eq!(
        r.next_attempt_at.timestamp(),
        (t0 + mail::backoff(0)).timestamp()
    );
    // Not due yet: no attempt.
    assert_eq!(
        m.deliver_due(&e, t0 + chrono::Duration::seconds(10))
            .await
            .unwrap(),
        0
    );
    assert_eq!(rows(&e).await[0].attempts, 1);
    // The server comes up; the next attempt delivers, once.
    let sink = SmtpSink::start_on(port).unwrap();
    assert_eq!(
        m.deliver_due(&e, t0 + chrono::Duration::seconds(31))
            .await
            .unwrap(),
        1
    );
    assert_eq!(sink.messages().len(), 1);
    assert_eq!(rows(&e).await[0].state, mail::SENT);
}

async fn after_the_last_attempt_the_message_is_kept_not_lost(e: Engine) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let m = mailer(port);
    mail::enqueue(
        &e.db,
        e.now(),
        "bruno.berg@example.com",
        "Card ordered",
        "Your card is ordered.",
    )
    .await
    .unwrap();
    let mut now = e.now();
    for _ in 0..mail::MAX_ATTEMPTS {
        m.deliver_due(&e, now).await.unwrap();
        now += chrono::Duration::hours(5);
    }
    let r = &rows(&e).await[0];
    assert_eq!(r.state, mail::GIVEN_UP);
    assert_eq!(r.attempts, mail::MAX_ATTEMPTS);
    assert!(r.last_error.as_deref().is_some_and(|e| !e.is_empty()));
    assert_eq!(m.deliver_due(&e, now).await.unwrap(), 0);
    assert_eq!(rows(&e).await[0].attempts, mail::MAX_ATTEMPTS);
}

on_both_backends!(
    a_message_exists_only_with_its_change,
    two_workers_deliver_each_message_once,
    a_server_that_is_down_means_retries_with_backoff,
    after_the_last_attempt_the_message_is_kept_not_lost,
);
