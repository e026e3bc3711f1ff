//! Secrets of the server that are not keys of certificates: random 32-byte keys, each sealed
//! under the KEK in `server_secret` and created on first start. Someone who can read the
//! database but not the KEK learns nothing from them, nor from what they key.

use super::kek::Kek;
use super::seal;
use crate::entity::server_secret as row;
use crate::{EngineError, Result};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use zeroize::Zeroizing;

/// The key of the keyed hash that stands for a typed user name in the sign-in throttle.
pub const LOGIN_NAMES: &str = "login-names";
/// The key that signs checkpoints of the audit chain.
pub const AUDIT_CHECKPOINTS: &str = "audit-checkpoints";

fn context(name: &str) -> String {
    format!("secret:{name}")
}

/// The secret `name`, created if there is none yet (by whichever server starts first).
pub async fn load_or_create(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    kek: &Kek,
    name: &str,
) -> Result<Zeroizing<[u8; 32]>> {
    if row::Entity::find_by_id(name).one(conn).await?.is_none() {
        let mut fresh = Zeroizing::new([0u8; 32]);
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, fresh.as_mut());
        row::Entity::insert(row::ActiveModel {
            name: Set(name.to_string()),
            sealed: Set(seal::seal(kek, &context(name), fresh.as_ref())?),
            created_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(row::Column::Name)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    }
    let stored = row::Entity::find_by_id(name)
        .one(conn)
        .await?
        .ok_or_else(|| EngineError::Config(format!("the server secret {name} is missing")))?;
    let opened = seal::open(kek, &context(name), &stored.sealed)?;
    let mut key = Zeroizing::new([0u8; 32]);
    if opened.len() != key.len() {
        return Err(EngineError::Config(format!(
            "the server secret {name} has the wrong length"
        )));
    }
    key.copy_from_slice(&opened);
    Ok(key)
}
