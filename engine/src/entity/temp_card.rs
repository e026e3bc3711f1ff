use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "temp_card")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub serial: Option<String>,
    pub state: tessera_process::TempCardState,
    pub version: i64,
    pub person_id: Option<i64>,
    pub batch_order_id: Option<i64>,
    pub assigned_until: Option<ChronoDateTimeUtc>,
    /// `Production::as_str`: made in a batch order (`local`) or by a bureau (`external`).
    pub production: String,
    pub production_type: Option<String>,
    /// The order file it went to the bureau in.
    pub bureau_order_id: Option<i64>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
