//! Issuance: profile + the user's data + a checked public key → a signed certificate, stored in
//! state `issued` with its audit record, in the caller's transaction.

use super::keys::{self, CheckedKey, KeySource};
use super::{escrow, Pki};
use crate::audit::{self, AuditRecord};
use crate::entity::{certificate, person};
use crate::Caller;
use crate::{EngineError, Result};
use chrono::{DateTime, Utc};
use rcgen::{
    CertificateParams, CrlDistributionPoint, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    IsCa, KeyUsagePurpose, OtherNameValue, SanType, SerialNumber, SubjectPublicKeyInfo,
};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use tessera_process::profile::{CertificateProfile, KeyUsageBit};
use tessera_process::{said, Words};
use tessera_process::{CertificateState, ObjectKind};

/// Microsoft's UPN otherName (smart card logon).
pub const OID_UPN: &[u64] = &[1, 3, 6, 1, 4, 1, 311, 20, 2, 3];
/// Clock skew a relying party may have: certificates start a little in the past.
pub const BACKDATE_SECONDS: i64 = 60;

/// The names that go into a certificate, taken from the user's record.
#[derive(Debug, Clone)]
pub struct SubjectData {
    pub common_name: String,
    pub upn: String,
    pub email: String,
}

impl From<&person::Model> for SubjectData {
    fn from(p: &person::Model) -> Self {
        SubjectData {
            common_name: p.common_name.clone(),
            upn: p.upn.clone(),
            email: p.email.clone(),
        }
    }
}

/// A certificate the CA has signed, before it is stored.
#[derive(Debug, Clone)]
pub struct Signed {
    pub serial: String,
    pub der: Vec<u8>,
    pub subject: String,
    pub key_algorithm: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

/// A stored certificate.
#[derive(Debug, Clone)]
pub struct Issued {
    pub certificate_id: i64,
    pub serial: String,
    pub der: Vec<u8>,
    /// The private key, for a recoverable profile (to be written to the credential); it is also
    /// escrowed.
    pub generated_key_pkcs8: Option<zeroize::Zeroizing<Vec<u8>>>,
}

/// 20 random bytes (159 bits of entropy), positive and without a leading zero byte, so that the
/// DER integer is always exactly 20 bytes as RFC 5280 allows.
pub fn random_serial() -> SerialNumber {
    let mut b = [0u8; 20];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    b[0] &= 0x7f;
    if b[0] == 0 {
        b[0] = 1;
    }
    SerialNumber::from_slice(&b)
}

/// Builds and signs a certificate. Pure CPU work: nothing is stored.
pub fn sign(
    pki: &Pki,
    profile: &CertificateProfile,
    subject: &SubjectData,
    key: &CheckedKey,
    now: DateTime<Utc>,
) -> Result<Signed> {
    let crypto = |e: rcgen::Error| EngineError::Crypto(format!("signing a certificate: {e}"));
    let bad = |what: Words, e: rcgen::Error| {
        EngineError::Invalid(said!(
            "The user's {en} cannot go into a certificate: {e}",
            "Användarens {sv} kan inte läggas in i ett certifikat: {e}",
            en = what.en,
            sv = what.sv
        ))
    };
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, subject.common_name.as_str());
    p.distinguished_name = dn;
    let serial = random_serial();
    let serial_hex = hex::encode_upper(serial.as_ref());
    p.serial_number = Some(serial);
    let not_before = now - chrono::Duration::seconds(BACKDATE_SECONDS);
    // A certificate never outlives the CA that signed it.
    let not_after =
        (now + chrono::Duration::days(i64::from(profile.validity_days))).min(pki.issuing_not_after);
    p.not_before = super::to_time(not_before)?;
    p.not_after = super::to_time(not_after)?;
    p.is_ca = IsCa::ExplicitNoCa;
    p.use_authority_key_identifier_extension = true;
    p.key_usages = profile
        .key_usage_for(key.rsa)
        .into_iter()
        .map(|bit| match bit {
            KeyUsageBit::DigitalSignature => KeyUsagePurpose::DigitalSignature,
            KeyUsageBit::NonRepudiation => KeyUsagePurpose::ContentCommitment,
            KeyUsageBit::KeyEncipherment => KeyUsagePurpose::KeyEncipherment,
            KeyUsageBit::DataEncipherment => KeyUsagePurpose::DataEncipherment,
            KeyUsageBit::KeyAgreement => KeyUsagePurpose::KeyAgreement,
        })
        .collect();
    p.extended_key_usages = profile
        .extended_key_usage
        .iter()
        .map(|eku| ExtendedKeyUsagePurpose::Other(eku.oid().to_vec()))
        .collect();
    if profile.include_email && !subject.email.is_empty() {
        p.subject_alt_names.push(SanType::Rfc822Name(
            subject
                .email
                .as_str()
                .try_into()
                .map_err(|e| bad(Words::new("e-mail address", "e-postadress"), e))?,
        ));
    }
    if profile.include_upn && !subject.upn.is_empty() {
        p.subject_alt_names.push(SanType::OtherName((
            OID_UPN.to_vec(),
            OtherNameValue::Utf8String(subject.upn.clone()),
        )));
    }
    if profile.crl_distribution_point {
        p.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![pki.crl_url.clone()],
        }];
    }
    let public_key = SubjectPublicKeyInfo::from_der(&key.spki_der).map_err(|e| {
        EngineError::BadKey(said!(
            "The public key cannot be used: {e}",
            "Den publika nyckeln kan inte användas: {e}"
        ))
    })?;
    let cert = p.signed_by(&public_key, &pki.ca.issuer).map_err(crypto)?;
    Ok(Signed {
        serial: serial_hex,
        der: cert.der().to_vec(),
        subject: format!("CN={}", subject.common_name),
        key_algorithm: key.algorithm.clone(),
        not_before,
        not_after,
    })
}

/// Issues a certificate for the credential `owner` and stores it in state `issued` with its
/// audit record, in `conn`'s transaction. For a recoverable profile the server generates the key
/// pair and escrows the private key in the same transaction.
#[allow(clippy::too_many_arguments)]
pub async fn issue(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    pki: &Pki,
    caller: Option<&Caller>,
    owner: (ObjectKind, i64),
    subject: &SubjectData,
    profile: &CertificateProfile,
    key: KeySource,
) -> Result<Issued> {
    let (checked, generated) = match (key, profile.recoverable) {
        (KeySource::Generate, true) => {
            let pair = keys::generate(profile.key_algorithm)?;
            let spki = rcgen::PublicKeyData::subject_public_key_info(&pair);
            let checked = keys::check_spki(&spki)?;
            (checked, Some((zeroize::Zeroizing::new(pair.serialize_der()), profile.key_algorithm)))
        }
        (KeySource::Recovered { pkcs8, algorithm }, true) => {
            let pair = keys::restore(&pkcs8, algorithm)?;
            let checked = keys::check_spki(&rcgen::PublicKeyData::subject_public_key_info(&pair))?;
            (checked, Some((pkcs8, algorithm)))
        }
        (KeySource::Generate | KeySource::Recovered { .. }, false) => {
            return Err(EngineError::Invalid(said!(
                "The profile \"{name}\" does not escrow keys, so its key pair must be generated on the card or phone, not by Tessera.",
                "Profilen ”{name}” deponerar inga nycklar, så dess nyckelpar måste skapas på kortet eller telefonen, inte av Tessera.",
                name = &profile.name
            )))
        }
        (_, true) => {
            return Err(EngineError::Invalid(said!(
                "The profile \"{name}\" escrows its keys, so Tessera generates the key pair itself; it does not certify a key generated elsewhere.",
                "Profilen ”{name}” deponerar sina nycklar, så Tessera skapar nyckelparet själv; den certifierar inte en nyckel som skapats någon annanstans.",
                name = &profile.name
            )))
        }
        (KeySource::Spki(der), false) => (keys::check_spki(&der)?, None),
        (KeySource::Csr(der), false) => (keys::check_csr(&der)?, None),
    };
    let signed = sign(pki, profile, subject, &checked, now)?;
    let certificate_id = store(
        conn,
        now,
        caller,
        owner,
        profile,
        &signed,
        generated.is_some(),
    )
    .await?;
    if let Some((pkcs8, algorithm)) = &generated {
        escrow::store(
            conn,
            now,
            pki,
            certificate_id,
            &signed.serial,
            *algorithm,
            pkcs8,
        )
        .await?;
    }
    Ok(Issued {
        certificate_id,
        serial: signed.serial,
        der: signed.der,
        generated_key_pkcs8: generated.map(|(k, _)| k),
    })
}

/// Stores a signed certificate as `issued`, with its audit record.
#[allow(clippy::too_many_arguments)]
pub async fn store(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    caller: Option<&Caller>,
    owner: (ObjectKind, i64),
    profile: &CertificateProfile,
    signed: &Signed,
    escrowed: bool,
) -> Result<i64> {
    let state =
        tessera_process::transition::certificate_after(None, tessera_process::CertEffect::Issue)
            .unwrap_or(CertificateState::Issued);
    let id = certificate::Entity::insert(certificate::ActiveModel {
        owner_kind: Set(owner.0.as_str().into()),
        owner_id: Set(owner.1),
        profile: Set(profile.name.clone()),
        state: Set(state),
        version: Set(1),
        serial: Set(signed.serial.clone()),
        subject: Set(signed.subject.clone()),
        not_before: Set(signed.not_before),
        not_after: Set(signed.not_after),
        revocation_reason: Set(None),
        der: Set(Some(signed.der.clone())),
        revoked_at: Set(None),
        key_algorithm: Set(signed.key_algorithm.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id;
    audit::append(
        conn,
        now,
        caller,
        AuditRecord {
            action: "CertificateIssued".into(),
            object: Some((ObjectKind::Certificate, id)),
            from_state: None,
            to_state: Some(state.as_str().into()),
            data: serde_json::json!({
                "serial": signed.serial,
                "profile": profile.name,
                "owner": { "kind": owner.0, "id": owner.1 },
                "subject": signed.subject,
                "key_algorithm": signed.key_algorithm,
                "not_after": crate::time::text(signed.not_after),
                "escrowed": escrowed,
            }),
            detail: format!(
                "Certificate {} ({}) issued for {}",
                signed.serial, profile.name, signed.subject
            ),
        },
    )
    .await?;
    Ok(id)
}
