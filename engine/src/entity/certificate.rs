use sea_orm::entity::prelude::*;

/// A certificate the internal CA signed for a credential.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificate")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `ObjectKind::as_str` of the credential that carries it.
    pub owner_kind: String,
    pub owner_id: i64,
    pub profile: String,
    pub state: tessera_process::CertificateState,
    pub version: i64,
    pub serial: String,
    pub subject: String,
    pub not_before: ChronoDateTimeUtc,
    pub not_after: ChronoDateTimeUtc,
    pub revocation_reason: Option<String>,
    pub der: Option<Vec<u8>>,
    /// When it was revoked or put on hold (the CRL's revocation date).
    pub revoked_at: Option<ChronoDateTimeUtc>,
    /// "ECDSA P-256", "RSA 2048", ….
    pub key_algorithm: String,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
