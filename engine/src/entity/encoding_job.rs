use sea_orm::entity::prelude::*;

/// One run of encoding a card: recorded before the first APDU, finished with the audit record.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "encoding_job")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub object_kind: String,
    pub object_id: i64,
    pub process: String,
    pub reader: String,
    /// `JobState::as_str`.
    pub state: String,
    /// The step reached (`EncodingStep::as_str`).
    pub step: String,
    pub lease_until: ChronoDateTimeUtc,
    pub started_by: i64,
    pub chip_serial: Option<String>,
    pub chuid_guid: Option<String>,
    /// The CCC's card identifier (hex), to recognise a complete card when reconciling.
    pub ccc_id: Option<String>,
    pub atr: Option<String>,
    /// The new management key, sealed, stored before the card gets it.
    pub management_key: Option<Vec<u8>>,
    pub management_key_algorithm: Option<String>,
    /// The new PUK, sealed, stored before the card gets it.
    pub puk: Option<Vec<u8>>,
    /// JSON array of the certificate ids issued for the card.
    pub certificate_ids: String,
    pub error: Option<String>,
    pub apdus: i64,
    pub on_card_ms: i64,
    pub total_ms: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub finished_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
