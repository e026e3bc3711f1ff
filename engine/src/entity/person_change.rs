use sea_orm::entity::prelude::*;

/// A change of a person's e-mail address or UPN that waits for a second person's approval.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person_change")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub person_version: i64,
    /// `PersonInput` as JSON.
    pub before: String,
    pub after: String,
    pub requested_by: i64,
    pub requested_at: ChronoDateTimeUtc,
    /// `pending`, `approved`, `rejected` or `superseded`.
    pub state: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<ChronoDateTimeUtc>,
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
