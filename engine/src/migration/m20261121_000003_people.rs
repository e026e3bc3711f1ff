//! People and accounts: a UPN is unique whatever its case (a directory compares it so), and a
//! person has at most one account.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        // Expression indexes are written out: the schema builder has no lower(); both SQLite
        // and PostgreSQL accept this statement.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS uq_person_upn_lower ON person (lower(upn))",
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_account_person")
                .table("account")
                .col("person_id")
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("uq_account_person")
                .table("account")
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS uq_person_upn_lower")
            .await?;
        Ok(())
    }
}
