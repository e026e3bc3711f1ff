use sea_orm::entity::prelude::*;

/// A mobile ID: the credential a phone holds once it has enrolled its certificates.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mobile_id")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub state: tessera_process::MobileIdState,
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    /// The process that created it: Supply mobile ID (operator) or Get mobile ID (self-service).
    pub process: String,
    /// Where the QR code goes: `self_service` or `email`.
    pub delivery: String,
    /// EST labels of the certificates it gets, comma-separated.
    pub certificates: String,
    pub recover_encryption: bool,
    /// The user properties the app receives (JSON object of strings).
    pub properties: String,
    /// The end of the mobile ID's validity; its certificates end no later.
    pub valid_until: Option<ChronoDateTimeUtc>,
    pub options_version: i64,
    pub requested_by: Option<i64>,
    pub activated_at: Option<ChronoDateTimeUtc>,
    /// The key recovery agent who consented to recovering an escrowed key onto it, and why.
    pub recovery_consented_by: Option<i64>,
    pub recovery_consented_at: Option<ChronoDateTimeUtc>,
    pub recovery_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
