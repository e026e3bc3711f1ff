use sea_orm::entity::prelude::*;

/// One submission of a form by an account, under the key its page chose.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "submission")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub submission_key: String,
    /// What was submitted: a process id or a form's name.
    pub what: String,
    /// The outcome as JSON once the work committed; `None` while it runs.
    pub outcome: Option<String>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
