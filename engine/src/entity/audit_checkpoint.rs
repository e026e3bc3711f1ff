use sea_orm::entity::prelude::*;

/// The audit head at a moment, signed: `mac` is an HMAC-SHA256 of seq, hash and time under the
/// sealed server secret `audit-checkpoints`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_checkpoint")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub hash: String,
    /// RFC 3339, as signed.
    pub at: String,
    pub mac: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
