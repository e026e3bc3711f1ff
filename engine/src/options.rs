//! Options documents: versioned, validated, audited. The highest version is in force.

use crate::audit::{self, AuditRecord};
use crate::entity::{account, options_version};
use crate::Caller;
use crate::{Engine, EngineError, Result};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, SqlErr,
};
use tessera_process::dto::{OptionField, OptionInForce, OptionInput, OptionsPage};
use tessera_process::said;
use tessera_process::{OptionKind, OptionsDocument, OptionsPackage, Role};

/// The document in force and its version.
#[derive(Debug, Clone)]
pub struct Current {
    pub version: i64,
    pub document: OptionsDocument,
    pub changed_by: Option<i64>,
    /// `None` for the shipped defaults, which were never stored.
    pub changed_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Current {
    /// The value of an option of this document's package.
    pub fn get<T: tessera_process::OptionType>(&self, key: tessera_process::Key<T>) -> T {
        key.read(&self.document)
    }

    /// The values of `keys` as typed (true, not "yes"), for the audit record of a run, so that
    /// whoever reads the log later sees what the process ran with.
    pub fn typed(&self, keys: &[&str]) -> serde_json::Map<String, serde_json::Value> {
        keys.iter()
            .filter_map(|k| {
                Some((
                    k.to_string(),
                    serde_json::to_value(self.document.get(*k)?).ok()?,
                ))
            })
            .collect()
    }

    /// The values as the operator sees them, with labels, for `keys` (all when empty).
    pub fn in_force(&self, package: OptionsPackage, keys: &[&str]) -> Vec<OptionInForce> {
        package
            .schema()
            .iter()
            .filter(|d| keys.is_empty() || keys.contains(&d.key))
            .map(|d| OptionInForce {
                key: d.key.into(),
                label: d.label.en.into(),
                value: self
                    .document
                    .get(d.key)
                    .map(|v| v.display())
                    .unwrap_or_default(),
            })
            .collect()
    }
}

pub(crate) async fn ensure_defaults(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    for p in OptionsPackage::ALL {
        let exists = options_version::Entity::find()
            .filter(options_version::Column::Package.eq(p.as_str()))
            .one(conn)
            .await?
            .is_some();
        if !exists {
            insert(conn, now, *p, 1, &p.defaults(), None).await?;
        }
    }
    Ok(())
}

async fn insert(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    p: OptionsPackage,
    version: i64,
    doc: &OptionsDocument,
    by: Option<i64>,
) -> Result<()> {
    options_version::Entity::insert(options_version::ActiveModel {
        id: Default::default(),
        package: Set(p.as_str().into()),
        version: Set(version),
        document: Set(serde_json::to_string(doc).unwrap_or_default()),
        changed_by: Set(by),
        changed_at: Set(now),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// The options in force for a package.
pub async fn current(conn: &impl ConnectionTrait, p: OptionsPackage) -> Result<Current> {
    let row = options_version::Entity::find()
        .filter(options_version::Column::Package.eq(p.as_str()))
        .order_by_desc(options_version::Column::Version)
        .one(conn)
        .await?;
    Ok(match row {
        Some(r) => {
            let stored: OptionsDocument = serde_json::from_str(&r.document).map_err(|e| {
                EngineError::Corrupt(format!("The stored {p} document is not readable: {e}"))
            })?;
            Current {
                version: r.version,
                document: p.complete(&stored),
                changed_by: r.changed_by,
                changed_at: Some(r.changed_at),
            }
        }
        None => Current {
            version: 0,
            document: p.defaults(),
            changed_by: None,
            changed_at: None,
        },
    })
}

/// The document as it was at `version` (what a process ran with); the current one if that
/// version is not stored (version 0: the shipped defaults).
pub async fn at_version(
    conn: &impl ConnectionTrait,
    p: OptionsPackage,
    version: i64,
) -> Result<Current> {
    let row = options_version::Entity::find()
        .filter(options_version::Column::Package.eq(p.as_str()))
        .filter(options_version::Column::Version.eq(version))
        .one(conn)
        .await?;
    match row {
        Some(r) => {
            let stored: OptionsDocument = serde_json::from_str(&r.document).map_err(|e| {
                EngineError::Corrupt(format!("The stored {p} document is not readable: {e}"))
            })?;
            Ok(Current {
                version: r.version,
                document: p.complete(&stored),
                changed_by: r.changed_by,
                changed_at: Some(r.changed_at),
            })
        }
        None if version == 0 => Ok(Current {
            version: 0,
            document: p.defaults(),
            changed_by: None,
            changed_at: None,
        }),
        None => current(conn, p).await,
    }
}

/// The document in force, if it is still the version the admin saw.
async fn current_at(
    conn: &impl ConnectionTrait,
    p: OptionsPackage,
    expected_version: i64,
) -> Result<Current> {
    let cur = current(conn, p).await?;
    if cur.version != expected_version {
        return Err(EngineError::NotNow(said!(
            "{p} was changed by someone else (now version {version}). Reload the page and try again.",
            "{p} har ändrats av någon annan (nu version {version}). Ladda om sidan och försök igen.",
            version = cur.version
        )));
    }
    Ok(cur)
}

/// The admin's options page.
pub async fn page(engine: &Engine, caller: &Caller, p: OptionsPackage) -> Result<OptionsPage> {
    caller.require_any(
        &[Role::Admin],
        said!("see or change options", "se eller ändra alternativ"),
    )?;
    let cur = current(&engine.db, p).await?;
    let changed_by = match cur.changed_by {
        Some(id) => account::Entity::find_by_id(id)
            .one(&engine.db)
            .await?
            .map(|a| a.username),
        None => None,
    };
    let history = history(&engine.db, p).await?;
    Ok(OptionsPage {
        history,
        package: p.as_str().into(),
        label: p.label().into(),
        version: cur.version,
        changed_by: changed_by.unwrap_or_else(|| "installation defaults".into()),
        changed_at: cur.changed_at.map(crate::time::text).unwrap_or_default(),
        fields: p
            .schema()
            .iter()
            .map(|d| OptionField {
                key: d.key.into(),
                label: d.label.en.into(),
                help: d.help.en.into(),
                input: match d.kind {
                    OptionKind::Bool => OptionInput::Bool,
                    OptionKind::Int { min, max } => OptionInput::Int { min, max },
                    OptionKind::Choice(v) => {
                        OptionInput::Choice(v.iter().map(|s| s.to_string()).collect())
                    }
                    OptionKind::Set(v) => {
                        OptionInput::Set(v.iter().map(|s| s.to_string()).collect())
                    }
                },
                value: cur
                    .document
                    .get(d.key)
                    .map(|v| v.display())
                    .unwrap_or_default(),
                default: tessera_process::OptionValue::from(d.default).display(),
            })
            .collect(),
    })
}

/// Saves the admin's changes as a new version, if the document is still at `expected_version`.
/// Returns the new version.
pub async fn save(
    engine: &Engine,
    caller: &Caller,
    p: OptionsPackage,
    expected_version: i64,
    changes: &[(String, String)],
) -> Result<i64> {
    caller.require_any(&[Role::Admin], said!("change options", "ändra alternativ"))?;
    engine
        .transact(async |txn| {
            let cur = current_at(txn, p, expected_version).await?;
            let next = p
                .apply_form(&cur.document, changes)
                .map_err(EngineError::Options)?;
            store_next(txn, txn.now(), caller, p, &cur, next, NewVersion::Changed).await
        })
        .await
}

/// "key: old → new" for each value of `next` that differs from `before`.
fn diff(before: &OptionsDocument, next: &OptionsDocument) -> Vec<String> {
    next.iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, v)| {
            format!(
                "{k}: {} → {}",
                before.get(k).map(|o| o.display()).unwrap_or_default(),
                v.display()
            )
        })
        .collect()
}

/// Why a new version is stored: an admin's change, or an earlier version restored.
enum NewVersion {
    Changed,
    Restored(i64),
}

/// Stores `next` as the version after `cur`, with its audit record; refuses a no-op and a
/// concurrent change.
async fn store_next(
    txn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    caller: &Caller,
    p: OptionsPackage,
    cur: &Current,
    next: OptionsDocument,
    why: NewVersion,
) -> Result<i64> {
    if next == cur.document {
        return Err(EngineError::Invalid(said!(
            "Nothing was changed.",
            "Ingenting ändrades."
        )));
    }
    let version = cur.version + 1;
    insert(txn, now, p, version, &next, Some(caller.account_id))
        .await
        .map_err(|e| match &e {
            EngineError::Db(db)
                if matches!(db.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
            {
                EngineError::NotNow(said!(
                    "{p} was changed by someone else. Reload the page and try again.",
                    "{p} har ändrats av någon annan. Ladda om sidan och försök igen."
                ))
            }
            _ => e,
        })?;
    let changed = diff(&cur.document, &next);
    let (action, note) = match why {
        NewVersion::Changed => ("options_changed", String::new()),
        NewVersion::Restored(from) => (
            "options_restored",
            format!(" (restored from version {from})"),
        ),
    };
    audit::append(
        txn,
        now,
        Some(caller),
        AuditRecord {
            action: action.into(),
            data: serde_json::json!({
                "package": p.as_str(),
                "from_version": cur.version,
                "to_version": version,
                "before": cur.document,
                "after": next,
            }),
            detail: format!("{p} version {version}{note}: {}", changed.join("; ")),
            ..Default::default()
        },
    )
    .await?;
    Ok(version)
}

/// Every version of a package, newest first, each with its changes against the one before.
pub async fn history(
    conn: &impl ConnectionTrait,
    p: OptionsPackage,
) -> Result<Vec<tessera_process::dto::OptionsVersionRow>> {
    let rows = options_version::Entity::find()
        .filter(options_version::Column::Package.eq(p.as_str()))
        .order_by_asc(options_version::Column::Version)
        .all(conn)
        .await?;
    let names: std::collections::HashMap<i64, String> = account::Entity::find()
        .filter(account::Column::Id.is_in(rows.iter().filter_map(|r| r.changed_by)))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.username))
        .collect();
    let mut before = p.defaults();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let doc = serde_json::from_str::<OptionsDocument>(&r.document)
            .map(|d| p.complete(&d))
            .unwrap_or_else(|_| before.clone());
        out.push(tessera_process::dto::OptionsVersionRow {
            version: r.version,
            changed_by: r
                .changed_by
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_else(|| "installation defaults".into()),
            changed_at: crate::time::text(r.changed_at),
            changes: diff(&before, &doc),
        });
        before = doc;
    }
    out.reverse();
    Ok(out)
}

/// Restores an earlier version: its document becomes the newest version (history is never
/// rewritten). Checked against the current schema like any change.
pub async fn restore(
    engine: &Engine,
    caller: &Caller,
    p: OptionsPackage,
    expected_version: i64,
    version: i64,
) -> Result<i64> {
    caller.require_any(&[Role::Admin], said!("change options", "ändra alternativ"))?;
    engine
        .transact(async |txn| {
            let cur = current_at(txn, p, expected_version).await?;
            let old = options_version::Entity::find()
                .filter(options_version::Column::Package.eq(p.as_str()))
                .filter(options_version::Column::Version.eq(version))
                .one(txn)
                .await?
                .ok_or_else(|| {
                    EngineError::Missing(said!(
                        "{p} has no version {version}.",
                        "{p} har ingen version {version}."
                    ))
                })?;
            let doc: OptionsDocument = serde_json::from_str(&old.document).map_err(|e| {
                EngineError::Corrupt(format!("Version {version} of {p} is not readable: {e}"))
            })?;
            let doc = p.complete(&doc);
            p.validate(&doc).map_err(EngineError::Options)?;
            store_next(
                txn,
                txn.now(),
                caller,
                p,
                &cur,
                doc,
                NewVersion::Restored(version),
            )
            .await
        })
        .await
}
