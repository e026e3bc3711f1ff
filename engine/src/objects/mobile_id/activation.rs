//! The one-time activation a phone enrolls with: a random public id and a 128-bit code, of
//! which only the SHA-256 is kept (the code is random, so a slow hash would add nothing), an
//! expiry, and a limit on wrong codes. The QR code carries both in the fragment of a link, with
//! the pin of Tessera's root CA so the app can trust the CA certificates it downloads.

use crate::entity::{mobile_id, mobile_id_activation as row};
use crate::pki::Pki;
use crate::Result;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use tessera_process::dto::ActivationState;
use zeroize::Zeroizing;

/// A QR code on screen is scanned at once: it expires soon.
pub const SCREEN_VALIDITY: Duration = Duration::minutes(15);
/// A QR code by e-mail may wait for the user to read it.
pub const EMAIL_VALIDITY: Duration = Duration::hours(72);
/// Wrong codes before the activation is blocked. The code has 128 bits, so this does not
/// protect the code; it stops someone who has the id from hammering the server.
pub const MAX_FAILED_ATTEMPTS: i32 = 5;
/// Where the link points: a page that tells a person to open it with the app.
pub const LINK_PATH: &str = "/mobile-id";

/// A fresh code, returned once to be put in a QR code.
pub struct NewCode {
    pub public_id: String,
    pub code: Zeroizing<String>,
    pub expires_at: DateTime<Utc>,
}

pub fn hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

/// Creates the activation of `mobile_id`, replacing an earlier one (a QR code shown again).
/// `delivered_to`: the e-mail address the code goes to; it works only while that is still the
/// holder's address.
pub(crate) async fn create(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    mobile_id: i64,
    validity: Duration,
    delivered_to: Option<&str>,
) -> Result<NewCode> {
    let mut id = [0u8; 8];
    let mut code = Zeroizing::new([0u8; 16]);
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, code.as_mut());
    let public_id = hex::encode(id);
    let code =
        Zeroizing::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(code.as_ref()));
    let expires_at = now + validity;
    row::Entity::delete_many()
        .filter(row::Column::MobileId.eq(mobile_id))
        .exec(conn)
        .await?;
    row::Entity::insert(row::ActiveModel {
        mobile_id: Set(mobile_id),
        public_id: Set(public_id.clone()),
        code_hash: Set(hash(&code)),
        expires_at: Set(expires_at),
        failed_attempts: Set(0),
        blocked_at: Set(None),
        used_at: Set(None),
        failure_notified_at: Set(None),
        created_at: Set(now),
        delivered_to: Set(delivered_to.map(str::to_string)),
        voided_at: Set(None),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(NewCode {
        public_id,
        code,
        expires_at,
    })
}

/// Ends every activation of `person_id` that still waits for a phone: the person's e-mail
/// address or UPN is changing, and a code made for the old one must not enroll the new one.
/// Returns the mobile IDs whose activation ended.
pub(crate) async fn void_waiting(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    person_id: i64,
) -> Result<Vec<i64>> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let waiting: Vec<i64> = mobile_id::Entity::find()
        .filter(mobile_id::Column::PersonId.eq(person_id))
        .filter(mobile_id::Column::State.eq(tessera_process::MobileIdState::Registered))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    if waiting.is_empty() {
        return Ok(waiting);
    }
    let mut q = Query::update();
    q.table("mobile_id_activation")
        .value("voided_at", now)
        .and_where(Expr::col("mobile_id").is_in(waiting))
        .and_where(Expr::col("used_at").is_null())
        .and_where(Expr::col("voided_at").is_null())
        .returning(Query::returning().column("mobile_id"));
    let mut voided = Vec::new();
    for row in conn.query_all(&q).await? {
        voided.push(row.try_get::<i64>("", "mobile_id")?);
    }
    Ok(voided)
}

/// The pin of the root CA: SHA-256 of its SubjectPublicKeyInfo, base64url.
pub fn root_pin(pki: &Pki) -> Result<String> {
    use x509_parser::prelude::*;
    let (_, root) = X509Certificate::from_der(&pki.ca.root.der)
        .map_err(|e| crate::EngineError::Crypto(format!("the root CA certificate: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(root.public_key().raw)))
}

/// The link in the QR code. Nothing personal: the id and code, the CA pin, and the EST labels
/// the app enrolls (`enroll`: the phone makes the key) or receives (`keygen`: Tessera makes or
/// recovers the key).
pub fn link(
    pki: &Pki,
    code: &NewCode,
    enroll: &[String],
    keygen: &[String],
) -> Result<Zeroizing<String>> {
    Ok(Zeroizing::new(format!(
        "{}{LINK_PATH}#v=1&id={}&c={}&pin={}&enroll={}&keygen={}",
        pki.public_url,
        code.public_id,
        code.code.as_str(),
        root_pin(pki)?,
        enroll.join(","),
        keygen.join(",")
    )))
}

/// Where the activation of a mobile ID stands.
pub fn state(m: &mobile_id::Model, a: Option<&row::Model>, now: DateTime<Utc>) -> ActivationState {
    match a {
        None if m.activated_at.is_some() => ActivationState::Used,
        None => ActivationState::NotShown,
        Some(a) if a.used_at.is_some() => ActivationState::Used,
        Some(a) if a.voided_at.is_some() => ActivationState::Voided,
        Some(a) if a.blocked_at.is_some() => ActivationState::Blocked,
        Some(a) if a.expires_at <= now => ActivationState::Expired,
        Some(_) => ActivationState::Open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_compare_in_full() {
        let same = |a: &str, b: &str| crate::auth::same_secret(a.as_bytes(), b.as_bytes());
        let h = hash("abc");
        assert_eq!(h.len(), 64);
        assert!(same(&h, &hash("abc")));
        assert!(!same(&h, &hash("abd")));
        assert!(!same(&h, &h[..63]));
    }
}
