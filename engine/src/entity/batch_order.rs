use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "batch_order")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `ObjectKind::as_str` of the objects it produces.
    pub object_kind: String,
    pub state: tessera_process::BatchOrderState,
    pub version: i64,
    pub created_by: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
