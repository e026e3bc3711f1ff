//! "Abort card request" ships enabled.

use super::shipped_command;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const PROCESS: &str = "CardsProcAbort";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        shipped_command::enable(m, PROCESS, "card", &["requested"]).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        shipped_command::remove(m, PROCESS).await
    }
}
