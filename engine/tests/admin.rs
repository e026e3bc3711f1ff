//! Administration and the people directory on SQLite and PostgreSQL: Additional Commands,
//! options history and restore, users (create, edit, approval, CSV import), accounts and
//! roles, the audit viewer and the chain verifier.

mod common;

use common::{bad, caller, person, refusal, refused};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use tessera_engine::entity::person as person_entity;
use tessera_engine::objects::user::{directory, page};
use tessera_engine::{accounts, audit, auth, enablement, options, Engine, EngineError};
use tessera_process::dto::{AccountQuery, AuditFilter, ImportAction, NewAccount};
use tessera_process::lists::PAGE;
use tessera_process::person::PersonInput;
use tessera_process::{
    ErrorKind, Language, ObjectKind, OptionsPackage, ProcessId, Role, State, UserState,
};

fn someone(id: &str, given: &str) -> PersonInput {
    PersonInput {
        employee_id: id.into(),
        given_name: given.into(),
        surname: "Newman".into(),
        email: format!("{}.newman@example.com", given.to_lowercase()),
        upn: format!("{}.newman@example.com", given.to_lowercase()),
        department: "IT".into(),
    }
}

async fn commands_follow_what_the_admin_enables(e: Engine) {
    let admin = caller(&e, "admin").await;
    let op = caller(&e, "operator").await;
    let bruno = person(&e, "Bruno Berg").await;
    let active = State::User(UserState::Active);
    let page = enablement::page(&e, &admin, ObjectKind::User)
        .await
        .unwrap();
    let tab = page
        .states
        .iter()
        .find(|s| s.state.as_str() == "active")
        .unwrap();
    assert!(tab
        .enabled
        .iter()
        .any(|c| c.process == ProcessId::CardsProcRequest
            && c.mapping.as_deref() == Some("CardsMapUserToCard")));
    assert!(
        !page.states.iter().any(|s| s.state.as_str() == "locked"),
        "final states have no commands"
    );
    // Only what the model allows is offered.
    for c in tab.enabled.iter().chain(&tab.available) {
        assert!(
            c.process.def().required.contains(&active),
            "{:?}",
            c.process
        );
    }
    let offered = |e: Engine, op: tessera_engine::Caller| async move {
        page::of(&e, &op, bruno.id)
            .await
            .unwrap()
            .commands
            .iter()
            .map(|c| c.process)
            .collect::<Vec<_>>()
    };
    assert!(offered(e.clone(), op.clone())
        .await
        .contains(&ProcessId::CardsProcRequest));
    enablement::set(&e, &admin, ProcessId::CardsProcRequest, active, false)
        .await
        .unwrap();
    assert!(!offered(e.clone(), op.clone())
        .await
        .contains(&ProcessId::CardsProcRequest));
    let err = tessera_engine::objects::card::request(&e, &op, bruno.id, bruno.version)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::NotEnabled { .. }), "{err}");
    enablement::set(&e, &admin, ProcessId::CardsProcRequest, active, true)
        .await
        .unwrap();
    assert!(offered(e.clone(), op.clone())
        .await
        .contains(&ProcessId::CardsProcRequest));
    // The model forbids Request card on an inactive user, and operators do not administer.
    let err = enablement::set(
        &e,
        &admin,
        ProcessId::CardsProcRequest,
        State::User(UserState::Inactive),
        true,
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(&err), bad("process"), "{err}");
    assert!(matches!(
        enablement::set(&e, &op, ProcessId::CardsProcRequest, active, false).await,
        Err(EngineError::Forbidden(_))
    ));
    // Save on a state tab: what the tab lists is what is enabled, each change audited.
    let listed = |e: Engine| async move {
        enablement::page(&e, &caller(&e, "admin").await, ObjectKind::User)
            .await
            .unwrap()
            .states
            .into_iter()
            .find(|s| s.state == active)
            .unwrap()
            .enabled
            .into_iter()
            .map(|c| c.process)
            .collect::<Vec<_>>()
    };
    let before = listed(e.clone()).await;
    assert!(before.contains(&ProcessId::CardsProcRequest), "{before:?}");
    let without: Vec<_> = before
        .iter()
        .copied()
        .filter(|p| *p != ProcessId::CardsProcRequest)
        .collect();
    assert_eq!(
        enablement::save(&e, &admin, active, &without)
            .await
            .unwrap(),
        1
    );
    assert_eq!(listed(e.clone()).await, without);
    assert_eq!(
        enablement::save(&e, &admin, active, &without)
            .await
            .unwrap(),
        0
    );
    // A process the model does not allow there changes nothing at all.
    let mut wrong = before.clone();
    wrong.push(ProcessId::CardsProcLock);
    let err = enablement::save(&e, &admin, active, &wrong)
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), bad("process"), "{err}");
    assert_eq!(listed(e.clone()).await, without);
    assert!(matches!(
        enablement::save(&e, &op, active, &before).await,
        Err(EngineError::Forbidden(_))
    ));
    assert_eq!(
        enablement::save(&e, &admin, active, &before).await.unwrap(),
        1
    );
    assert_eq!(listed(e.clone()).await, before);
    let rows = audit::search(
        &e.db,
        &AuditFilter {
            action: "CommandDisabled".into(),
            ..Default::default()
        },
        10,
    )
    .await
    .unwrap()
    .rows;
    assert_eq!(rows.len(), 2, "one by set, one by save");
}

async fn options_keep_their_history_and_restore(e: Engine) {
    let admin = caller(&e, "admin").await;
    let p = OptionsPackage::CardsScriptOptions;
    let v2 = options::save(
        &e,
        &admin,
        p,
        1,
        &[("CardsRequestApproval".into(), "no".into())],
    )
    .await
    .unwrap();
    assert_eq!(v2, 2);
    let history = options::history(&e.db, p).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].version, 2);
    assert_eq!(history[0].changed_by, "admin");
    assert_eq!(
        history[0].changes,
        vec!["CardsRequestApproval: yes → no".to_string()]
    );
    // Restoring version 1 makes a version 3 equal to it; history is never rewritten.
    let v3 = options::restore(&e, &admin, p, 2, 1).await.unwrap();
    assert_eq!(v3, 3);
    assert!(options::current(&e.db, p)
        .await
        .unwrap()
        .get(tessera_process::options::cards::REQUEST_APPROVAL));
    assert_eq!(options::history(&e.db, p).await.unwrap().len(), 3);
    let err = options::restore(&e, &admin, p, 2, 1).await.unwrap_err();
    assert_eq!(refusal(&err), refused(ErrorKind::Conflict), "{err}");
    let err = options::restore(&e, &admin, p, 3, 1).await.unwrap_err();
    assert_eq!(refusal(&err), refused(ErrorKind::BadRequest), "{err}");
    let err = options::restore(&e, &admin, p, 3, 99).await.unwrap_err();
    assert_eq!(refusal(&err), refused(ErrorKind::NotFound), "{err}");
    let rows = audit::search(
        &e.db,
        &AuditFilter {
            action: "options_restored".into(),
            ..Default::default()
        },
        10,
    )
    .await
    .unwrap()
    .rows;
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].data.contains("\"before\""),
        "before/after recorded: {}",
        rows[0].data
    );
}

async fn users_are_created_edited_and_approved(e: Engine) {
    let op = caller(&e, "operator").await;
    let admin = caller(&e, "admin").await;
    let mut wrong = someone("E9001", "Nora");
    wrong.email = "nora at example".into();
    wrong.given_name = " ".into();
    let err = directory::create(&e, &op, wrong).await.unwrap_err();
    // Every wrong field is named, and the form shows the refusal at the first of them.
    assert_eq!(refusal(&err), bad("given_name"), "{err}");
    let err = err.to_string();
    assert!(
        err.contains("given name is required") && err.contains("not a valid e-mail"),
        "{err}"
    );
    let nora = directory::create(&e, &op, someone("E9001", "Nora"))
        .await
        .unwrap();
    assert_eq!(nora.state, UserState::Active);
    assert_eq!(nora.common_name, "Nora Newman");
    let err = directory::create(&e, &op, someone("E9001", "Other"))
        .await
        .unwrap_err();
    assert_eq!(err.field().as_deref(), Some("employee_id"), "{err}");
    assert!(err.to_string().contains("E9001"), "{err}");
    let mut dup = someone("E9002", "Nora");
    dup.employee_id = "E9002".into();
    let err = directory::create(&e, &op, dup).await.unwrap_err();
    assert_eq!(err.field().as_deref(), Some("upn"), "{err}");

    // UPNs compare without case, as a directory does.
    let mut shouting = someone("E9009", "Nora");
    shouting.upn = "NORA.NEWMAN@EXAMPLE.COM".into();
    let err = directory::create(&e, &op, shouting).await.unwrap_err();
    assert_eq!(err.field().as_deref(), Some("upn"), "{err}");
    // The UPN of a user with usable certificates does not change.
    let alice = person(&e, "Alice Andersson").await;
    let mut moved = PersonInput {
        employee_id: alice.employee_id.clone(),
        given_name: alice.given_name.clone(),
        surname: alice.surname.clone(),
        email: alice.email.clone(),
        upn: "alice.new@example.com".into(),
        department: alice.department.clone(),
    };
    let err = directory::update(&e, &op, alice.id, alice.version, moved.clone())
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), refused(ErrorKind::Conflict), "{err}");
    assert!(
        err.to_string().contains("3 certificates"),
        "counts them: {err}"
    );
    moved.upn = alice.upn.to_uppercase();
    moved.department = "Legal".into();
    directory::update(&e, &op, alice.id, alice.version, moved)
        .await
        .unwrap();

    // Edit: the employee id stays, a stale version is refused.
    let mut changed = someone("E9001", "Nora");
    changed.department = "Research".into();
    let edited = directory::update(&e, &op, nora.id, nora.version, changed.clone())
        .await
        .unwrap();
    assert!(
        edited.pending.is_none(),
        "a department is no identity change"
    );
    assert_eq!(edited.user.department, "Research");
    let err = directory::update(&e, &op, nora.id, nora.version, changed.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(err, EngineError::Conflict { .. }) || err.to_string().contains("Nothing"),
        "{err}"
    );
    let mut rekeyed = changed.clone();
    rekeyed.employee_id = "E0000".into();
    let err = directory::update(&e, &op, nora.id, edited.user.version, rekeyed)
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), bad("employee_id"), "{err}");

    // With the approval step the user waits for an approver who is not the requester.
    options::save(
        &e,
        &admin,
        OptionsPackage::UsersScriptOptions,
        1,
        &[("UsersCreateApproval".into(), "yes".into())],
    )
    .await
    .unwrap();
    let sup = caller(&e, "supervisor").await;
    let omar = directory::create(&e, &sup, someone("E9003", "Omar"))
        .await
        .unwrap();
    assert_eq!(omar.state, UserState::Requested);
    let err = directory::decide(&e, &sup, omar.id, omar.version, true, "")
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::SelfApproval { .. }), "{err}");
    let ap = caller(&e, "approver").await;
    let err = directory::decide(&e, &ap, omar.id, omar.version, false, " ")
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), bad("reason"), "{err}");
    let mut reworded = someone("E9003", "Omar");
    reworded.department = "Finance".into();
    let err = directory::update(&e, &sup, omar.id, omar.version, reworded)
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), refused(ErrorKind::Conflict), "{err}");
    let approved = directory::decide(&e, &ap, omar.id, omar.version, true, "")
        .await
        .unwrap();
    assert_eq!(approved.state, UserState::Active);
    let alice = caller(&e, "alice").await;
    assert!(matches!(
        directory::create(&e, &alice, someone("E9004", "Pia")).await,
        Err(EngineError::Forbidden(_))
    ));
}

async fn csv_import_previews_then_creates_and_updates(e: Engine) {
    let op = caller(&e, "operator").await;
    let before = person_entity::Entity::find().count(&e.db).await.unwrap();
    let bad = "employee_id,given_name,surname,email,upn,department\n\
        E7001,Ada,Lovelace,ada@example.com,ada@example.com,Research\n\
        E7002,,Turing,alan@example.com,alan@example.com,Research\n\
        E1002,Bruno,Berg,bruno.berg@example.com,bruno.berg@example.com,Sales\n\
        E7003,Grace,Hopper,grace@example.com,bruno.berg@example.com,Navy\n\
        \"E7004\",\"Hedy, the inventor\",Lamarr,hedy@example.com,hedy@example.com,\n";
    let preview = directory::import_preview(&e, &op, bad).await.unwrap();
    let by_line = |n: usize| preview.lines.iter().find(|l| l.line == n).unwrap();
    assert_eq!(by_line(2).action, ImportAction::Create);
    assert_eq!(by_line(3).action, ImportAction::Error);
    assert!(by_line(3).messages[0].contains("given name is required"));
    assert_eq!(
        by_line(4).action,
        ImportAction::Update,
        "Bruno moves to Sales"
    );
    assert!(by_line(4).messages[0].contains("department"));
    assert_eq!(by_line(5).action, ImportAction::Error);
    assert!(
        by_line(5)
            .messages
            .iter()
            .any(|m| m.contains("belongs to the user with employee id E1002")),
        "{:?}",
        by_line(5)
    );
    assert_eq!(by_line(6).common_name, "Hedy, the inventor Lamarr");
    assert_eq!(
        (preview.creates, preview.updates, preview.errors),
        (2, 1, 2)
    );
    // Nothing was written, and a file with errors imports nothing.
    assert_eq!(
        person_entity::Entity::find().count(&e.db).await.unwrap(),
        before
    );
    let err = directory::import(&e, &op, bad).await.unwrap_err();
    assert!(err.to_string().contains("2 lines have errors"), "{err}");
    assert_eq!(
        person_entity::Entity::find().count(&e.db).await.unwrap(),
        before
    );

    let good: String = bad
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 2 && *i != 4)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let out = directory::import(&e, &op, &good).await.unwrap();
    assert_eq!((out.created, out.updated, out.unchanged), (2, 1, 0));
    assert_eq!(person(&e, "Bruno Berg").await.department, "Sales");
    // Re-import updates by employee id instead of duplicating.
    let again = directory::import(&e, &op, &good.replace("Research", "History"))
        .await
        .unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 1, 2));
    assert_eq!(
        person_entity::Entity::find().count(&e.db).await.unwrap(),
        before + 2
    );
    for (text, expect) in [
        ("", "empty"),
        ("name,email\nx,y\n", "no column \"employee_id\""),
        (
            "employee_id,given_name,surname,email,upn,nickname\n",
            "unknown column \"nickname\"",
        ),
        ("employee_id,given_name,surname,email,upn\n", "no people"),
    ] {
        let err = directory::import_preview(&e, &op, text)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(expect), "{text:?}: {err}");
    }
    let err = directory::import_preview(&e, &op, "employee_id,given_name,surname,email,upn,upn\n")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("\"upn\" twice"), "{err}");
    let trailing = "employee_id,given_name,surname,email,upn\nE7101,\"Ann\"x,Lee,ann@example.com,ann@example.com\n";
    let p = directory::import_preview(&e, &op, trailing).await.unwrap();
    assert!(
        p.lines[0].messages[0].contains("after a closing quote"),
        "{:?}",
        p.lines
    );
    let hidden = "employee_id,given_name,surname,email,upn\nE7102,Ann\u{202E},Lee,ann@example.com,ann@example.com\n";
    let p = directory::import_preview(&e, &op, hidden).await.unwrap();
    assert!(
        p.lines[0].messages[0].contains("invisible"),
        "{:?}",
        p.lines
    );
    let unclosed = "employee_id,given_name,surname,email,upn\nE7100,\"Open,Quote,a@example.com,a@example.com\n";
    let p = directory::import_preview(&e, &op, unclosed).await.unwrap();
    assert!(
        p.lines[0].messages[0].contains("not closed"),
        "{:?}",
        p.lines
    );
}

async fn accounts_and_roles_are_managed_by_admins(e: Engine) {
    let admin = caller(&e, "admin").await;
    let op = caller(&e, "operator").await;
    let all = AccountQuery::default();
    let accounts_before = accounts::page(&e, &admin, &all).await.unwrap().total;
    // A self-service account gets no password from the admin.
    let new = |username: &str, roles: Vec<Role>, employee: &str| NewAccount {
        username: username.into(),
        display_name: "Someone".into(),
        password: match roles.contains(&Role::SelfService) {
            true => String::new(),
            false => "a good long password".into(),
        },
        roles,
        employee_id: employee.into(),
    };
    assert!(matches!(
        accounts::create(&e, &op, new("x", vec![Role::Operator], "")).await,
        Err(EngineError::Forbidden(_))
    ));
    // Each refusal names the field of the form that is wrong, so the page shows it there.
    for (account, field) in [
        (
            new("bruno", vec![Role::SelfService, Role::Operator], "E1002"),
            "roles",
        ),
        (new("bruno", vec![Role::SelfService], ""), "employee_id"),
        (new("bruno", vec![Role::Operator], "E1002"), "employee_id"),
        (new("bruno", vec![], ""), "roles"),
        (new("br uno", vec![Role::Operator], ""), "username"),
        (
            new("alice2", vec![Role::SelfService], "E1001"),
            "employee_id",
        ),
        (new("operator", vec![Role::Operator], ""), "username"),
        // User names are one without regard to case.
        (new("Operator", vec![Role::Operator], ""), "username"),
        (
            new("nobody", vec![Role::SelfService], "E0000"),
            "employee_id",
        ),
    ] {
        let err = accounts::create(&e, &admin, account).await.unwrap_err();
        assert_eq!(err.status(), 400, "{err}");
        assert_eq!(err.field().as_deref(), Some(field), "{err}");
    }
    assert_eq!(
        accounts::page(&e, &admin, &all).await.unwrap().total,
        accounts_before,
        "nothing was created"
    );
    // A staff account gets the admin's initial password, checked against the policy.
    let mut short = new("olga", vec![Role::Operator], "");
    short.password = "short".into();
    let err = accounts::create(&e, &admin, short).await.unwrap_err();
    assert_eq!(err.field().as_deref(), Some("password"), "{err}");
    let mut common = new("olga", vec![Role::Operator], "");
    common.password = "password123".into();
    let err = accounts::create(&e, &admin, common).await.unwrap_err();
    assert_eq!(refusal(&err), bad("password"), "{err}");
    let olga = accounts::create(&e, &admin, new("olga", vec![Role::Operator], ""))
        .await
        .unwrap();
    assert_eq!(olga.invited, None);
    let (token, info) = auth::login(&e, "olga", "a good long password", "test")
        .await
        .unwrap();
    // The admin chose that password: it opens nothing but the change to one's own.
    assert!(
        info.must_change_password && info.roles.is_empty(),
        "{info:?}"
    );
    let (_, first) = auth::session(&e, &token, "test").await.unwrap().unwrap();
    assert!(matches!(
        tessera_engine::objects::user::people::search(&e, &first, "Bruno", 5).await,
        Err(EngineError::Forbidden(_))
    ));
    let err = auth::change_password(
        &e,
        &first,
        &token,
        "wrong one",
        "a new passphrase of olga's",
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(&err), bad("current"), "{err}");
    let err = auth::change_password(&e, &first, &token, "a good long password", "olga123456")
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), bad("new"), "{err}");
    let (other, _) = auth::login(&e, "olga", "a good long password", "elsewhere")
        .await
        .unwrap();
    auth::change_password(
        &e,
        &first,
        &token,
        "a good long password",
        "violet tractor under moonlight",
    )
    .await
    .unwrap();
    let (info, _) = auth::session(&e, &token, "test").await.unwrap().unwrap();
    assert!(!info.must_change_password && info.roles == [Role::Operator]);
    assert!(
        auth::session(&e, &other, "elsewhere")
            .await
            .unwrap()
            .is_none(),
        "the other sessions end"
    );
    // An admin's reset of a staff account: it must be changed again, and its sessions end.
    let err = accounts::reset_password(&e, &admin, admin.account_id, "some fresh words here")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("My account"), "{err}");
    // Only an admin resets a password; an operator cannot take over an account this way.
    assert!(matches!(
        accounts::reset_password(&e, &op, olga.id, "temporary words for olga").await,
        Err(EngineError::Forbidden(_))
    ));
    assert_eq!(
        accounts::reset_password(&e, &admin, olga.id, "temporary words for olga")
            .await
            .unwrap(),
        None
    );
    assert!(auth::session(&e, &token, "test").await.unwrap().is_none());
    let (token, info) = auth::login(&e, "olga", "temporary words for olga", "test")
        .await
        .unwrap();
    assert!(info.must_change_password);
    // Sign out everywhere ends every session of the account.
    let (_, olga_caller) = auth::session(&e, &token, "test").await.unwrap().unwrap();
    let mine = auth::my_account(&e, &olga_caller, &token).await.unwrap();
    assert_eq!(mine.sessions.len(), 1);
    assert!(mine.sessions[0].current && mine.sessions[0].source == "test");
    assert_eq!(
        auth::sign_out_everywhere(&e, &olga_caller).await.unwrap(),
        1
    );
    assert!(auth::session(&e, &token, "test").await.unwrap().is_none());

    // A self-service account: the admin gives no password; its user chooses one with the link
    // mailed to them (tests/trust.rs follows the link).
    let mut with_password = new("bruno", vec![Role::SelfService], "E1002");
    with_password.password = "the admin's own idea".into();
    let err = accounts::create(&e, &admin, with_password)
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), bad("password"), "{err}");
    let created = accounts::create(&e, &admin, new("bruno", vec![Role::SelfService], "E1002"))
        .await
        .unwrap();
    let bruno = person(&e, "Bruno Berg").await;
    assert_eq!(created.invited.as_deref(), Some(bruno.email.as_str()));
    let id = created.id;
    // No password opens it yet, not even the one the decoy hash was made from.
    for guess in ["", "decoy password", "a good long password"] {
        assert!(auth::login(&e, "bruno", guess, "test").await.is_err());
    }
    let err = accounts::reset_password(&e, &admin, id, "the admin's own idea")
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("Leave the password empty"),
        "{err}"
    );
    let (token, _) = auth::login(&e, "olga", "temporary words for olga", "test")
        .await
        .unwrap();

    // Disabling ends the account's sessions and refuses new ones.
    // A stale page cannot overwrite: the roles it saw are checked.
    let err = accounts::update(
        &e,
        &admin,
        olga.id,
        vec![Role::SelfService],
        false,
        vec![Role::Operator],
        true,
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(&err), refused(ErrorKind::Conflict), "{err}");
    accounts::update(
        &e,
        &admin,
        olga.id,
        vec![Role::Operator],
        false,
        vec![Role::Operator, Role::Operator],
        true,
    )
    .await
    .unwrap();
    assert!(auth::session(&e, &token, "test").await.unwrap().is_none());
    assert!(auth::login(&e, "olga", "temporary words for olga", "test")
        .await
        .is_err());
    // An admin cannot lock themselves out.
    let err = accounts::update(
        &e,
        &admin,
        admin.account_id,
        vec![Role::Admin],
        false,
        vec![Role::Operator],
        false,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("your own"), "{err}");
    // A self-service account only for a user who may have credentials.
    let locked = directory::create(&e, &op, someone("E9301", "Lena"))
        .await
        .unwrap();
    e.db.execute_unprepared(&format!(
        "UPDATE person SET state = 'locked' WHERE id = {}",
        locked.id
    ))
    .await
    .unwrap();
    let err = accounts::create(&e, &admin, new("lena", vec![Role::SelfService], "E9301"))
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), bad("employee_id"), "{err}");
    let list = accounts::page(&e, &admin, &all).await.unwrap().rows;
    let bruno = list.iter().find(|a| a.username == "bruno").unwrap();
    assert!(!bruno.disabled && bruno.person.as_ref().unwrap().2 == "E1002");
    assert!(list.iter().any(|a| a.username == "olga" && a.disabled));
    let _ = id;
}

/// The Accounts list a page at a time, by user name, narrowed by part of a name (in any case)
/// and by role; the roles and users of each row are its own. Only an admin reads it, and a page
/// beyond what a database can count from is a 400.
async fn accounts_are_listed_a_page_at_a_time_and_found_by_name_and_role(e: Engine) {
    let admin = caller(&e, "admin").await;
    for i in 0..(PAGE + 5) {
        accounts::create(
            &e,
            &admin,
            NewAccount {
                username: format!("desk{i:03}"),
                display_name: format!("Service Desk {i}"),
                password: "a good long password".into(),
                roles: vec![if i % 2 == 0 {
                    Role::Operator
                } else {
                    Role::Approver
                }],
                employee_id: String::new(),
            },
        )
        .await
        .unwrap();
    }
    let query = |text: &str, role: Option<Role>, offset: u64| AccountQuery {
        text: text.into(),
        role,
        offset,
    };
    let first = accounts::page(&e, &admin, &query("", None, 0))
        .await
        .unwrap();
    assert_eq!(first.rows.len() as u64, PAGE);
    assert!(
        first.total >= PAGE + 5 + 6,
        "the demo accounts too: {}",
        first.total
    );
    let second = accounts::page(&e, &admin, &query("", None, PAGE))
        .await
        .unwrap();
    let names = |p: &tessera_process::dto::AccountPage| {
        p.rows
            .iter()
            .map(|a| a.username.clone())
            .collect::<Vec<_>>()
    };
    let (a, b) = (names(&first), names(&second));
    assert!(a.windows(2).all(|w| w[0] <= w[1]), "ordered by user name");
    assert!(a.last() < b.first(), "the second page follows the first");
    assert_eq!(a.len() + b.len(), first.total as usize);
    // Part of the display name, in another case.
    let desks = accounts::page(&e, &admin, &query("SERVICE desk", None, 0))
        .await
        .unwrap();
    assert_eq!(desks.total, PAGE + 5);
    let approvers = accounts::page(&e, &admin, &query("desk", Some(Role::Approver), 0))
        .await
        .unwrap();
    assert_eq!(approvers.total, (PAGE + 5) / 2);
    assert!(approvers.rows.iter().all(|a| a.roles == [Role::Approver]));
    // A wildcard is taken literally.
    let none = accounts::page(&e, &admin, &query("desk%", None, 0))
        .await
        .unwrap();
    assert_eq!((none.total, none.rows.len()), (0, 0));
    let operator = caller(&e, "operator").await;
    let err = accounts::page(&e, &operator, &query("", None, 0))
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), refused(ErrorKind::Forbidden), "{err}");
    let err = accounts::page(&e, &admin, &query("", None, u64::MAX))
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), bad("offset"), "{err}");
}

async fn the_audit_viewer_filters_and_the_verifier_finds_tampering(e: Engine) {
    let op = caller(&e, "operator").await;
    let bruno = person(&e, "Bruno Berg").await;
    let card = tessera_engine::objects::card::request(&e, &op, bruno.id, bruno.version)
        .await
        .unwrap();
    let f = |kind: &str, id: &str, actor: &str, action: &str| AuditFilter {
        object_kind: kind.into(),
        object_id: id.into(),
        actor: actor.into(),
        action: action.into(),
        ..Default::default()
    };
    let rows = audit::search(&e.db, &f("card", &card.card_id.to_string(), "", ""), 50)
        .await
        .unwrap()
        .rows;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].data.contains("options_version"));
    assert_eq!(
        audit::search(&e.db, &f("", "", "operator", "CardsProcRequest"), 50)
            .await
            .unwrap()
            .rows
            .len(),
        1
    );
    assert!(
        audit::search(&e.db, &f("", "", "approver", "CardsProcRequest"), 50)
            .await
            .unwrap()
            .rows
            .is_empty()
    );
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let window = AuditFilter {
        since: today.clone(),
        until: today.clone(),
        ..Default::default()
    };
    assert!(!audit::search(&e.db, &window, 50)
        .await
        .unwrap()
        .rows
        .is_empty());
    let past = AuditFilter {
        until: "2000-01-01".into(),
        ..Default::default()
    };
    assert!(audit::search(&e.db, &past, 50)
        .await
        .unwrap()
        .rows
        .is_empty());
    for (filter, field) in [
        (
            AuditFilter {
                since: "yesterday".into(),
                ..Default::default()
            },
            "since",
        ),
        (
            AuditFilter {
                object_id: "x".into(),
                ..Default::default()
            },
            "object_id",
        ),
        (
            AuditFilter {
                object_kind: "spaceship".into(),
                ..Default::default()
            },
            "object_kind",
        ),
        (
            AuditFilter {
                since: "2026-12-02".into(),
                until: "2026-12-01".into(),
                ..Default::default()
            },
            "until",
        ),
    ] {
        let err = audit::search(&e.db, &filter, 10).await.unwrap_err();
        assert_eq!(refusal(&err), bad(field), "{err}");
    }

    // Page by page, newest first: each page starts below the last, none is skipped or repeated,
    // and the last one says there is nothing older.
    let n = audit::verify(&e.db).await.unwrap();
    let mut seen = Vec::new();
    let mut filter = AuditFilter::default();
    loop {
        let page = audit::search(&e.db, &filter, 4).await.unwrap();
        assert!(page.rows.len() <= 4);
        seen.extend(page.rows.iter().map(|r| r.id));
        match page.older {
            Some(older) => {
                assert_eq!(Some(&older), seen.last());
                filter.before = Some(older);
            }
            None => break,
        }
    }
    assert_eq!(seen, (1..=n).rev().collect::<Vec<_>>());
    // A filter holds on every page.
    let mut filter = f("", "", "operator", "");
    let mut by_operator = 0;
    loop {
        let page = audit::search(&e.db, &filter, 2).await.unwrap();
        assert!(page.rows.iter().all(|r| r.actor == "operator"));
        by_operator += page.rows.len();
        match page.older {
            Some(older) => filter.before = Some(older),
            None => break,
        }
    }
    assert_eq!(
        by_operator,
        audit::search(&e.db, &f("", "", "operator", ""), 1000)
            .await
            .unwrap()
            .rows
            .len()
    );
    // Read in slices smaller than the log, the chain checks the same.
    assert_eq!(audit::verify_in_slices(&e.db, 3).await.unwrap(), n);

    // A record inserted out of order (a forged one, re-using a sequence number in between).
    e.db.execute_unprepared("UPDATE audit_log SET seq = seq + 1000000 WHERE seq = 3")
        .await
        .unwrap();
    let err = audit::verify(&e.db).await.unwrap_err().to_string();
    assert!(err.contains("record 3") && err.contains("missing"), "{err}");
    e.db.execute_unprepared("UPDATE audit_log SET seq = seq - 1000000 WHERE seq > 1000000")
        .await
        .unwrap();
    assert_eq!(audit::verify(&e.db).await.unwrap(), n);
    // An edited row: the verifier names the first record that changed.
    e.db.execute_unprepared("UPDATE audit_log SET actor = 'mallory' WHERE seq = 5")
        .await
        .unwrap();
    let err = audit::verify(&e.db).await.unwrap_err().to_string();
    assert!(err.contains("record 5") && err.contains("changed"), "{err}");
    let err = audit::verify_in_slices(&e.db, 3)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("record 5") && err.contains("changed"), "{err}");
}

/// An account's language: kept with the account, given with every session, audited once per
/// change; choosing it again changes nothing.
async fn an_account_keeps_the_language_it_chose(e: Engine) {
    let operator = caller(&e, "operator").await;
    let (token, info) = auth::login(&e, "operator", "operator-demo", "test")
        .await
        .unwrap();
    assert_eq!(
        info.language, None,
        "the browser's language until one is chosen"
    );
    auth::set_language(&e, &operator, Some(Language::Swedish))
        .await
        .unwrap();
    auth::set_language(&e, &operator, Some(Language::Swedish))
        .await
        .unwrap();
    let (info, _) = auth::session(&e, &token, "test").await.unwrap().unwrap();
    assert_eq!(info.language, Some(Language::Swedish));
    let mine = auth::my_account(&e, &operator, &token).await.unwrap();
    assert_eq!(mine.language, Some(Language::Swedish));
    // Another account is not touched.
    let (_, approver) = auth::login(&e, "approver", "approver-demo", "test")
        .await
        .unwrap();
    assert_eq!(approver.language, None);
    let chosen = audit::search(
        &e.db,
        &AuditFilter {
            action: "LanguageChosen".into(),
            ..Default::default()
        },
        10,
    )
    .await
    .unwrap()
    .rows;
    assert_eq!(chosen.len(), 1, "{chosen:?}");
    assert_eq!(chosen[0].actor, "operator");
    auth::set_language(&e, &operator, None).await.unwrap();
    let (_, info) = auth::login(&e, "operator", "operator-demo", "test")
        .await
        .unwrap();
    assert_eq!(info.language, None);
}

on_both_backends!(
    an_account_keeps_the_language_it_chose,
    accounts_are_listed_a_page_at_a_time_and_found_by_name_and_role,
    commands_follow_what_the_admin_enables,
    options_keep_their_history_and_restore,
    users_are_created_edited_and_approved,
    csv_import_previews_then_creates_and_updates,
    accounts_and_roles_are_managed_by_admins,
    the_audit_viewer_filters_and_the_verifier_finds_tampering,
);
