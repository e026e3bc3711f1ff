//! Mobile IDs as the operator and the user see them.

use crate::entity::{certificate, mobile_id, mobile_id_activation, person};
use crate::objects::user::people;
use crate::Caller;
use crate::{audit, enablement, Engine, Result};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use tessera_process::dto::{MobileIdPage, MobileIdRow};
use tessera_process::{CertificateState, ObjectKind, State};

/// The labels a certificate was enrolled for: its profile's purpose, if not revoked.
/// The labels enrolled on a mobile ID; a label whose certificates are all revoked (locked,
/// superseded) says so, rather than the mobile ID seeming never enrolled.
async fn enrolled(conn: &impl ConnectionTrait, id: i64) -> Result<Vec<String>> {
    let certs = certificate::Entity::find()
        .filter(certificate::Column::OwnerKind.eq(ObjectKind::MobileId.as_str()))
        .filter(certificate::Column::OwnerId.eq(id))
        .all(conn)
        .await?;
    let (revoked, live): (Vec<_>, Vec<_>) = certs
        .into_iter()
        .partition(|c| c.state == CertificateState::Revoked);
    let live = super::labels_of(&live);
    let gone = super::labels_of(&revoked)
        .into_iter()
        .filter(|l| !live.contains(l))
        .map(|l| format!("{l} (revoked)"));
    Ok(live.iter().cloned().chain(gone).collect())
}

/// A mobile ID as shown at `now` (whether its activation code still works).
pub(crate) async fn row(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    m: &mobile_id::Model,
    holder: &str,
) -> Result<MobileIdRow> {
    let a = mobile_id_activation::Entity::find()
        .filter(mobile_id_activation::Column::MobileId.eq(m.id))
        .one(conn)
        .await?;
    let consent = match m.recovery_consented_by {
        Some(by) => {
            let names = people::account_names(conn, [by]).await?;
            Some(format!(
                "{}, {}: {}",
                names.get(&by).map(String::as_str).unwrap_or("an agent"),
                m.recovery_consented_at
                    .map(crate::time::text)
                    .unwrap_or_default(),
                m.recovery_reason.clone().unwrap_or_default()
            ))
        }
        None => None,
    };
    Ok(MobileIdRow {
        recovery_consent: consent,
        id: m.id,
        state: m.state,
        version: m.version,
        user_id: m.person_id,
        user: holder.to_string(),
        delivery: m.delivery.clone(),
        certificates: super::labels(m),
        enrolled: enrolled(conn, m.id).await?,
        recover_encryption: m.recover_encryption,
        valid_until: m.valid_until.map(crate::time::text),
        created_at: crate::time::text(m.created_at),
        activated_at: m.activated_at.map(crate::time::text),
        activation: super::activation::state(m, a.as_ref(), now),
        activation_expires_at: a.as_ref().map(|a| crate::time::text(a.expires_at)),
        failed_attempts: a.as_ref().map(|a| a.failed_attempts).unwrap_or(0),
        commands: Vec::new(),
    })
}

/// The mobile IDs of a person, newest first.
pub async fn of_person(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    p: &person::Model,
) -> Result<Vec<MobileIdRow>> {
    let mut out = Vec::new();
    for m in mobile_id::Entity::find()
        .filter(mobile_id::Column::PersonId.eq(p.id))
        .order_by_desc(mobile_id::Column::Id)
        .all(conn)
        .await?
    {
        out.push(row(conn, now, &m, &p.common_name).await?);
    }
    Ok(out)
}

/// The mobile ID page.
pub async fn page(engine: &Engine, caller: &Caller, id: i64) -> Result<MobileIdPage> {
    let m = crate::stored::load::<mobile_id::Entity>(&engine.db, ObjectKind::MobileId, id).await?;
    people::may_see_object(caller, m.person_id, (ObjectKind::MobileId, id))?;
    let p = people::load(&engine.db, m.person_id).await?;
    let properties: HashMap<String, String> =
        serde_json::from_str(&m.properties).unwrap_or_default();
    let mut properties: Vec<(String, String)> = properties.into_iter().collect();
    properties.sort();
    Ok(MobileIdPage {
        mobile_id: row(&engine.db, engine.now(), &m, &p.common_name).await?,
        user: people::summary(&p)?,
        properties,
        certificates: crate::pki::of_owner(&engine.db, (ObjectKind::MobileId, m.id)).await?,
        history: audit::history(&engine.db, ObjectKind::MobileId, m.id).await?,
        commands: enablement::commands(&engine.db, caller, State::MobileId(m.state)).await?,
    })
}
