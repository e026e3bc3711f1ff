//! A user: Deactivate, Reactivate and Lock user. The user's credentials follow in the same
//! transaction, as the cascades of PROCESSES.md say; Lock user also disables the user's
//! self-service account.

use super::{Plan, Prepared, Step, Subject};
use crate::entity::person;
use crate::objects::user::people::{self, may_see_person};
use crate::pki::effects::EffectOutcome;
use crate::runner;
use crate::Caller;
use crate::Result;
use sea_orm::ConnectionTrait;
use tessera_process::dto::{CascadeLine, CertificateRow, ProcessSubject};
use tessera_process::transition::cascade;
use tessera_process::{ObjectKind, ProcessId, State, UserState};

pub(crate) struct User(person::Model);

impl Subject for User {
    const KIND: ObjectKind = ObjectKind::User;

    async fn load<C: ConnectionTrait>(conn: &C, caller: &Caller, id: i64) -> Result<Self> {
        may_see_person(caller, id)?;
        Ok(User(people::load(conn, id).await?))
    }

    fn id(&self) -> i64 {
        self.0.id
    }

    fn state(&self) -> Result<State> {
        Ok(State::User(self.0.state))
    }

    fn holder_id(&self) -> Option<i64> {
        None
    }

    async fn view<C: ConnectionTrait>(
        &self,
        _conn: &C,
        _now: chrono::DateTime<chrono::Utc>,
        _holder: Option<&person::Model>,
    ) -> Result<ProcessSubject> {
        Ok(ProcessSubject::User(people::detail(&self.0)?))
    }

    async fn certificates<C: ConnectionTrait>(&self, conn: &C) -> Result<Vec<CertificateRow>> {
        crate::pki::of_person(conn, self.0.id).await
    }

    /// The user's credentials with their versions and what the cascade does to each.
    async fn plan<C: ConnectionTrait>(&self, conn: &C, process: ProcessId) -> Result<Plan> {
        let mut plan = Plan::default();
        for c in crate::pki::credentials_of(conn, self.0.id).await? {
            let Some(t) = cascade(process, c.state) else {
                continue;
            };
            let (kind, id) = c.owner;
            plan.cascade.push((
                CascadeLine {
                    kind,
                    id,
                    from: c.state,
                    to: t.to,
                    process: t.process,
                },
                c.version,
            ));
        }
        Ok(plan)
    }

    async fn prepare<C: ConnectionTrait>(
        &self,
        _conn: &C,
        _now: chrono::DateTime<chrono::Utc>,
        _process: ProcessId,
        _holder: Option<&person::Model>,
        plan: &Plan,
    ) -> Result<Prepared> {
        let mut prepared = Prepared::default();
        prepared.data.insert(
            "credentials".into(),
            plan.cascade
                .iter()
                .map(|(l, _)| serde_json::json!({ "kind": l.kind, "id": l.id, "from": l.from.as_str(), "to": l.to.as_str() }))
                .collect(),
        );
        Ok(prepared)
    }

    async fn follow<C: ConnectionTrait>(
        &self,
        conn: &C,
        caller: &Caller,
        step: &Step<'_>,
        certs: &mut EffectOutcome,
    ) -> Result<()> {
        let p = &self.0;
        for (line, version) in &step.plan.cascade {
            let changed = runner::step(line.process.def(), (line.id, *version), line.from, line.to)
                .because(step.reason)
                .take(conn, step.now, Some(caller))
                .await?
                .record(
                    conn,
                    step.now,
                    Some(caller),
                    serde_json::json!({ "cascade_of": step.def.id, "user_id": p.id }),
                    format!(
                        "{} {}: {} → {} ({} of {})",
                        line.kind.label(),
                        line.id,
                        line.from.as_str(),
                        line.to.as_str(),
                        step.def.name.en,
                        p.common_name
                    ),
                )
                .await?;
            certs.changed.extend(changed.changed);
        }
        if step.to == State::User(UserState::Locked) {
            crate::accounts::disable_for_person(conn, step.now, caller, p.id).await?;
        }
        Ok(())
    }

    fn detail(
        &self,
        step: &Step<'_>,
        _holder: Option<&person::Model>,
        certificates: usize,
    ) -> String {
        format!(
            "{} for {} ({}): {} credentials, {certificates} certificates",
            step.def.name.en,
            self.0.common_name,
            self.0.upn,
            step.plan.cascade.len(),
        )
    }
}
