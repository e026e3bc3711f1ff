//! External production: how a card is produced (locally or by a bureau), the order files sent
//! to the bureau and the status reports received from it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("card")
                .add_column(string("production").default("local"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("card")
                .add_column(string_null("production_type"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("card")
                .add_column(big_integer_null("bureau_order_id"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("bureau_order")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string("object_kind"))
                .col(string("file_name"))
                .col(integer("cards"))
                // The file as built in the export's transaction: written later byte for byte,
                // so a write repeated after a crash gives the bureau the same file.
                .col(blob_null("content"))
                .col(string_null("sha256"))
                .col(timestamp_with_time_zone_null("written_at"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("bureau_report")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string("source"))
                .col(integer("applied"))
                .col(integer("refused"))
                .col(text("details"))
                .col(timestamp_with_time_zone("received_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("bureau_report").to_owned())
            .await?;
        m.drop_table(Table::drop().table("bureau_order").to_owned())
            .await
    }
}
