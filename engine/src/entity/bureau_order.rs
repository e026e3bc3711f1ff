use sea_orm::entity::prelude::*;

/// An order file for the card bureau.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bureau_order")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub object_kind: String,
    pub file_name: String,
    pub cards: i32,
    /// The ZIP as built when the cards were ordered.
    pub content: Option<Vec<u8>>,
    pub sha256: Option<String>,
    /// When the file reached the outbox.
    pub written_at: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
