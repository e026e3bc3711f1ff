//! Wrong passwords slow down the one who types them, not the account's owner. Each (user name,
//! source) pair waits longer after each wrong password past the first few, so the right password
//! from a source that has not failed always works (a lock-out per user name let six requests
//! every 15 minutes keep `admin` out for ever). One source that fails across many names (password
//! spraying) waits as a whole. A typed name is kept only as a keyed hash (HMAC under a sealed
//! server secret): people type passwords into that field. Refusals are counted, and reported
//! to the audit log as one record per pair and period, so that a flood cannot grow the log.

use crate::audit::{self, AuditRecord};
use crate::entity::{account, login_throttle as row};
use crate::{Engine, EngineError, Result};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::Sha256;

/// Wrong passwords in a row that cost nothing; each further one doubles the wait, from 1 s.
pub const FREE_FAILURES: i32 = 3;
/// The longest wait after wrong passwords.
pub const MAX_DELAY: Duration = Duration::minutes(15);
/// Wrong passwords from one source across all names within [`SOURCE_WINDOW`] after which that
/// source waits as a whole.
pub const SOURCE_LIMIT: i64 = 50;
pub const SOURCE_WINDOW: Duration = Duration::minutes(15);
/// How often refusals are summed up into the audit log.
pub const REPORT_EVERY: Duration = Duration::minutes(5);
/// The name key of the row that counts a source across names.
const ANY_NAME: &str = "*";

/// The wait after `failures` wrong passwords in a row.
pub fn delay(failures: i32) -> Option<Duration> {
    let past = failures - FREE_FAILURES;
    if past < 0 {
        return None;
    }
    let seconds = 1i64
        .checked_shl(Ord::min(past, 20) as u32)
        .unwrap_or(i64::MAX);
    Some(Duration::seconds(seconds).min(MAX_DELAY))
}

/// The keyed hash of a typed name, as stored.
pub fn name_key(key: &[u8; 32], username: &str) -> String {
    // An HMAC takes keys of any length, so `new_from_slice` cannot fail here.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(username.trim().to_lowercase().as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn wait_error(until: DateTime<Utc>, now: DateTime<Utc>) -> EngineError {
    EngineError::TooManyAttempts {
        // Rounded up: "wait 1 second" said 999 ms early would be refused again.
        seconds: Ord::max(((until - now).num_milliseconds() + 999) / 1000, 1),
    }
}

/// Adds one to the row of (name, source), creating it: `refused` always, `failures` for a
/// wrong password (which also sets `last_failure_at`). Returns the failures in a row.
async fn bump(
    conn: &impl ConnectionTrait,
    name_key: &str,
    source: &str,
    account_id: Option<i64>,
    wrong_password: bool,
    now: DateTime<Utc>,
) -> Result<i32> {
    row::Entity::insert(row::ActiveModel {
        id: Default::default(),
        name_key: Set(name_key.to_string()),
        source: Set(source.to_string()),
        account_id: Set(account_id),
        failures: Set(0),
        refused: Set(0),
        window_start: Set(now),
        last_failure_at: Set(now),
        blocked_until: Set(None),
    })
    .on_conflict(
        OnConflict::columns([row::Column::NameKey, row::Column::Source])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    let mut q = Query::update();
    q.table("login_throttle")
        .value("refused", Expr::col("refused").add(1))
        .and_where(Expr::col("name_key").eq(name_key))
        .and_where(Expr::col("source").eq(source))
        .returning(Query::returning().column("failures"));
    if wrong_password {
        q.value("failures", Expr::col("failures").add(1))
            .value("last_failure_at", now);
    }
    Ok(match conn.query_one(&q).await? {
        Some(r) => r.try_get::<i32>("", "failures")?,
        None => 0,
    })
}

/// One sign-in attempt: a typed name from a source.
pub struct Attempt {
    name_key: String,
    source: String,
}

impl Attempt {
    pub fn new(engine: &Engine, username: &str, source: &str) -> Result<Attempt> {
        Ok(Attempt {
            name_key: name_key(&engine.login_name_key(), username),
            source: source.to_string(),
        })
    }

    /// Refuses while this name from this source, or this source as a whole, has to wait; the
    /// refusal is counted.
    pub async fn check(&self, engine: &Engine) -> Result<()> {
        let now = engine.now();
        let mine = row::Entity::find()
            .filter(row::Column::NameKey.eq(self.name_key.as_str()))
            .filter(row::Column::Source.eq(self.source.as_str()))
            .one(&engine.db)
            .await?;
        if let Some(until) = mine.and_then(|r| r.blocked_until).filter(|u| *u > now) {
            self.count_refusal(engine, &self.name_key, now).await?;
            return Err(wait_error(until, now));
        }
        let recent: Vec<row::Model> = row::Entity::find()
            .filter(row::Column::Source.eq(self.source.as_str()))
            .filter(row::Column::NameKey.ne(ANY_NAME))
            .filter(row::Column::LastFailureAt.gt(now - SOURCE_WINDOW))
            .all(&engine.db)
            .await?;
        let failures: i64 = recent.iter().map(|r| i64::from(r.failures)).sum();
        if failures >= SOURCE_LIMIT {
            let oldest = recent
                .iter()
                .map(|r| r.last_failure_at)
                .min()
                .unwrap_or(now);
            self.count_refusal(engine, ANY_NAME, now).await?;
            return Err(wait_error(oldest + SOURCE_WINDOW, now));
        }
        Ok(())
    }

    /// Adds one refused try to the (name, source) row, creating it.
    async fn count_refusal(
        &self,
        engine: &Engine,
        name_key: &str,
        now: DateTime<Utc>,
    ) -> Result<i32> {
        engine
            .transact(async |txn| bump(txn, name_key, &self.source, None, false, now).await)
            .await
    }

    /// A wrong password (or an unknown or disabled account): counted, and the wait set.
    pub async fn failed(&self, engine: &Engine, account_id: Option<i64>) -> Result<()> {
        engine
            .transact(async |txn| {
                let now = txn.now();
                let failures =
                    bump(txn, &self.name_key, &self.source, account_id, true, now).await?;
                if let Some(wait) = delay(failures) {
                    let mut q = Query::update();
                    q.table("login_throttle")
                        .value("blocked_until", now + wait)
                        .and_where(Expr::col("name_key").eq(self.name_key.as_str()))
                        .and_where(Expr::col("source").eq(self.source.as_str()));
                    txn.execute(&q).await?;
                }
                Ok(())
            })
            .await
    }

    /// The right password: this name from this source starts afresh. What other sources did
    /// stays with them. Refusals not yet reported are reported as of `now`.
    pub async fn succeeded(&self, conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<()> {
        if let Some(r) = row::Entity::find()
            .filter(row::Column::NameKey.eq(self.name_key.as_str()))
            .filter(row::Column::Source.eq(self.source.as_str()))
            .one(conn)
            .await?
        {
            report_row(conn, &r, now).await?;
            row::Entity::delete_by_id(r.id).exec(conn).await?;
        }
        Ok(())
    }
}

/// One audit record for the refusals a row counted since its last report.
async fn report_row(conn: &impl ConnectionTrait, r: &row::Model, now: DateTime<Utc>) -> Result<()> {
    if r.refused == 0 {
        return Ok(());
    }
    let account = match r.account_id {
        Some(id) => account::Entity::find_by_id(id).one(conn).await?,
        None => None,
    };
    let who = match (&account, r.name_key.as_str()) {
        (_, ANY_NAME) => "any user name".to_string(),
        (Some(a), _) => a.username.clone(),
        (None, key) => format!("an unknown user name (key {})", &key[..key.len().min(12)]),
    };
    let minutes = Ord::max((now - r.window_start).num_minutes(), 1);
    audit::append(
        conn,
        now,
        None,
        AuditRecord {
            action: "login_refused".into(),
            detail: format!(
                "{} refused sign-ins for {who} from {} in {minutes} min",
                r.refused, r.source
            ),
            data: serde_json::json!({
                "refused": r.refused,
                "failures_in_a_row": r.failures,
                "source": r.source,
                "account": account.as_ref().map(|a| a.username.clone()),
                "name_key": r.name_key,
                "since": crate::time::text(r.window_start),
                "until": crate::time::text(now),
                "blocked_until": r.blocked_until.map(crate::time::text),
            }),
            ..Default::default()
        },
    )
    .await
}

/// Writes the audit records of the refusals counted for at least [`REPORT_EVERY`] (all of
/// them with `everything`), and forgets pairs that have been quiet for a day. Returns the
/// number of records written.
pub async fn report(engine: &Engine, everything: bool) -> Result<usize> {
    engine
        .transact(async |txn| {
            let now = txn.now();
            let mut q = row::Entity::find().filter(row::Column::Refused.gt(0));
            if !everything {
                q = q.filter(row::Column::WindowStart.lte(now - REPORT_EVERY));
            }
            let due = q.all(txn).await?;
            for r in &due {
                report_row(txn, r, now).await?;
                let mut u = Query::update();
                u.table("login_throttle")
                    .value("refused", 0)
                    .value("window_start", now)
                    .and_where(Expr::col("id").eq(r.id));
                txn.execute(&u).await?;
            }
            row::Entity::delete_many()
                .filter(row::Column::Refused.eq(0))
                .filter(row::Column::LastFailureAt.lt(now - Duration::days(1)))
                .filter(
                    sea_orm::Condition::any()
                        .add(row::Column::BlockedUntil.is_null())
                        .add(row::Column::BlockedUntil.lt(now)),
                )
                .exec(txn)
                .await?;
            Ok(due.len())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_the_free_failures_and_stop_growing() {
        assert_eq!(delay(1), None);
        assert_eq!(delay(FREE_FAILURES - 1), None);
        assert_eq!(delay(FREE_FAILURES), Some(Duration::seconds(1)));
        assert_eq!(delay(FREE_FAILURES + 3), Some(Duration::seconds(8)));
        assert_eq!(delay(1000), Some(MAX_DELAY));
    }

    #[test]
    fn a_name_is_hashed_under_the_key_without_regard_to_case() {
        let k = [7u8; 32];
        assert_eq!(name_key(&k, "Admin "), name_key(&k, "admin"));
        assert_ne!(name_key(&k, "admin"), name_key(&[8u8; 32], "admin"));
        assert!(!name_key(&k, "admin").contains("admin"));
    }
}
