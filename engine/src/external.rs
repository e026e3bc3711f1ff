//! External production of cards: the order file for the bureau and the bureau's status reports
//! (`CardsAddonExtProdBatchSync`).
//!
//! The sync moves queued orders (`processing`) and unsent ones (`ordered` without a file) into a
//! new order file in one transaction, then writes the file: a ZIP with a versioned UTF-8 CSV
//! and a SHA-256 manifest, written to a temp name and renamed into the outbox. A file is
//! written once (its hash is recorded), so a bureau that picks files up never gets one twice.
//! A report is applied line by line: good lines move their cards, bad lines are refused with
//! their reason, and the whole is kept as a report record.

use crate::audit::AuditRecord;
use crate::cards::Production;
use crate::entity::{bureau_order, bureau_report, card, person};
use crate::runner::{transition_with_certificates, Caller};
use crate::{audit, Engine, EngineError, Result};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use tessera_process::transition::find;
use tessera_process::{CardState, ObjectKind, ProcessId, State};

/// The order file format; the bureau can tell versions apart by the first column.
pub const ORDER_FORMAT: &str = "1";
pub const ORDER_COLUMNS: &[&str] = &[
    "format_version",
    "order_id",
    "card_id",
    "employee_id",
    "given_name",
    "surname",
    "common_name",
    "upn",
    "email",
    "department",
    "card_profile",
    "production_type",
];
/// A report's columns: the card, its new status, and an optional message.
pub const REPORT_COLUMNS: &[&str] = &["card_id", "status", "message"];
/// The most lines one report may have.
pub const MAX_REPORT_LINES: usize = 10_000;

/// Where order files go and reports come from.
#[derive(Debug, Clone)]
pub struct ExternalSettings {
    pub outbox_dir: PathBuf,
    pub inbox_dir: PathBuf,
}

pub use tessera_process::dto::{ReportOutcome, SyncOutcome};

fn sync_def() -> &'static tessera_process::ProcessDef {
    ProcessId::CardsAddonExtProdBatchSync.def()
}

/// The scheduled sync (and the admin's "run now"): order files out, reports in.
pub async fn sync(
    engine: &Engine,
    settings: &ExternalSettings,
    caller: Option<&Caller>,
) -> Result<SyncOutcome> {
    if let Some(c) = caller {
        c.require_any(
            &[tessera_process::Role::Admin],
            "run the external production sync",
        )?;
    }
    // Order files a stop cut short come first, byte for byte as built.
    write_pending_files(engine, settings).await?;
    let order_file = export(engine, settings, caller).await?;
    let mut reports = Vec::new();
    for path in inbox_reports(&settings.inbox_dir)? {
        reports.push(take_report(engine, settings, caller, &path).await?);
    }
    Ok(SyncOutcome {
        order_file,
        reports,
    })
}

/// Applies one report file from the inbox and moves it out: to `processed/`, or to `rejected/`
/// if it cannot be read at all. A file whose content was applied before (a crash before the
/// move) is not applied again.
async fn take_report(
    engine: &Engine,
    settings: &ExternalSettings,
    caller: Option<&Caller>,
    path: &Path,
) -> Result<ReportOutcome> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = std::fs::read(path).map_err(|e| report_io("reading", &name, e))?;
    let source = format!(
        "inbox:{name}:{}",
        &hex::encode(Sha256::digest(&bytes))[..16]
    );
    let applied_before = bureau_report::Entity::find()
        .filter(bureau_report::Column::Source.eq(source.clone()))
        .one(&engine.db)
        .await?;
    let (outcome, folder) = match applied_before {
        Some(r) => (
            ReportOutcome {
                source: source.clone(),
                applied: 0,
                refused: vec![(
                    0,
                    String::new(),
                    format!("already applied at {}", crate::time::text(r.received_at)),
                )],
            },
            "processed",
        ),
        None => {
            let result = match String::from_utf8(bytes) {
                Ok(text) => apply_report(engine, caller, &source, &text).await,
                Err(_) => Err(EngineError::Invalid("The report is not UTF-8 text.".into())),
            };
            match result {
                Ok(outcome) => (outcome, "processed"),
                Err(e) if e.is_user_facing() => {
                    let refused = vec![(0, String::new(), e.to_string())];
                    record_report(&engine.db, &source, 0, &refused).await?;
                    (
                        ReportOutcome {
                            source: source.clone(),
                            applied: 0,
                            refused,
                        },
                        "rejected",
                    )
                }
                Err(e) => return Err(e),
            }
        }
    };
    let dir = settings.inbox_dir.join(folder);
    let stamp = crate::time::now().format("%Y%m%dT%H%M%S");
    std::fs::create_dir_all(&dir)
        .and_then(|_| std::fs::rename(path, dir.join(format!("{stamp}-{name}"))))
        .map_err(|e| report_io(&format!("moving to {folder}/"), &name, e))?;
    Ok(outcome)
}

fn report_io(what: &str, name: &str, e: std::io::Error) -> EngineError {
    EngineError::Config(format!("{what} the report {name}: {e}"))
}

async fn record_report(
    conn: &impl sea_orm::ConnectionTrait,
    source: &str,
    applied: usize,
    refused: &[(usize, String, String)],
) -> Result<()> {
    bureau_report::Entity::insert(bureau_report::ActiveModel {
        source: Set(source.into()),
        applied: Set(applied as i32),
        refused: Set(refused.len() as i32),
        details: Set(serde_json::to_string(refused).unwrap_or_default()),
        received_at: Set(crate::time::now()),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(())
}

fn inbox_reports(dir: &Path) -> Result<Vec<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")))
        .collect();
    files.sort();
    Ok(files)
}

/// Collects queued and unsent orders into a new order file. The cards, the order row and the
/// file's bytes are committed together; then the bytes are written to the outbox.
pub async fn export(
    engine: &Engine,
    settings: &ExternalSettings,
    caller: Option<&Caller>,
) -> Result<Option<(String, usize)>> {
    let txn = engine.write().await?;
    let result = async {
        let cards = card::Entity::find()
            .filter(card::Column::Production.eq(Production::External.as_str()))
            .filter(
                sea_orm::Condition::any()
                    .add(card::Column::State.eq(CardState::Processing.as_str()))
                    .add(
                        sea_orm::Condition::all()
                            .add(card::Column::State.eq(CardState::Ordered.as_str()))
                            .add(card::Column::BureauOrderId.is_null()),
                    ),
            )
            .order_by_asc(card::Column::Id)
            .all(&txn)
            .await?;
        if cards.is_empty() {
            return Ok(None);
        }
        let order_id = bureau_order::Entity::insert(bureau_order::ActiveModel {
            object_kind: Set(ObjectKind::Card.as_str().into()),
            file_name: Set(String::new()),
            cards: Set(cards.len() as i32),
            content: Set(None),
            sha256: Set(None),
            written_at: Set(None),
            created_at: Set(crate::time::now()),
            ..Default::default()
        })
        .exec(&txn)
        .await?
        .last_insert_id;
        let file_name = format!("order-{order_id:06}.zip");
        let mut records = Vec::with_capacity(cards.len());
        for c in &cards {
            let from = crate::people::card_state(c)?;
            if from == CardState::Processing {
                transition_with_certificates(
                    &txn,
                    caller,
                    sync_def(),
                    c.id,
                    c.version,
                    State::Card(from),
                    State::Card(CardState::Ordered),
                    vec![("bureau_order_id", order_id.into())],
                    None,
                )
                .await?;
            } else {
                // Only if no other export took the card meanwhile.
                let mut q = Query::update();
                q.table("card")
                    .value("bureau_order_id", order_id)
                    .value("version", Expr::col("version").add(1))
                    .and_where(Expr::col("id").eq(c.id))
                    .and_where(Expr::col("version").eq(c.version))
                    .and_where(Expr::col("bureau_order_id").is_null());
                if txn.execute(&q).await?.rows_affected() == 0 {
                    return Err(EngineError::Conflict {
                        kind: ObjectKind::Card,
                    });
                }
            }
            records.push(AuditRecord {
                action: sync_def().id.as_str().into(),
                object: Some((ObjectKind::Card, c.id)),
                from_state: Some(from.as_str().into()),
                to_state: Some(CardState::Ordered.as_str().into()),
                data: serde_json::json!({ "order_id": order_id, "file": file_name }),
                detail: format!("Card {} sent to the bureau in {file_name}", c.id),
            });
        }
        audit::append_many(&txn, caller, records).await?;
        let content = order_zip(&txn, order_id, &cards).await?;
        let sha = hex::encode(Sha256::digest(&content));
        let mut q = Query::update();
        q.table("bureau_order")
            .value("file_name", file_name.clone())
            .value("content", content)
            .value("sha256", sha)
            .and_where(Expr::col("id").eq(order_id));
        txn.execute(&q).await?;
        Ok(Some((order_id, file_name, cards.len())))
    }
    .await;
    let Some((order_id, file_name, n)) = crate::db::finish(txn, result).await? else {
        return Ok(None);
    };
    write_order_file(engine, settings, order_id).await?;
    Ok(Some((file_name, n)))
}

/// RFC 4180 quoting where needed.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The order file: `order.csv` (versioned) and `manifest.sha256`, zipped.
async fn order_zip(
    conn: &impl sea_orm::ConnectionTrait,
    order_id: i64,
    cards: &[card::Model],
) -> Result<Vec<u8>> {
    let ids: Vec<i64> = cards.iter().map(|c| c.person_id).collect();
    let people: std::collections::HashMap<i64, person::Model> = person::Entity::find()
        .filter(person::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut csv = ORDER_COLUMNS.join(",");
    csv.push_str("\r\n");
    for c in cards {
        let Some(p) = people.get(&c.person_id) else {
            continue;
        };
        let row = [
            ORDER_FORMAT.to_string(),
            order_id.to_string(),
            c.id.to_string(),
            p.employee_id.clone(),
            p.given_name.clone(),
            p.surname.clone(),
            p.common_name.clone(),
            p.upn.clone(),
            p.email.clone(),
            p.department.clone(),
            c.card_profile.clone(),
            c.production_type.clone().unwrap_or_default(),
        ];
        csv.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        csv.push_str("\r\n");
    }
    let csv = csv.into_bytes();
    let manifest = format!("{}  order.csv\n", hex::encode(Sha256::digest(&csv)));
    let mut zip_bytes = Vec::new();
    let bad = |e: zip::result::ZipError| {
        EngineError::Config(format!("building order file {order_id}: {e}"))
    };
    {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(&mut zip_bytes));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in [
            ("order.csv", csv.as_slice()),
            ("manifest.sha256", manifest.as_bytes()),
        ] {
            z.start_file(name, opts).map_err(bad)?;
            z.write_all(bytes)
                .map_err(|e| bad(zip::result::ZipError::Io(e)))?;
        }
        z.finish().map_err(bad)?;
    }
    Ok(zip_bytes)
}

/// Writes order file `order_id` to the outbox from the bytes stored with the order (synced to
/// disk before it gets its final name), and records that it is there.
pub async fn write_order_file(
    engine: &Engine,
    settings: &ExternalSettings,
    order_id: i64,
) -> Result<()> {
    let order = bureau_order::Entity::find_by_id(order_id)
        .one(&engine.db)
        .await?
        .ok_or_else(|| EngineError::Invalid(format!("There is no order file {order_id}.")))?;
    if order.written_at.is_some() {
        return Ok(());
    }
    let Some(content) = &order.content else {
        return Err(EngineError::Invalid(format!(
            "Order file {order_id} has no content."
        )));
    };
    let io = |e: std::io::Error| {
        EngineError::Config(format!(
            "writing {} to {}: {e}",
            order.file_name,
            settings.outbox_dir.display()
        ))
    };
    std::fs::create_dir_all(&settings.outbox_dir).map_err(io)?;
    let tmp = settings
        .outbox_dir
        .join(format!(".{}.tmp", order.file_name));
    {
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(content).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, settings.outbox_dir.join(&order.file_name)).map_err(io)?;
    if let Ok(dir) = std::fs::File::open(&settings.outbox_dir) {
        let _ = dir.sync_all();
    }
    let mut q = Query::update();
    q.table("bureau_order")
        .value("written_at", crate::time::now())
        .and_where(Expr::col("id").eq(order_id));
    engine.db.execute(&q).await?;
    Ok(())
}

/// Without the queue an order goes to the bureau at once: a card that has just become
/// `ordered` has its order file written now (as the sync's work, with every order waiting). A
/// failure is logged; the next sync writes the file.
pub async fn order_file_now(engine: &Engine, settings: &ExternalSettings, state: CardState) {
    if state == CardState::Ordered {
        if let Err(e) = export(engine, settings, None).await {
            tracing::error!("writing the order file failed; the next sync writes it: {e}");
        }
    }
}

/// Order files whose write did not finish (a stop, a full disk): written now.
pub async fn write_pending_files(engine: &Engine, settings: &ExternalSettings) -> Result<usize> {
    use sea_orm::QuerySelect;
    let pending: Vec<i64> = bureau_order::Entity::find()
        .select_only()
        .column(bureau_order::Column::Id)
        .filter(bureau_order::Column::WrittenAt.is_null())
        .into_tuple()
        .all(&engine.db)
        .await?;
    for id in &pending {
        write_order_file(engine, settings, *id).await?;
    }
    Ok(pending.len())
}

/// A bureau report: a header `card_id,status[,message]`, then one card per line with status
/// `in_production`, `produced` or `failed`. Good lines apply, bad lines are refused with a
/// reason (each line in its own savepoint, so one card's trouble does not undo the others);
/// the report is recorded either way. A report too large or without the columns is refused
/// as a whole, and changes nothing.
pub async fn apply_report(
    engine: &Engine,
    caller: Option<&Caller>,
    source: &str,
    text: &str,
) -> Result<ReportOutcome> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let all: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .collect();
    let Some(((_, header_line), lines)) = all.split_first() else {
        return Err(EngineError::Invalid("The report is empty.".into()));
    };
    let header: Vec<String> = tessera_process::person::split(header_line)
        .map_err(|e| EngineError::Invalid(format!("The report's header: {e}")))?
        .into_iter()
        .map(|s| s.trim().to_ascii_lowercase())
        .collect();
    let position = |name: &str| header.iter().position(|h| h == name);
    let (Some(id_col), Some(status_col)) = (position("card_id"), position("status")) else {
        return Err(EngineError::Invalid(format!(
            "The report's header must name the columns {}.",
            REPORT_COLUMNS[..2].join(" and ")
        )));
    };
    let message_col = position("message");
    if lines.len() > MAX_REPORT_LINES {
        return Err(EngineError::Invalid(format!(
            "The report has {} lines; at most {MAX_REPORT_LINES} are read at once. Split it.",
            lines.len()
        )));
    }
    let mut outcome = ReportOutcome {
        source: source.into(),
        ..Default::default()
    };
    let txn = engine.write().await?;
    let result = async {
        let mut seen = std::collections::HashSet::new();
        for &(i, line) in lines {
            let number = i + 1;
            let fields = match tessera_process::person::split(line) {
                Ok(f) if f.len() == header.len() => f,
                Ok(f) => {
                    outcome.refused.push((
                        number,
                        String::new(),
                        format!("{} fields, the header has {}", f.len(), header.len()),
                    ));
                    continue;
                }
                Err(e) => {
                    outcome.refused.push((number, String::new(), e));
                    continue;
                }
            };
            let id_text = fields[id_col].trim().to_string();
            let status = fields[status_col].trim().to_ascii_lowercase();
            let message = message_col
                .map(|m| fields[m].trim().to_string())
                .unwrap_or_default();
            let Ok(card_id) = id_text.parse::<i64>() else {
                outcome
                    .refused
                    .push((number, id_text, "the card id is not a number".into()));
                continue;
            };
            let to = match status.as_str() {
                "in_production" => CardState::InProduction,
                "produced" => CardState::Produced,
                "failed" => CardState::Failed,
                other => {
                    outcome.refused.push((
                        number,
                        id_text,
                        format!("unknown status \"{other}\" (in_production, produced or failed)"),
                    ));
                    continue;
                }
            };
            if !seen.insert(card_id) {
                outcome.refused.push((
                    number,
                    id_text,
                    "the card is reported twice in this report".into(),
                ));
                continue;
            }
            let savepoint = txn.begin().await?;
            match apply_line(&savepoint, caller, source, number, card_id, to, &message).await {
                Ok(Ok(())) => {
                    savepoint.commit().await?;
                    outcome.applied += 1;
                }
                Ok(Err(why)) => {
                    savepoint.rollback().await?;
                    outcome.refused.push((number, id_text, why));
                }
                Err(e) if e.is_user_facing() => {
                    savepoint.rollback().await?;
                    outcome.refused.push((number, id_text, e.to_string()));
                }
                Err(e) => return Err(e),
            }
        }
        record_report(&txn, source, outcome.applied, &outcome.refused).await
    }
    .await;
    crate::db::finish(txn, result).await?;
    Ok(outcome)
}

/// One report line: `Ok(Err(why))` refuses it.
#[allow(clippy::too_many_arguments)]
async fn apply_line(
    conn: &impl sea_orm::ConnectionTrait,
    caller: Option<&Caller>,
    source: &str,
    number: usize,
    card_id: i64,
    to: CardState,
    message: &str,
) -> Result<std::result::Result<(), String>> {
    let Some(c) = card::Entity::find_by_id(card_id).one(conn).await? else {
        return Ok(Err("there is no such card".into()));
    };
    if c.production != Production::External.as_str() {
        return Ok(Err("the card is not produced externally".into()));
    }
    if c.bureau_order_id.is_none() {
        return Ok(Err("the card was not sent to the bureau yet".into()));
    }
    let from = crate::people::card_state(&c)?;
    if find(sync_def().id, Some(State::Card(from)), State::Card(to)).is_none() {
        return Ok(Err(format!(
            "the card is {}, it cannot become {}",
            from.as_str(),
            to.as_str()
        )));
    }
    transition_with_certificates(
        conn,
        caller,
        sync_def(),
        c.id,
        c.version,
        State::Card(from),
        State::Card(to),
        vec![],
        (to == CardState::Failed)
            .then_some(tessera_process::RevocationReason::CessationOfOperation),
    )
    .await?;
    audit::append(
        conn,
        caller,
        AuditRecord {
            action: sync_def().id.as_str().into(),
            object: Some((ObjectKind::Card, c.id)),
            from_state: Some(from.as_str().into()),
            to_state: Some(to.as_str().into()),
            data: serde_json::json!({ "report": source, "line": number, "message": message }),
            detail: format!("Bureau report {source}: card {} is {}", c.id, to.as_str()),
        },
    )
    .await?;
    Ok(Ok(()))
}

/// The admin's page: what is queued, the order files and the reports.
pub async fn page(
    engine: &Engine,
    settings: &ExternalSettings,
    caller: &Caller,
) -> Result<tessera_process::dto::ExternalPage> {
    caller.require_any(&[tessera_process::Role::Admin], "see external production")?;
    use sea_orm::{PaginatorTrait, QuerySelect};
    let queued = card::Entity::find()
        .filter(card::Column::Production.eq(Production::External.as_str()))
        .filter(card::Column::State.eq(CardState::Processing.as_str()))
        .count(&engine.db)
        .await? as usize;
    let orders = bureau_order::Entity::find()
        .order_by_desc(bureau_order::Column::Id)
        .limit(50)
        .all(&engine.db)
        .await?
        .into_iter()
        .map(|o| {
            (
                o.file_name,
                o.cards,
                o.written_at.is_some(),
                crate::time::text(o.created_at),
            )
        })
        .collect();
    let reports = bureau_report::Entity::find()
        .order_by_desc(bureau_report::Column::Id)
        .limit(50)
        .all(&engine.db)
        .await?
        .into_iter()
        .map(|r| tessera_process::dto::ReportRow {
            source: r.source,
            applied: r.applied,
            refused: r.refused,
            details: r.details,
            received_at: crate::time::text(r.received_at),
        })
        .collect();
    Ok(tessera_process::dto::ExternalPage {
        outbox_dir: settings.outbox_dir.display().to_string(),
        inbox_dir: settings.inbox_dir.display().to_string(),
        queued,
        orders,
        reports,
    })
}
