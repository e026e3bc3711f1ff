use sea_orm::entity::prelude::*;

/// One version of a package's options document; the highest version is in force.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "options_version")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `OptionsPackage::as_str`.
    pub package: String,
    pub version: i64,
    /// The whole document as JSON.
    pub document: String,
    pub changed_by: Option<i64>,
    pub changed_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
