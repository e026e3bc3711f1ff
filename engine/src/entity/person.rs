use sea_orm::entity::prelude::*;

/// A person who holds credentials ("User" in the operator UI).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub employee_id: String,
    pub given_name: String,
    pub surname: String,
    pub common_name: String,
    #[sea_orm(unique)]
    pub upn: String,
    pub email: String,
    pub department: String,
    pub state: tessera_process::UserState,
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    /// The account that last entered the e-mail address or UPN alone; `None` when a second
    /// person approved them or they came with the demo data. That account does not also send a
    /// credential to the address (`people::check_not_entered_by`).
    pub identity_entered_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
