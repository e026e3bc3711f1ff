//! The append-only audit log, chained by SHA-256 so that a changed or removed record is found.

use crate::entity::{audit_head, audit_log};
use crate::Caller;
use crate::{EngineError, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use sha2::{Digest, Sha256};
use tessera_process::dto::{AuditPage, AuditRow};
use tessera_process::{said, ObjectKind, ProcessId, State};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, without who and when (the caller and the clock supply those).
#[derive(Debug, Clone, Default)]
pub struct AuditRecord {
    pub action: String,
    pub object: Option<(ObjectKind, i64)>,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub data: serde_json::Value,
    pub detail: String,
}

impl AuditRecord {
    /// `process` moved object `id` from one state to another.
    pub fn step(
        process: ProcessId,
        (from, to): (State, State),
        id: i64,
        data: serde_json::Value,
        detail: String,
    ) -> Self {
        AuditRecord {
            action: process.as_str().into(),
            object: Some((from.kind(), id)),
            from_state: Some(from.as_str().into()),
            to_state: Some(to.as_str().into()),
            data,
            detail,
        }
    }

    /// `process` created object `id` in `state`.
    pub fn created(
        process: ProcessId,
        state: State,
        id: i64,
        data: serde_json::Value,
        detail: String,
    ) -> Self {
        AuditRecord {
            action: process.as_str().into(),
            object: Some((state.kind(), id)),
            from_state: None,
            to_state: Some(state.as_str().into()),
            data,
            detail,
        }
    }

    /// `action` happened to object `id` in `state` without changing it (a QR code shown, a
    /// key recovered, a change requested).
    pub fn event(
        action: impl Into<String>,
        state: impl Into<State>,
        id: i64,
        data: serde_json::Value,
        detail: String,
    ) -> Self {
        let state = state.into();
        AuditRecord {
            action: action.into(),
            object: Some((state.kind(), id)),
            from_state: Some(state.as_str().into()),
            to_state: Some(state.as_str().into()),
            data,
            detail,
        }
    }
}

pub(crate) async fn ensure_head(conn: &impl ConnectionTrait) -> Result<()> {
    if audit_head::Entity::find_by_id(1).one(conn).await?.is_none() {
        audit_head::Entity::insert(audit_head::ActiveModel {
            id: Set(1),
            seq: Set(0),
            hash: Set(GENESIS.into()),
        })
        .exec(conn)
        .await?;
    }
    Ok(())
}

/// The chain hash of a record: SHA-256 over its fields and the hash of the record before it.
pub fn digest(m: &audit_log::Model) -> String {
    let mut h = Sha256::new();
    let fields: [String; 13] = [
        m.seq.to_string(),
        stamp(m.at),
        m.actor_id.map(|i| i.to_string()).unwrap_or_default(),
        m.actor.clone(),
        m.source.clone(),
        m.action.clone(),
        m.object_kind.clone().unwrap_or_default(),
        m.object_id.map(|i| i.to_string()).unwrap_or_default(),
        m.from_state.clone().unwrap_or_default(),
        m.to_state.clone().unwrap_or_default(),
        m.data.clone(),
        m.detail.clone(),
        m.prev_hash.clone(),
    ];
    for f in fields {
        // Length-prefixed, so that no two different records hash the same input.
        h.update((f.len() as u64).to_be_bytes());
        h.update(f.as_bytes());
    }
    hex::encode(h.finalize())
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Appends a record in the caller's transaction, stamped `now`. `None` is the system itself
/// (scheduler, start-up).
pub async fn append(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    caller: Option<&Caller>,
    r: AuditRecord,
) -> Result<()> {
    append_many(conn, now, caller, vec![r]).await
}

/// Appends `records` in order, as [`append`] would one by one, with one advance of the head
/// and inserts of many rows at a time: a batch of ten thousand cards writes ten thousand
/// records.
pub async fn append_many(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    caller: Option<&Caller>,
    records: Vec<AuditRecord>,
) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    // Advancing the head first takes its row lock: concurrent writers queue here, so the chain
    // never forks, on SQLite and PostgreSQL alike.
    // One statement advances the head and reads the previous hash (RETURNING: SQLite ≥ 3.35 and
    // PostgreSQL), because every statement costs a round trip and this runs for every record.
    let mut bump = Query::update();
    bump.table("audit_head")
        .value("seq", Expr::col("seq").add(records.len() as i64))
        .and_where(Expr::col("id").eq(1))
        .returning(Query::returning().columns(["seq", "hash"]));
    let missing = || EngineError::AuditBroken {
        seq: 0,
        why: "the audit head is missing".into(),
    };
    let row = conn.query_one(&bump).await?.ok_or_else(missing)?;
    let last: i64 = row.try_get("", "seq")?;
    let mut prev_hash: String = row.try_get("", "hash")?;
    let first = last - records.len() as i64 + 1;
    let mut rows = Vec::with_capacity(records.len());
    for (seq, r) in (first..).zip(records) {
        let mut m = audit_log::Model {
            id: 0,
            seq,
            at: now,
            actor_id: caller.map(|c| c.account_id),
            actor: caller
                .map(|c| c.name.clone())
                .unwrap_or_else(|| "system".into()),
            source: caller.map(|c| c.source.clone()).unwrap_or_default(),
            action: r.action,
            object_kind: r.object.map(|(k, _)| k.as_str().to_string()),
            object_id: r.object.map(|(_, id)| id),
            from_state: r.from_state,
            to_state: r.to_state,
            data: r.data.to_string(),
            detail: r.detail,
            prev_hash: std::mem::take(&mut prev_hash),
            hash: String::new(),
        };
        m.hash = digest(&m);
        prev_hash = m.hash.clone();
        rows.push(audit_log::ActiveModel {
            id: Default::default(),
            seq: Set(m.seq),
            at: Set(m.at),
            actor_id: Set(m.actor_id),
            actor: Set(m.actor),
            source: Set(m.source),
            action: Set(m.action),
            object_kind: Set(m.object_kind),
            object_id: Set(m.object_id),
            from_state: Set(m.from_state),
            to_state: Set(m.to_state),
            data: Set(m.data),
            detail: Set(m.detail),
            prev_hash: Set(m.prev_hash),
            hash: Set(m.hash),
        });
    }
    let mut advance = Query::update();
    advance
        .table("audit_head")
        .value("hash", prev_hash.as_str())
        .and_where(Expr::col("id").eq(1));
    conn.execute(&advance).await?;
    // 14 values a row: well under SQLite's and PostgreSQL's bound-parameter limits.
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        audit_log::Entity::insert_many(chunk).exec(conn).await?;
    }
    Ok(())
}

/// Walks the whole chain up to the head; returns the number of records, or where it breaks.
/// Reads the log ten thousand records at a time, so that a log of millions of records is
/// checked in little memory.
pub async fn verify(conn: &impl ConnectionTrait) -> Result<i64> {
    verify_in_slices(conn, 10_000).await
}

/// [`verify`], reading `slice` records at a time.
pub async fn verify_in_slices(conn: &impl ConnectionTrait, slice: u64) -> Result<i64> {
    // The head first: records appended while this runs lie beyond it and are not judged.
    let Some(head) = audit_head::Entity::find_by_id(1).one(conn).await? else {
        let any = audit_log::Entity::find().one(conn).await?.is_some();
        if any {
            return Err(EngineError::AuditBroken {
                seq: 0,
                why: "the end of the chain (audit head) is missing".into(),
            });
        }
        return Ok(0);
    };
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1;
    loop {
        let records = audit_log::Entity::find()
            .filter(audit_log::Column::Seq.gte(expected_seq))
            .filter(audit_log::Column::Seq.lte(head.seq))
            .order_by_asc(audit_log::Column::Seq)
            .limit(slice)
            .all(conn)
            .await?;
        let last_slice = (records.len() as u64) < slice;
        for r in &records {
            if r.seq != expected_seq {
                return Err(EngineError::AuditBroken {
                    seq: expected_seq,
                    why: "a record is missing".into(),
                });
            }
            if r.prev_hash != prev {
                return Err(EngineError::AuditBroken {
                    seq: r.seq,
                    why: "it does not follow the record before it".into(),
                });
            }
            if digest(r) != r.hash {
                return Err(EngineError::AuditBroken {
                    seq: r.seq,
                    why: "its content was changed".into(),
                });
            }
            prev = r.hash.clone();
            expected_seq += 1;
        }
        if last_slice {
            break;
        }
    }
    if head.seq != expected_seq - 1 || head.hash != prev {
        return Err(EngineError::AuditBroken {
            seq: head.seq,
            why: "the newest records are missing".into(),
        });
    }
    Ok(expected_seq - 1)
}

fn row(m: audit_log::Model) -> AuditRow {
    AuditRow {
        id: m.seq,
        at: crate::time::text(m.at),
        actor: m.actor,
        action: m.action,
        object: match (m.object_kind, m.object_id) {
            (Some(k), Some(id)) => format!(
                "{} {id}",
                ObjectKind::parse(&k).map(|k| k.label()).unwrap_or("object")
            ),
            _ => String::new(),
        },
        from_state: m.from_state,
        to_state: m.to_state,
        detail: m.detail,
        data: serde_json::from_str::<serde_json::Value>(&m.data)
            .ok()
            .filter(|v| !v.is_null() && v.as_object().is_none_or(|o| !o.is_empty()))
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_default(),
    }
}

/// A day or a time the audit viewer was given, as the first or last instant it means.
fn instant(
    field: &'static str,
    text: &str,
    end_of_day: bool,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(Some(at.with_timezone(&chrono::Utc)));
    }
    let day = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
        EngineError::bad_input(
            field,
            said!(
                "\"{t}\" is not a date: write it as 2026-11-21, or a time as 2026-11-21T09:30:00Z.",
                "”{t}” är inget datum: skriv det som 2026-11-21, eller en tidpunkt som 2026-11-21T09:30:00Z."
            ),
        )
    })?;
    let time = if end_of_day {
        chrono::NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999)
    } else {
        chrono::NaiveTime::from_hms_opt(0, 0, 0)
    }
    .unwrap_or(chrono::NaiveTime::MIN);
    Ok(Some(day.and_time(time).and_utc()))
}

/// The audit viewer: a page of at most `limit` records matching `f`, newest first. Pages are
/// keyed by record number (`f.before`), not counted off: the thousandth page of a million
/// records is read from the index as fast as the first.
pub async fn search(
    conn: &impl ConnectionTrait,
    f: &tessera_process::dto::AuditFilter,
    limit: u64,
) -> Result<AuditPage> {
    let mut q = audit_log::Entity::find();
    if !f.object_kind.trim().is_empty() {
        let kind = ObjectKind::parse(f.object_kind.trim()).ok_or_else(|| {
            EngineError::bad_input(
                "object_kind",
                said!(
                    "There is no object kind \"{kind}\".",
                    "Det finns ingen objekttyp ”{kind}”.",
                    kind = &f.object_kind
                ),
            )
        })?;
        q = q.filter(audit_log::Column::ObjectKind.eq(kind.as_str()));
    }
    if !f.object_id.trim().is_empty() {
        let id: i64 = f.object_id.trim().parse().map_err(|_| {
            EngineError::bad_input(
                "object_id",
                said!(
                    "The object id \"{id}\" is not a number.",
                    "Objekt-id:t ”{id}” är inte ett nummer.",
                    id = &f.object_id
                ),
            )
        })?;
        q = q.filter(audit_log::Column::ObjectId.eq(id));
    }
    if !f.actor.trim().is_empty() {
        q = q.filter(audit_log::Column::Actor.eq(f.actor.trim()));
    }
    if !f.action.trim().is_empty() {
        q = q.filter(audit_log::Column::Action.eq(f.action.trim()));
    }
    let since = instant("since", &f.since, false)?;
    let until = instant("until", &f.until, true)?;
    if let (Some(a), Some(b)) = (since, until) {
        if a > b {
            return Err(EngineError::bad_input(
                "until",
                said!(
                    "The start of the period is after its end.",
                    "Periodens början ligger efter dess slut."
                ),
            ));
        }
    }
    if since.is_some() || until.is_some() {
        // A period is read as a range of record numbers, found on the time index, and the
        // page walks the record-number index as every other filter does: the times are
        // checked on the rows of that range only (COALESCE keeps the planner off the time
        // index, which would sort every record of the period). Records are numbered in the
        // order they are written, their times with it but for transactions that overlap: the
        // range is taken an hour wide on each side, so none within the period is missed.
        let Some((first, last)) = records_between(conn, since, until).await? else {
            return Ok(AuditPage::default());
        };
        q = q
            .filter(audit_log::Column::Seq.between(first, last))
            .filter(period(since, until));
    }
    if let Some(before) = f.before {
        q = q.filter(audit_log::Column::Seq.lt(before));
    }
    // One more than a page tells whether there is an older one.
    let mut found = q
        .order_by_desc(audit_log::Column::Seq)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let older = if found.len() as u64 > limit {
        found.truncate(limit as usize);
        found.last().map(|r| r.seq)
    } else {
        None
    };
    Ok(AuditPage {
        rows: found.into_iter().map(row).collect(),
        older,
    })
}

/// The first and last record numbers of the records written from an hour before `since` to an
/// hour after `until` (either end open), if there are any.
async fn records_between(
    conn: &impl ConnectionTrait,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<Option<(i64, i64)>> {
    let slack = chrono::Duration::hours(1);
    let mut first = audit_log::Entity::find().order_by_asc(audit_log::Column::At);
    if let Some(a) = since {
        first = first.filter(audit_log::Column::At.gte(a - slack));
    }
    let mut last = audit_log::Entity::find().order_by_desc(audit_log::Column::At);
    if let Some(b) = until {
        last = last.filter(audit_log::Column::At.lte(b + slack));
    }
    let (Some(first), Some(last)) = (first.one(conn).await?, last.one(conn).await?) else {
        return Ok(None);
    };
    Ok(Some((first.seq, last.seq)))
}

/// The period as a condition on each record's time, not answered from the time index.
fn period(
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> sea_orm::sea_query::SimpleExpr {
    let at = || {
        sea_orm::sea_query::Func::coalesce([
            Expr::col(audit_log::Column::At),
            Expr::col(audit_log::Column::At),
        ])
    };
    let mut c = sea_orm::sea_query::Condition::all();
    if let Some(a) = since {
        c = c.add(Expr::expr(at()).gte(a));
    }
    if let Some(b) = until {
        c = c.add(Expr::expr(at()).lte(b));
    }
    c.into()
}

/// The history of one object, oldest first.
pub async fn history(
    conn: &impl ConnectionTrait,
    kind: ObjectKind,
    id: i64,
) -> Result<Vec<AuditRow>> {
    Ok(audit_log::Entity::find()
        .filter(audit_log::Column::ObjectKind.eq(kind.as_str()))
        .filter(audit_log::Column::ObjectId.eq(id))
        .order_by_asc(audit_log::Column::Seq)
        .all(conn)
        .await?
        .into_iter()
        .map(row)
        .collect())
}

/// The newest records, newest first.
pub async fn recent(conn: &impl ConnectionTrait, limit: u64) -> Result<Vec<AuditRow>> {
    Ok(audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Seq)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(row)
        .collect())
}
