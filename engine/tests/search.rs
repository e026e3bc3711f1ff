//! Quick search and the SEARCH tab's Status, on SQLite and PostgreSQL.

mod common;

use common::{bad, caller, person, refusal, refused};
use tessera_engine::search::quick;
use tessera_engine::{objects, pki, Engine};
use tessera_process::{CardState, ErrorKind, ObjectKind, State, TempCardState};

async fn quick_search_finds_what_the_guides_look_for(e: Engine) {
    let op = caller(&e, "operator").await;
    let alice = person(&e, "Alice Andersson").await;
    let ids = |f: &tessera_process::lists::Found| f.rows.iter().map(|r| r.id).collect::<Vec<_>>();

    // A user by part of the name, the UPN or the employee id, without regard to case.
    for text in ["andersson", "ALICE.ANDERSSON@", alice.employee_id.as_str()] {
        let f = quick(&e, &op, ObjectKind::User, None, text, 0)
            .await
            .unwrap();
        assert!(ids(&f).contains(&alice.id), "{text}: {f:?}");
        assert!(f.rows.iter().all(|r| r.kind == ObjectKind::User));
    }
    // Wildcards are letters: nobody's name has a per cent sign in it.
    let f = quick(&e, &op, ObjectKind::User, None, "%", 0)
        .await
        .unwrap();
    assert_eq!(f.total, 0, "{f:?}");

    // Cards by their holder (Alice has two), narrowed by Status, or by number.
    let cards = quick(&e, &op, ObjectKind::Card, None, "alice andersson", 0)
        .await
        .unwrap();
    assert_eq!(cards.total, 2, "{cards:?}");
    assert!(cards.rows.iter().all(|r| r
        .holder
        .as_deref()
        .is_some_and(|h| h.contains("Alice Andersson"))));
    let active = State::Card(CardState::Active);
    let live = quick(&e, &op, ObjectKind::Card, Some(active), "alice", 0)
        .await
        .unwrap();
    assert_eq!(live.total, 1, "{live:?}");
    assert_eq!(live.rows[0].state, active);
    let number = live.rows[0].id.to_string();
    let by_id = quick(&e, &op, ObjectKind::Card, None, &number, 0)
        .await
        .unwrap();
    assert!(ids(&by_id).contains(&live.rows[0].id), "{by_id:?}");

    // A certificate by part of its serial, written with colons as tools print it; it opens
    // the credential that holds it.
    let cert = pki::of_person(&e.db, alice.id).await.unwrap().remove(0);
    let colons: Vec<String> = cert.serial[..8]
        .to_lowercase()
        .as_bytes()
        .chunks(2)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    let f = quick(&e, &op, ObjectKind::Certificate, None, &colons.join(":"), 0)
        .await
        .unwrap();
    let row = f.rows.iter().find(|r| r.id == cert.id).expect("found");
    assert_eq!(row.opens, (cert.owner_kind, cert.owner_id));

    // Temporary cards by Status, with no text, as Initialize temporary card begins.
    let made = objects::temp_card::request(&e, &op, 3).await.unwrap();
    let requested = State::TempCard(TempCardState::Requested);
    let f = quick(&e, &op, ObjectKind::TempCard, Some(requested), "", 0)
        .await
        .unwrap();
    assert!(made.iter().all(|id| ids(&f).contains(id)), "{f:?}");
    assert!(f.rows.iter().all(|r| r.state == requested));
    let produced = State::TempCard(TempCardState::Produced);
    let f = quick(&e, &op, ObjectKind::TempCard, Some(produced), "", 0)
        .await
        .unwrap();
    assert!(made.iter().all(|id| !ids(&f).contains(id)), "{f:?}");
}

async fn quick_search_refuses_what_it_does_not_answer(e: Engine) {
    let op = caller(&e, "operator").await;
    let alice = caller(&e, "alice").await;
    // Staff search; a self-service user sees only their own things, elsewhere.
    let err = quick(&e, &alice, ObjectKind::User, None, "a", 0)
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), refused(ErrorKind::Forbidden), "{err}");
    for (kind, state, text, offset, field) in [
        (
            ObjectKind::Card,
            Some(State::TempCard(TempCardState::Produced)),
            "",
            0,
            "state",
        ),
        (ObjectKind::BatchOrder, None, "", 0, "kind"),
        (ObjectKind::User, None, &*"x".repeat(101), 0, "q"),
        (ObjectKind::User, None, "", u64::MAX, "offset"),
    ] {
        let err = quick(&e, &op, kind, state, text, offset).await.unwrap_err();
        assert_eq!(refusal(&err), bad(field), "{err}");
    }
}

on_both_backends!(
    quick_search_finds_what_the_guides_look_for,
    quick_search_refuses_what_it_does_not_answer,
);
