use sea_orm::entity::prelude::*;

/// A personal smart card.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "card")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub state: tessera_process::CardState,
    pub version: i64,
    pub card_profile: String,
    /// The account that requested or ordered it; never its approver.
    pub requested_by: i64,
    pub decided_by: Option<i64>,
    pub decision_reason: Option<String>,
    pub postponed_by: Option<i64>,
    pub postponed_at: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    /// `local` (Issue card) or `external` (ordered from a bureau).
    pub production: String,
    /// The bureau's production type (`print_and_encode`, `print_only`) of an external card.
    pub production_type: Option<String>,
    /// The order file that sent it to the bureau.
    pub bureau_order_id: Option<i64>,
    /// The batch order (Issue multiple cards) that produces it.
    pub batch_order_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
