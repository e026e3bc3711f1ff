use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "temp_card")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub serial: Option<String>,
    /// `TempCardState::as_str`.
    pub state: String,
    pub version: i64,
    pub person_id: Option<i64>,
    pub batch_order_id: Option<i64>,
    pub assigned_until: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
