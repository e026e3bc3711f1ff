//! Temporary cards from external production: how a temporary card is produced (locally in a
//! batch order or by a bureau), the bureau's production type, and the order file it went in.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds only one column per ALTER TABLE.
        for col in [
            string("production").default("local").to_owned(),
            string_null("production_type").to_owned(),
            big_integer_null("bureau_order_id").to_owned(),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table("temp_card")
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in ["bureau_order_id", "production_type", "production"] {
            m.alter_table(
                Table::alter()
                    .table("temp_card")
                    .drop_column(name)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
