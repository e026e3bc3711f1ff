//! Issue multiple cards: a personal card can belong to a batch order, like a temporary card.
//! Also the lookup of a temporary card's order file, which the sync filters on.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("card")
                .add_column(big_integer_null("batch_order_id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_card_batch")
                .table("card")
                .col("batch_order_id")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_temp_card_bureau_order")
                .table("temp_card")
                .col("bureau_order_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_temp_card_bureau_order")
                .table("temp_card")
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("idx_card_batch")
                .table("card")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("card")
                .drop_column("batch_order_id")
                .to_owned(),
        )
        .await
    }
}
