//! AES-256-GCM, the one cipher under the KEK and the sealed keys: a module of its own so that
//! the KEK (which wraps data keys with it) and sealing (which opens them with the KEK) do not
//! import each other.

use crate::{EngineError, Result};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use rand::RngCore;
use zeroize::Zeroizing;

/// AES-256-GCM with a random 96-bit nonce.
pub fn encrypt(key: &[u8], aad: &[u8], msg: &[u8]) -> Result<([u8; 12], Vec<u8>)> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let mut nonce = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut nonce);
    let ciphertext = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg, aad })
        .map_err(|_| EngineError::Crypto("AES-GCM encryption failed".into()))?;
    Ok((nonce, ciphertext))
}

pub fn decrypt(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> std::result::Result<Zeroizing<Vec<u8>>, aes_gcm::Error> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
}
