//! The CRL: every revoked or held certificate that has not expired, signed by the issuing CA.
//! Published after every revocation, hold or release and on a schedule; the newest is served at
//! the URL in the certificates' CRL distribution point.

use super::Pki;
use crate::entity::{certificate, crl};
use crate::{Engine, EngineError, Result};
use rcgen::{CertificateRevocationListParams, KeyIdMethod, RevokedCertParams, SerialNumber};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use tessera_process::dto::CrlInfo;
use tessera_process::profile::RevocationReason;
use tessera_process::CertificateState;

/// How many published CRLs are kept (the newest is served; older ones are history).
const KEEP: u64 = 20;

/// Signs and stores a new CRL with the next CRL number (after a change of certificates, on the
/// schedule, at start).
pub async fn publish(engine: &Engine) -> Result<CrlInfo> {
    publish_as(engine, None).await
}

/// Publish CRL now, as an admin asks for it: audited with who asked.
pub async fn publish_by(engine: &Engine, caller: &crate::Caller) -> Result<CrlInfo> {
    caller.require_any(
        &[tessera_process::Role::Admin],
        tessera_process::said!("publish the CRL", "publicera CRL"),
    )?;
    publish_as(engine, Some(caller)).await
}

async fn publish_as(engine: &Engine, caller: Option<&crate::Caller>) -> Result<CrlInfo> {
    let pki = engine.pki()?;
    engine
        .transact(async |txn| {
            // The issuing CA's row lock orders concurrent publishers on PostgreSQL (SQLite's write
            // lock already does), so CRL numbers stay strictly increasing.
            let mut lock = Query::update();
            lock.table("certificate_authority")
                .value("role", Expr::col("role"))
                .and_where(Expr::col("role").eq(super::ca::ISSUING));
            txn.execute(&lock).await?;
            let now = txn.now();
            let number = latest(txn).await?.map(|c| c.number).unwrap_or(0) + 1;
            let (der, info) = sign(txn, now, pki, number).await?;
            crl::Entity::insert(crl::ActiveModel {
                number: Set(number),
                this_update: Set(parse(&info.this_update, now)),
                next_update: Set(parse(&info.next_update, now)),
                entries: Set(info.entries),
                der: Set(der),
                ..Default::default()
            })
            .exec(txn)
            .await?;
            crl::Entity::delete_many()
                .filter(crl::Column::Number.lte(number - KEEP as i64))
                .exec(txn)
                .await?;
            if let Some(caller) = caller {
                crate::audit::append(
                    txn,
                    now,
                    Some(caller),
                    crate::audit::AuditRecord {
                        action: "CrlPublished".into(),
                        data: serde_json::json!({
                            "number": number,
                            "entries": info.entries,
                            "this_update": info.this_update,
                            "next_update": info.next_update,
                        }),
                        detail: format!(
                            "CRL {number} published by hand: {} entries, valid until {}",
                            info.entries, info.next_update
                        ),
                        ..Default::default()
                    },
                )
                .await?;
            }
            Ok(info)
        })
        .await
}

fn parse(text: &str, otherwise: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or(otherwise)
}

/// The CRL as of `now`: what is revoked or held and has not expired by then.
async fn sign(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    pki: &Pki,
    number: i64,
) -> Result<(Vec<u8>, CrlInfo)> {
    let revoked = certificate::Entity::find()
        .filter(
            certificate::Column::State.is_in([CertificateState::Revoked, CertificateState::OnHold]),
        )
        .filter(certificate::Column::NotAfter.gt(now))
        .order_by_asc(certificate::Column::Id)
        .all(conn)
        .await?;
    let mut entries = Vec::with_capacity(revoked.len());
    for c in &revoked {
        let serial = hex::decode(&c.serial).map_err(|_| {
            EngineError::Crypto(format!("certificate {} has a malformed serial", c.id))
        })?;
        let reason = c
            .revocation_reason
            .as_deref()
            .and_then(RevocationReason::parse)
            .unwrap_or(RevocationReason::Unspecified);
        entries.push(RevokedCertParams {
            serial_number: SerialNumber::from_slice(&serial),
            revocation_time: super::to_time(c.revoked_at.unwrap_or(c.updated_at))?,
            // RFC 5280 5.3.1: reasonCode unspecified SHOULD be absent.
            reason_code: (reason != RevocationReason::Unspecified).then(|| rcgen_reason(reason)),
            invalidity_date: None,
        });
    }
    // A relying party whose clock is a little behind must not find the CRL "not yet valid".
    let this_update = now - chrono::Duration::seconds(crate::pki::issue::BACKDATE_SECONDS);
    let next_update = now + pki.crl_validity;
    let params = CertificateRevocationListParams {
        this_update: super::to_time(this_update)?,
        next_update: super::to_time(next_update)?,
        crl_number: SerialNumber::from(number as u64),
        issuing_distribution_point: None,
        revoked_certs: entries,
        key_identifier_method: KeyIdMethod::PreSpecified(pki.ca.issuing_key_id.clone()),
    };
    let signed = params
        .signed_by(&pki.ca.issuer)
        .map_err(|e| EngineError::Crypto(format!("signing the CRL: {e}")))?;
    Ok((
        signed.der().to_vec(),
        CrlInfo {
            number,
            this_update: crate::time::text(this_update),
            next_update: crate::time::text(next_update),
            entries: revoked.len() as i64,
        },
    ))
}

/// The newest CRL, if one was published.
pub async fn latest(conn: &impl ConnectionTrait) -> Result<Option<crl::Model>> {
    Ok(crl::Entity::find()
        .order_by_desc(crl::Column::Number)
        .limit(1)
        .one(conn)
        .await?)
}

pub fn info(c: &crl::Model) -> CrlInfo {
    CrlInfo {
        number: c.number,
        this_update: crate::time::text(c.this_update),
        next_update: crate::time::text(c.next_update),
        entries: c.entries,
    }
}

fn rcgen_reason(r: RevocationReason) -> rcgen::RevocationReason {
    use rcgen::RevocationReason as R;
    match r {
        RevocationReason::Unspecified => R::Unspecified,
        RevocationReason::KeyCompromise => R::KeyCompromise,
        RevocationReason::AffiliationChanged => R::AffiliationChanged,
        RevocationReason::Superseded => R::Superseded,
        RevocationReason::CessationOfOperation => R::CessationOfOperation,
        RevocationReason::CertificateHold => R::CertificateHold,
        RevocationReason::PrivilegeWithdrawn => R::PrivilegeWithdrawn,
    }
}
