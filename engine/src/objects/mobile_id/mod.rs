//! Mobile IDs. Supply mobile ID (operator) and Get mobile ID (self-service) create one in
//! `registered` with a one-time activation (`activation`); its QR code is shown in Self-Service
//! or sent by e-mail (`qr`, `supply`). The phone enrolls each certificate over EST (`enroll`);
//! the last enrollment makes the mobile ID `active` and its certificates `valid`. Lock,
//! Deactivate and Reactivate go through [`crate::lifecycle`].

pub mod activation;
pub mod enroll;
mod notify;
pub mod qr;
pub mod recovery;
mod supply;
mod view;

pub use supply::{preview, show_qr, supply};
pub(crate) use view::row;
pub use view::{of_person, page};

use crate::entity::mobile_id;
use crate::{EngineError, Result};
use sea_orm::ConnectionTrait;
use tessera_process::profile::{CertPurpose, CertificateProfile};

use tessera_process::options::mobile_id as option;
/// The options a Supply mobile ID run shows and records.
pub const OPTION_KEYS: &[&str] = &[
    option::CERTIFICATES.name(),
    option::QR_DELIVERY.name(),
    option::VALIDITY_DAYS.name(),
    option::USER_PROPERTIES.name(),
    option::RECOVER_ENCRYPTION_CERTIFICATES.name(),
    option::NOTIFY_USER.name(),
];

pub const SELF_SERVICE: &str = "self_service";
pub const EMAIL: &str = "email";
/// The profile name the app receives as a user property.
pub const PROFILE_NAME: &str = "Standard mobile ID";

/// The EST label of a certificate purpose ("authentication"), as the options name it.
pub fn label(purpose: CertPurpose) -> String {
    purpose.label().to_lowercase()
}

pub fn purpose(label: &str) -> Option<CertPurpose> {
    CertPurpose::ALL
        .iter()
        .copied()
        .find(|p| self::label(*p) == label)
}

/// The certificate profile behind an EST label.
pub(crate) async fn profile(
    conn: &impl ConnectionTrait,
    label: &str,
) -> Result<Option<CertificateProfile>> {
    match purpose(label) {
        Some(p) => crate::pki::profiles::by_name(conn, p.label())
            .await
            .map(Some),
        None => Ok(None),
    }
}

/// The EST labels a mobile ID gets, in the catalogue's order.
pub fn labels(m: &mobile_id::Model) -> Vec<String> {
    m.certificates
        .split(',')
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// The labels the phone makes keys for and those whose key Tessera provides (a recoverable
/// profile: generated and escrowed, or recovered from escrow).
pub(crate) async fn split_by_key_source(
    conn: &impl ConnectionTrait,
    labels: &[String],
) -> Result<(Vec<String>, Vec<String>)> {
    let (mut enroll, mut keygen) = (Vec::new(), Vec::new());
    for l in labels {
        let p = profile(conn, l).await?.ok_or_else(|| {
            EngineError::Invalid(tessera_process::said!(
                "There is no certificate profile for \"{l}\".",
                "Det finns ingen certifikatprofil för ”{l}”."
            ))
        })?;
        if p.recoverable {
            keygen.push(l.clone());
        } else {
            enroll.push(l.clone());
        }
    }
    Ok((enroll, keygen))
}

/// The EST labels certificates were issued for (by their profile's name).
pub(crate) fn labels_of(certs: &[crate::entity::certificate::Model]) -> Vec<String> {
    let mut out: Vec<String> = CertPurpose::ALL
        .iter()
        .filter(|p| certs.iter().any(|c| c.profile == p.label()))
        .map(|p| label(*p))
        .collect();
    out.dedup();
    out
}
