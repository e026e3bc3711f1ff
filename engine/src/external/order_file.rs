//! Order files: the unsent orders of a kind, moved into one file in one transaction, then
//! written to the outbox.

use super::*;
use crate::audit::AuditRecord;
use crate::entity::{bureau_order, card, person, temp_card};
use crate::objects::card::Production;
use crate::runner;
use crate::Caller;
use crate::{audit, Engine, EngineError, Result};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};
use std::io::Write;
use tessera_process::{said, CardState, ObjectKind, State, TempCardState};

/// One card or temporary card going into an order file.
struct OrderLine {
    target: (ObjectKind, i64),
    version: i64,
    from: State,
    person_id: Option<i64>,
    profile: String,
    production_type: Option<String>,
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
                    from: State::Card(c.state),
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
                    from: State::TempCard(c.state),
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
            let now = txn.now();
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
                created_at: Set(now),
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
                let data = serde_json::json!({ "order_id": order_id, "file": file_name });
                let detail = format!(
                    "{} {} sent to the bureau in {file_name}",
                    kind.label(),
                    l.target.1
                );
                if l.from != ordered {
                    let (record, _) = runner::step(def, (l.target.1, l.version), l.from, ordered)
                        .setting(vec![("bureau_order_id", order_id.into())])
                        .take(txn, now, caller)
                        .await?
                        .into_record(data, detail);
                    records.push(record);
                } else {
                    // Only if no other export took the card meanwhile.
                    let mut q = Query::update();
                    q.table(runner::table(kind))
                        .value("bureau_order_id", order_id)
                        .value("version", Expr::col("version").add(1))
                        .and_where(Expr::col("id").eq(l.target.1))
                        .and_where(Expr::col("version").eq(l.version))
                        .and_where(Expr::col("bureau_order_id").is_null());
                    if txn.execute(&q).await?.rows_affected() == 0 {
                        return Err(EngineError::Conflict { kind });
                    }
                    let record =
                        AuditRecord::step(def.id, (l.from, ordered), l.target.1, data, detail);
                    records.push(record);
                }
            }
            audit::append_many(txn, now, caller, records).await?;
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
    let broken = |e: csv::Error| {
        EngineError::Invalid(said!(
            "the order file cannot be written: {e}",
            "beställningsfilen kan inte skrivas: {e}"
        ))
    };
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
    let csv = out.into_inner().map_err(|e| {
        EngineError::Invalid(said!(
            "the order file cannot be written: {e}",
            "beställningsfilen kan inte skrivas: {e}"
        ))
    })?;
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
        .ok_or_else(|| {
            EngineError::Missing(said!(
                "There is no order file {order_id}.",
                "Det finns ingen beställningsfil {order_id}."
            ))
        })?;
    if order.written_at.is_some() {
        return Ok(());
    }
    let Some(content) = &order.content else {
        return Err(EngineError::Invalid(said!(
            "Order file {order_id} has no content.",
            "Beställningsfil {order_id} har inget innehåll."
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
        .value("written_at", engine.now())
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
