//! Sign-in, search and the options editor, on SQLite and PostgreSQL.

mod common;

use common::caller;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tessera_engine::objects::user::people;
use tessera_engine::{auth, options, Engine, EngineError};
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
    assert!(
        tessera_engine::objects::user::page::of(&e, &selfservice, me)
            .await
            .is_ok()
    );
    assert!(matches!(
        tessera_engine::objects::user::page::of(&e, &selfservice, me + 1).await,
        Err(EngineError::Forbidden(_))
    ));
    // Nor can they tell which card ids exist: a missing card is not found, as is another's.
    assert!(matches!(
        tessera_engine::objects::card::page(&e, &selfservice, 424242).await,
        Err(EngineError::NotFound { .. })
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

/// Wrong passwords slow down the source that types them, never the account's owner elsewhere:
/// once five wrong passwords locked `approver` out for everybody.
async fn password_guessing_is_slowed_down_where_it_comes_from(mut e: Engine) {
    use tessera_engine::entity::{audit_log, login_throttle};
    use tessera_engine::sign_in_throttle::{self, FREE_FAILURES, SOURCE_LIMIT};
    use tessera_engine::throttle::{Guards, Limits};
    // The rate limits in front are tested on their own (throttle.rs) and over HTTP
    // (scripts/bench login-flood); here the database throttle behind them.
    let wide = (10_000, 60_000);
    e.guards = std::sync::Arc::new(Guards::new(Limits {
        sign_in_per_source: wide,
        sign_in_global: wide,
        est_per_source: wide,
        est_global: wide,
    }));
    let attacker = "10.0.0.7";
    for _ in 0..FREE_FAILURES {
        let err = auth::login(&e, "approver", "guess-guess", attacker)
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::BadCredentials), "{err}");
    }
    // The attacker waits, and the wait grows with each wrong password...
    let err = auth::login(&e, "approver", "approver-demo", attacker)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::TooManyAttempts { .. }), "{err}");
    assert!(err.to_string().contains("Wait 1 seconds"), "{err}");
    assert_eq!(err.status(), 429);
    // ...while the owner signs in from another source at once, even with "Approver".
    auth::login(&e, "Approver", "approver-demo", "10.0.0.8")
        .await
        .unwrap();
    // The attacker waits as long as told, and no longer.
    let wait = |seconds| e.clock.advance(chrono::Duration::seconds(seconds));
    wait(1);
    auth::login(&e, "approver", "guess-guess", attacker)
        .await
        .unwrap_err();
    let err = auth::login(&e, "approver", "guess-guess", attacker)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Wait 2 seconds"), "{err}");
    // After the wait, the right password works from there too, and the count starts again.
    wait(2);
    auth::login(&e, "approver", "approver-demo", attacker)
        .await
        .unwrap();
    auth::login(&e, "approver", "wrong-wrong", attacker)
        .await
        .unwrap_err();
    assert!(matches!(
        auth::login(&e, "approver", "wrong-wrong", attacker).await,
        Err(EngineError::BadCredentials)
    ));

    // Password spraying: one source across many names waits as a whole.
    let sprayer = "10.0.0.9";
    let typed = "Tr0ub4dor&3-is-my-password";
    for i in 0..SOURCE_LIMIT {
        let name = if i == 0 {
            typed.to_string()
        } else {
            format!("user{i}")
        };
        auth::login(&e, &name, "Summer2026!", sprayer)
            .await
            .unwrap_err();
    }
    let err = auth::login(&e, "operator", "operator-demo", sprayer)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::TooManyAttempts { .. }), "{err}");
    auth::login(&e, "operator", "operator-demo", "10.0.0.10")
        .await
        .unwrap();

    // No audit record per try: the refusals are summed up, one record per name and source,
    // when the right password ends them or on the schedule.
    let reported = audit_log::Entity::find()
        .filter(audit_log::Column::Action.is_in(["login_failed", "login_refused"]))
        .all(&e.db)
        .await
        .unwrap();
    assert_eq!(reported.len(), 1, "{reported:?}");
    assert!(
        reported[0]
            .detail
            .starts_with("6 refused sign-ins for approver from 10.0.0.7 in 1 min"),
        "{}",
        reported[0].detail
    );
    let records = sign_in_throttle::report(&e, true).await.unwrap();
    assert_eq!(records as i64, SOURCE_LIMIT + 2, "one per name and source");
    let reports = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("login_refused"))
        .all(&e.db)
        .await
        .unwrap();
    assert!(
        reports.iter().any(|r| r
            .detail
            .starts_with("2 refused sign-ins for approver from 10.0.0.7")),
        "{:?}",
        reports.iter().map(|r| &r.detail).collect::<Vec<_>>()
    );
    assert!(reports
        .iter()
        .any(|r| r.detail.contains("for any user name from 10.0.0.9")));
    // A name someone typed (perhaps a password) is stored nowhere in clear.
    let rows = login_throttle::Entity::find().all(&e.db).await.unwrap();
    assert!(rows.iter().all(|r| !r.name_key.contains("user")));
    let everything: Vec<String> = audit_log::Entity::find()
        .all(&e.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| format!("{} {}", r.detail, r.data))
        .collect();
    assert!(everything.iter().all(|t| !t.contains(typed)));
    assert_eq!(sign_in_throttle::report(&e, true).await.unwrap(), 0);
}

/// A session ends after the idle time without a request, however young it is.
async fn an_idle_session_ends(e: Engine) {
    let (token, _) = auth::login(&e, "operator", "operator-demo", "10.1.0.1")
        .await
        .unwrap();
    assert!(auth::session(&e, &token, "10.1.0.1")
        .await
        .unwrap()
        .is_some());
    // No request for longer than the idle time, well within the session's lifetime.
    let idle = e.sessions.idle + chrono::Duration::seconds(1);
    assert!(idle < e.sessions.absolute);
    e.clock.advance(idle);
    assert!(auth::session(&e, &token, "10.1.0.1")
        .await
        .unwrap()
        .is_none());
}

on_both_backends!(
    an_idle_session_ends,
    password_guessing_is_slowed_down_where_it_comes_from,
    wrong_password_opens_no_session,
    quick_search_finds_by_name_upn_and_employee_id,
    options_are_validated_versioned_and_admin_only,
);
