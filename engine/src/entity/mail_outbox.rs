use sea_orm::entity::prelude::*;

/// A message waiting for (or past) delivery.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// `pending`, `sent` or `given_up`.
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: ChronoDateTimeUtc,
    pub claimed_until: Option<ChronoDateTimeUtc>,
    pub last_error: Option<String>,
    /// The Message-ID header: the same on every attempt, so a receiver can tell a repeat.
    pub message_id: String,
    pub created_at: ChronoDateTimeUtc,
    pub sent_at: Option<ChronoDateTimeUtc>,
    /// Content that must not rest in clear (an activation code): body and attachments sealed
    /// under the KEK; `body` then holds only a placeholder. Erased once the message is out.
    pub sealed_content: Option<Vec<u8>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
