//! External production of cards and temporary cards: the order files for the bureau and the
//! bureau's status reports (`CardsAddonExtProdBatchSync`, `TempCardsAddonExtProdBatchSync`).
//!
//! The sync moves queued orders (`processing`) and unsent ones (`ordered` without a file) into a
//! new order file in one transaction, then writes the file: a ZIP with a versioned UTF-8 CSV
//! and a SHA-256 manifest, written to a temp name and renamed into the outbox. A file is
//! written once (its hash is recorded), so a bureau that picks files up never gets one twice.
//! A report is applied line by line: good lines move their cards, bad lines are refused with
//! their reason, and the whole is kept as a report record.

use crate::audit::AuditRecord;
use crate::cards::Production;
use crate::entity::{bureau_order, bureau_report, card, person, temp_card};
use crate::runner::transition_with_certificates;
use crate::Caller;
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
use tessera_process::{CardState, ObjectKind, ProcessId, State, TempCardState};

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
    let order_files = export(engine, settings, caller).await?;
    let mut reports = Vec::new();
    for path in inbox_reports(&settings.inbox_dir)? {
        reports.push(take_report(engine, settings, caller, &path).await?);
    }
    Ok(SyncOutcome {
        order_files,
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
    crate::files::private_dir(&dir)
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

/// One card or temporary card going into an order file.
struct OrderLine {
    target: (ObjectKind, i64),
    version: i64,
    from: State,
    person_id: Option<i64>,
    profile: String,
    production_type: Option<String>,
}

/// How a bureau names an object in the order file and in its reports: a card by its number, a
/// temporary card by `T` and its number (the bureau echoes what it was sent).
pub fn bureau_id((kind, id): (ObjectKind, i64)) -> String {
    match kind {
        ObjectKind::TempCard => format!("T{id}"),
        _ => id.to_string(),
    }
}

/// The object a report line names, if it names one.
fn parse_bureau_id(text: &str) -> Option<(ObjectKind, i64)> {
    match text.strip_prefix(['T', 't']) {
        Some(n) => n.parse().ok().map(|id| (ObjectKind::TempCard, id)),
        None => text.parse().ok().map(|id| (ObjectKind::Card, id)),
    }
}

/// The sync process of a kind: the transitions it may make.
fn sync_of(kind: ObjectKind) -> &'static tessera_process::ProcessDef {
    match kind {
        ObjectKind::TempCard => ProcessId::TempCardsAddonExtProdBatchSync.def(),
        _ => sync_def(),
    }
}

/// Unsent orders of `kind`: `ordered` without an order file, and with `queued` those waiting
/// in `processing` too.
async fn waiting(
    conn: &impl ConnectionTrait,
    kind: ObjectKind,
    queued: bool,
) -> Result<Vec<OrderLine>> {
    let table = sea_orm::sea_query::Alias::new(crate::runner::table(kind));
    let col = |c: &str| Expr::col((table.clone(), sea_orm::sea_query::Alias::new(c)));
    let (processing, ordered) = match kind {
        ObjectKind::TempCard => (
            TempCardState::Processing.as_str(),
            TempCardState::Ordered.as_str(),
        ),
        _ => (CardState::Processing.as_str(), CardState::Ordered.as_str()),
    };
    let mut unsent = sea_orm::Condition::any().add(
        sea_orm::Condition::all()
            .add(col("state").eq(ordered))
            .add(col("bureau_order_id").is_null()),
    );
    if queued {
        unsent = unsent.add(col("state").eq(processing));
    }
    let external = col("production").eq(Production::External.as_str());
    Ok(match kind {
        ObjectKind::Card => card::Entity::find()
            .filter(external)
            .filter(unsent)
            .order_by_asc(card::Column::Id)
            .all(conn)
            .await?
            .into_iter()
            .map(|c| {
                Ok(OrderLine {
                    target: (ObjectKind::Card, c.id),
                    version: c.version,
                    from: State::Card(crate::users::people::card_state(&c)?),
                    person_id: Some(c.person_id),
                    profile: c.card_profile,
                    production_type: c.production_type,
                })
            })
            .collect::<Result<_>>()?,
        _ => temp_card::Entity::find()
            .filter(external)
            .filter(unsent)
            .order_by_asc(temp_card::Column::Id)
            .all(conn)
            .await?
            .into_iter()
            .map(|c| {
                Ok(OrderLine {
                    target: (ObjectKind::TempCard, c.id),
                    version: c.version,
                    from: State::TempCard(crate::temp_cards::state_of(&c)?),
                    person_id: None,
                    profile: "temporary".into(),
                    production_type: c.production_type,
                })
            })
            .collect::<Result<_>>()?,
    })
}

/// Collects queued and unsent orders into new order files, one per kind (cards, temporary
/// cards). Returns each file written and how many cards it holds.
pub async fn export(
    engine: &Engine,
    settings: &ExternalSettings,
    caller: Option<&Caller>,
) -> Result<Vec<(String, usize)>> {
    let mut files = Vec::new();
    let mut first_error = None;
    for kind in [ObjectKind::Card, ObjectKind::TempCard] {
        // One kind's trouble (a full outbox) does not hold up the other's file.
        match export_kind(engine, settings, caller, kind, true).await {
            Ok(Some(file)) => files.push(file),
            Ok(None) => {}
            Err(e) => {
                tracing::error!("the {} order file: {e}", kind.label().to_lowercase());
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) if files.is_empty() => Err(e),
        _ => Ok(files),
    }
}

/// The order file of one kind. The objects, the order row and the file's bytes are committed
/// together; then the bytes are written to the outbox.
async fn export_kind(
    engine: &Engine,
    settings: &ExternalSettings,
    caller: Option<&Caller>,
    kind: ObjectKind,
    queued: bool,
) -> Result<Option<(String, usize)>> {
    let def = sync_of(kind);
    let ordered = match kind {
        ObjectKind::TempCard => State::TempCard(TempCardState::Ordered),
        _ => State::Card(CardState::Ordered),
    };
    let Some((order_id, file_name, n)) = engine
        .transact(async |txn| {
            let lines = waiting(txn, kind, queued).await?;
            if lines.is_empty() {
                return Ok(None);
            }
            let order_id = bureau_order::Entity::insert(bureau_order::ActiveModel {
                object_kind: Set(kind.as_str().into()),
                file_name: Set(String::new()),
                cards: Set(lines.len() as i32),
                content: Set(None),
                sha256: Set(None),
                written_at: Set(None),
                created_at: Set(crate::time::now()),
                ..Default::default()
            })
            .exec(txn)
            .await?
            .last_insert_id;
            let file_name = match kind {
                ObjectKind::TempCard => format!("order-{order_id:06}-temporary.zip"),
                _ => format!("order-{order_id:06}.zip"),
            };
            let mut records = Vec::with_capacity(lines.len());
            for l in &lines {
                if l.from != ordered {
                    transition_with_certificates(
                        txn,
                        caller,
                        def,
                        l.target.1,
                        l.version,
                        l.from,
                        ordered,
                        vec![("bureau_order_id", order_id.into())],
                        None,
                    )
                    .await?;
                } else {
                    // Only if no other export took the card meanwhile.
                    let mut q = Query::update();
                    q.table(crate::runner::table(kind))
                        .value("bureau_order_id", order_id)
                        .value("version", Expr::col("version").add(1))
                        .and_where(Expr::col("id").eq(l.target.1))
                        .and_where(Expr::col("version").eq(l.version))
                        .and_where(Expr::col("bureau_order_id").is_null());
                    if txn.execute(&q).await?.rows_affected() == 0 {
                        return Err(EngineError::Conflict { kind });
                    }
                }
                records.push(AuditRecord {
                    action: def.id.as_str().into(),
                    object: Some(l.target),
                    from_state: Some(l.from.as_str().into()),
                    to_state: Some(ordered.as_str().into()),
                    data: serde_json::json!({ "order_id": order_id, "file": file_name }),
                    detail: format!(
                        "{} {} sent to the bureau in {file_name}",
                        kind.label(),
                        l.target.1
                    ),
                });
            }
            audit::append_many(txn, caller, records).await?;
            let content = order_zip(txn, order_id, &lines).await?;
            let sha = hex::encode(Sha256::digest(&content));
            let mut q = Query::update();
            q.table("bureau_order")
                .value("file_name", file_name.clone())
                .value("content", content)
                .value("sha256", sha)
                .and_where(Expr::col("id").eq(order_id));
            txn.execute(&q).await?;
            Ok(Some((order_id, file_name, lines.len())))
        })
        .await?
    else {
        return Ok(None);
    };
    write_order_file(engine, settings, order_id).await?;
    Ok(Some((file_name, n)))
}

/// A cell as a spreadsheet must not run it: one that starts like a formula (`=`, `+`, `-`,
/// `@`, tab or CR; `=HYPERLINK(…)` in a name) gets a leading apostrophe, as OWASP advises for
/// CSV files people open in a spreadsheet.
pub fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// The order file: `order.csv` (versioned) and `manifest.sha256`, zipped. A temporary card
/// belongs to nobody yet: its person columns are empty.
async fn order_zip(
    conn: &impl sea_orm::ConnectionTrait,
    order_id: i64,
    lines: &[OrderLine],
) -> Result<Vec<u8>> {
    let ids: Vec<i64> = lines.iter().filter_map(|l| l.person_id).collect();
    let people: std::collections::HashMap<i64, person::Model> = if ids.is_empty() {
        Default::default()
    } else {
        person::Entity::find()
            .filter(person::Column::Id.is_in(ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect()
    };
    // RFC 4180 with CRLF, quoting where needed.
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let broken =
        |e: csv::Error| EngineError::Invalid(format!("the order file cannot be written: {e}"));
    out.write_record(ORDER_COLUMNS).map_err(broken)?;
    for l in lines {
        let p = l.person_id.and_then(|id| people.get(&id));
        let of = |f: fn(&person::Model) -> &String| p.map(|p| f(p).clone()).unwrap_or_default();
        let row = [
            ORDER_FORMAT.to_string(),
            order_id.to_string(),
            bureau_id(l.target),
            of(|p| &p.employee_id),
            of(|p| &p.given_name),
            of(|p| &p.surname),
            of(|p| &p.common_name),
            of(|p| &p.upn),
            of(|p| &p.email),
            of(|p| &p.department),
            l.profile.clone(),
            l.production_type.clone().unwrap_or_default(),
        ];
        out.write_record(row.iter().map(|f| csv_cell(f).into_owned()))
            .map_err(broken)?;
    }
    let csv = out
        .into_inner()
        .map_err(|e| EngineError::Invalid(format!("the order file cannot be written: {e}")))?;
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
    crate::files::private_dir(&settings.outbox_dir).map_err(io)?;
    let tmp = settings
        .outbox_dir
        .join(format!(".{}.tmp", order.file_name));
    {
        let mut f = crate::files::private_file(&tmp).map_err(io)?;
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

/// Without the queue an order goes to the bureau at once: cards that have just become
/// `ordered` have their order file written after the commit (as the sync's work, with the other
/// unsent orders of their kind; the queued ones wait for the sync, where they can still be
/// aborted). A failure is logged; the next sync writes the file. Without external production
/// configured (an engine of its own, in a test) there is no outbox to write to.
pub(crate) async fn order_file_now(engine: &Engine, caller: &Caller, kind: ObjectKind) {
    let Some(settings) = engine.external.clone() else {
        return;
    };
    if let Err(e) = export_kind(engine, &settings, Some(caller), kind, false).await {
        tracing::error!("writing the order file failed; the next sync writes it: {e}");
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
    // What the lines did to certificates: a failed card's are revoked, and the CRL says so at
    // once, not at the next scheduled publication.
    let mut certificates = crate::pki::effects::EffectOutcome::default();
    engine
        .transact(async |txn| {
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
                let Some(target) = parse_bureau_id(&id_text) else {
                    outcome.refused.push((
                        number,
                        id_text,
                        "the card id is not a card number (or T and a temporary card number)"
                            .into(),
                    ));
                    continue;
                };
                let to = match (target.0, status.as_str()) {
                    (ObjectKind::TempCard, "in_production") => {
                        State::TempCard(TempCardState::InProduction)
                    }
                    (ObjectKind::TempCard, "produced") => State::TempCard(TempCardState::Produced),
                    (ObjectKind::TempCard, "failed") => State::TempCard(TempCardState::Failed),
                    (_, "in_production") => State::Card(CardState::InProduction),
                    (_, "produced") => State::Card(CardState::Produced),
                    (_, "failed") => State::Card(CardState::Failed),
                    (_, other) => {
                        outcome.refused.push((
                            number,
                            id_text,
                            format!(
                                "unknown status \"{other}\" (in_production, produced or failed)"
                            ),
                        ));
                        continue;
                    }
                };
                if !seen.insert(target) {
                    outcome.refused.push((
                        number,
                        id_text,
                        "the card is reported twice in this report".into(),
                    ));
                    continue;
                }
                let savepoint = txn.conn().begin().await?;
                match apply_line(&savepoint, caller, source, number, target, to, &message).await {
                    Ok(Ok(changed)) => {
                        savepoint.commit().await?;
                        outcome.applied += 1;
                        certificates.changed.extend(changed.changed);
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
            txn.publish_crl_if(&certificates);
            record_report(txn, source, outcome.applied, &outcome.refused).await
        })
        .await?;
    Ok(outcome)
}

/// What a report line needs of the object it names: its state and version, how it is produced
/// and whether it went to the bureau.
async fn ordered_object(
    conn: &impl ConnectionTrait,
    (kind, id): (ObjectKind, i64),
) -> Result<Option<(State, i64, String, Option<i64>)>> {
    Ok(match kind {
        ObjectKind::TempCard => match temp_card::Entity::find_by_id(id).one(conn).await? {
            Some(c) => Some((
                State::TempCard(crate::temp_cards::state_of(&c)?),
                c.version,
                c.production,
                c.bureau_order_id,
            )),
            None => None,
        },
        _ => match card::Entity::find_by_id(id).one(conn).await? {
            Some(c) => Some((
                State::Card(crate::users::people::card_state(&c)?),
                c.version,
                c.production,
                c.bureau_order_id,
            )),
            None => None,
        },
    })
}

/// One report line: `Ok(Err(why))` refuses it.
#[allow(clippy::too_many_arguments)]
async fn apply_line(
    conn: &impl sea_orm::ConnectionTrait,
    caller: Option<&Caller>,
    source: &str,
    number: usize,
    target: (ObjectKind, i64),
    to: State,
    message: &str,
) -> Result<std::result::Result<crate::pki::effects::EffectOutcome, String>> {
    let Some((from, version, production, bureau_order_id)) = ordered_object(conn, target).await?
    else {
        return Ok(Err(format!(
            "there is no such {}",
            target.0.label().to_lowercase()
        )));
    };
    let noun = target.0.label().to_lowercase();
    if production != Production::External.as_str() {
        return Ok(Err(format!("the {noun} is not produced externally")));
    }
    if bureau_order_id.is_none() {
        return Ok(Err(format!("the {noun} was not sent to the bureau yet")));
    }
    let def = sync_of(target.0);
    if find(def.id, Some(from), to).is_none() {
        return Ok(Err(format!(
            "the {noun} is {}, it cannot become {}",
            from.as_str(),
            to.as_str()
        )));
    }
    let failed = matches!(
        to,
        State::Card(CardState::Failed) | State::TempCard(TempCardState::Failed)
    );
    let changed = transition_with_certificates(
        conn,
        caller,
        def,
        target.1,
        version,
        from,
        to,
        vec![],
        failed.then_some(tessera_process::RevocationReason::CessationOfOperation),
    )
    .await?;
    audit::append(
        conn,
        caller,
        AuditRecord {
            action: def.id.as_str().into(),
            object: Some(target),
            from_state: Some(from.as_str().into()),
            to_state: Some(to.as_str().into()),
            data: serde_json::json!({ "report": source, "line": number, "message": message }),
            detail: format!(
                "Bureau report {source}: {} {} is {}",
                target.0.label().to_lowercase(),
                target.1,
                to.as_str()
            ),
        },
    )
    .await?;
    Ok(Ok(changed))
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
        .await? as usize
        + temp_card::Entity::find()
            .filter(temp_card::Column::Production.eq(Production::External.as_str()))
            .filter(temp_card::Column::State.eq(TempCardState::Processing.as_str()))
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

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn cells_that_start_like_a_formula_are_text() {
        for bad in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_cell(bad), format!("'{bad}"));
        }
        assert_eq!(csv_cell("Chloe Costa"), "Chloe Costa");
        assert_eq!(csv_cell("a=b"), "a=b");
    }
}
