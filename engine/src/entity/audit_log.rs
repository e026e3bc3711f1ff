use sea_orm::entity::prelude::*;

/// An append-only record of something that happened. Each record carries the hash of the one
/// before it, so a changed or missing record breaks the chain.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub seq: i64,
    pub at: ChronoDateTimeUtc,
    pub actor_id: Option<i64>,
    pub actor: String,
    /// Where the request came from (the client address).
    pub source: String,
    /// A `ProcessId`, or an event such as `login`.
    pub action: String,
    pub object_kind: Option<String>,
    pub object_id: Option<i64>,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    /// JSON: the options in force, or before/after of a change.
    pub data: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
