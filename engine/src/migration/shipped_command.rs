//! A new command that ships enabled, for installations that already chose their commands. A
//! fresh installation enables every default at its first start, and only while no command is
//! stored yet; so a fresh database is left empty here, and an earlier one gets the command as
//! if it had been there from the start.

use sea_orm_migration::prelude::*;

/// Enables `process` on `kind` objects in each of `states`, where commands are already stored.
pub async fn enable(
    m: &SchemaManager<'_>,
    process: &str,
    kind: &str,
    states: &[&str],
) -> Result<(), DbErr> {
    let db = m.get_connection();
    for state in states {
        db.execute_unprepared(&format!(
            "INSERT INTO process_enablement (object_kind, state, process) \
             SELECT '{kind}', '{state}', '{process}' \
             WHERE EXISTS (SELECT 1 FROM process_enablement) \
             AND NOT EXISTS (SELECT 1 FROM process_enablement \
               WHERE object_kind = '{kind}' AND state = '{state}' AND process = '{process}')"
        ))
        .await?;
    }
    Ok(())
}

/// Takes the command away again (the migration's `down`).
pub async fn remove(m: &SchemaManager<'_>, process: &str) -> Result<(), DbErr> {
    m.get_connection()
        .execute_unprepared(&format!(
            "DELETE FROM process_enablement WHERE process = '{process}'"
        ))
        .await?;
    Ok(())
}
