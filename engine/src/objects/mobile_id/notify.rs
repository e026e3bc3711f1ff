//! Telling the user that their mobile ID was created or that its creation failed (option
//! "Notify user of success or failure"): an e-mail, and a message on their Self-Service page.

use crate::entity::{account, mobile_id, person};
use crate::{options, Result};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use tessera_process::OptionsPackage;

pub(crate) enum Outcome<'a> {
    Active,
    Failed(&'a str),
}

/// In `conn`'s transaction, if the options the mobile ID was supplied with say so.
pub(crate) async fn user(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    m: &mobile_id::Model,
    holder: &person::Model,
    outcome: Outcome<'_>,
) -> Result<()> {
    let opts = options::at_version(
        conn,
        OptionsPackage::MobileIDScriptOptions,
        m.options_version,
    )
    .await?;
    if !opts.get(tessera_process::options::mobile_id::NOTIFY_USER) {
        return Ok(());
    }
    let (subject, text) = match outcome {
        Outcome::Active => (
            "Your mobile ID is ready".to_string(),
            format!(
                "Hello {},\n\nyour mobile ID (mobile ID {}) is now active on your phone, and its certificates are valid.\n\nIf you did not set up a mobile ID, tell your IT service desk at once.\n",
                holder.common_name, m.id
            ),
        ),
        Outcome::Failed(why) => (
            "Your mobile ID could not be set up".to_string(),
            format!(
                "Hello {},\n\nyour mobile ID (mobile ID {}) could not be set up: {why}\n\nAsk your IT service desk for a new QR code.\n",
                holder.common_name, m.id
            ),
        ),
    };
    if crate::mail::usable(&holder.email).is_some() {
        crate::mail::enqueue(conn, now, &holder.email, &subject, &text).await?;
    } else {
        tracing::warn!(
            "mobile ID {}: no e-mail to the user, the address {:?} is unusable",
            m.id,
            holder.email
        );
    }
    for a in account::Entity::find()
        .filter(account::Column::PersonId.eq(holder.id))
        .all(conn)
        .await?
    {
        crate::notifications::notify(conn, now, a.id, format!("{subject}. (Mobile ID {}.)", m.id))
            .await?;
    }
    Ok(())
}
