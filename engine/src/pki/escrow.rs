//! Key escrow and recovery of encryption keys.
//!
//! Only keys of recoverable (encryption) profiles are escrowed: the private key is sealed under
//! the KEK (envelope, bound to the certificate's serial). Recovery is a process of its own: only
//! a key recovery agent may start it, a reason is required, and the audit record is written in
//! the same transaction that reads the key, so there is no recovery without a trace.

use super::{keys, seal, Pki};
use crate::audit::{self, AuditRecord};
use crate::entity::{certificate, key_escrow};
use crate::stored::load;
use crate::Caller;
use crate::{Engine, EngineError, Result};
use base64::Engine as _;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use tessera_process::dto::RecoveredKey;
use tessera_process::profile::KeyAlgorithm;
use tessera_process::{ObjectKind, Role};

pub const MIN_PASSWORD: usize = 10;
pub const MAX_PASSWORD: usize = 256;

fn context(serial: &str) -> String {
    format!("escrow:{serial}")
}

pub(super) async fn store(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    pki: &Pki,
    certificate_id: i64,
    serial: &str,
    algorithm: KeyAlgorithm,
    pkcs8: &[u8],
) -> Result<()> {
    // The algorithm travels inside the sealed blob so that recovery restores the right key type.
    let mut plain = zeroize::Zeroizing::new(Vec::with_capacity(pkcs8.len() + 16));
    plain.extend_from_slice(algorithm.as_str().as_bytes());
    plain.push(b'\n');
    plain.extend_from_slice(pkcs8);
    key_escrow::Entity::insert(key_escrow::ActiveModel {
        certificate_id: Set(certificate_id),
        sealed_key: Set(seal::seal(&pki.kek, &context(serial), &plain)?),
        kek: Set(pki.kek.label()),
        created_at: Set(now),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// The escrowed key of a certificate, unsealed: (algorithm, PKCS#8 DER).
async fn unseal(
    conn: &impl ConnectionTrait,
    pki: &Pki,
    cert: &certificate::Model,
) -> Result<(KeyAlgorithm, zeroize::Zeroizing<Vec<u8>>)> {
    let escrow = key_escrow::Entity::find_by_id(cert.id)
        .one(conn)
        .await?
        .ok_or_else(|| {
            EngineError::Invalid(tessera_process::said!(
                "Certificate {serial} has no escrowed key: only keys of recoverable encryption profiles can be recovered.",
                "Certifikat {serial} har ingen deponerad nyckel: bara nycklar från krypteringsprofiler som kan återställas går att återställa.",
                serial = &cert.serial
            ))
        })?;
    let plain = seal::open(&pki.kek, &context(&cert.serial), &escrow.sealed_key)?;
    let damaged = || EngineError::Crypto(format!("the escrowed key of {} is damaged", cert.serial));
    let split = plain.iter().position(|b| *b == b'\n').ok_or_else(damaged)?;
    let algorithm = std::str::from_utf8(&plain[..split])
        .ok()
        .and_then(KeyAlgorithm::parse)
        .ok_or_else(damaged)?;
    Ok((
        algorithm,
        zeroize::Zeroizing::new(plain[split + 1..].to_vec()),
    ))
}

/// The newest escrowed key of a profile among a person's credentials, unsealed, for a new
/// credential of the same person (Supply mobile ID with "Recover encryption certificates").
/// The caller records the recovery in its transaction.
pub(crate) async fn newest_of_person(
    conn: &impl ConnectionTrait,
    pki: &Pki,
    person_id: i64,
    profile: &str,
) -> Result<
    Option<(
        certificate::Model,
        KeyAlgorithm,
        zeroize::Zeroizing<Vec<u8>>,
    )>,
> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let mut candidates = Vec::new();
    for c in super::credentials_of(conn, person_id).await? {
        candidates.extend(
            certificate::Entity::find()
                .filter(certificate::Column::OwnerKind.eq(c.owner.0.as_str()))
                .filter(certificate::Column::OwnerId.eq(c.owner.1))
                .filter(certificate::Column::Profile.eq(profile))
                .order_by_desc(certificate::Column::Id)
                .all(conn)
                .await?,
        );
    }
    candidates.sort_by_key(|c| std::cmp::Reverse(c.id));
    for cert in candidates {
        if key_escrow::Entity::find_by_id(cert.id)
            .one(conn)
            .await?
            .is_some()
        {
            let (algorithm, pkcs8) = unseal(conn, pki, &cert).await?;
            return Ok(Some((cert, algorithm, pkcs8)));
        }
    }
    Ok(None)
}

/// Recovers the escrowed key of certificate `id` as a PKCS#12 file protected by `password`.
pub async fn recover(
    engine: &Engine,
    caller: &Caller,
    id: i64,
    password: &str,
    reason: &str,
) -> Result<RecoveredKey> {
    caller.require_any(
        &[Role::KeyRecovery],
        tessera_process::said!("recover escrowed keys", "återställa deponerade nycklar"),
    )?;
    let pki = engine.pki()?;
    let reason = crate::reason::given_reason(
        reason,
        Some(tessera_process::said!(
            "Say why the key is recovered; the reason is kept in the audit log.",
            "Ange varför nyckeln återställs; orsaken sparas i granskningsloggen."
        )),
    )?;
    let length = password.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&length) {
        return Err(EngineError::bad_input(
            "password",
            tessera_process::said!(
                "The file password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters; it protects a private key.",
                "Fillösenordet måste ha {MIN_PASSWORD} till {MAX_PASSWORD} tecken; det skyddar en privat nyckel."
            ),
        ));
    }
    engine
        .transact(async |txn| {
            let cert = load::<certificate::Entity>(txn, ObjectKind::Certificate, id).await?;
            let (algorithm, pkcs8) = unseal(txn, pki, &cert).await?;
            // Proves the escrowed key is the certificate's before it is handed out.
            let pair = keys::restore(&pkcs8, algorithm)?;
            let der = cert.der.clone().unwrap_or_default();
            if !spki_matches(&der, &rcgen::PublicKeyData::subject_public_key_info(&pair)) {
                return Err(EngineError::Crypto(format!(
                    "the escrowed key of {} does not belong to its certificate",
                    cert.serial
                )));
            }
            let pfx = pkcs12(
                &pkcs8,
                &[der, pki.ca.issuing.der.clone(), pki.ca.root.der.clone()],
                password,
                &cert.subject,
            )?;
            audit::append(
                txn,
                txn.now(),
                Some(caller),
                AuditRecord::event(
                    "KeyRecovered",
                    cert.state,
                    cert.id,
                    serde_json::json!({
                        "serial": cert.serial,
                        "owner": { "kind": cert.owner_kind, "id": cert.owner_id },
                        "reason": reason,
                    }),
                    format!(
                        "Escrowed key of certificate {} ({}) recovered: {reason}",
                        cert.serial, cert.subject
                    ),
                ),
            )
            .await?;
            Ok(RecoveredKey {
                file_name: format!("{}.p12", cert.serial),
                pkcs12_base64: base64::engine::general_purpose::STANDARD.encode(pfx),
            })
        })
        .await
}

fn spki_matches(cert_der: &[u8], spki: &[u8]) -> bool {
    use x509_parser::prelude::*;
    X509Certificate::from_der(cert_der)
        .map(|(_, c)| c.public_key().raw == spki)
        .unwrap_or(false)
}

/// PKCS#12 with PBES2/AES-256-CBC and an HMAC-SHA256 MAC; chain is leaf first.
fn pkcs12(pkcs8: &[u8], chain: &[Vec<u8>], password: &str, name: &str) -> Result<Vec<u8>> {
    use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
    let fail = |e: p12_keystore::error::Error| EngineError::Crypto(format!("PKCS#12: {e}"));
    let key = PrivateKey::from_der(pkcs8).map_err(fail)?;
    let certs = chain
        .iter()
        .map(|d| Certificate::from_der(d))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(fail)?;
    let mut local_key_id = vec![0u8; 20];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut local_key_id);
    let mut store = KeyStore::new();
    store.add_entry(
        name,
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(local_key_id, key, certs)),
    );
    store
        .writer(password)
        .encryption_iterations(100_000)
        .mac_iterations(100_000)
        .write()
        .map_err(fail)
}
