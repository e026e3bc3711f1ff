//! The mail outbox: messages written in the transaction of the change they report, delivered
//! afterwards by a worker.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("mail_outbox")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string("recipient"))
                .col(text("subject"))
                .col(text("body"))
                // pending → sent, or given_up after the last attempt.
                .col(string("state"))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone("next_attempt_at"))
                // A worker holds a message while it delivers it; another waits until then.
                .col(timestamp_with_time_zone_null("claimed_until"))
                .col(text_null("last_error"))
                .col(string("message_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("mail_outbox_due")
                .table("mail_outbox")
                .col("state")
                .col("next_attempt_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("mail_outbox").to_owned())
            .await
    }
}
