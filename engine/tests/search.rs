//! Quick search and the SEARCH tab's Status, on SQLite and PostgreSQL.

mod common;

use common::{bad, caller, person, refusal, refused};
use tessera_engine::search::quick;
use tessera_engine::{objects, pki, Engine};
use tessera_process::lists::{Sort, SortBy, PAGE};
use tessera_process::{CardState, ErrorKind, ObjectKind, State, TempCardState};

async fn quick_search_finds_what_the_guides_look_for(e: Engine) {
    let op = caller(&e, "operator").await;
    let alice = person(&e, "Alice Andersson").await;
    let ids = |f: &tessera_process::lists::Found| f.rows.iter().map(|r| r.id).collect::<Vec<_>>();

    // A user by part of the name, the UPN or the employee id, without regard to case.
    for text in ["andersson", "ALICE.ANDERSSON@", alice.employee_id.as_str()] {
        let f = quick(&e, &op, ObjectKind::User, None, text, (0, Sort::default()))
            .await
            .unwrap();
        assert!(ids(&f).contains(&alice.id), "{text}: {f:?}");
        assert!(f.rows.iter().all(|r| r.kind == ObjectKind::User));
    }
    // Wildcards are letters: nobody's name has a per cent sign in it.
    let f = quick(&e, &op, ObjectKind::User, None, "%", (0, Sort::default()))
        .await
        .unwrap();
    assert_eq!(f.total, 0, "{f:?}");

    // Cards by their holder (Alice has two), narrowed by Status, or by number.
    let cards = quick(
        &e,
        &op,
        ObjectKind::Card,
        None,
        "alice andersson",
        (0, Sort::default()),
    )
    .await
    .unwrap();
    assert_eq!(cards.total, 2, "{cards:?}");
    assert!(cards.rows.iter().all(|r| r
        .holder
        .as_deref()
        .is_some_and(|h| h.contains("Alice Andersson"))));
    let active = State::Card(CardState::Active);
    let live = quick(
        &e,
        &op,
        ObjectKind::Card,
        Some(active),
        "alice",
        (0, Sort::default()),
    )
    .await
    .unwrap();
    assert_eq!(live.total, 1, "{live:?}");
    assert_eq!(live.rows[0].state, active);
    let number = live.rows[0].id.to_string();
    let by_id = quick(
        &e,
        &op,
        ObjectKind::Card,
        None,
        &number,
        (0, Sort::default()),
    )
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
    let f = quick(
        &e,
        &op,
        ObjectKind::Certificate,
        None,
        &colons.join(":"),
        (0, Sort::default()),
    )
    .await
    .unwrap();
    let row = f.rows.iter().find(|r| r.id == cert.id).expect("found");
    assert_eq!(row.opens, (cert.owner_kind, cert.owner_id));

    // Temporary cards by Status, with no text, as Initialize temporary card begins.
    let made = objects::temp_card::request(&e, &op, 3).await.unwrap();
    let requested = State::TempCard(TempCardState::Requested);
    let f = quick(
        &e,
        &op,
        ObjectKind::TempCard,
        Some(requested),
        "",
        (0, Sort::default()),
    )
    .await
    .unwrap();
    assert!(made.iter().all(|id| ids(&f).contains(id)), "{f:?}");
    assert!(f.rows.iter().all(|r| r.state == requested));
    let produced = State::TempCard(TempCardState::Produced);
    let f = quick(
        &e,
        &op,
        ObjectKind::TempCard,
        Some(produced),
        "",
        (0, Sort::default()),
    )
    .await
    .unwrap();
    assert!(made.iter().all(|id| !ids(&f).contains(id)), "{f:?}");
}

async fn quick_search_refuses_what_it_does_not_answer(e: Engine) {
    let op = caller(&e, "operator").await;
    let alice = caller(&e, "alice").await;
    // Staff search; a self-service user sees only their own things, elsewhere.
    let err = quick(
        &e,
        &alice,
        ObjectKind::User,
        None,
        "a",
        (0, Sort::default()),
    )
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
        let err = quick(&e, &op, kind, state, text, (offset, Sort::default()))
            .await
            .unwrap_err();
        assert_eq!(refusal(&err), bad(field), "{err}");
    }
}

async fn found_objects_are_ordered_by_the_column_asked_for(e: Engine) {
    let op = caller(&e, "operator").await;
    let sorted = |by, descending| Sort { by, descending };
    // The databases order names by their own collation (PostgreSQL's may skip spaces or fold
    // case); every collation agrees on the first letter, so that is what is compared.
    let initials = |texts: Vec<String>| -> Vec<char> {
        texts
            .iter()
            .filter_map(|t| t.chars().next())
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let ascending = |v: &[char]| v.windows(2).all(|w| w[0] <= w[1]);

    // Users by name, from A and from Z.
    let up = quick(
        &e,
        &op,
        ObjectKind::User,
        None,
        "",
        (0, sorted(SortBy::Holder, false)),
    )
    .await
    .unwrap();
    let names = initials(up.rows.iter().map(|r| r.label.clone()).collect());
    assert!(names.len() > 10 && ascending(&names), "{names:?}");
    assert_ne!(names.first(), names.last(), "{names:?}");
    let down = quick(
        &e,
        &op,
        ObjectKind::User,
        None,
        "",
        (0, sorted(SortBy::Holder, true)),
    )
    .await
    .unwrap();
    let mut names = initials(down.rows.iter().map(|r| r.label.clone()).collect());
    names.reverse();
    assert!(ascending(&names), "{names:?}");

    // Cards by holder (a name in another table) and by state.
    let by_holder = quick(
        &e,
        &op,
        ObjectKind::Card,
        None,
        "",
        (0, sorted(SortBy::Holder, false)),
    )
    .await
    .unwrap();
    let holders = initials(
        by_holder
            .rows
            .iter()
            .filter_map(|r| r.holder.clone())
            .collect(),
    );
    assert!(ascending(&holders), "{holders:?}");
    let by_state = quick(
        &e,
        &op,
        ObjectKind::Card,
        None,
        "",
        (0, sorted(SortBy::State, true)),
    )
    .await
    .unwrap();
    let mut states = initials(
        by_state
            .rows
            .iter()
            .map(|r| r.state.as_str().to_string())
            .collect(),
    );
    states.reverse();
    assert!(ascending(&states), "{states:?}");

    // Ordered by a column many share (state), pages neither overlap nor skip: the number is
    // the last key.
    objects::temp_card::request(&e, &op, PAGE as u32 + 5)
        .await
        .unwrap();
    let order = sorted(SortBy::State, false);
    let first = quick(&e, &op, ObjectKind::TempCard, None, "", (0, order))
        .await
        .unwrap();
    let second = quick(&e, &op, ObjectKind::TempCard, None, "", (PAGE, order))
        .await
        .unwrap();
    let mut seen: Vec<i64> = first
        .rows
        .iter()
        .chain(&second.rows)
        .map(|r| r.id)
        .collect();
    assert_eq!(seen.len() as u64, first.total);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len() as u64, first.total);

    // Certificates have no holder column of their own: asking for it is a bad request.
    let err = quick(
        &e,
        &op,
        ObjectKind::Certificate,
        None,
        "",
        (0, sorted(SortBy::Holder, false)),
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(&err), bad("sort"), "{err}");
}

on_both_backends!(
    quick_search_finds_what_the_guides_look_for,
    quick_search_refuses_what_it_does_not_answer,
    found_objects_are_ordered_by_the_column_asked_for,
);
