//! Tessera's internal CA: the CA hierarchy and its sealed keys, certificate profiles, issuance
//! from a card's public key or a phone's CSR, certificate states driven by credential
//! transitions, the CRL, and escrow of encryption keys.

pub mod aead;
pub mod ca;
pub mod crl;
pub mod der;
pub mod effects;
pub mod escrow;
pub mod issue;
pub mod kek;
pub mod keys;
pub mod pkcs11;
pub mod profiles;
pub mod seal;
pub mod secrets;

use crate::entity::{card, certificate, key_escrow, mobile_id, temp_card};
use crate::stored::load;
use crate::Caller;
use crate::{Engine, EngineError, Result};
use ca::{Ca, CaSettings};
use kek::{Kek, KekSettings};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use std::collections::HashSet;
use tessera_process::dto::{CaCertificateInfo, CaPage, CertificateRow};
use tessera_process::profile::RevocationReason;
use tessera_process::{CertificateState, ObjectKind, Role, State};

/// Where the CRL is served, relative to the public URL.
pub const CRL_PATH: &str = "/pki/crl/issuing.crl";
pub const CA_PATH: &str = "/pki/ca";

/// How to start the CA, from configuration.
#[derive(Debug, Clone)]
pub struct PkiSettings {
    pub kek: KekSettings,
    /// The URL relying parties reach Tessera at (the CDP and CA download URLs start with it).
    pub public_url: String,
    pub ca: CaSettings,
    /// How long a CRL is valid; it is republished well before (on the schedule).
    pub crl_validity: chrono::Duration,
}

/// The running CA.
pub struct Pki {
    pub kek: Kek,
    pub ca: Ca,
    pub public_url: String,
    pub crl_url: String,
    pub crl_validity: chrono::Duration,
    /// Certificates end no later than the issuing CA.
    pub issuing_not_after: chrono::DateTime<chrono::Utc>,
    /// The key of the keyed hash of typed user names (`secrets::LOGIN_NAMES`).
    pub login_name_key: zeroize::Zeroizing<[u8; 32]>,
    /// The key that signs audit checkpoints (`secrets::AUDIT_CHECKPOINTS`).
    pub audit_key: zeroize::Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pki")
            .field("issuing", &self.ca.issuing.subject)
            .field("kek", &self.kek.label())
            .field("crl_url", &self.crl_url)
            .finish()
    }
}

impl Pki {
    /// Opens the KEK, loads or creates the CA, and publishes a first CRL if there is none.
    pub async fn start(engine: &Engine, settings: &PkiSettings) -> Result<Pki> {
        let kek = Kek::from_settings(&settings.kek)?;
        let ca = ca::load_or_create(engine, &kek, &settings.ca).await?;
        let issuing_not_after = {
            use x509_parser::prelude::*;
            let (_, cert) = X509Certificate::from_der(&ca.issuing.der)
                .map_err(|e| EngineError::Crypto(format!("the issuing CA certificate: {e}")))?;
            chrono::DateTime::from_timestamp(cert.validity().not_after.timestamp(), 0)
                .unwrap_or_else(|| engine.now())
        };
        let public_url = settings.public_url.trim_end_matches('/').to_string();
        let now = engine.now();
        let login_name_key =
            secrets::load_or_create(&engine.db, now, &kek, secrets::LOGIN_NAMES).await?;
        let audit_key =
            secrets::load_or_create(&engine.db, now, &kek, secrets::AUDIT_CHECKPOINTS).await?;
        Ok(Pki {
            login_name_key,
            audit_key,
            kek,
            ca,
            crl_url: format!("{public_url}{CRL_PATH}"),
            public_url,
            crl_validity: settings.crl_validity,
            issuing_not_after,
        })
    }
}

/// The schedule's work: expire and compensate certificates, then publish a fresh CRL.
pub async fn scheduled(engine: &Engine, undelivered_after: chrono::Duration) -> Result<()> {
    let outcome = engine
        .transact(async |txn| effects::sweep(txn, txn.now(), undelivered_after).await)
        .await?;
    if !outcome.changed.is_empty() {
        tracing::info!(
            "certificate sweep changed {} certificates",
            outcome.changed.len()
        );
    }
    crl::publish(engine).await.map(|_| ())
}

/// rcgen's time type, to the second.
pub(crate) fn to_time(t: chrono::DateTime<chrono::Utc>) -> Result<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp())
        .map_err(|e| EngineError::Crypto(format!("time out of range: {e}")))
}

/// A stored certificate as a panel shows it.
pub fn row(c: &certificate::Model, escrowed: bool) -> Result<CertificateRow> {
    let state = c.state;
    Ok(CertificateRow {
        id: c.id,
        serial: c.serial.clone(),
        profile: c.profile.clone(),
        subject: c.subject.clone(),
        key_algorithm: c.key_algorithm.clone(),
        owner_kind: ObjectKind::parse(&c.owner_kind).unwrap_or(ObjectKind::Card),
        owner_id: c.owner_id,
        state,
        not_before: crate::time::text(c.not_before),
        not_after: crate::time::text(c.not_after),
        revocation_reason: c
            .revocation_reason
            .as_deref()
            .and_then(RevocationReason::parse)
            .map(|r| r.label().to_string()),
        escrowed,
    })
}

async fn rows(
    conn: &impl ConnectionTrait,
    certs: Vec<certificate::Model>,
) -> Result<Vec<CertificateRow>> {
    let escrowed: HashSet<i64> = key_escrow::Entity::find()
        .filter(key_escrow::Column::CertificateId.is_in(certs.iter().map(|c| c.id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| e.certificate_id)
        .collect();
    certs
        .iter()
        .map(|c| row(c, escrowed.contains(&c.id)))
        .collect()
}

/// The certificates of one credential, newest first.
pub async fn of_owner(
    conn: &impl ConnectionTrait,
    owner: (ObjectKind, i64),
) -> Result<Vec<CertificateRow>> {
    let certs = certificate::Entity::find()
        .filter(certificate::Column::OwnerKind.eq(owner.0.as_str()))
        .filter(certificate::Column::OwnerId.eq(owner.1))
        .order_by_desc(certificate::Column::Id)
        .all(conn)
        .await?;
    rows(conn, certs).await
}

/// A credential (card, temporary card, mobile ID) as the CA's effects and the user cascades
/// need it.
#[derive(Debug, Clone)]
pub(crate) struct Credential {
    pub owner: (ObjectKind, i64),
    pub person_id: Option<i64>,
    pub state: State,
    pub version: i64,
}

fn credential_from(
    kind: ObjectKind,
    id: i64,
    person_id: Option<i64>,
    state: State,
    version: i64,
) -> Result<Credential> {
    Ok(Credential {
        owner: (kind, id),
        person_id,
        state,
        version,
    })
}

/// The credentials a person holds.
pub(crate) async fn credentials_of(
    conn: &impl ConnectionTrait,
    person_id: i64,
) -> Result<Vec<Credential>> {
    let mut all = Vec::new();
    for c in card::Entity::find()
        .filter(card::Column::PersonId.eq(person_id))
        .all(conn)
        .await?
    {
        all.push(credential_from(
            ObjectKind::Card,
            c.id,
            Some(c.person_id),
            c.state.into(),
            c.version,
        )?);
    }
    for c in temp_card::Entity::find()
        .filter(temp_card::Column::PersonId.eq(person_id))
        .all(conn)
        .await?
    {
        all.push(credential_from(
            ObjectKind::TempCard,
            c.id,
            c.person_id,
            c.state.into(),
            c.version,
        )?);
    }
    for m in mobile_id::Entity::find()
        .filter(mobile_id::Column::PersonId.eq(person_id))
        .all(conn)
        .await?
    {
        all.push(credential_from(
            ObjectKind::MobileId,
            m.id,
            Some(m.person_id),
            m.state.into(),
            m.version,
        )?);
    }
    Ok(all)
}

/// One credential, or `None` if there is no such credential.
pub(crate) async fn credential(
    conn: &impl ConnectionTrait,
    kind: ObjectKind,
    id: i64,
) -> Result<Option<Credential>> {
    match kind {
        ObjectKind::Card => card::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|c| credential_from(kind, c.id, Some(c.person_id), c.state.into(), c.version))
            .transpose(),
        ObjectKind::TempCard => temp_card::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|c| credential_from(kind, c.id, c.person_id, c.state.into(), c.version))
            .transpose(),
        ObjectKind::MobileId => mobile_id::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|m| credential_from(kind, m.id, Some(m.person_id), m.state.into(), m.version))
            .transpose(),
        _ => Ok(None),
    }
}

/// The certificates on all of a person's credentials, newest first.
pub async fn of_person(conn: &impl ConnectionTrait, person_id: i64) -> Result<Vec<CertificateRow>> {
    let owners: Vec<(ObjectKind, i64)> = credentials_of(conn, person_id)
        .await?
        .into_iter()
        .map(|c| c.owner)
        .collect();
    if owners.is_empty() {
        return Ok(Vec::new());
    }
    let mut any = Condition::any();
    for (kind, id) in owners {
        any = any.add(
            Condition::all()
                .add(certificate::Column::OwnerKind.eq(kind.as_str()))
                .add(certificate::Column::OwnerId.eq(id)),
        );
    }
    let certs = certificate::Entity::find()
        .filter(any)
        .order_by_desc(certificate::Column::Id)
        .all(conn)
        .await?;
    rows(conn, certs).await
}

/// A certificate in PEM, for someone who may see its holder.
pub async fn pem(engine: &Engine, caller: &Caller, id: i64) -> Result<(String, String)> {
    let c = load::<certificate::Entity>(&engine.db, ObjectKind::Certificate, id).await?;
    let staff = [
        Role::Admin,
        Role::Operator,
        Role::Approver,
        Role::KeyRecovery,
    ];
    if !staff.iter().any(|r| caller.has(*r)) {
        let mine = match ObjectKind::parse(&c.owner_kind) {
            Some(kind) => credential(&engine.db, kind, c.owner_id)
                .await?
                .and_then(|x| x.person_id),
            None => None,
        };
        if mine.is_none() || mine != caller.person_id {
            // The same answer as a missing certificate: ids of others' certificates stay unknown.
            return Err(EngineError::NotFound {
                kind: ObjectKind::Certificate,
                id,
            });
        }
    }
    let der = c.der.ok_or_else(|| {
        EngineError::Corrupt(format!("Certificate {} has no stored DER.", c.serial))
    })?;
    Ok((format!("{}.pem", c.serial), ca::pem("CERTIFICATE", &der)))
}

/// The admin's CA page.
pub async fn ca_page(engine: &Engine, caller: &Caller) -> Result<CaPage> {
    caller.require_any(
        &[Role::Admin],
        tessera_process::said!("see the CA", "se certifikatutfärdaren"),
    )?;
    let pki = engine.pki()?;
    let info = |c: &ca::CaCertificate| -> Result<CaCertificateInfo> {
        use x509_parser::prelude::*;
        let (_, x) = X509Certificate::from_der(&c.der)
            .map_err(|e| EngineError::Crypto(format!("a CA certificate: {e}")))?;
        Ok(CaCertificateInfo {
            role: c.role.to_string(),
            subject: x.subject().to_string(),
            serial: x.raw_serial_as_string().replace(':', "").to_uppercase(),
            algorithm: c.algorithm.label().to_string(),
            not_before: x.validity().not_before.to_string(),
            not_after: x.validity().not_after.to_string(),
            sha256: c.sha256(),
            download_url: format!("{CA_PATH}/{}.crt", c.role),
        })
    };
    let count = |s: CertificateState| {
        certificate::Entity::find()
            .filter(certificate::Column::State.eq(s))
            .count(&engine.db)
    };
    Ok(CaPage {
        certificates: vec![info(&pki.ca.root)?, info(&pki.ca.issuing)?],
        key_protection: pki.kek.label(),
        crl_url: pki.crl_url.clone(),
        crl: crl::latest(&engine.db).await?.as_ref().map(crl::info),
        issued: certificate::Entity::find().count(&engine.db).await? as i64,
        revoked: count(CertificateState::Revoked).await? as i64,
        on_hold: count(CertificateState::OnHold).await? as i64,
    })
}
