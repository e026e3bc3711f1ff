//! Objects as the database holds them: loading one by id, and the table of a kind.

use crate::{EngineError, Result};
use sea_orm::{ConnectionTrait, EntityTrait};
use tessera_process::ObjectKind;

/// Loads an object of `kind` by id, or says that there is none.
pub async fn load<E>(conn: &impl ConnectionTrait, kind: ObjectKind, id: i64) -> Result<E::Model>
where
    E: EntityTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
{
    E::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(EngineError::NotFound { kind, id })
}

/// The table that holds objects of a kind.
pub fn table(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::User => "person",
        ObjectKind::Card => "card",
        ObjectKind::TempCard => "temp_card",
        ObjectKind::MobileId => "mobile_id",
        ObjectKind::Certificate => "certificate",
        ObjectKind::BatchOrder => "batch_order",
    }
}
