//! "Additional Commands": which processes are offered on which object kind and state.

use crate::entity::process_enablement;
use crate::runner::Caller;
use crate::Result;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use tessera_process::catalogue::CATALOGUE;
use tessera_process::dto::Command;
use tessera_process::{ProcessId, State};

/// Enables the commands that ship enabled, for each of their required states.
pub(crate) async fn ensure_defaults(conn: &impl ConnectionTrait) -> Result<()> {
    let any = process_enablement::Entity::find()
        .one(conn)
        .await?
        .is_some();
    if any {
        return Ok(());
    }
    for def in CATALOGUE
        .iter()
        .filter(|d| d.command && d.enabled_by_default)
    {
        for state in def.required {
            enable(conn, def.id, *state).await?;
        }
    }
    Ok(())
}

/// Enables `process` on objects in `state` (with the process's mapping). Idempotent.
pub async fn enable(conn: &impl ConnectionTrait, process: ProcessId, state: State) -> Result<()> {
    let exists = process_enablement::Entity::find()
        .filter(process_enablement::Column::ObjectKind.eq(state.kind().as_str()))
        .filter(process_enablement::Column::State.eq(state.as_str()))
        .filter(process_enablement::Column::Process.eq(process.as_str()))
        .one(conn)
        .await?
        .is_some();
    if !exists {
        process_enablement::Entity::insert(process_enablement::ActiveModel {
            id: Default::default(),
            object_kind: Set(state.kind().as_str().into()),
            state: Set(state.as_str().into()),
            process: Set(process.as_str().into()),
            mapping: Set(process.def().mapping.map(String::from)),
        })
        .exec(conn)
        .await?;
    }
    Ok(())
}

pub async fn disable(conn: &impl ConnectionTrait, process: ProcessId, state: State) -> Result<()> {
    process_enablement::Entity::delete_many()
        .filter(process_enablement::Column::ObjectKind.eq(state.kind().as_str()))
        .filter(process_enablement::Column::State.eq(state.as_str()))
        .filter(process_enablement::Column::Process.eq(process.as_str()))
        .exec(conn)
        .await?;
    Ok(())
}

/// "What do you want to do?": the enabled commands for an object in `state` that the caller may
/// start, in catalogue order.
pub async fn commands(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    state: State,
) -> Result<Vec<Command>> {
    let enabled: Vec<String> = process_enablement::Entity::find()
        .filter(process_enablement::Column::ObjectKind.eq(state.kind().as_str()))
        .filter(process_enablement::Column::State.eq(state.as_str()))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| e.process)
        .collect();
    Ok(CATALOGUE
        .iter()
        .filter(|d| d.command && d.required.contains(&state) && d.may_start(&caller.roles))
        .filter(|d| enabled.iter().any(|e| e == d.id.as_str()))
        .filter(|d| crate::runner::IMPLEMENTED.contains(&d.id))
        .map(|d| Command {
            process: d.id,
            name: d.name.into(),
        })
        .collect())
}
