//! Order card for external production: the options, the order file for the bureau and the
//! bureau's status reports, on SQLite and PostgreSQL.

mod common;

use common::{caller, person, stored_card};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use sha2::{Digest, Sha256};
use std::io::Read;
use tessera_engine::entity::{bureau_report, mail_outbox, temp_card};
use tessera_engine::external::{self, ExternalSettings};
use tessera_engine::objects;
use tessera_engine::objects::card::{self, Decision, Production};
use tessera_engine::{Engine, EngineError};
use tessera_process::dto::ProcessInput;
use tessera_process::{
    CardState, KindState, ObjectKind, OptionsPackage, ProcessId, State, TempCardState,
};

fn settings(dir: &tempfile::TempDir) -> ExternalSettings {
    ExternalSettings {
        outbox_dir: dir.path().join("outbox"),
        inbox_dir: dir.path().join("inbox"),
    }
}

async fn set_options(e: &Engine, changes: &[(&str, &str)]) {
    set_package_options(e, OptionsPackage::CardsScriptOptions, changes).await
}

async fn set_package_options(e: &Engine, package: OptionsPackage, changes: &[(&str, &str)]) {
    common::set_options(e, package, changes).await;
}

async fn order(
    e: &Engine,
    who: &str,
) -> Result<tessera_process::dto::RequestCardOutcome, EngineError> {
    let op = caller(e, "operator").await;
    let p = person(e, who).await;
    card::request_for(e, &op, p.id, p.version, Production::External).await
}

/// The files of an order ZIP.
fn unzip(path: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().to_string(), bytes)
        })
        .collect()
}

async fn queued_orders_go_out_in_one_file_and_reports_move_them(e: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(&dir);
    // Defaults: no approval step, queue on, "card ordered" e-mail on.
    let preview = card::preview_for(
        &e,
        &caller(&e, "operator").await,
        person(&e, "Bruno Berg").await.id,
        Production::External,
    )
    .await
    .unwrap();
    assert_eq!(preview.end_state, CardState::Processing);
    assert!(preview.options.iter().any(|o| o.key == "CardsExtProdQueue"));
    let a = order(&e, "Bruno Berg").await.unwrap();
    assert_eq!(a.state, CardState::Processing);
    let b = order(&e, "Chloe Costa").await.unwrap();
    // The e-mail is queued with the order.
    let mails = mail_outbox::Entity::find().all(&e.db).await.unwrap();
    assert_eq!(mails.len(), 2);
    assert!(mails
        .iter()
        .any(|m| m.recipient == "bruno.berg@example.com" && m.subject.contains("ordered")));
    // One order per user unless the option allows more.
    let err = order(&e, "Bruno Berg").await.unwrap_err();
    assert!(
        err.to_string()
            .contains("multiple card orders are not allowed"),
        "{err}"
    );

    // A name that a spreadsheet would run as a formula goes out as text.
    e.db.execute_unprepared(
        "UPDATE person SET department = '=HYPERLINK(\"http://evil\")' WHERE common_name = 'Chloe Costa'",
    )
    .await
    .unwrap();

    let out = external::sync(&e, &s, None).await.unwrap();
    let [(file, n)] = out.order_files.as_slice() else {
        panic!("one order file: {:?}", out.order_files)
    };
    let (file, n) = (file.clone(), *n);
    assert_eq!(n, 2);
    // The bureau's files are Tessera's own: the folder 0700, the file 0600.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&s.outbox_dir), 0o700);
        assert_eq!(mode(&s.outbox_dir.join(&file)), 0o600);
    }
    assert_eq!(stored_card(&e, a.card_id).await.state.as_str(), "ordered");
    let files = unzip(&s.outbox_dir.join(&file));
    let csv = String::from_utf8(files["order.csv"].clone()).unwrap();
    assert!(csv.starts_with("format_version,order_id,card_id,"), "{csv}");
    assert!(
        csv.contains("bruno.berg@example.com") && csv.contains("Chloe Costa"),
        "{csv}"
    );
    assert!(csv.contains(",print_and_encode"), "{csv}");
    assert!(
        csv.contains(r#","'=HYPERLINK(""http://evil"")","#) && !csv.contains(",=HYPERLINK"),
        "{csv}"
    );
    let manifest = String::from_utf8(files["manifest.sha256"].clone()).unwrap();
    assert_eq!(
        manifest,
        format!(
            "{}  order.csv\n",
            hex::encode(Sha256::digest(&files["order.csv"]))
        )
    );
    // Nothing new: no second file.
    assert!(external::sync(&e, &s, None)
        .await
        .unwrap()
        .order_files
        .is_empty());
    assert_eq!(std::fs::read_dir(&s.outbox_dir).unwrap().count(), 1);

    // The bureau's report: good lines apply, bad lines are refused with reasons.
    std::fs::create_dir_all(&s.inbox_dir).unwrap();
    let report = format!(
        "card_id,status,message\n{a},in_production,\n{b},produced,\"printed, encoded\"\nx,produced,\n999999,produced,\n{a},produced,twice\n888888,shipped,\n",
        a = a.card_id,
        b = b.card_id
    );
    std::fs::write(s.inbox_dir.join("report-1.csv"), report).unwrap();
    let out = external::sync(&e, &s, None).await.unwrap();
    let r = &out.reports[0];
    assert_eq!(r.applied, 2, "{r:?}");
    let reasons: Vec<&str> = r.refused.iter().map(|(_, _, why)| why.as_str()).collect();
    assert_eq!(r.refused.len(), 4, "{reasons:?}");
    assert!(reasons.iter().any(|w| w.contains("not a card number")));
    assert!(reasons.iter().any(|w| w.contains("no such card")));
    assert!(reasons.iter().any(|w| w.contains("twice")));
    assert!(reasons.iter().any(|w| w.contains("unknown status")));
    assert_eq!(
        stored_card(&e, a.card_id).await.state.as_str(),
        "in_production"
    );
    assert_eq!(stored_card(&e, b.card_id).await.state.as_str(), "produced");
    let processed: Vec<String> = std::fs::read_dir(s.inbox_dir.join("processed"))
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        processed.len() == 1 && processed[0].ends_with("-report-1.csv"),
        "{processed:?}"
    );
    assert_eq!(bureau_report::Entity::find().count(&e.db).await.unwrap(), 1);
    // The same report again (the bureau resends it): recognised, not applied twice.
    std::fs::write(
        s.inbox_dir.join("report-1.csv"),
        std::fs::read(s.inbox_dir.join("processed").join(&processed[0])).unwrap(),
    )
    .unwrap();
    let again = external::sync(&e, &s, None).await.unwrap();
    assert_eq!(again.reports[0].applied, 0);
    assert!(
        again.reports[0].refused[0].2.contains("already applied"),
        "{:?}",
        again.reports
    );
    // A file that is no report at all goes to rejected/, with its reason kept; later files
    // still apply.
    std::fs::write(s.inbox_dir.join("a-broken.csv"), "no header here\n").unwrap();
    let out = external::sync(&e, &s, None).await.unwrap();
    assert!(
        out.reports[0].refused[0]
            .2
            .contains("must name the columns"),
        "{:?}",
        out.reports
    );
    assert_eq!(
        std::fs::read_dir(s.inbox_dir.join("rejected"))
            .unwrap()
            .count(),
        1
    );
    // A transition the table does not have is refused as such.
    let wrong = external::apply_report(
        &e,
        None,
        "http",
        &format!("card_id,status\n{},in_production\n", b.card_id),
    )
    .await
    .unwrap();
    assert_eq!(wrong.applied, 0);
    assert!(
        wrong.refused[0].2.contains("cannot become"),
        "{:?}",
        wrong.refused
    );
    // A report without the columns is refused as a whole.
    assert!(
        external::apply_report(&e, None, "http", "id,state\n1,produced\n")
            .await
            .is_err()
    );
}

async fn without_queue_the_card_is_ordered_at_once_and_abort_only_while_queued(e: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(&dir);
    let op = caller(&e, "operator").await;
    // Queued: abort works.
    let a = order(&e, "Bruno Berg").await.unwrap();
    let c = stored_card(&e, a.card_id).await;
    let out = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::CardsAddonExtProdProcAbort,
        (ObjectKind::Card, c.id),
        c.version,
        ProcessInput::because(None),
    )
    .await
    .unwrap();
    assert_eq!(out.state, State::Card(CardState::Aborted));
    // No queue: ordered at once; the next sync writes it into a file; abort is refused.
    set_options(&e, &[("CardsExtProdQueue", "false")]).await;
    let b = order(&e, "Bruno Berg").await.unwrap();
    assert_eq!(b.state, CardState::Ordered);
    let files = external::export(&e, &s, None).await.unwrap();
    let [(file, n)] = files.as_slice() else {
        panic!("one order file: {files:?}")
    };
    assert_eq!(*n, 1);
    assert!(s.outbox_dir.join(file).exists());
    let c = stored_card(&e, b.card_id).await;
    assert!(c.bureau_order_id.is_some());
    let err = tessera_engine::lifecycle::run(
        &e,
        &op,
        ProcessId::CardsAddonExtProdProcAbort,
        (ObjectKind::Card, c.id),
        c.version,
        ProcessInput::because(None),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, EngineError::WrongState { .. }), "{err}");
    assert_eq!(stored_card(&e, b.card_id).await.state.as_str(), "ordered");
}

async fn with_the_approval_step_an_approved_order_continues(e: Engine) {
    set_options(
        &e,
        &[
            ("CardsExtProdOrderApproval", "true"),
            ("CardsExtProdSendOrderedEmail", "false"),
        ],
    )
    .await;
    let a = order(&e, "Bruno Berg").await.unwrap();
    assert_eq!(a.state, CardState::Requested);
    let c = stored_card(&e, a.card_id).await;
    let approver = caller(&e, "approver").await;
    let state = card::decide(&e, &approver, c.id, c.version, Decision::Approve)
        .await
        .unwrap();
    assert_eq!(state, CardState::Processing);
    assert_eq!(
        stored_card(&e, a.card_id).await.state.as_str(),
        "processing"
    );
    assert_eq!(
        mail_outbox::Entity::find().count(&e.db).await.unwrap(),
        0,
        "the option is off"
    );
}

async fn temp_card(e: &Engine, id: i64) -> temp_card::Model {
    temp_card::Entity::find_by_id(id)
        .one(&e.db)
        .await
        .unwrap()
        .expect("the temporary card")
}

async fn abort_temp_card(e: &Engine, id: i64) -> Result<TempCardState, EngineError> {
    let op = caller(e, "operator").await;
    let c = temp_card(e, id).await;
    tessera_engine::lifecycle::run(
        e,
        &op,
        ProcessId::TempCardsAddonExtProdProcAbort,
        (ObjectKind::TempCard, id),
        c.version,
        ProcessInput::default(),
    )
    .await
    .map(|o| TempCardState::from_state(o.state).expect("a temporary card's state"))
}

/// Order temporary cards: queued, one aborted while queued, the others sent in an order file of
/// their own (named `T<id>`, nobody's name on them), abort refused once ordered, the bureau's
/// report moves them by those names; without the queue they are ordered at once.
async fn temporary_cards_are_ordered_aborted_while_queued_and_reported(e: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(&dir);
    let op = caller(&e, "operator").await;
    let err = objects::temp_card::order(&e, &op, 0).await.unwrap_err();
    assert!(err.to_string().contains("Order between 1 and"), "{err}");
    let approver = caller(&e, "approver").await;
    assert!(objects::temp_card::order(&e, &approver, 1).await.is_err());
    let (ids, state) = objects::temp_card::order(&e, &op, 3).await.unwrap();
    assert_eq!(state, TempCardState::Processing);
    let c = temp_card(&e, ids[0]).await;
    assert_eq!(
        (c.production.as_str(), c.production_type.as_deref()),
        ("external", Some("print_only"))
    );
    // A personal card order waits too: the sync writes one file per kind.
    order(&e, "Bruno Berg").await.unwrap();

    // The card page offers Abort while the order is queued.
    let page = objects::temp_card::page(&e, &op, ids[0]).await.unwrap();
    assert!(
        page.commands
            .iter()
            .any(|c| c.process == ProcessId::TempCardsAddonExtProdProcAbort),
        "{:?}",
        page.commands
    );
    assert_eq!(
        abort_temp_card(&e, ids[0]).await.unwrap(),
        TempCardState::Aborted
    );
    let out = external::sync(&e, &s, None).await.unwrap();
    assert_eq!(out.order_files.len(), 2, "{:?}", out.order_files);
    let (file, n) = out
        .order_files
        .iter()
        .find(|(f, _)| f.ends_with("-temporary.zip"))
        .expect("an order file for the temporary cards");
    assert_eq!(*n, 2);
    let csv = String::from_utf8(unzip(&s.outbox_dir.join(file))["order.csv"].clone()).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    for (row, id) in rows.iter().zip(&ids[1..]) {
        let fields: Vec<&str> = row.split(',').collect();
        assert_eq!(fields[2], format!("T{id}"), "{csv}");
        assert!(fields[3..10].iter().all(|f| f.is_empty()), "{csv}");
        assert_eq!(fields[10..], ["temporary", "print_only"], "{csv}");
    }
    assert!(!csv.contains(&format!("T{},", ids[0])), "aborted: {csv}");
    assert_eq!(temp_card(&e, ids[1]).await.state.as_str(), "ordered");

    // Abort an already ordered card: refused, the card unchanged.
    let before = temp_card(&e, ids[1]).await;
    let err = abort_temp_card(&e, ids[1]).await.unwrap_err();
    assert!(err.to_string().contains("ordered"), "{err}");
    assert_eq!(temp_card(&e, ids[1]).await, before);

    // The bureau reports by the names it was sent; a local temporary card is not its to move.
    let local = objects::temp_card::request(&e, &op, 1).await.unwrap()[0];
    let report = format!(
        "card_id,status\nT{},produced\nT{},failed\nT{},produced\nT{local},produced\nT999999,produced\nTx,produced\n",
        ids[1], ids[2], ids[0]
    );
    let r = external::apply_report(&e, None, "http", &report)
        .await
        .unwrap();
    assert_eq!(r.applied, 2, "{r:?}");
    let reasons: Vec<&str> = r.refused.iter().map(|(_, _, w)| w.as_str()).collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(
        reasons[0].contains("was not sent to the bureau"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains("not produced externally"),
        "{reasons:?}"
    );
    assert!(reasons[2].contains("no such temporary card"), "{reasons:?}");
    assert!(reasons[3].contains("not a card number"), "{reasons:?}");
    assert_eq!(temp_card(&e, ids[1]).await.state.as_str(), "produced");
    assert_eq!(temp_card(&e, ids[2]).await.state.as_str(), "failed");
    assert_eq!(temp_card(&e, local).await.state.as_str(), "requested");

    // Without the queue: ordered at once, and the next export sends them.
    set_package_options(
        &e,
        OptionsPackage::TempCardsScriptOptions,
        &[("TempCardsExtProdQueue", "false")],
    )
    .await;
    let (more, state) = objects::temp_card::order(&e, &op, 2).await.unwrap();
    assert_eq!(state, TempCardState::Ordered);
    assert!(abort_temp_card(&e, more[0]).await.is_err());
    let files = external::export(&e, &s, None).await.unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].1, 2);
    assert!(temp_card(&e, more[1]).await.bureau_order_id.is_some());
}

/// Where the engine knows the bureau's outbox (the server's settings), an order without the
/// queue is in an order file as soon as it is committed, with no sync; a queued one is not.
async fn an_order_without_the_queue_is_written_after_its_commit(mut e: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(&dir);
    e.external = Some(std::sync::Arc::new(s.clone()));
    let queued = order(&e, "Bruno Berg").await.unwrap();
    assert_eq!(queued.state, CardState::Processing);
    assert!(stored_card(&e, queued.card_id)
        .await
        .bureau_order_id
        .is_none());
    set_options(
        &e,
        &[
            ("CardsExtProdQueue", "false"),
            ("CardsExtProdAllowMultipleOrders", "true"),
        ],
    )
    .await;
    let b = order(&e, "Bruno Berg").await.unwrap();
    assert_eq!(b.state, CardState::Ordered);
    let c = stored_card(&e, b.card_id).await;
    assert!(
        c.bureau_order_id.is_some(),
        "the order went out with its commit"
    );
    let files: Vec<_> = std::fs::read_dir(&s.outbox_dir).unwrap().collect();
    assert_eq!(files.len(), 1, "{files:?}");
    // The queued order still waits for the sync, where it can be aborted.
    assert!(stored_card(&e, queued.card_id)
        .await
        .bureau_order_id
        .is_none());
}

/// The demo's bureau reports every card sent to it as produced; an admin may also upload a
/// report by hand, which applies once.
async fn the_demo_bureau_and_an_uploaded_report_produce_ordered_cards(e: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(&dir);
    let op = caller(&e, "operator").await;
    let admin = caller(&e, "admin").await;
    // Nothing at the bureau yet: no report.
    assert!(external::report_sent_cards(&e, &s).await.unwrap().is_none());
    let a = order(&e, "Bruno Berg").await.unwrap();
    let (temps, _) = objects::temp_card::order(&e, &op, 2).await.unwrap();
    external::sync(&e, &s, None).await.unwrap();
    assert_eq!(stored_card(&e, a.card_id).await.state, CardState::Ordered);
    // One temporary card comes back by an uploaded report; the bureau sends the rest.
    let text = format!("card_id,status\nT{},produced\n", temps[0]);
    let err = external::upload_report(&e, &op, "report.csv", &text)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 403, "{err}");
    let out = external::upload_report(&e, &admin, "../report.csv", &text)
        .await
        .unwrap();
    assert_eq!((out.applied, out.refused.len()), (1, 0), "{out:?}");
    assert!(!out.source.contains('/'), "{}", out.source);
    assert_eq!(temp_card(&e, temps[0]).await.state, TempCardState::Produced);
    let again = external::upload_report(&e, &admin, "report.csv", &text)
        .await
        .unwrap_err();
    assert_eq!(again.status(), 409, "{again}");
    let (path, n) = external::report_sent_cards(&e, &s).await.unwrap().unwrap();
    assert_eq!(n, 2, "the personal card and the other temporary card");
    assert!(path.starts_with(&s.inbox_dir));
    let synced = external::sync(&e, &s, None).await.unwrap();
    assert_eq!(synced.reports.len(), 1);
    assert_eq!(synced.reports[0].applied, 2, "{synced:?}");
    assert_eq!(stored_card(&e, a.card_id).await.state, CardState::Produced);
    assert_eq!(temp_card(&e, temps[1]).await.state, TempCardState::Produced);
    assert!(external::report_sent_cards(&e, &s).await.unwrap().is_none());
}

on_both_backends!(
    the_demo_bureau_and_an_uploaded_report_produce_ordered_cards,
    an_order_without_the_queue_is_written_after_its_commit,
    temporary_cards_are_ordered_aborted_while_queued_and_reported,
    queued_orders_go_out_in_one_file_and_reports_move_them,
    without_queue_the_card_is_ordered_at_once_and_abort_only_while_queued,
    with_the_approval_step_an_approved_order_continues,
);
