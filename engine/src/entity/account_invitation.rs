use sea_orm::entity::prelude::*;

/// A one-time link with which a self-service user chooses their password; only a hash of its
/// token is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_invitation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// `invite` or `reset`.
    pub purpose: String,
    /// The address the link went to: it works only while that is the person's.
    pub delivered_to: String,
    pub created_by: i64,
    pub created_at: ChronoDateTimeUtc,
    pub expires_at: ChronoDateTimeUtc,
    pub used_at: Option<ChronoDateTimeUtc>,
    /// A newer link, a change of the person's e-mail address, or disabling the account ended it.
    pub voided_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
