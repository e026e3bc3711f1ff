//! Certificate profiles as stored: shipped defaults, lookup, and the admin's changes (validated,
//! versioned, audited).

use crate::audit::{self, AuditRecord};
use crate::entity::certificate_profile as row;
use crate::Caller;
use crate::{Engine, EngineError, Result};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use tessera_process::dto::ProfileRow;
use tessera_process::profile::CertificateProfile;
use tessera_process::said;
use tessera_process::{Language, Role, Said};

pub(crate) async fn ensure_defaults(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    if row::Entity::find().one(conn).await?.is_some() {
        return Ok(());
    }
    for p in CertificateProfile::defaults() {
        row::Entity::insert(row::ActiveModel {
            name: Set(p.name.clone()),
            document: Set(serde_json::to_value(&p).map_err(unserialisable)?),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(conn)
        .await?;
    }
    Ok(())
}

fn decode(m: row::Model) -> Result<ProfileRow> {
    let profile: CertificateProfile = serde_json::from_value(m.document).map_err(|e| {
        EngineError::Corrupt(format!(
            "The stored profile \"{}\" is unreadable: {e}",
            m.name
        ))
    })?;
    Ok(ProfileRow {
        id: m.id,
        version: m.version,
        updated_at: crate::time::text(m.updated_at),
        profile,
    })
}

pub async fn list(engine: &Engine, caller: &Caller) -> Result<Vec<ProfileRow>> {
    caller.require_any(
        &[Role::Admin],
        said!("see certificate profiles", "se certifikatprofiler"),
    )?;
    row::Entity::find()
        .order_by_asc(row::Column::Id)
        .all(&engine.db)
        .await?
        .into_iter()
        .map(decode)
        .collect()
}

/// The profile a process issues with, by name.
pub async fn by_name(conn: &impl ConnectionTrait, name: &str) -> Result<CertificateProfile> {
    let m = row::Entity::find()
        .filter(row::Column::Name.eq(name))
        .one(conn)
        .await?
        .ok_or_else(|| {
            EngineError::Missing(said!(
                "There is no certificate profile \"{name}\".",
                "Det finns ingen certifikatprofil ”{name}”."
            ))
        })?;
    Ok(decode(m)?.profile)
}

/// Saves the admin's change to profile `id` if nobody changed it since `expected_version`.
pub async fn save(
    engine: &Engine,
    caller: &Caller,
    id: i64,
    expected_version: i64,
    mut profile: CertificateProfile,
) -> Result<ProfileRow> {
    caller.require_any(
        &[Role::Admin],
        said!("change certificate profiles", "ändra certifikatprofiler"),
    )?;
    engine
        .transact(async |txn| {
            let before = row::Entity::find_by_id(id).one(txn).await?.ok_or_else(|| {
                EngineError::Missing(said!(
                    "There is no certificate profile with id {id}.",
                    "Det finns ingen certifikatprofil med id {id}."
                ))
            })?;
            // Name and purpose are what processes and stored certificates refer to: they stay.
            let stored = decode(before.clone())?.profile;
            if profile.name.trim() != stored.name {
                return Err(EngineError::Invalid(said!(
                    "A profile keeps its name (\"{name}\"): processes and issued certificates refer to it.",
                    "En profil behåller sitt namn (”{name}”): processer och utfärdade certifikat hänvisar till det.",
                    name = &stored.name
                )));
            }
            profile.name = stored.name;
            profile.purpose = stored.purpose;
            let errors = profile.validate();
            if !errors.is_empty() {
                let join = |language| {
                    errors
                        .iter()
                        .map(|e| e.message.of(language))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                return Err(EngineError::Invalid(Said::new(
                    join(Language::English),
                    join(Language::Swedish),
                )));
            }
            let now = txn.now();
            let document = serde_json::to_value(&profile).map_err(unserialisable)?;
            let mut update = Query::update();
            update
                .table("certificate_profile")
                .value("document", document.clone())
                .value("version", Expr::col("version").add(1))
                .value("updated_at", now)
                .and_where(Expr::col("id").eq(id))
                .and_where(Expr::col("version").eq(expected_version));
            if txn.execute(&update).await?.rows_affected() == 0 {
                return Err(EngineError::NotNow(said!(
                    "Someone else changed this profile in the meantime. Reload the page and make your change again.",
                    "Någon annan har ändrat profilen under tiden. Ladda om sidan och gör din ändring igen."
                )));
            }
            audit::append(
                txn,
                now,
                Some(caller),
                AuditRecord {
                    action: "CertificateProfileChanged".into(),
                    object: None,
                    from_state: None,
                    to_state: None,
                    data: serde_json::json!({
                        "id": id,
                        "version": expected_version + 1,
                        "before": before.document,
                        "after": document,
                    }),
                    detail: format!("Certificate profile \"{}\" changed", profile.name),
                },
            )
            .await?;
            let saved = row::Entity::find_by_id(id).one(txn).await?.ok_or_else(|| {
                EngineError::Missing(said!(
                    "There is no certificate profile with id {id}.",
                    "Det finns ingen certifikatprofil med id {id}."
                ))
            })?;
            decode(saved)
        })
        .await
}

/// A profile is plain data and always serialises; should it not, nothing is stored.
fn unserialisable(e: serde_json::Error) -> EngineError {
    EngineError::Config(format!("a certificate profile cannot be stored: {e}"))
}
