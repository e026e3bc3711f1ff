//! A mobile ID: Lock (certificates revoked, with a reason), Deactivate (on hold) and
//! Reactivate (released).

use super::Subject;
use crate::entity::{mobile_id, person};
use crate::objects::user::people::{self, may_see_person};
use crate::runner::{self};
use crate::Caller;
use crate::Result;
use sea_orm::ConnectionTrait;
use tessera_process::dto::ProcessSubject;
use tessera_process::{ObjectKind, State};

pub(crate) struct MobileId(mobile_id::Model);

impl Subject for MobileId {
    const KIND: ObjectKind = ObjectKind::MobileId;

    async fn load<C: ConnectionTrait>(conn: &C, caller: &Caller, id: i64) -> Result<Self> {
        let m = runner::load::<mobile_id::Entity>(conn, Self::KIND, id).await?;
        may_see_person(caller, m.person_id)?;
        Ok(MobileId(m))
    }

    fn id(&self) -> i64 {
        self.0.id
    }

    fn state(&self) -> Result<State> {
        Ok(State::MobileId(self.0.state))
    }

    fn holder_id(&self) -> Option<i64> {
        Some(self.0.person_id)
    }

    async fn view<C: ConnectionTrait>(
        &self,
        conn: &C,
        now: chrono::DateTime<chrono::Utc>,
        holder: Option<&person::Model>,
    ) -> Result<ProcessSubject> {
        let holder = match holder {
            Some(h) => h.clone(),
            None => people::load(conn, self.0.person_id).await?,
        };
        Ok(ProcessSubject::MobileId {
            mobile_id: crate::objects::mobile_id::row(conn, now, &self.0, &holder.common_name)
                .await?,
            user: people::summary(&holder)?,
        })
    }
}
