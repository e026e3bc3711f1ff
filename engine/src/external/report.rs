//! A bureau report, applied line by line.

use super::*;
use crate::entity::{card, temp_card};
use crate::objects::card::Production;
use crate::runner;
use crate::Caller;
use crate::{Engine, EngineError, Result};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionTrait};
use tessera_process::transition::find;
use tessera_process::{said, CardState, ObjectKind, State, TempCardState};

/// A report the admin uploads on the External production page (a file the bureau mailed, say):
/// applied as if it had come through the inbox, and only once for the same content.
pub async fn upload_report(
    engine: &Engine,
    caller: &Caller,
    name: &str,
    text: &str,
) -> Result<ReportOutcome> {
    caller.require_any(
        &[tessera_process::Role::Admin],
        said!(
            "upload a bureau report",
            "ladda upp en rapport från kortbyrån"
        ),
    )?;
    use sha2::{Digest, Sha256};
    // The name is for the record only: what a person can read of it, and short.
    let name: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .take(80)
        .collect();
    // The same content is the same report, whatever the file was called.
    let content = format!(
        "upload:{}:",
        &hex::encode(Sha256::digest(text.as_bytes()))[..16]
    );
    let source = format!("{content}{name}");
    use sea_orm::{ColumnTrait, QueryFilter};
    if let Some(before) = crate::entity::bureau_report::Entity::find()
        .filter(crate::entity::bureau_report::Column::Source.starts_with(content.as_str()))
        .one(&engine.db)
        .await?
    {
        return Err(EngineError::NotNow(said!(
            "This report was applied already at {at}; nothing was done again.",
            "Den här rapporten tillämpades redan {at}; ingenting gjordes igen.",
            at = crate::time::text(before.received_at)
        )));
    }
    apply_report(engine, Some(caller), &source, text).await
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
        return Err(EngineError::Invalid(said!(
            "The report is empty.",
            "Rapporten är tom."
        )));
    };
    let header: Vec<String> = tessera_process::person::split(header_line)
        .map_err(|e| {
            EngineError::Invalid(said!(
                "The report's header: {en}",
                "Rapportens rubrikrad: {sv}",
                en = e.en,
                sv = e.sv
            ))
        })?
        .into_iter()
        .map(|s| s.trim().to_ascii_lowercase())
        .collect();
    let position = |name: &str| header.iter().position(|h| h == name);
    let (Some(id_col), Some(status_col)) = (position("card_id"), position("status")) else {
        return Err(EngineError::Invalid(said!(
            "The report's header must name the columns {en}.",
            "Rapportens rubrikrad måste ange kolumnerna {sv}.",
            en = REPORT_COLUMNS[..2].join(" and "),
            sv = REPORT_COLUMNS[..2].join(" och ")
        )));
    };
    let message_col = position("message");
    if lines.len() > MAX_REPORT_LINES {
        return Err(EngineError::Invalid(said!(
            "The report has {n} lines; at most {MAX_REPORT_LINES} are read at once. Split it.",
            "Rapporten har {n} rader; högst {MAX_REPORT_LINES} läses åt gången. Dela upp den.",
            n = lines.len()
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
            let now = txn.now();
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
                        // The report's outcome is kept in English, like the audit log.
                        outcome.refused.push((number, String::new(), e.en));
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
                match apply_line(
                    &savepoint, now, caller, source, number, target, to, &message,
                )
                .await
                {
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
            record_report(txn, now, source, outcome.applied, &outcome.refused).await
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
                State::TempCard(c.state),
                c.version,
                c.production,
                c.bureau_order_id,
            )),
            None => None,
        },
        _ => match card::Entity::find_by_id(id).one(conn).await? {
            Some(c) => Some((
                State::Card(c.state),
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
    now: chrono::DateTime<chrono::Utc>,
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
    let reason = failed.then_some(tessera_process::RevocationReason::CessationOfOperation);
    let data = serde_json::json!({ "report": source, "line": number, "message": message });
    let detail = format!(
        "Bureau report {source}: {} {} is {}",
        target.0.label().to_lowercase(),
        target.1,
        to.as_str()
    );
    let changed = runner::step(def, (target.1, version), from, to)
        .because(reason)
        .take(conn, now, caller)
        .await?
        .record(conn, now, caller, data, detail)
        .await?;
    Ok(Ok(changed))
}

/// Keeps a report: where it came from, how many lines applied, and each refused line with its
/// reason.
pub(super) async fn record_report(
    conn: &impl sea_orm::ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    source: &str,
    applied: usize,
    refused: &[(usize, String, String)],
) -> Result<()> {
    bureau_report::Entity::insert(bureau_report::ActiveModel {
        source: Set(source.into()),
        applied: Set(applied as i32),
        refused: Set(refused.len() as i32),
        details: Set(serde_json::to_string(refused).unwrap_or_default()),
        received_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(())
}
