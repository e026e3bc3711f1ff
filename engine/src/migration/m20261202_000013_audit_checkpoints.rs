//! Signed checkpoints of the audit chain: the head's sequence number and hash at a moment, with
//! an HMAC under a server secret sealed by the KEK. Kept here and, on the schedule, exported
//! outside the database (a file and the server log).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("audit_checkpoint")
                .if_not_exists()
                .col(big_integer("seq").primary_key())
                .col(string("hash"))
                .col(string("at"))
                .col(string("mac"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("audit_checkpoint").to_owned())
            .await
    }
}
