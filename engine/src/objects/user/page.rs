//! The user page: a user's data, credentials, pending change, history, and the commands the
//! caller may start on them. It reads from every module about people, so none of them needs
//! another for it.

use super::people::{account_names, card_summary, detail, load, may_see_person};
use crate::entity::card;
use crate::Caller;
use crate::{enablement, Engine, Result};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tessera_process::dto::UserPage;
use tessera_process::{ObjectKind, State};

/// The user page: the user's data, credentials, and the commands the caller may start on them.
pub async fn of(engine: &Engine, caller: &Caller, id: i64) -> Result<UserPage> {
    may_see_person(caller, id)?;
    let p = load(&engine.db, id).await?;
    let cards = card::Entity::find()
        .filter(card::Column::PersonId.eq(id))
        .order_by_desc(card::Column::Id)
        .all(&engine.db)
        .await?;
    let names = account_names(&engine.db, cards.iter().map(|c| c.requested_by)).await?;
    let state = State::User(p.state);
    let mut mobile_ids = crate::objects::mobile_id::of_person(&engine.db, engine.now(), &p).await?;
    // On their own page a person finds what they may do with each mobile ID (Lock my mobile
    // ID when the phone is lost) beside it; staff go to the mobile ID's page for that.
    if caller.person_id == Some(id) {
        for m in &mut mobile_ids {
            m.commands = enablement::commands(&engine.db, caller, State::MobileId(m.state)).await?;
        }
    }
    Ok(UserPage {
        certificates: crate::pki::of_person(&engine.db, id).await?,
        user: detail(&p)?,
        cards: cards
            .iter()
            .map(|c| card_summary(c, &names))
            .collect::<Result<_>>()?,
        commands: enablement::commands(&engine.db, caller, state).await?,
        mobile_ids,
        pending_change: super::person_changes::pending_of(&engine.db, id).await?,
        history: crate::audit::history(&engine.db, ObjectKind::User, id).await?,
    })
}
