//! A password an admin set must be changed at the next sign-in; sessions remember when they
//! were last used (the idle timeout) and where from (the list of one's own sessions).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("account")
                .add_column(boolean("must_change_password").default(false))
                .to_owned(),
        )
        .await?;
        for mut col in [
            timestamp_with_time_zone_null("last_seen_at").to_owned(),
            string("source").default("").to_owned(),
        ] {
            m.alter_table(
                Table::alter()
                    .table("session")
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in ["source", "last_seen_at"] {
            m.alter_table(
                Table::alter()
                    .table("session")
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table("account")
                .drop_column("must_change_password")
                .to_owned(),
        )
        .await
    }
}
