use sea_orm::entity::prelude::*;

/// "Additional Commands": a process offered on objects of a kind in a state.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "process_enablement")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub object_kind: String,
    pub state: String,
    /// `ProcessId::as_str`.
    pub process: String,
    /// e.g. `CardsMapUserToCard`.
    pub mapping: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
