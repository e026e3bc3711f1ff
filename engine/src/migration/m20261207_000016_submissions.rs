//! Submissions of a form, by the key its page chose: the same Next sent twice (a double
//! click, the back button, a retry after a time-out) does its work once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("submission")
                .if_not_exists()
                // A key is the account's own: another account's equal key is another row.
                .col(big_integer("account_id"))
                .col(string("submission_key"))
                // What was submitted (a process id or a form's name), for the log and the
                // refusal of a key sent again with other work.
                .col(string("what"))
                // The outcome as JSON, once the work committed; empty while it runs.
                .col(text_null("outcome"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("account_id").col("submission_key"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_submission_created_at")
                .table("submission")
                .col("created_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("submission").to_owned())
            .await
    }
}
