use sea_orm::entity::prelude::*;

/// The one-time activation a phone enrolls a mobile ID with: an id and a code, of which only a
/// hash is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mobile_id_activation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub mobile_id: i64,
    pub public_id: String,
    /// SHA-256 of the code, hex.
    pub code_hash: String,
    pub expires_at: ChronoDateTimeUtc,
    pub failed_attempts: i32,
    pub blocked_at: Option<ChronoDateTimeUtc>,
    pub used_at: Option<ChronoDateTimeUtc>,
    pub failure_notified_at: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
    /// The address an e-mailed code went to: the code works only while it is the holder's.
    pub delivered_to: Option<String>,
    /// A change of the holder's e-mail address or UPN ended it.
    pub voided_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
