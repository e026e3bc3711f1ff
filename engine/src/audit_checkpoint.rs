//! The SHA-256 chain of the audit log finds a record changed or removed by someone who does not
//! also recompute the chain; someone who can write the database can do that, or delete the
//! newest records and reset the head. A signed checkpoint pins the chain: the head's sequence
//! number and hash at a moment, with an HMAC under a server secret sealed by the KEK, so that
//! only Tessera can make one. Checkpoints are taken on the schedule, kept in the database and
//! exported outside it (appended to a file, and written to the server log). Verifying against
//! them finds a rewritten chain (the record a checkpoint saw has another hash now) and a cut
//! one (the log ends before a checkpoint's record).

use crate::entity::{audit_checkpoint as row, audit_head, audit_log};
use crate::{Engine, EngineError, Result};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::io::Write;
use std::path::Path;

/// One checkpoint, as stored and as a line of the exported file (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    pub mac: String,
}

fn mac(key: &[u8; 32], seq: i64, hash: &str, at: &str) -> String {
    // An HMAC takes keys of any length, so `new_from_slice` cannot fail here.
    let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        return String::new();
    };
    m.update(format!("tessera-audit-checkpoint:v1\n{seq}\n{hash}\n{at}").as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// Signs the head as it is now, unless the newest checkpoint already has it.
pub async fn take(engine: &Engine) -> Result<Checkpoint> {
    let key = &engine.pki()?.audit_key;
    let head = audit_head::Entity::find_by_id(1)
        .one(&engine.db)
        .await?
        .ok_or_else(|| EngineError::AuditBroken {
            seq: 0,
            why: "the audit head is missing".into(),
        })?;
    if let Some(last) = row::Entity::find_by_id(head.seq).one(&engine.db).await? {
        return Ok(from_row(last));
    }
    let at = crate::time::text(engine.now());
    let c = Checkpoint {
        mac: mac(key, head.seq, &head.hash, &at),
        seq: head.seq,
        hash: head.hash,
        at,
    };
    row::Entity::insert(row::ActiveModel {
        seq: Set(c.seq),
        hash: Set(c.hash.clone()),
        at: Set(c.at.clone()),
        mac: Set(c.mac.clone()),
    })
    .on_conflict(OnConflict::column(row::Column::Seq).do_nothing().to_owned())
    .exec_without_returning(&engine.db)
    .await?;
    Ok(c)
}

fn from_row(r: row::Model) -> Checkpoint {
    Checkpoint {
        seq: r.seq,
        hash: r.hash,
        at: r.at,
        mac: r.mac,
    }
}

/// The checkpoints kept in the database, oldest first.
pub async fn stored(engine: &Engine) -> Result<Vec<Checkpoint>> {
    Ok(row::Entity::find()
        .order_by_asc(row::Column::Seq)
        .all(&engine.db)
        .await?
        .into_iter()
        .map(from_row)
        .collect())
}

/// Appends a checkpoint to the file (created 0600), one JSON line each.
pub fn export(path: &Path, c: &Checkpoint) -> std::io::Result<()> {
    let mut file = crate::files::private_append(path)?;
    let line = serde_json::to_string(c).map_err(std::io::Error::other)?;
    writeln!(file, "{line}")?;
    file.sync_data()
}

/// The checkpoints of an exported file; a line that is not one is an error naming it.
pub fn read_file(path: &Path) -> Result<Vec<Checkpoint>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        EngineError::Invalid(tessera_process::said!(
            "{path}: {e}",
            "{path}: filen kan inte läsas ({e})",
            path = path.display()
        ))
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l).map_err(|e| {
                EngineError::Invalid(tessera_process::said!(
                    "{path} line {line}: not a checkpoint ({e})",
                    "{path} rad {line}: ingen kontrollpunkt ({e})",
                    path = path.display(),
                    line = n + 1
                ))
            })
        })
        .collect()
}

/// Walks the chain ([`crate::audit::verify`]), then holds it against each checkpoint: each must
/// be Tessera's (its MAC), the log must reach its record, and that record must be the one it
/// saw. Returns the number of records.
pub async fn verify(engine: &Engine, checkpoints: &[Checkpoint]) -> Result<i64> {
    let records = crate::audit::verify(&engine.db).await?;
    let key = &engine.pki()?.audit_key;
    let head = audit_head::Entity::find_by_id(1)
        .one(&engine.db)
        .await?
        .map(|h| h.seq)
        .unwrap_or(0);
    for c in checkpoints {
        let expected = mac(key, c.seq, &c.hash, &c.at);
        if !crate::auth::same_secret(expected.as_bytes(), c.mac.as_bytes()) {
            return Err(EngineError::AuditBroken {
                seq: c.seq,
                why: format!(
                    "the checkpoint of {} is not signed by this Tessera (its MAC does not match)",
                    c.at
                ),
            });
        }
        if c.seq > head {
            return Err(EngineError::AuditBroken {
                seq: head + 1,
                why: format!(
                    "the log ends at record {head}, but the checkpoint of {} saw it up to record {}: records were removed",
                    c.at, c.seq
                ),
            });
        }
        let Some(r) = audit_log::Entity::find()
            .filter(audit_log::Column::Seq.eq(c.seq))
            .one(&engine.db)
            .await?
        else {
            return Err(EngineError::AuditBroken {
                seq: c.seq,
                why: format!("the record the checkpoint of {} saw is missing", c.at),
            });
        };
        if r.hash != c.hash {
            return Err(EngineError::AuditBroken {
                seq: c.seq,
                why: format!(
                    "it is not the record the checkpoint of {} saw: the log was rewritten up to here",
                    c.at
                ),
            });
        }
    }
    Ok(records)
}
