use sea_orm::entity::prelude::*;

/// The PUK of a temporary card produced without a chip job (an encoded card's secrets are on
/// its chip row), sealed under the KEK.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "temp_card_secret")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub temp_card_id: i64,
    pub puk: Vec<u8>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
