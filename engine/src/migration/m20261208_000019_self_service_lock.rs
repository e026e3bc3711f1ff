//! "Lock my mobile ID" (Self-Service) ships enabled.

use super::shipped_command;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const PROCESS: &str = "MobileIDSelfServiceProcLock";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        shipped_command::enable(
            m,
            PROCESS,
            "mobile_id",
            &["registered", "active", "inactive"],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        shipped_command::remove(m, PROCESS).await
    }
}
