use sea_orm::entity::prelude::*;

/// The escrowed private key of a recoverable (encryption) certificate, sealed under the KEK.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "key_escrow")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub certificate_id: i64,
    pub sealed_key: Vec<u8>,
    pub kek: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
