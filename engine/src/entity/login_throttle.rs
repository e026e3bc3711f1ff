use sea_orm::entity::prelude::*;

/// Refused sign-ins of one (user name, source): the name only as a keyed hash.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_throttle")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name_key: String,
    pub source: String,
    pub account_id: Option<i64>,
    pub failures: i32,
    pub refused: i32,
    pub window_start: ChronoDateTimeUtc,
    pub last_failure_at: ChronoDateTimeUtc,
    pub blocked_until: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
