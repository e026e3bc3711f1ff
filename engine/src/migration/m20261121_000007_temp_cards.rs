//! Temporary cards in production: the PUK of a card produced without a chip job, sealed; and the
//! lookup of a batch order's cards.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("temp_card_secret")
                .if_not_exists()
                .col(big_integer("temp_card_id").primary_key())
                // Sealed under the KEK with the card as context.
                .col(blob("puk"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("temp_card_secret", "temp_card_id")
                        .to("temp_card", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_temp_card_batch")
                .table("temp_card")
                .col("batch_order_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_temp_card_batch")
                .table("temp_card")
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("temp_card_secret").to_owned())
            .await
    }
}
