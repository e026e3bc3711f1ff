//! A personal card: Activate, Deactivate, Reactivate, Lock card, and Abort card order of an
//! order still queued.

use super::Subject;
use crate::entity::{card, person};
use crate::objects::user::people::{self, account_names, card_summary, may_see_person};
use crate::runner::{self};
use crate::Caller;
use crate::Result;
use sea_orm::ConnectionTrait;
use tessera_process::dto::ProcessSubject;
use tessera_process::{ObjectKind, State};

pub(crate) struct Card(card::Model);

impl Subject for Card {
    const KIND: ObjectKind = ObjectKind::Card;

    async fn load<C: ConnectionTrait>(conn: &C, caller: &Caller, id: i64) -> Result<Self> {
        let c = runner::load::<card::Entity>(conn, Self::KIND, id).await?;
        may_see_person(caller, c.person_id)?;
        Ok(Card(c))
    }

    fn id(&self) -> i64 {
        self.0.id
    }

    fn state(&self) -> Result<State> {
        Ok(State::Card(self.0.state))
    }

    fn holder_id(&self) -> Option<i64> {
        Some(self.0.person_id)
    }

    async fn view<C: ConnectionTrait>(
        &self,
        conn: &C,
        _now: chrono::DateTime<chrono::Utc>,
        holder: Option<&person::Model>,
    ) -> Result<ProcessSubject> {
        let names = account_names(conn, [self.0.requested_by]).await?;
        let holder = match holder {
            Some(h) => people::summary(h)?,
            None => people::summary(&people::load(conn, self.0.person_id).await?)?,
        };
        Ok(ProcessSubject::Card {
            card: card_summary(&self.0, &names)?,
            user: holder,
        })
    }
}
