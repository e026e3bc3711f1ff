use sea_orm::entity::prelude::*;

/// One of the internal CA's two certificates with its private key, sealed under the KEK.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificate_authority")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// "root" or "issuing".
    #[sea_orm(unique)]
    pub role: String,
    pub subject: String,
    pub algorithm: String,
    pub cert_der: Vec<u8>,
    pub sealed_key: Vec<u8>,
    /// Which key-encryption key sealed it (`Kek::label`).
    pub kek: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
