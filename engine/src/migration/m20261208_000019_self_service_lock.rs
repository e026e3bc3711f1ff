//! "Lock my mobile ID" (Self-Service) ships enabled. A fresh installation enables the commands
//! that ship enabled when it first starts; one that already chose its commands gets this new
//! one here, as if it had been there from the start. A fresh database is left empty, so that
//! the first start still enables every default.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const PROCESS: &str = "MobileIDSelfServiceProcLock";
const STATES: [&str; 3] = ["registered", "active", "inactive"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for state in STATES {
            db.execute_unprepared(&format!(
                "INSERT INTO process_enablement (object_kind, state, process) \
                 SELECT 'mobile_id', '{state}', '{PROCESS}' \
                 WHERE EXISTS (SELECT 1 FROM process_enablement) \
                 AND NOT EXISTS (SELECT 1 FROM process_enablement \
                   WHERE object_kind = 'mobile_id' AND state = '{state}' AND process = '{PROCESS}')"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(&format!(
                "DELETE FROM process_enablement WHERE process = '{PROCESS}'"
            ))
            .await?;
        Ok(())
    }
}
