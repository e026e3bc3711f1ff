//! The CA hierarchy: a root CA that signs only the issuing CA, and the issuing CA that signs
//! users' certificates and the CRL. Created on first start, loaded afterwards.

use super::kek::Kek;
use super::keys;
use super::seal;
use crate::audit::{self, AuditRecord};
use crate::entity::certificate_authority as row;
use crate::{Engine, EngineError, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use tessera_process::profile::KeyAlgorithm;
use time::Duration;

pub const ROOT: &str = "root";
pub const ISSUING: &str = "issuing";

const ROOT_YEARS: i64 = 20;
const ISSUING_YEARS: i64 = 10;

/// What the CA is called and which key type it uses, from configuration.
#[derive(Debug, Clone)]
pub struct CaSettings {
    pub organisation: String,
    pub algorithm: KeyAlgorithm,
}

impl Default for CaSettings {
    fn default() -> Self {
        CaSettings {
            organisation: "Tessera".into(),
            algorithm: KeyAlgorithm::EcdsaP256,
        }
    }
}

/// One CA certificate as stored.
#[derive(Debug, Clone)]
pub struct CaCertificate {
    pub role: &'static str,
    pub der: Vec<u8>,
    pub subject: String,
    pub algorithm: KeyAlgorithm,
}

impl CaCertificate {
    pub fn pem(&self) -> String {
        pem("CERTIFICATE", &self.der)
    }

    pub fn sha256(&self) -> String {
        hex::encode(Sha256::digest(&self.der))
    }
}

/// The loaded hierarchy, with the issuing CA's key ready to sign.
pub struct Ca {
    pub root: CaCertificate,
    pub issuing: CaCertificate,
    pub issuer: Issuer<'static, KeyPair>,
    /// The issuing CA's subject key identifier, for the CRL's authority key identifier.
    pub issuing_key_id: Vec<u8>,
}

impl Ca {
    /// Issuing CA then root, as a TLS or S/MIME client expects a chain.
    pub fn chain_pem(&self) -> String {
        format!("{}{}", self.issuing.pem(), self.root.pem())
    }
}

/// Loads the CA from the database, creating it the first time.
pub async fn load_or_create(engine: &Engine, kek: &Kek, settings: &CaSettings) -> Result<Ca> {
    if let Some(ca) = load(engine, kek).await? {
        return Ok(ca);
    }
    match create(engine, kek, settings).await {
        Ok(()) => {}
        // Another instance created it at the same moment (the unique role refused ours).
        Err(EngineError::Db(e)) if load(engine, kek).await?.is_some() => {
            tracing::info!("another instance created the CA first ({e})");
        }
        Err(e) => return Err(e),
    }
    load(engine, kek)
        .await?
        .ok_or_else(|| EngineError::Crypto("the CA was created but cannot be read back".into()))
}

async fn load(engine: &Engine, kek: &Kek) -> Result<Option<Ca>> {
    let rows = row::Entity::find()
        .filter(row::Column::Role.is_in([ROOT, ISSUING]))
        .all(&engine.db)
        .await?;
    let find = |role: &str| rows.iter().find(|r| r.role == role);
    let (Some(root), Some(issuing)) = (find(ROOT), find(ISSUING)) else {
        return Ok(None);
    };
    if issuing.kek != kek.label() {
        return Err(EngineError::Config(format!(
            "the CA keys were sealed under the {}, but Tessera is configured with the {}",
            issuing.kek,
            kek.label()
        )));
    }
    let algorithm = KeyAlgorithm::parse(&issuing.algorithm).ok_or_else(|| {
        EngineError::Config(format!(
            "unknown CA key algorithm \"{}\"",
            issuing.algorithm
        ))
    })?;
    let pkcs8 = seal::open(kek, &context(ISSUING), &issuing.sealed_key)?;
    let key = keys::restore(&pkcs8, algorithm)?;
    let issuer = Issuer::from_ca_cert_der(&issuing.cert_der.as_slice().into(), key)
        .map_err(|e| EngineError::Crypto(format!("the issuing CA certificate: {e}")))?;
    let issuing_key_id = subject_key_id(&issuing.cert_der)?;
    let cert = |r: &row::Model, role| CaCertificate {
        role,
        der: r.cert_der.clone(),
        subject: r.subject.clone(),
        algorithm: KeyAlgorithm::parse(&r.algorithm).unwrap_or(algorithm),
    };
    Ok(Some(Ca {
        root: cert(root, ROOT),
        issuing: cert(issuing, ISSUING),
        issuer,
        issuing_key_id,
    }))
}

async fn create(engine: &Engine, kek: &Kek, settings: &CaSettings) -> Result<()> {
    let created_at = engine.now();
    let now = super::to_time(created_at)?;
    let crypto = |e: rcgen::Error| EngineError::Crypto(format!("creating the CA: {e}"));

    let root_key = keys::generate(settings.algorithm)?;
    let mut root = ca_params(&settings.organisation, "Root CA", 1);
    root.not_before = now - Duration::minutes(5);
    root.not_after = now + Duration::days(365 * ROOT_YEARS);
    let root_cert = root.self_signed(&root_key).map_err(crypto)?;
    let root_subject = format!(
        "CN={} Root CA, O={}",
        settings.organisation, settings.organisation
    );
    let root_issuer = Issuer::new(root, &root_key);

    let issuing_key = keys::generate(settings.algorithm)?;
    let mut issuing = ca_params(&settings.organisation, "Issuing CA", 0);
    issuing.not_before = now - Duration::minutes(5);
    issuing.not_after = now + Duration::days(365 * ISSUING_YEARS);
    issuing.use_authority_key_identifier_extension = true;
    let issuing_cert = issuing
        .signed_by(&issuing_key, &root_issuer)
        .map_err(crypto)?;
    let issuing_subject = format!(
        "CN={} Issuing CA, O={}",
        settings.organisation, settings.organisation
    );

    engine
        .transact(async |txn| {
            for (role, subject, der, key) in [
                (ROOT, &root_subject, root_cert.der().to_vec(), &root_key),
                (
                    ISSUING,
                    &issuing_subject,
                    issuing_cert.der().to_vec(),
                    &issuing_key,
                ),
            ] {
                let pkcs8 = zeroize::Zeroizing::new(key.serialize_der());
                row::Entity::insert(row::ActiveModel {
                    role: Set(role.into()),
                    subject: Set(subject.clone()),
                    algorithm: Set(settings.algorithm.as_str().into()),
                    cert_der: Set(der),
                    sealed_key: Set(seal::seal(kek, &context(role), &pkcs8)?),
                    kek: Set(kek.label()),
                    created_at: Set(created_at),
                    ..Default::default()
                })
                .exec(txn)
                .await?;
            }
            audit::append(
                txn,
                created_at,
                None,
                AuditRecord {
                    action: "CaCreated".into(),
                    object: None,
                    from_state: None,
                    to_state: None,
                    data: serde_json::json!({
                        "root": root_subject,
                        "issuing": issuing_subject,
                        "algorithm": settings.algorithm.as_str(),
                        "kek": kek.label(),
                    }),
                    detail: format!(
                        "Created the CA \"{issuing_subject}\" under \"{root_subject}\""
                    ),
                },
            )
            .await
        })
        .await
}

fn ca_params(organisation: &str, what: &str, path_len: u8) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, organisation);
    dn.push(DnType::CommonName, format!("{organisation} {what}"));
    p.distinguished_name = dn;
    p.serial_number = Some(super::issue::random_serial());
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(path_len));
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p
}

/// Sealed keys are bound to their CA role, so a root key cannot be passed off as the issuing one.
fn context(role: &str) -> String {
    format!("ca:{role}")
}

fn subject_key_id(der: &[u8]) -> Result<Vec<u8>> {
    use x509_parser::prelude::*;
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|e| EngineError::Crypto(format!("the issuing CA certificate: {e}")))?;
    let id = cert
        .iter_extensions()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        });
    id.ok_or_else(|| {
        EngineError::Crypto("the issuing CA certificate has no subject key identifier".into())
    })
}

pub fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    // Base64 is ASCII, so every 64 bytes are 64 characters.
    for line in b64.as_bytes().chunks(64) {
        out.extend(line.iter().map(|&b| char::from(b)));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
