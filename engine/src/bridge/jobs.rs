//! Encoding jobs in the database: created before the first APDU, advanced step by step under a
//! lease, finished with the card's commit. A job whose lease runs out is `in doubt`.

use super::Bridge;
use crate::audit::{self, AuditRecord};
use crate::entity::{encoding_job as job, smart_card_chip as chip};
use crate::objects::user::people::account_names;
use crate::{EngineError, Result};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use tessera_process::bridge::{EncodingStep, JobState, JobView, StepStatus, StepView};
use tessera_process::{said, ObjectKind, Said};

/// How long a job may go without a step before it counts as abandoned. Generous: one step is
/// at most an RSA key generation on a slow card.
pub const LEASE: chrono::Duration = chrono::Duration::minutes(2);

pub async fn create(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    object: (ObjectKind, i64),
    process: tessera_process::ProcessId,
    reader: &str,
    started_by: i64,
) -> Result<i64> {
    Ok(job::Entity::insert(job::ActiveModel {
        object_kind: Set(object.0.as_str().into()),
        object_id: Set(object.1),
        process: Set(process.as_str().into()),
        reader: Set(reader.into()),
        state: Set(JobState::Encoding.as_str().into()),
        step: Set(EncodingStep::Connect.as_str().into()),
        lease_until: Set(now + LEASE),
        started_by: Set(started_by),
        certificate_ids: Set("[]".into()),
        apdus: Set(0),
        on_card_ms: Set(0),
        total_ms: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id)
}

/// The object a job encodes.
pub fn target_of(j: &job::Model) -> Result<super::target::Target> {
    let kind = ObjectKind::parse(&j.object_kind).ok_or_else(|| {
        EngineError::Corrupt(format!(
            "Encoding job {} belongs to an unknown kind of object \"{}\".",
            j.id, j.object_kind
        ))
    })?;
    Ok((kind, j.object_id))
}

/// The process a job carries out.
pub fn process_of(j: &job::Model) -> Result<tessera_process::ProcessId> {
    tessera_process::ProcessId::parse(&j.process).ok_or_else(|| {
        EngineError::Corrupt(format!(
            "Encoding job {} runs an unknown process \"{}\".",
            j.id, j.process
        ))
    })
}

pub async fn load(conn: &impl ConnectionTrait, id: i64) -> Result<job::Model> {
    job::Entity::find_by_id(id).one(conn).await?.ok_or_else(|| {
        EngineError::Missing(said!(
            "There is no encoding job {id}.",
            "Det finns inget kodningsjobb {id}."
        ))
    })
}

/// A stored job state inside a sentence: "in doubt", "oklart utfall".
pub fn state_said(state: &str) -> Said {
    Said::new(
        state.replace('_', " "),
        JobState::parse(state)
            .map_or_else(|| state.replace('_', " "), |s| s.words().sv.to_lowercase()),
    )
}

/// Columns a job step sets, with the step reached and a renewed lease. Only a job that is still
/// `encoding` moves: one already declared in doubt is not written behind the operator's back.
pub async fn advance(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    id: i64,
    step: EncodingStep,
    values: Vec<(&'static str, sea_orm::Value)>,
) -> Result<()> {
    let mut q = Query::update();
    q.table("encoding_job")
        .value("step", step.as_str())
        .value("lease_until", now + LEASE)
        .value("updated_at", now)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("state").eq(JobState::Encoding.as_str()));
    for (c, v) in values {
        q.value(c, v);
    }
    if conn.execute(&q).await?.rows_affected() == 0 {
        return Err(EngineError::NotNow(said!(
            "Encoding job {id} is no longer running (it was declared in doubt).",
            "Kodningsjobb {id} pågår inte längre (dess utfall förklarades oklart)."
        )));
    }
    Ok(())
}

/// Measurements a finished job keeps.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    pub apdus: u64,
    pub on_card_ms: u64,
    pub total_ms: u64,
}

#[allow(clippy::too_many_arguments)]
pub async fn finish(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    id: i64,
    from: &[JobState],
    state: JobState,
    error: Option<&str>,
    stats: Stats,
) -> Result<()> {
    let mut q = Query::update();
    q.table("encoding_job")
        .value("state", state.as_str())
        .value("error", error.map(str::to_string))
        .value("apdus", stats.apdus as i64)
        .value("on_card_ms", stats.on_card_ms as i64)
        .value("total_ms", stats.total_ms as i64)
        .value("updated_at", now)
        .value("finished_at", now)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("state").is_in(from.iter().map(|s| s.as_str())));
    if conn.execute(&q).await?.rows_affected() == 0 {
        return Err(EngineError::Conflict {
            kind: ObjectKind::Card,
        });
    }
    Ok(())
}

/// Jobs still open (running or in doubt) on an object: a new one must wait for them.
pub async fn open_on(
    conn: &impl ConnectionTrait,
    object: (ObjectKind, i64),
) -> Result<Vec<job::Model>> {
    Ok(job::Entity::find()
        .filter(job::Column::ObjectKind.eq(object.0.as_str()))
        .filter(job::Column::ObjectId.eq(object.1))
        .filter(job::Column::State.is_in(open()))
        .order_by_desc(job::Column::Id)
        .all(conn)
        .await?)
}

fn open() -> [&'static str; 2] {
    [JobState::Encoding.as_str(), JobState::InDoubt.as_str()]
}

/// The jobs of many objects of one kind (a batch's cards), oldest first; only the open ones if
/// `open_only`.
pub async fn of_objects(
    conn: &impl ConnectionTrait,
    kind: ObjectKind,
    ids: &[i64],
    open_only: bool,
) -> Result<Vec<job::Model>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let mut q = job::Entity::find()
            .filter(job::Column::ObjectKind.eq(kind.as_str()))
            .filter(job::Column::ObjectId.is_in(chunk.to_vec()));
        if open_only {
            q = q.filter(job::Column::State.is_in(open()));
        }
        out.extend(q.order_by_asc(job::Column::Id).all(conn).await?);
    }
    Ok(out)
}

/// An object's jobs, newest first.
pub async fn of_object(
    conn: &impl ConnectionTrait,
    object: (ObjectKind, i64),
) -> Result<Vec<job::Model>> {
    Ok(job::Entity::find()
        .filter(job::Column::ObjectKind.eq(object.0.as_str()))
        .filter(job::Column::ObjectId.eq(object.1))
        .order_by_desc(job::Column::Id)
        .all(conn)
        .await?)
}

/// Declares in doubt every running job whose lease has run out: the process running it stopped.
/// Each gets an audit record on its object. Returns the jobs.
pub async fn mark_in_doubt(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<i64>> {
    let expired = job::Entity::find()
        .filter(job::Column::State.eq(JobState::Encoding.as_str()))
        .filter(job::Column::LeaseUntil.lt(now))
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for j in expired {
        let mut q = Query::update();
        q.table("encoding_job")
            .value("state", JobState::InDoubt.as_str())
            .value("updated_at", now)
            .and_where(Expr::col("id").eq(j.id))
            .and_where(Expr::col("state").eq(JobState::Encoding.as_str()));
        if conn.execute(&q).await?.rows_affected() == 0 {
            continue;
        }
        let kind = ObjectKind::parse(&j.object_kind).unwrap_or(ObjectKind::Card);
        audit::append(
            conn,
            now,
            None,
            AuditRecord {
                action: "EncodingInDoubt".into(),
                object: Some((kind, j.object_id)),
                from_state: None,
                to_state: None,
                data: serde_json::json!({ "job_id": j.id, "step": j.step, "reader": j.reader }),
                detail: format!(
                    "Encoding job {} stopped at step \"{}\" without finishing; the card must be read back (Reconcile)",
                    j.id, j.step
                ),
            },
        )
        .await?;
        out.push(j.id);
    }
    Ok(out)
}

/// Stores (or replaces, on re-encoding) the chip of an encoded card.
pub async fn save_chip(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    object: (ObjectKind, i64),
    j: &job::Model,
) -> Result<()> {
    let (Some(guid), Some(mk), Some(alg), Some(puk)) = (
        j.chuid_guid.clone(),
        j.management_key.clone(),
        j.management_key_algorithm.clone(),
        j.puk.clone(),
    ) else {
        return Err(EngineError::Invalid(said!(
            "Encoding job {id} has no card secrets to keep.",
            "Kodningsjobb {id} har inga korthemligheter att spara.",
            id = j.id
        )));
    };
    // GUID and serial identify one chip: an object that had it before (re-encoded) lets go.
    let mut same_chip = sea_orm::Condition::any().add(chip::Column::ChuidGuid.eq(guid.clone()));
    if let Some(serial) = &j.chip_serial {
        same_chip = same_chip.add(chip::Column::ChipSerial.eq(serial.clone()));
    }
    chip::Entity::delete_many()
        .filter(same_chip)
        .exec(conn)
        .await?;
    chip::Entity::insert(chip::ActiveModel {
        object_kind: Set(object.0.as_str().into()),
        object_id: Set(object.1),
        chuid_guid: Set(guid),
        chip_serial: Set(j.chip_serial.clone()),
        atr: Set(j.atr.clone().unwrap_or_default()),
        management_key: Set(mk),
        management_key_algorithm: Set(alg),
        puk: Set(puk),
        job_id: Set(j.id),
        encoded_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([chip::Column::ObjectKind, chip::Column::ObjectId])
            .update_columns([
                chip::Column::ChuidGuid,
                chip::Column::ChipSerial,
                chip::Column::Atr,
                chip::Column::ManagementKey,
                chip::Column::ManagementKeyAlgorithm,
                chip::Column::Puk,
                chip::Column::JobId,
                chip::Column::EncodedAt,
            ])
            .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}

/// The chip serials of encoded objects of `kind`, in lookups of 500.
pub async fn chip_serials(
    conn: &impl ConnectionTrait,
    kind: ObjectKind,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>> {
    let mut chips = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        for c in chip::Entity::find()
            .filter(chip::Column::ObjectKind.eq(kind.as_str()))
            .filter(chip::Column::ObjectId.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            if let Some(s) = c.chip_serial {
                chips.insert(c.object_id, s);
            }
        }
    }
    Ok(chips)
}

/// The object a chip was last encoded for, found by its CHUID GUID or serial.
pub async fn chip_owner(
    conn: &impl ConnectionTrait,
    guid: Option<&str>,
    serial: Option<&str>,
) -> Result<Option<super::target::Target>> {
    let mut cond = sea_orm::Condition::any();
    if let Some(g) = guid {
        cond = cond.add(chip::Column::ChuidGuid.eq(g));
    }
    if let Some(s) = serial {
        cond = cond.add(chip::Column::ChipSerial.eq(s));
    }
    if guid.is_none() && serial.is_none() {
        return Ok(None);
    }
    Ok(chip::Entity::find()
        .filter(cond)
        .one(conn)
        .await?
        .and_then(|c| Some((ObjectKind::parse(&c.object_kind)?, c.object_id))))
}

/// Where a card's secrets may be found: the chip row of a card Tessera encoded, or a job that
/// set a key on it and then failed. Newest first.
pub async fn secrets_for(
    conn: &impl ConnectionTrait,
    guid: Option<&str>,
    serial: Option<&str>,
) -> Result<Vec<(Vec<u8>, String, Option<Vec<u8>>, i64)>> {
    let mut out = Vec::new();
    if let Some(g) = guid {
        for c in chip::Entity::find()
            .filter(chip::Column::ChuidGuid.eq(g))
            .all(conn)
            .await?
        {
            out.push((
                c.management_key,
                c.management_key_algorithm,
                Some(c.puk),
                c.job_id,
            ));
        }
    }
    let mut cond = sea_orm::Condition::any();
    if let Some(g) = guid {
        cond = cond.add(job::Column::ChuidGuid.eq(g));
    }
    if let Some(s) = serial {
        cond = cond.add(job::Column::ChipSerial.eq(s));
    }
    if guid.is_some() || serial.is_some() {
        for j in job::Entity::find()
            .filter(cond)
            .filter(job::Column::ManagementKey.is_not_null())
            .order_by_desc(job::Column::Id)
            .all(conn)
            .await?
        {
            if let (Some(mk), Some(alg)) = (j.management_key, j.management_key_algorithm) {
                out.push((mk, alg, j.puk, j.id));
            }
        }
    }
    Ok(out)
}

/// The operator's view of a job: the live progress if this process runs it, else what the
/// database knows.
pub async fn view(
    conn: &impl ConnectionTrait,
    bridge: Option<&Bridge>,
    j: &job::Model,
) -> Result<JobView> {
    let names = account_names(conn, [j.started_by]).await?;
    Ok(view_with(bridge, j, &names))
}

/// The views of several jobs, with one lookup of who started them.
pub async fn views(
    conn: &impl ConnectionTrait,
    bridge: Option<&Bridge>,
    jobs: &[job::Model],
) -> Result<Vec<JobView>> {
    let names = account_names(conn, jobs.iter().map(|j| j.started_by)).await?;
    Ok(jobs.iter().map(|j| view_with(bridge, j, &names)).collect())
}

fn view_with(
    bridge: Option<&Bridge>,
    j: &job::Model,
    names: &std::collections::HashMap<i64, String>,
) -> JobView {
    let state = JobState::parse(&j.state).unwrap_or(JobState::InDoubt);
    let live = bridge.and_then(|b| b.live(j.id));
    let steps = match &live {
        Some(l) => l.steps.clone(),
        None => {
            let reached = EncodingStep::parse(&j.step).unwrap_or(EncodingStep::Connect);
            EncodingStep::ALL
                .iter()
                .map(|s| StepView {
                    step: *s,
                    status: if state == JobState::Succeeded || *s < reached {
                        StepStatus::Done
                    } else if *s == reached && state != JobState::Encoding {
                        StepStatus::Failed
                    } else if *s == reached {
                        StepStatus::Running
                    } else {
                        StepStatus::Pending
                    },
                    detail: None,
                })
                .collect()
        }
    };
    JobView {
        job_id: j.id,
        card_id: j.object_id,
        reader: j.reader.clone(),
        // The database is the truth once written; live progress only fills in the steps.
        state,
        steps,
        error: j
            .error
            .clone()
            .or_else(|| live.as_ref().and_then(|l| l.error.clone())),
        pin: None,
        pin_delivered: live.as_ref().is_some_and(|l| l.pin_delivered),
        started_by: names.get(&j.started_by).cloned().unwrap_or_default(),
        started_at: crate::time::text(j.created_at),
    }
}
