use sea_orm::entity::prelude::*;

/// Someone who signs in to Tessera (an operator, approver, admin or self-service user).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    /// The person a self-service account belongs to.
    pub person_id: Option<i64>,
    pub disabled: bool,
    pub created_at: ChronoDateTimeUtc,
    /// An admin set the password: it opens nothing but the change to one's own.
    pub must_change_password: bool,
    /// `Language::code` of the language the account chose; none: the browser's.
    pub language: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
