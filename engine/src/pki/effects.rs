//! Certificate effects: what a credential's transition does to its certificates. The runner
//! calls [`apply`] in the transaction that moves the credential, so the credential and its
//! certificates never disagree. Which certificate state follows which is the
//! `CERTIFICATE_TRANSITIONS` table, not code here.

use crate::audit::{self, AuditRecord};
use crate::entity::certificate;
use crate::Caller;
use crate::{EngineError, Result};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use tessera_process::profile::RevocationReason;
use tessera_process::transition::certificate_after;
use tessera_process::{CertEffect, CertificateState, ObjectKind};

/// What an effect changed.
#[derive(Debug, Default, Clone)]
pub struct EffectOutcome {
    pub changed: Vec<(i64, CertificateState, CertificateState)>,
}

impl EffectOutcome {
    /// Revocations, holds and releases change what the CRL must say.
    pub fn crl_changed(&self) -> bool {
        self.changed.iter().any(|(_, from, to)| {
            matches!(to, CertificateState::Revoked | CertificateState::OnHold)
                || *from == CertificateState::OnHold
        })
    }
}

/// Applies `effect` to every certificate of `owner` it applies to. `Issue` is not handled here
/// (it needs keys: see `issue::issue`); `None` changes nothing.
pub async fn apply(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    caller: Option<&Caller>,
    owner: (ObjectKind, i64),
    effect: CertEffect,
    reason: Option<RevocationReason>,
) -> Result<EffectOutcome> {
    if matches!(effect, CertEffect::None | CertEffect::Issue) {
        return Ok(EffectOutcome::default());
    }
    // A user carries no certificates of their own: a user's effect (Lock user revokes, Deactivate
    // holds) reaches the certificates of every credential they hold.
    let owners = if owner.0 == ObjectKind::User {
        let mut owners = Vec::new();
        for credential in super::credentials_of(conn, owner.1).await? {
            // Reactivating a user releases only what is on a credential that is itself in use;
            // a card that was deactivated on its own stays on hold.
            if effect == CertEffect::Release && !credential.state.is_live() {
                continue;
            }
            owners.push(credential.owner);
        }
        owners
    } else {
        vec![owner]
    };
    let mut outcome = EffectOutcome::default();
    for (kind, id) in owners {
        let certs = owned_by((kind, id)).all(conn).await?;
        let changed = apply_to(conn, now, caller, &certs, effect, reason, "").await?;
        outcome.changed.extend(changed.changed);
    }
    Ok(outcome)
}

/// The certificates of one credential, oldest first.
fn owned_by(owner: (ObjectKind, i64)) -> sea_orm::Select<certificate::Entity> {
    certificate::Entity::find()
        .filter(certificate::Column::OwnerKind.eq(owner.0.as_str()))
        .filter(certificate::Column::OwnerId.eq(owner.1))
        .order_by_asc(certificate::Column::Id)
}

/// Compensation after a failed delivery: the certificates still `issued` (signed, never
/// delivered) are revoked, so none is left behind valid in the CA's eyes.
pub async fn revoke_undelivered(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    caller: Option<&Caller>,
    owner: (ObjectKind, i64),
    why: &str,
) -> Result<EffectOutcome> {
    let certs = owned_by(owner)
        .filter(certificate::Column::State.eq(CertificateState::Issued))
        .all(conn)
        .await?;
    apply_to(
        conn,
        now,
        caller,
        &certs,
        CertEffect::Revoke,
        Some(RevocationReason::CessationOfOperation),
        why,
    )
    .await
}

pub(super) async fn apply_to(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    caller: Option<&Caller>,
    certs: &[certificate::Model],
    effect: CertEffect,
    reason: Option<RevocationReason>,
    why: &str,
) -> Result<EffectOutcome> {
    let mut outcome = EffectOutcome::default();
    for cert in certs {
        let from = cert.state;
        // A credential can expire before its certificates do (a temporary card's assignment
        // ends); a certificate still within its validity must then be revoked, not marked
        // expired, or it would drop off the CRL while still good in X.509 terms.
        let (effect, reason) = if effect == CertEffect::Expire && cert.not_after > now {
            (
                CertEffect::Revoke,
                Some(RevocationReason::CessationOfOperation),
            )
        } else {
            (effect, reason)
        };
        let Some(to) = certificate_after(Some(from), effect) else {
            continue;
        };
        let reason = revocation_reason(effect, to, reason);
        let revoked_at: Option<DateTime<Utc>> = match to {
            CertificateState::Revoked if from == CertificateState::OnHold => {
                // Keeps the date it first stopped being usable.
                cert.revoked_at.or(Some(now))
            }
            CertificateState::Revoked | CertificateState::OnHold => Some(now),
            CertificateState::Valid => None,
            _ => cert.revoked_at,
        };
        let mut update = Query::update();
        update
            .table("certificate")
            .value("state", to.as_str())
            .value("version", Expr::col("version").add(1))
            .value("updated_at", now)
            .value("revoked_at", revoked_at)
            .value("revocation_reason", reason.map(|r| r.as_str().to_string()))
            .and_where(Expr::col("id").eq(cert.id))
            .and_where(Expr::col("version").eq(cert.version));
        if conn.execute(&update).await?.rows_affected() == 0 {
            return Err(EngineError::Conflict {
                kind: ObjectKind::Certificate,
            });
        }
        let mut detail = format!(
            "Certificate {} ({}) {} → {}",
            cert.serial,
            cert.profile,
            from.as_str(),
            to.as_str()
        );
        if let Some(r) = reason {
            detail.push_str(&format!(", reason: {}", r.label()));
        }
        if !why.is_empty() {
            detail.push_str(&format!(" ({why})"));
        }
        audit::append(
            conn,
            now,
            caller,
            AuditRecord {
                action: format!("Certificate{effect:?}"),
                object: Some((ObjectKind::Certificate, cert.id)),
                from_state: Some(from.as_str().into()),
                to_state: Some(to.as_str().into()),
                data: serde_json::json!({
                    "serial": cert.serial,
                    "effect": effect,
                    "reason": reason.map(|r| r.as_str()),
                    "owner": { "kind": cert.owner_kind, "id": cert.owner_id },
                }),
                detail,
            },
        )
        .await?;
        outcome.changed.push((cert.id, from, to));
    }
    Ok(outcome)
}

fn revocation_reason(
    effect: CertEffect,
    to: CertificateState,
    given: Option<RevocationReason>,
) -> Option<RevocationReason> {
    match (effect, to) {
        (CertEffect::Hold, _) => Some(RevocationReason::CertificateHold),
        (CertEffect::Supersede, _) => Some(RevocationReason::Superseded),
        (_, CertificateState::Revoked) => Some(match given {
            // A hold is not a revocation reason; a revocation says why it is final.
            Some(RevocationReason::CertificateHold) | None => RevocationReason::Unspecified,
            Some(r) => r,
        }),
        (_, CertificateState::Valid) => None,
        _ => None,
    }
}

/// The scheduled sweep: certificates past their end become `expired`, and certificates still
/// `issued` after `undelivered_after` on a credential that failed, ended or no longer exists (a
/// delivery that died with its process) are revoked, as of `now`. Returns what changed.
pub async fn sweep(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    undelivered_after: chrono::Duration,
) -> Result<EffectOutcome> {
    let expired = certificate::Entity::find()
        .filter(certificate::Column::NotAfter.lt(now))
        .filter(
            certificate::Column::State.is_in([CertificateState::Valid, CertificateState::OnHold]),
        )
        .all(conn)
        .await?;
    let mut outcome = apply_to(conn, now, None, &expired, CertEffect::Expire, None, "").await?;
    let issued = certificate::Entity::find()
        .filter(certificate::Column::State.eq(CertificateState::Issued))
        .filter(certificate::Column::CreatedAt.lt(now - undelivered_after))
        .all(conn)
        .await?;
    // `issued` is normal while a card waits to be activated or a temporary card to be assigned;
    // only a credential that failed, ended or vanished leaves its certificates behind.
    let mut stale = Vec::new();
    for cert in issued {
        let state = match ObjectKind::parse(&cert.owner_kind) {
            Some(kind) => super::credential(conn, kind, cert.owner_id)
                .await?
                .map(|c| c.state),
            None => None,
        };
        let abandoned = match state {
            None => true,
            Some(s) => s.is_final() || s.as_str() == "failed",
        };
        if abandoned {
            stale.push(cert);
        }
    }
    let revoked = apply_to(
        conn,
        now,
        None,
        &stale,
        CertEffect::Revoke,
        Some(RevocationReason::CessationOfOperation),
        "never delivered to its credential",
    )
    .await?;
    outcome.changed.extend(revoked.changed);
    Ok(outcome)
}
