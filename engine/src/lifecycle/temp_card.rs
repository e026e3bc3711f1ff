//! A temporary card: Assign (to an active user, for the days the option gives), Withdraw
//! (certificates revoked), Extend, Lock (revoked, with a reason), and Abort temporary card
//! order of an order still queued.

use super::{Plan, Prepared, Step, Subject};
use crate::entity::{person, temp_card};
use crate::options;
use crate::runner::{self};
use crate::Caller;
use crate::{EngineError, Result};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use tessera_process::dto::{ProcessInput, ProcessSubject};
use tessera_process::options::temp_cards;
use tessera_process::{said, ObjectKind, OptionsPackage, ProcessId, Said, State, TempCardState};

pub(crate) struct TempCard(temp_card::Model);

impl Subject for TempCard {
    const KIND: ObjectKind = ObjectKind::TempCard;

    async fn load<C: ConnectionTrait>(conn: &C, _caller: &Caller, id: i64) -> Result<Self> {
        // Temporary cards are seen by staff only, which starting a process already requires.
        Ok(TempCard(
            runner::load::<temp_card::Entity>(conn, Self::KIND, id).await?,
        ))
    }

    fn id(&self) -> i64 {
        self.0.id
    }

    fn state(&self) -> Result<State> {
        Ok(State::TempCard(self.0.state))
    }

    fn holder_id(&self) -> Option<i64> {
        self.0.person_id
    }

    fn assignee(process: ProcessId, input: &ProcessInput) -> Result<Option<i64>> {
        if process != ProcessId::TempCardsProcAssign {
            return Ok(None);
        }
        input.user_id.map(Some).ok_or_else(|| {
            EngineError::bad_input(
                "user_id",
                said!(
                    "Choose the user who gets the temporary card.",
                    "Välj användaren som ska få det tillfälliga kortet."
                ),
            )
        })
    }

    fn inactive_holder(_process: ProcessId) -> Said {
        said!(
            ", so no temporary card can be assigned to them.",
            ", så kan inget tillfälligt kort tilldelas användaren."
        )
    }

    async fn view<C: ConnectionTrait>(
        &self,
        conn: &C,
        _now: chrono::DateTime<chrono::Utc>,
        _holder: Option<&person::Model>,
    ) -> Result<ProcessSubject> {
        let mut rows = crate::objects::temp_card::rows(conn, vec![self.0.clone()]).await?;
        Ok(ProcessSubject::TempCard(rows.remove(0)))
    }

    async fn plan<C: ConnectionTrait>(&self, conn: &C, process: ProcessId) -> Result<Plan> {
        let dated = matches!(
            process,
            ProcessId::TempCardsProcAssign | ProcessId::TempCardsProcExtend
        );
        let validity_days = if dated {
            let o = options::current(conn, OptionsPackage::TempCardsScriptOptions).await?;
            Some(o.get(temp_cards::ASSIGN_VALIDITY_DAYS))
        } else {
            None
        };
        Ok(Plan {
            needs_user: process == ProcessId::TempCardsProcAssign,
            validity_days,
            ..Plan::default()
        })
    }

    async fn prepare<C: ConnectionTrait>(
        &self,
        conn: &C,
        now: chrono::DateTime<chrono::Utc>,
        process: ProcessId,
        holder: Option<&person::Model>,
        plan: &Plan,
    ) -> Result<Prepared> {
        let days = plan.validity_days.unwrap_or(1);
        let mut prepared = Prepared::default();
        let until = match (process, holder) {
            (ProcessId::TempCardsProcAssign, Some(p)) => {
                let opts = options::current(conn, OptionsPackage::TempCardsScriptOptions).await?;
                one_card_per_user(conn, &opts, p).await?;
                let until = now + chrono::Duration::days(days);
                prepared.extra.push(("person_id", Some(p.id).into()));
                prepared.extra.push(("assigned_until", Some(until).into()));
                Some(until)
            }
            (ProcessId::TempCardsProcExtend, _) => {
                // From today or from the current end, whichever is later: extending never shortens.
                let base = self.0.assigned_until.map_or(now, |u| u.max(now));
                let until = base + chrono::Duration::days(days);
                prepared.extra.push(("assigned_until", Some(until).into()));
                Some(until)
            }
            (ProcessId::TempCardsProcWithdraw, _) => {
                prepared
                    .extra
                    .push(("person_id", Option::<i64>::None.into()));
                prepared.extra.push((
                    "assigned_until",
                    Option::<chrono::DateTime<chrono::Utc>>::None.into(),
                ));
                None
            }
            _ => self.0.assigned_until,
        };
        prepared
            .data
            .insert("user_id".into(), holder.map(|p| p.id).into());
        prepared
            .data
            .insert("assigned_until".into(), until.map(crate::time::text).into());
        prepared.assigned_until = until;
        Ok(prepared)
    }

    fn detail(
        &self,
        step: &Step<'_>,
        holder: Option<&person::Model>,
        _certificates: usize,
    ) -> String {
        let who = holder
            .map(|p| format!(" ({} {})", p.common_name, p.upn))
            .unwrap_or_default();
        let until = step
            .prepared
            .assigned_until
            .filter(|_| step.to == State::TempCard(TempCardState::Assigned))
            .map(|u| format!(", valid until {}", crate::time::text(u)))
            .unwrap_or_default();
        format!("{} {}{who}{until}", step.def.name.en, self.0.id)
    }
}

/// One assigned temporary card per user, unless the option allows more.
async fn one_card_per_user(
    conn: &impl ConnectionTrait,
    opts: &options::Current,
    p: &person::Model,
) -> Result<()> {
    if opts.get(temp_cards::ALLOW_MULTIPLE_ASSIGNED) {
        return Ok(());
    }
    if let Some(other) = temp_card::Entity::find()
        .filter(temp_card::Column::PersonId.eq(p.id))
        .filter(temp_card::Column::State.eq(TempCardState::Assigned))
        .one(conn)
        .await?
    {
        let option = temp_cards::ALLOW_MULTIPLE_ASSIGNED.def.label;
        return Err(EngineError::NotNow(said!(
            "{name} already has temporary card {id} (assigned). Withdraw it first, or an admin allows more than one (option \"{en}\").",
            "{name} har redan tillfälligt kort {id} (tilldelat). Dra tillbaka det först, eller låt en administratör tillåta fler än ett (alternativet ”{sv}”).",
            name = &p.common_name,
            id = other.id,
            en = option.en,
            sv = option.sv
        )));
    }
    Ok(())
}
