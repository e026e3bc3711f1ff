//! The home page of a staff account: the work waiting for it, by role. Each panel is a count
//! or a few lines read with one query; the pages behind them have the whole lists.

use crate::entity::{batch_order, card, certificate, encoding_job, mail_outbox, person};
use crate::{Caller, Engine, Result};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use tessera_process::bridge::JobState;
use tessera_process::dto::{Dashboard, DashboardLine};
use tessera_process::{
    said, BatchOrderState, CardState, CertificateState, ObjectKind, Role, UserState,
};

/// How many lines a panel shows.
const LINES: u64 = 10;
/// How far ahead "expiring" looks.
const EXPIRING_DAYS: i64 = 30;

pub async fn of(engine: &Engine, caller: &Caller) -> Result<Dashboard> {
    caller.require_any(
        &[
            Role::Operator,
            Role::Approver,
            Role::Admin,
            Role::KeyRecovery,
        ],
        said!("see the work waiting", "se arbetet som väntar"),
    )?;
    let staff = caller.has(Role::Operator) || caller.has(Role::Admin);
    Ok(Dashboard {
        requests_for_me: match caller.has(Role::Approver) {
            true => Some(requests_for(engine, caller).await?),
            false => None,
        },
        jobs_in_doubt: match staff {
            true => Some(jobs_in_doubt(engine).await?),
            false => None,
        },
        open_batches: match caller.has(Role::Operator) {
            true => Some(open_batches(engine).await?),
            false => None,
        },
        expiring: match staff {
            true => Some(expiring(engine).await?),
            false => None,
        },
        mails_given_up: match caller.has(Role::Admin) {
            true => Some(mails_given_up(engine).await?),
            false => None,
        },
    })
}

/// What an approver may decide: card requests of others (nobody decides their own),
/// requested users and identity changes waiting for a second person.
async fn requests_for(engine: &Engine, caller: &Caller) -> Result<u64> {
    let cards = card::Entity::find()
        .filter(card::Column::State.eq(CardState::Requested))
        .filter(card::Column::RequestedBy.ne(caller.account_id))
        .count(&engine.db)
        .await?;
    let users = person::Entity::find()
        .filter(person::Column::State.eq(UserState::Requested))
        .count(&engine.db)
        .await?;
    let changes = crate::objects::user::person_changes::pending(engine, caller)
        .await?
        .len() as u64;
    Ok(cards + users + changes)
}

async fn jobs_in_doubt(engine: &Engine) -> Result<Vec<DashboardLine>> {
    Ok(encoding_job::Entity::find()
        .filter(encoding_job::Column::State.eq(JobState::InDoubt.as_str()))
        .order_by_desc(encoding_job::Column::Id)
        .limit(LINES)
        .all(&engine.db)
        .await?
        .into_iter()
        .map(|j| DashboardLine {
            text: format!(
                "Encoding job {} on {} {}, at step {}",
                j.id,
                j.object_kind.replace('_', " "),
                j.object_id,
                j.step.replace('_', " ")
            ),
            object: crate::bridge::jobs::target_of(&j).ok(),
            at: crate::time::text(j.updated_at),
        })
        .collect())
}

async fn open_batches(engine: &Engine) -> Result<Vec<DashboardLine>> {
    Ok(batch_order::Entity::find()
        .filter(
            batch_order::Column::State
                .is_in([BatchOrderState::Open, BatchOrderState::InProduction]),
        )
        .order_by_asc(batch_order::Column::Id)
        .limit(LINES)
        .all(&engine.db)
        .await?
        .into_iter()
        .map(|b| DashboardLine {
            text: format!(
                "Batch order {} of {}s, {}",
                b.id,
                ObjectKind::parse(&b.object_kind).map_or("card", |k| k.noun()),
                b.state.label().to_lowercase()
            ),
            object: Some((ObjectKind::BatchOrder, b.id)),
            at: crate::time::text(b.created_at),
        })
        .collect())
}

async fn expiring(engine: &Engine) -> Result<(u64, Vec<DashboardLine>)> {
    let now = engine.now();
    let soon = certificate::Entity::find()
        .filter(certificate::Column::State.eq(CertificateState::Valid))
        .filter(certificate::Column::NotAfter.gt(now))
        .filter(certificate::Column::NotAfter.lte(now + chrono::Duration::days(EXPIRING_DAYS)));
    let count = soon.clone().count(&engine.db).await?;
    let lines = soon
        .order_by_asc(certificate::Column::NotAfter)
        .limit(LINES)
        .all(&engine.db)
        .await?
        .into_iter()
        .map(|c| DashboardLine {
            text: format!("{} certificate {} ({})", c.profile, c.serial, c.subject),
            object: ObjectKind::parse(&c.owner_kind).map(|k| (k, c.owner_id)),
            at: crate::time::text(c.not_after),
        })
        .collect();
    Ok((count, lines))
}

async fn mails_given_up(engine: &Engine) -> Result<(u64, Vec<DashboardLine>)> {
    let given_up =
        mail_outbox::Entity::find().filter(mail_outbox::Column::State.eq(crate::mail::GIVEN_UP));
    let count = given_up.clone().count(&engine.db).await?;
    let lines = given_up
        .order_by_desc(mail_outbox::Column::Id)
        .limit(LINES)
        .all(&engine.db)
        .await?
        .into_iter()
        .map(|m| DashboardLine {
            text: format!(
                "\"{}\" to {}: {}",
                m.subject,
                m.recipient,
                m.last_error.unwrap_or_else(|| "no answer".into())
            ),
            object: None,
            at: crate::time::text(m.created_at),
        })
        .collect();
    Ok((count, lines))
}
