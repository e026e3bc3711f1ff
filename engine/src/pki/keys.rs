//! Public keys the CA is asked to certify, and the key pairs the server generates itself.
//!
//! A key arrives as a SubjectPublicKeyInfo (read off a card) or inside a PKCS#10 CSR (sent by a
//! phone). Either way the CA takes nothing but the public key from it: the subject and the
//! extensions come from the profile and the user's data.

use crate::{EngineError, Result};
use rcgen::{KeyPair, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256};
use tessera_process::profile::KeyAlgorithm;
use tessera_process::said;
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_PKCS1_RSAENCRYPTION,
};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey as ParsedKey;

/// A CSR is a few hundred bytes; anything much larger is not a CSR we want to parse.
pub const MAX_CSR_BYTES: usize = 8 * 1024;
pub const MAX_SPKI_BYTES: usize = 2 * 1024;
/// An attribute value in a CSR's subject longer than this is refused (RFC 5280's upper bounds
/// are 64 for a common name, 255 for most others).
pub const MAX_SUBJECT_VALUE: usize = 255;

/// How the key to certify is given.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// DER SubjectPublicKeyInfo, as generated on a card.
    Spki(Vec<u8>),
    /// DER PKCS#10, as sent by a phone. Its signature proves possession of the private key.
    Csr(Vec<u8>),
    /// The server generates the pair (recoverable profiles only) and escrows the private key.
    Generate,
    /// An escrowed key recovered for a new credential (recoverable profiles only): certified
    /// again and escrowed under the new certificate too.
    Recovered {
        pkcs8: zeroize::Zeroizing<Vec<u8>>,
        algorithm: KeyAlgorithm,
    },
}

/// A public key that passed the checks, with a name for people.
#[derive(Debug, Clone)]
pub struct CheckedKey {
    pub spki_der: Vec<u8>,
    pub algorithm: String,
    pub rsa: bool,
}

/// Parses an SPKI and refuses key types and sizes the CA does not certify.
pub fn check_spki(der: &[u8]) -> Result<CheckedKey> {
    if der.len() > MAX_SPKI_BYTES {
        return Err(EngineError::BadKey(said!(
            "The public key is {n} bytes; a supported key is at most {MAX_SPKI_BYTES}.",
            "Den publika nyckeln är {n} byte; en nyckel som stöds är högst {MAX_SPKI_BYTES}.",
            n = der.len()
        )));
    }
    let (rest, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(der).map_err(|_| {
        EngineError::BadKey(said!(
            "The public key is not a DER SubjectPublicKeyInfo.",
            "Den publika nyckeln är ingen DER-kodad SubjectPublicKeyInfo."
        ))
    })?;
    if !rest.is_empty() {
        return Err(EngineError::BadKey(said!(
            "The public key has trailing bytes after the SubjectPublicKeyInfo.",
            "Den publika nyckeln har överskjutande byte efter SubjectPublicKeyInfo."
        )));
    }
    describe(&spki).map(|(algorithm, rsa)| CheckedKey {
        spki_der: der.to_vec(),
        algorithm,
        rsa,
    })
}

fn describe(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> Result<(String, bool)> {
    let alg = &spki.algorithm.algorithm;
    if *alg == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok());
        return match curve {
            Some(c) if c == OID_EC_P256 => Ok(("ECDSA P-256".into(), false)),
            Some(c) if c == OID_NIST_EC_P384 => Ok(("ECDSA P-384".into(), false)),
            Some(c) => Err(EngineError::BadKey(said!(
                "Unsupported key type: elliptic curve {curve}. Use P-256 or P-384.",
                "Nyckeltypen stöds inte: elliptisk kurva {curve}. Använd P-256 eller P-384.",
                curve = c.to_id_string()
            ))),
            None => Err(EngineError::BadKey(said!(
                "Unsupported key type: an EC key without a named curve.",
                "Nyckeltypen stöds inte: en EC-nyckel utan namngiven kurva."
            ))),
        };
    }
    if *alg == OID_PKCS1_RSAENCRYPTION {
        let Ok(ParsedKey::RSA(rsa)) = spki.parsed() else {
            return Err(EngineError::BadKey(said!(
                "The RSA public key is malformed.",
                "Den publika RSA-nyckeln är felaktigt utformad."
            )));
        };
        let m = rsa.modulus;
        let m = &m[m.iter().take_while(|b| **b == 0).count()..];
        let bits = if m.is_empty() {
            0
        } else {
            m.len() * 8 - m[0].leading_zeros() as usize
        };
        return match bits {
            2048 | 3072 | 4096 => Ok((format!("RSA {bits}"), true)),
            _ => Err(EngineError::BadKey(said!(
                "Unsupported key type: RSA with {bits} bits. Use 2048, 3072 or 4096.",
                "Nyckeltypen stöds inte: RSA med {bits} bitar. Använd 2048, 3072 eller 4096."
            ))),
        };
    }
    let name = match alg.to_id_string().as_str() {
        "1.3.101.112" => "Ed25519".to_string(),
        "1.3.101.110" => "X25519".to_string(),
        "1.2.840.10040.4.1" => "DSA".to_string(),
        other => format!("OID {other}"),
    };
    Err(EngineError::BadKey(said!(
        "Unsupported key type: {name}. Use ECDSA P-256, P-384 or RSA 2048–4096.",
        "Nyckeltypen stöds inte: {name}. Använd ECDSA P-256, P-384 eller RSA 2048–4096."
    )))
}

/// Checks a PKCS#10 request: size, structure, subject sizes, and its signature (proof that the
/// sender holds the private key). Returns only its public key.
pub fn check_csr(der: &[u8]) -> Result<CheckedKey> {
    if der.len() > MAX_CSR_BYTES {
        return Err(EngineError::BadKey(said!(
            "The certificate request is {n} bytes; at most {MAX_CSR_BYTES} are accepted.",
            "Certifikatbegäran är {n} byte; högst {MAX_CSR_BYTES} accepteras.",
            n = der.len()
        )));
    }
    let (rest, csr) = x509_parser::certification_request::X509CertificationRequest::from_der(der)
        .map_err(|_| {
        EngineError::BadKey(said!(
            "The certificate request is not a DER PKCS#10 request.",
            "Certifikatbegäran är ingen DER-kodad PKCS#10-begäran."
        ))
    })?;
    if !rest.is_empty() {
        return Err(EngineError::BadKey(said!(
            "The certificate request has trailing bytes.",
            "Certifikatbegäran har överskjutande byte."
        )));
    }
    let info = &csr.certification_request_info;
    for attr in info.subject.iter_attributes() {
        if attr.as_slice().len() > MAX_SUBJECT_VALUE {
            return Err(EngineError::BadKey(said!(
                "The certificate request's subject has a field of {n} bytes; at most {MAX_SUBJECT_VALUE} are accepted.",
                "Certifikatbegärans subjekt har ett fält på {n} byte; högst {MAX_SUBJECT_VALUE} accepteras.",
                n = attr.as_slice().len()
            )));
        }
    }
    // The key type first: a signature by an unsupported key cannot be checked anyway, and the
    // person should hear the actual reason.
    let (algorithm, rsa) = describe(&info.subject_pki)?;
    csr.verify_signature().map_err(|_| {
        EngineError::BadKey(said!(
            "The certificate request's signature does not verify: it was altered, or not signed with the private key of its public key.",
            "Certifikatbegärans signatur kan inte verifieras: begäran har ändrats, eller så signerades den inte med den privata nyckel som hör till dess publika nyckel."
        ))
    })?;
    Ok(CheckedKey {
        spki_der: info.subject_pki.raw.to_vec(),
        algorithm,
        rsa,
    })
}

/// A fresh key pair of `algorithm`, for a key the server escrows or for the CA itself.
pub fn generate(algorithm: KeyAlgorithm) -> Result<KeyPair> {
    let crypto = |e: rcgen::Error| EngineError::Crypto(format!("key generation: {e}"));
    match algorithm {
        KeyAlgorithm::EcdsaP256 => KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(crypto),
        KeyAlgorithm::Rsa2048 => {
            use rsa::pkcs8::EncodePrivateKey;
            let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
                .map_err(|e| EngineError::Crypto(format!("RSA key generation: {e}")))?;
            let pkcs8 = key
                .to_pkcs8_der()
                .map_err(|e| EngineError::Crypto(format!("RSA key encoding: {e}")))?;
            KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8.as_bytes().into(), &PKCS_RSA_SHA256)
                .map_err(crypto)
        }
    }
}

/// Restores a key pair from PKCS#8 DER (what [`generate`] produced, once unsealed).
pub fn restore(pkcs8: &[u8], algorithm: KeyAlgorithm) -> Result<KeyPair> {
    let alg = match algorithm {
        KeyAlgorithm::EcdsaP256 => &PKCS_ECDSA_P256_SHA256,
        KeyAlgorithm::Rsa2048 => &PKCS_RSA_SHA256,
    };
    KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8.into(), alg)
        .map_err(|e| EngineError::Crypto(format!("cannot restore a key: {e}")))
}
