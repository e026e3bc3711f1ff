//! One submission of a form does its work once. A page chooses a key when it opens (and keeps
//! it in its address, so the back button brings the same key back); Next sends it. The same
//! key sent again by the same account (a double click, the back button, a retry after a
//! time-out) answers with the first outcome instead of doing the work a second time.
//!
//! The key is claimed before the work and its outcome stored after the work commits. A claim
//! whose work failed is let go, so the person can correct the form and send it again; a claim
//! whose outcome is missing (its work still runs, or the server stopped in between) is refused
//! with 409 rather than risking the work twice.

use crate::entity::submission as row;
use crate::{Caller, Engine, EngineError, Result};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter, SqlErr};
use serde::{de::DeserializeOwned, Serialize};

/// How long a key is remembered: longer than anyone waits before pressing Next again.
pub const KEPT: chrono::Duration = chrono::Duration::hours(24);

/// A key is what a page makes of 16 random bytes: 16 to 64 URL-safe characters.
fn check(key: &str) -> Result<()> {
    let ok = (16..=64).contains(&key.len())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(EngineError::bad_input(
            "once",
            tessera_process::said!(
                "The page's submission key is not one a page makes. Reload the page and try again.",
                "Sidans inskickningsnyckel är inte en som en sida skapar. Ladda om sidan och försök igen."
            ),
        ))
    }
}

/// Runs `work` once for `key` (see the module). `what` names the form, so that a key sent
/// with other work is refused. Without a key (an API client) the work simply runs.
pub async fn once<T: Serialize + DeserializeOwned>(
    engine: &Engine,
    caller: &Caller,
    key: Option<&str>,
    what: &str,
    work: impl AsyncFnOnce() -> Result<T>,
) -> Result<T> {
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return work().await;
    };
    check(key)?;
    if let Some(earlier) = claim(engine, caller, key, what).await? {
        return Ok(earlier);
    }
    match work().await {
        Ok(outcome) => {
            let json = serde_json::to_string(&outcome)
                .map_err(|e| EngineError::Corrupt(format!("an outcome is not storable: {e}")))?;
            engine
                .transact(async |txn| {
                    row::Entity::update_many()
                        .col_expr(row::Column::Outcome, json.clone().into())
                        .filter(this(caller, key))
                        .exec(txn)
                        .await?;
                    Ok(())
                })
                .await?;
            Ok(outcome)
        }
        Err(refused) => {
            engine
                .transact(async |txn| {
                    row::Entity::delete_many()
                        .filter(this(caller, key))
                        .exec(txn)
                        .await?;
                    Ok(())
                })
                .await?;
            Err(refused)
        }
    }
}

/// The caller's submission under `key`.
fn this(caller: &Caller, key: &str) -> Condition {
    Condition::all()
        .add(row::Column::AccountId.eq(caller.account_id))
        .add(row::Column::SubmissionKey.eq(key))
}

/// Claims `key` for `what`; or, when it was sent before, the outcome it had.
async fn claim<T: DeserializeOwned>(
    engine: &Engine,
    caller: &Caller,
    key: &str,
    what: &str,
) -> Result<Option<T>> {
    let claimed = engine
        .transact(async |txn| {
            let now = txn.now();
            row::Entity::delete_many()
                .filter(row::Column::CreatedAt.lt(now - KEPT))
                .exec(txn)
                .await?;
            row::Entity::insert(row::ActiveModel {
                account_id: Set(caller.account_id),
                submission_key: Set(key.to_string()),
                what: Set(what.to_string()),
                outcome: Set(None),
                created_at: Set(now),
            })
            .exec_without_returning(txn)
            .await?;
            Ok(())
        })
        .await;
    match claimed {
        Ok(()) => Ok(None),
        Err(EngineError::Db(db))
            if matches!(db.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
        {
            earlier(engine, caller, key, what).await.map(Some)
        }
        Err(e) => Err(e),
    }
}

/// The outcome of the first submission under `key`.
async fn earlier<T: DeserializeOwned>(
    engine: &Engine,
    caller: &Caller,
    key: &str,
    what: &str,
) -> Result<T> {
    let first = row::Entity::find()
        .filter(this(caller, key))
        .one(&engine.db)
        .await?
        // Let go between our insert and this read: its work failed, so nothing was done.
        .ok_or_else(|| {
            EngineError::NotNow(tessera_process::said!(
                "This was sent twice at once and the first failed. Send it again.",
                "Det här skickades två gånger samtidigt och det första misslyckades. Skicka det igen."
            ))
        })?;
    if first.what != what {
        return Err(EngineError::bad_input(
            "once",
            tessera_process::said!(
                "This page's submission key was used for something else. Reload the page and try again.",
                "Sidans inskickningsnyckel användes till något annat. Ladda om sidan och försök igen."
            ),
        ));
    }
    let outcome = first.outcome.ok_or_else(|| {
        EngineError::NotNow(tessera_process::said!(
            "This was sent already and is still being carried out, or the server stopped before it ended. Open the object to see what was done; to do it again, start anew from there.",
            "Det här har redan skickats och utförs fortfarande, eller så stoppades servern innan det blev klart. Öppna objektet för att se vad som gjordes; börja om därifrån för att göra det igen."
        ))
    })?;
    serde_json::from_str(&outcome)
        .map_err(|e| EngineError::Corrupt(format!("a stored outcome is not readable: {e}")))
}
