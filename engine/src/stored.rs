//! Objects as the database holds them: loading one by id, the table of a kind, and reading a
//! stored state name back into the model's state, refusing one the model does not know.

use crate::{EngineError, Result};
use sea_orm::{ConnectionTrait, EntityTrait};
use tessera_process::{ObjectKind, State};

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

/// Reads a stored state name, refusing one the model does not know.
pub fn parse_state(kind: ObjectKind, stored: &str) -> Result<State> {
    State::parse(kind, stored).ok_or_else(|| {
        EngineError::Invalid(format!(
            "The {} is in an unknown state \"{stored}\".",
            kind.label().to_lowercase()
        ))
    })
}

/// [`parse_state`] into a kind's own state enum.
pub fn parse_kind_state<S: tessera_process::KindState>(
    kind: ObjectKind,
    stored: &str,
) -> Result<S> {
    let state = parse_state(kind, stored)?;
    S::from_state(state).ok_or_else(|| {
        EngineError::Invalid(format!(
            "The {} is in the state \"{stored}\" of another kind of object.",
            kind.label().to_lowercase()
        ))
    })
}
