//! Messages to accounts (the requester of a rejected card, for example).

use crate::entity::notification;
use crate::Caller;
use crate::{Engine, Result};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

pub async fn notify(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    account_id: i64,
    message: String,
) -> Result<()> {
    notification::Entity::insert(notification::ActiveModel {
        id: Default::default(),
        account_id: Set(account_id),
        message: Set(message),
        created_at: Set(now),
        read_at: Set(None),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// The caller's newest messages: (when, text).
pub async fn mine(engine: &Engine, caller: &Caller) -> Result<Vec<(String, String)>> {
    Ok(notification::Entity::find()
        .filter(notification::Column::AccountId.eq(caller.account_id))
        .order_by_desc(notification::Column::Id)
        .limit(20)
        .all(&engine.db)
        .await?
        .into_iter()
        .map(|n| (crate::time::text(n.created_at), n.message))
        .collect())
}
