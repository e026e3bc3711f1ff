//! External production of cards and temporary cards: the order files for the bureau and the
//! bureau's status reports (`CardsAddonExtProdBatchSync`, `TempCardsAddonExtProdBatchSync`).
//!
//! The sync moves queued orders (`processing`) and unsent ones (`ordered` without a file) into a
//! new order file in one transaction, then writes the file: a ZIP with a versioned UTF-8 CSV
//! and a SHA-256 manifest, written to a temp name and renamed into the outbox. A file is
//! written once (its hash is recorded), so a bureau that picks files up never gets one twice.
//! A report is applied line by line: good lines move their cards, bad lines are refused with
//! their reason, and the whole is kept as a report record.

mod demo_bureau;
mod order_file;
mod report;
mod sync;

use crate::entity::{bureau_order, bureau_report, card, temp_card};
use crate::objects::card::Production;
use crate::Caller;
use crate::{Engine, Result};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::path::PathBuf;
use tessera_process::{CardState, ObjectKind, ProcessId, TempCardState};

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

/// The admin's page: what is queued, the order files and the reports.
pub async fn page(
    engine: &Engine,
    settings: &ExternalSettings,
    caller: &Caller,
) -> Result<tessera_process::dto::ExternalPage> {
    caller.require_any(
        &[tessera_process::Role::Admin],
        tessera_process::said!("see external production", "se extern produktion"),
    )?;
    use sea_orm::{PaginatorTrait, QuerySelect};
    let queued = card::Entity::find()
        .filter(card::Column::Production.eq(Production::External.as_str()))
        .filter(card::Column::State.eq(CardState::Processing))
        .count(&engine.db)
        .await? as usize
        + temp_card::Entity::find()
            .filter(temp_card::Column::Production.eq(Production::External.as_str()))
            .filter(temp_card::Column::State.eq(TempCardState::Processing))
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

pub use demo_bureau::report_sent_cards;
pub(crate) use order_file::order_file_now;
pub use order_file::{csv_cell, export, write_order_file, write_pending_files};
pub use report::{apply_report, upload_report};
pub use sync::sync;
