use sea_orm::entity::prelude::*;

/// The chip of an encoded card: how to find it again (CHUID GUID, serial) and its secrets,
/// sealed under the KEK (management key for re-encoding, PUK for unblocking the PIN).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "smart_card_chip")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub object_kind: String,
    pub object_id: i64,
    pub chuid_guid: String,
    pub chip_serial: Option<String>,
    pub atr: String,
    pub management_key: Vec<u8>,
    pub management_key_algorithm: String,
    pub puk: Vec<u8>,
    pub job_id: i64,
    pub encoded_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
