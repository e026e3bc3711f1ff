//! Order card for external production: the options, the order file for the bureau and the
//! bureau's status reports, on SQLite and PostgreSQL.

mod common;

use common::{caller, person, stored_card};
use sea_orm::{EntityTrait, PaginatorTrait};
use sha2::{Digest, Sha256};
use std::io::Read;
use tessera_engine::card_lifecycle;
use tessera_engine::cards::{self, Decision, Production};
use tessera_engine::entity::{bureau_report, mail_outbox};
use tessera_engine::external::{self, ExternalSettings};
use tessera_engine::{options, Engine, EngineError};
use tessera_process::{CardState, OptionsPackage, ProcessId};

fn settings(dir: &tempfile::TempDir) -> ExternalSettings {
    ExternalSettings {
        outbox_dir: dir.path().join("outbox"),
        inbox_dir: dir.path().join("inbox"),
    }
}

async fn set_options(e: &Engine, changes: &[(&str, &str)]) {
    let admin = caller(e, "admin").await;
    let cur = options::current(&e.db, OptionsPackage::CardsScriptOptions)
        .await
        .unwrap();
    let changes: Vec<(String, String)> = changes
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    options::save(
        e,
        &admin,
        OptionsPackage::CardsScriptOptions,
        cur.version,
        &changes,
    )
    .await
    .unwrap();
}

async fn order(
    e: &Engine,
    who: &str,
) -> Result<tessera_process::dto::RequestCardOutcome, EngineError> {
    let op = caller(e, "operator").await;
    let p = person(e, who).await;
    cards::request_for(e, &op, p.id, p.version, Production::External).await
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
    let preview = cards::preview_for(
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

    let out = external::sync(&e, &s, None).await.unwrap();
    let (file, n) = out.order_file.expect("an order file");
    assert_eq!(n, 2);
    assert_eq!(stored_card(&e, a.card_id).await.state, "ordered");
    let files = unzip(&s.outbox_dir.join(&file));
    let csv = String::from_utf8(files["order.csv"].clone()).unwrap();
    assert!(csv.starts_with("format_version,order_id,card_id,"), "{csv}");
    assert!(
        csv.contains("bruno.berg@example.com") && csv.contains("Chloe Costa"),
        "{csv}"
    );
    assert!(csv.contains(",print_and_encode"), "{csv}");
    let manifest = String::from_utf8(files["manifest.sha256"].clone()).unwrap();
    assert_eq!(
        manifest,
        format!(
            "{}  order.csv\n",
            hex::encode(Sha256::digest(&files["order.csv"]))
        )
    );
    // Nothing new: no second file.
    assert_eq!(external::sync(&e, &s, None).await.unwrap().order_file, None);
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
    assert!(reasons.iter().any(|w| w.contains("not a number")));
    assert!(reasons.iter().any(|w| w.contains("no such card")));
    assert!(reasons.iter().any(|w| w.contains("twice")));
    assert!(reasons.iter().any(|w| w.contains("unknown status")));
    assert_eq!(stored_card(&e, a.card_id).await.state, "in_production");
    assert_eq!(stored_card(&e, b.card_id).await.state, "produced");
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
    let out = card_lifecycle::run(
        &e,
        &op,
        ProcessId::CardsAddonExtProdProcAbort,
        c.id,
        c.version,
        None,
    )
    .await
    .unwrap();
    assert_eq!(out.state, CardState::Aborted);
    // No queue: ordered at once; the next sync writes it into a file; abort is refused.
    set_options(&e, &[("CardsExtProdQueue", "false")]).await;
    let b = order(&e, "Bruno Berg").await.unwrap();
    assert_eq!(b.state, CardState::Ordered);
    let (file, n) = external::export(&e, &s, None)
        .await
        .unwrap()
        .expect("a file");
    assert_eq!(n, 1);
    assert!(s.outbox_dir.join(file).exists());
    let c = stored_card(&e, b.card_id).await;
    assert!(c.bureau_order_id.is_some());
    let err = card_lifecycle::run(
        &e,
        &op,
        ProcessId::CardsAddonExtProdProcAbort,
        c.id,
        c.version,
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, EngineError::WrongState { .. }), "{err}");
    assert_eq!(stored_card(&e, b.card_id).await.state, "ordered");
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
    let state = cards::decide(&e, &approver, c.id, c.version, Decision::Approve)
        .await
        .unwrap();
    assert_eq!(state, CardState::Processing);
    assert_eq!(stored_card(&e, a.card_id).await.state, "processing");
    assert_eq!(
        mail_outbox::Entity::find().count(&e.db).await.unwrap(),
        0,
        "the option is off"
    );
}

on_both_backends!(
    queued_orders_go_out_in_one_file_and_reports_move_them,
    without_queue_the_card_is_ordered_at_once_and_abort_only_while_queued,
    with_the_approval_step_an_approved_order_continues,
);
