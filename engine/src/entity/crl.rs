use sea_orm::entity::prelude::*;

/// A CRL the issuing CA signed. The newest one is served at the CDP URL.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "crl")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub number: i64,
    pub this_update: ChronoDateTimeUtc,
    pub next_update: ChronoDateTimeUtc,
    pub entries: i64,
    pub der: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
