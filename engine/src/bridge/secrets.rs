//! A card's secrets at rest: the management key and the PUK an encoding job set, sealed under
//! the KEK with the job as context, so a sealed value copied to another job's row does not open.

use super::mgmt_key::{MgmtAlgorithm, MgmtKey};
use crate::pki::kek::Kek;
use crate::pki::seal;
use crate::{EngineError, Result};
use zeroize::Zeroizing;

fn context(job: i64, what: &str) -> String {
    format!("card-job:{job}:{what}")
}

pub fn seal_mgmt_key(kek: &Kek, job: i64, key: &MgmtKey) -> Result<Vec<u8>> {
    seal::seal(kek, &context(job, "mgmt"), &key.key)
}

pub fn seal_puk(kek: &Kek, job: i64, puk: &str) -> Result<Vec<u8>> {
    seal::seal(kek, &context(job, "puk"), puk.as_bytes())
}

/// The management key job `job` sealed, of the algorithm named `algorithm`.
pub fn open_mgmt_key(kek: &Kek, job: i64, algorithm: &str, sealed: &[u8]) -> Result<MgmtKey> {
    let alg = mgmt_alg_by_name(algorithm).ok_or_else(|| {
        EngineError::Crypto(format!(
            "job {job}: unknown management key algorithm {algorithm}"
        ))
    })?;
    let raw = seal::open(kek, &context(job, "mgmt"), sealed)?;
    MgmtKey::new(alg, &raw).map_err(EngineError::Crypto)
}

pub fn open_puk(kek: &Kek, job: i64, sealed: &[u8]) -> Result<Zeroizing<String>> {
    let raw = seal::open(kek, &context(job, "puk"), sealed)?;
    Ok(Zeroizing::new(String::from_utf8_lossy(&raw).into_owned()))
}

pub fn mgmt_alg_by_name(name: &str) -> Option<MgmtAlgorithm> {
    [
        MgmtAlgorithm::TripleDes,
        MgmtAlgorithm::Aes128,
        MgmtAlgorithm::Aes192,
        MgmtAlgorithm::Aes256,
    ]
    .into_iter()
    .find(|a| a.name() == name)
}
