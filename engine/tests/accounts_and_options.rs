//! Sign-in, search and the options editor, on SQLite and PostgreSQL.

mod common;

use common::caller;
use tessera_engine::{auth, options, people, Engine, EngineError};
use tessera_process::{OptionsPackage, UserState};

async fn wrong_password_opens_no_session(e: Engine) {
    let err = auth::login(&e, "operator", "not-the-password", "127.0.0.1")
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::BadCredentials));
    let err = auth::login(&e, "nobody", "whatever-it-is", "127.0.0.1")
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::BadCredentials));
    let (token, info) = auth::login(&e, "operator", "operator-demo", "127.0.0.1")
        .await
        .unwrap();
    assert_eq!(info.username, "operator");
    assert!(auth::session(&e, &token, "x").await.unwrap().is_some());
    assert!(auth::session(&e, "forged-token", "x")
        .await
        .unwrap()
        .is_none());
    let (_, c) = auth::session(&e, &token, "x").await.unwrap().unwrap();
    auth::logout(&e, &token, &c).await.unwrap();
    assert!(auth::session(&e, &token, "x").await.unwrap().is_none());
}

async fn quick_search_finds_by_name_upn_and_employee_id(e: Engine) {
    let op = caller(&e, "operator").await;
    let by_name = people::search(&e, &op, "olivia", 20).await.unwrap();
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name[0].common_name, "Olivia Olsen");
    let by_upn = people::search(&e, &op, "PAVEL.PETROV@", 20).await.unwrap();
    assert_eq!(by_upn[0].common_name, "Pavel Petrov");
    let by_id = people::search(&e, &op, "E1010", 20).await.unwrap();
    assert_eq!(by_id[0].common_name, "Jonas Jansen");
    assert_eq!(by_id[0].state, UserState::Inactive);
    assert!(
        people::search(&e, &op, "%", 20).await.unwrap().is_empty(),
        "wildcards are literal"
    );
    assert!(people::search(&e, &op, "_", 20).await.unwrap().is_empty());
    assert!(people::search(&e, &op, "\\", 20).await.unwrap().is_empty());
    assert_eq!(people::search(&e, &op, "", 100).await.unwrap().len(), 50);
    let selfservice = caller(&e, "alice").await;
    assert!(people::search(&e, &selfservice, "a", 5).await.is_err());
    // A self-service user sees only themselves.
    let me = selfservice.person_id.unwrap();
    assert!(people::page(&e, &selfservice, me).await.is_ok());
    assert!(matches!(
        people::page(&e, &selfservice, me + 1).await,
        Err(EngineError::Forbidden(_))
    ));
    // Nor can they tell which card ids exist.
    assert!(matches!(
        tessera_engine::cards::page(&e, &selfservice, 424242).await,
        Err(EngineError::Forbidden(_))
    ));
}

async fn options_are_validated_versioned_and_admin_only(e: Engine) {
    let admin = caller(&e, "admin").await;
    let op = caller(&e, "operator").await;
    let p = OptionsPackage::TempCardsScriptOptions;
    assert!(matches!(
        options::page(&e, &op, p).await,
        Err(EngineError::Forbidden(_))
    ));
    assert!(matches!(
        options::save(&e, &op, p, 1, &[("TempCardsPinLength".into(), "7".into())]).await,
        Err(EngineError::Forbidden(_))
    ));
    let page = options::page(&e, &admin, p).await.unwrap();
    assert_eq!(page.version, 1);
    for bad in ["3", "abc", "9"] {
        let err = options::save(
            &e,
            &admin,
            p,
            1,
            &[("TempCardsPinLength".into(), bad.into())],
        )
        .await
        .unwrap_err();
        assert!(err.to_string().starts_with("PIN length:"), "{err}");
    }
    assert_eq!(
        options::current(&e.db, p).await.unwrap().version,
        1,
        "nothing saved"
    );
    assert_eq!(
        options::save(
            &e,
            &admin,
            p,
            1,
            &[("TempCardsPinLength".into(), "8".into())]
        )
        .await
        .unwrap(),
        2
    );
    let err = options::save(
        &e,
        &admin,
        p,
        1,
        &[("TempCardsPinLength".into(), "7".into())],
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("changed by someone else"), "{err}");
    let cur = options::current(&e.db, p).await.unwrap();
    assert_eq!(
        (cur.version, cur.document["TempCardsPinLength"].as_int()),
        (2, Some(8))
    );
}

async fn password_guessing_is_slowed_down(e: Engine) {
    for _ in 0..auth::MAX_FAILURES {
        let err = auth::login(&e, "approver", "guess-guess", "10.0.0.1")
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::BadCredentials), "{err}");
    }
    // Even the right password waits now, and the message says for how long.
    let err = auth::login(&e, "approver", "approver-demo", "127.0.0.1")
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::TooManyAttempts { .. }), "{err}");
    assert!(err.to_string().contains("Wait 15 minutes"), "{err}");
    // Unknown user names are counted the same way, so the answer reveals nothing.
    for _ in 0..auth::MAX_FAILURES {
        auth::login(&e, "no-such-user", "guess-guess", "10.0.0.1")
            .await
            .unwrap_err();
    }
    let err = auth::login(&e, "no-such-user", "guess-guess", "10.0.0.1")
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::TooManyAttempts { .. }), "{err}");
    // Other accounts are not affected, and a success clears the count.
    auth::login(&e, "operator", "wrong-wrong", "127.0.0.1")
        .await
        .unwrap_err();
    auth::login(&e, "operator", "operator-demo", "127.0.0.1")
        .await
        .unwrap();
    for _ in 0..auth::MAX_FAILURES - 1 {
        auth::login(&e, "operator", "wrong-wrong", "127.0.0.1")
            .await
            .unwrap_err();
    }
    auth::login(&e, "operator", "operator-demo", "127.0.0.1")
        .await
        .unwrap();
}

on_both_backends!(
    password_guessing_is_slowed_down,
    wrong_password_opens_no_session,
    quick_search_finds_by_name_upn_and_employee_id,
    options_are_validated_versioned_and_admin_only,
);
