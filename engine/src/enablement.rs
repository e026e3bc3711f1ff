//! "Additional Commands": which processes are offered on which object kind and state.

use crate::audit::{self, AuditRecord};
use crate::entity::process_enablement;
use crate::Caller;
use crate::{Engine, EngineError, Result};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use tessera_process::catalogue::CATALOGUE;
use tessera_process::dto::{Command, CommandEntry, CommandsPage, StateCommands};
use tessera_process::{said, ObjectKind, ProcessDef, ProcessId, Role, Said, State, Subject};

/// What only an admin may: completes "Your account may not …".
fn changing_commands() -> Said {
    said!("change Additional Commands", "ändra Ytterligare kommandon")
}

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
        .filter(|d| d.handler.is_offered_as_link())
        .map(|d| Command {
            process: d.id,
            name: d.name.en.into(),
        })
        .collect())
}

/// Whether the process model lets `def` be a command on objects in `state`.
pub fn allowed(def: &ProcessDef, state: State) -> bool {
    def.command
        && matches!(def.starts_on, Subject::Object(k) if k == state.kind())
        && def.required.contains(&state)
}

fn entry(def: &ProcessDef, mapping: Option<String>) -> CommandEntry {
    CommandEntry {
        process: def.id,
        name: def.name.en.into(),
        mapping: mapping.or(def.mapping.map(String::from)),
        roles: def.roles.to_vec(),
        implemented: def.handler.is_implemented(),
    }
}

/// The admin's Additional Commands page for one object kind: per state, what is enabled and
/// what else the process model allows.
pub async fn page(engine: &Engine, caller: &Caller, kind: ObjectKind) -> Result<CommandsPage> {
    caller.require_any(&[Role::Admin], changing_commands())?;
    let rows = process_enablement::Entity::find()
        .filter(process_enablement::Column::ObjectKind.eq(kind.as_str()))
        .all(&engine.db)
        .await?;
    let states = State::all(kind)
        .into_iter()
        .filter(|s| !s.is_final())
        .map(|state| {
            let mut enabled = Vec::new();
            let mut available = Vec::new();
            for def in CATALOGUE.iter().filter(|d| allowed(d, state)) {
                let row = rows
                    .iter()
                    .find(|r| r.state == state.as_str() && r.process == def.id.as_str());
                match row {
                    Some(r) => enabled.push(entry(def, r.mapping.clone())),
                    None => available.push(entry(def, None)),
                }
            }
            StateCommands {
                state,
                label: state.label().into(),
                enabled,
                available,
            }
        })
        .collect();
    Ok(CommandsPage { kind, states })
}

/// The admin enables or disables a command for a kind and state; refused where the process
/// model does not allow it. Audited.
pub async fn set(
    engine: &Engine,
    caller: &Caller,
    process: ProcessId,
    state: State,
    on: bool,
) -> Result<()> {
    caller.require_any(&[Role::Admin], changing_commands())?;
    check_allowed(process.def(), state)?;
    engine
        .transact(async |txn| change(txn, txn.now(), caller, process.def(), state, on).await)
        .await
}

/// Save on a state tab of Additional Commands: `processes` are what the tab lists now. What
/// was added is enabled, what was removed disabled, in one transaction, each change audited.
/// Returns how many changed.
pub async fn save(
    engine: &Engine,
    caller: &Caller,
    state: State,
    processes: &[ProcessId],
) -> Result<usize> {
    caller.require_any(&[Role::Admin], changing_commands())?;
    for p in processes {
        check_allowed(p.def(), state)?;
    }
    engine
        .transact(async |txn| {
            let now_on: Vec<ProcessId> = process_enablement::Entity::find()
                .filter(process_enablement::Column::ObjectKind.eq(state.kind().as_str()))
                .filter(process_enablement::Column::State.eq(state.as_str()))
                .all(txn)
                .await?
                .iter()
                .filter_map(|r| ProcessId::parse(&r.process))
                .collect();
            let mut changed = 0;
            for def in CATALOGUE.iter().filter(|d| allowed(d, state)) {
                let (was, will) = (now_on.contains(&def.id), processes.contains(&def.id));
                if was != will {
                    change(txn, txn.now(), caller, def, state, will).await?;
                    changed += 1;
                }
            }
            Ok(changed)
        })
        .await
}

fn check_allowed(def: &ProcessDef, state: State) -> Result<()> {
    if allowed(def, state) {
        return Ok(());
    }
    Err(EngineError::bad_input(
        "process",
        said!(
            "\"{name_en}\" cannot be offered on a {kind_en} in state \"{state_en}\": the process model does not allow it there.",
            "”{name_sv}” kan inte erbjudas för {article} {kind_sv} i tillståndet ”{state_sv}”: processmodellen tillåter det inte där.",
            name_en = def.name.en,
            name_sv = def.name.sv,
            kind_en = state.kind().label().to_lowercase(),
            kind_sv = state.kind().noun_words().sv,
            article = crate::error::Swedish::of(state.kind()).article,
            state_en = state.as_str(),
            state_sv = state.words().sv
        ),
    ))
}

/// Enables or disables `def` on `state` at `now`, with its audit record.
async fn change(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    caller: &Caller,
    def: &ProcessDef,
    state: State,
    on: bool,
) -> Result<()> {
    let process = def.id;
    if on {
        enable(conn, process, state).await?;
    } else {
        disable(conn, process, state).await?;
    }
    audit::append(
        conn,
        now,
        Some(caller),
        AuditRecord {
            action: if on {
                "CommandEnabled"
            } else {
                "CommandDisabled"
            }
            .into(),
            object: None,
            from_state: None,
            to_state: None,
            data: serde_json::json!({
                "process": process.as_str(),
                "object_kind": state.kind(),
                "state": state.as_str(),
                "enabled": on,
            }),
            detail: format!(
                "\"{}\" {} on {}/{}",
                def.name.en,
                if on { "enabled" } else { "disabled" },
                state.kind().label(),
                state.as_str()
            ),
        },
    )
    .await
}
