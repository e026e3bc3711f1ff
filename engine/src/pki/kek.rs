//! The key-encryption key (KEK) that wraps the data keys of sealed private keys.
//!
//! Two kinds: a 256-bit key from configuration (a key file or an environment variable), and an
//! AES key inside a PKCS#11 token (SoftHSM, a network HSM) that never leaves it — the production
//! option. Either way only 32-byte data keys pass through it.

use super::aead;
pub use super::pkcs11::Pkcs11Settings;
use crate::{EngineError, Result};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use zeroize::Zeroizing;

/// Where the KEK comes from, as configured.
#[derive(Debug, Clone)]
pub enum KekSettings {
    /// 32 bytes, hex or base64, e.g. from `TESSERA_KEK`.
    Inline(Zeroizing<String>),
    /// A file holding 32 bytes as hex or base64. Created (mode 0600) if `create` and missing.
    File { path: PathBuf, create: bool },
    /// An AES key in a PKCS#11 token, found by label (and generated there if missing).
    Pkcs11(Pkcs11Settings),
}

/// The KEK in use.
pub enum Kek {
    Local {
        key: Zeroizing<[u8; 32]>,
        label: String,
    },
    Pkcs11(super::pkcs11::TokenKey),
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

impl Kek {
    pub fn local(key: [u8; 32]) -> Kek {
        // The label names the key without revealing it, so that a key mix-up is reported as
        // such rather than as a decryption failure.
        let id = hex::encode(&Sha256::digest(key)[..8]);
        Kek::Local {
            key: Zeroizing::new(key),
            label: format!("local AES-256 key {id}"),
        }
    }

    pub fn from_settings(settings: &KekSettings) -> Result<Kek> {
        match settings {
            KekSettings::Inline(text) => Ok(Kek::local(decode_key(text, "TESSERA_KEK")?)),
            KekSettings::File { path, create } => {
                if !path.exists() && *create {
                    create_key_file(path)?;
                }
                let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
                    EngineError::Config(format!(
                        "cannot read the key-encryption key file {}: {e}",
                        path.display()
                    ))
                })?);
                Ok(Kek::local(decode_key(&text, &path.display().to_string())?))
            }
            KekSettings::Pkcs11(p) => Ok(Kek::Pkcs11(super::pkcs11::TokenKey::open(p)?)),
        }
    }

    /// What sealed blobs record, to tell which KEK they need.
    pub fn label(&self) -> String {
        match self {
            Kek::Local { label, .. } => label.clone(),
            Kek::Pkcs11(t) => t.label(),
        }
    }

    pub fn wrap(&self, data_key: &[u8]) -> Result<Vec<u8>> {
        match self {
            Kek::Local { key, .. } => {
                let (nonce, ct) = aead::encrypt(key.as_ref(), b"tessera data key", data_key)?;
                Ok([nonce.as_slice(), &ct].concat())
            }
            Kek::Pkcs11(t) => t.encrypt(data_key),
        }
    }

    pub fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let wrong = || {
            EngineError::Crypto(format!(
                "a data key does not open with the key-encryption key \"{}\"; is Tessera configured with the KEK the keys were sealed under?",
                self.label()
            ))
        };
        match self {
            Kek::Local { key, .. } => {
                let (nonce, ct) = wrapped.split_at_checked(12).ok_or_else(wrong)?;
                aead::decrypt(key.as_ref(), nonce, b"tessera data key", ct).map_err(|_| wrong())
            }
            Kek::Pkcs11(t) => t.decrypt(wrapped).map_err(|_| wrong()),
        }
    }
}

fn decode_key(text: &str, origin: &str) -> Result<[u8; 32]> {
    use base64::Engine as _;
    let t = text.trim();
    let bytes = hex::decode(t)
        .ok()
        .or_else(|| base64::engine::general_purpose::STANDARD.decode(t).ok())
        .ok_or_else(|| {
            EngineError::Config(format!(
                "the key-encryption key in {origin} is neither hex nor base64"
            ))
        })?;
    let bytes = Zeroizing::new(bytes);
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        EngineError::Config(format!(
            "the key-encryption key in {origin} must be 32 bytes (256 bits), not {}",
            bytes.len()
        ))
    })
}

fn create_key_file(path: &std::path::Path) -> Result<()> {
    use rand::RngCore;
    use std::io::Write;
    let mut key = Zeroizing::new([0u8; 32]);
    rand::thread_rng().fill_bytes(key.as_mut());
    let text = Zeroizing::new(hex::encode(key.as_ref()));
    let fail = |e: std::io::Error| {
        EngineError::Config(format!(
            "cannot create the key-encryption key file {}: {e}",
            path.display()
        ))
    };
    if let Some(dir) = path.parent() {
        crate::files::private_dir(dir).map_err(fail)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(fail)?;
    file.write_all(text.as_bytes()).map_err(fail)?;
    file.write_all(b"\n").map_err(fail)?;
    tracing::warn!(
        "created a new key-encryption key in {}; keep a copy of it apart from the database, or use a PKCS#11 token",
        path.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_text_is_hex_or_base64_of_32_bytes() {
        let hex = "00".repeat(32);
        assert_eq!(decode_key(&hex, "t").unwrap(), [0u8; 32]);
        let b64 = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
        assert_eq!(decode_key(b64, "t").unwrap(), [1u8; 32]);
        let short = decode_key("0011", "t").unwrap_err().to_string();
        assert!(short.contains("32 bytes"), "{short}");
        assert!(decode_key("not a key!", "t").is_err());
    }

    #[test]
    fn wrapped_data_key_opens_only_with_its_kek() {
        let kek = Kek::local([1u8; 32]);
        let wrapped = kek.wrap(&[9u8; 32]).unwrap();
        assert_eq!(kek.unwrap(&wrapped).unwrap().as_slice(), &[9u8; 32]);
        let err = Kek::local([2u8; 32]).unwrap(&wrapped).unwrap_err();
        assert!(err.to_string().contains("configured with the KEK"), "{err}");
    }
}
