//! Envelope encryption of private keys at rest.
//!
//! Every private key the server keeps (the CA keys, escrowed encryption keys) is encrypted with
//! its own random AES-256-GCM data key; the data key is wrapped by the key-encryption key (KEK),
//! which lives in configuration or in a PKCS#11 token. The additional data binds a sealed blob to
//! what it belongs to ("ca:issuing", "escrow:<serial>"), so a blob copied onto another row does
//! not open.

use super::aead::{decrypt, encrypt};
use super::kek::Kek;
use crate::{EngineError, Result};
use rand::RngCore;
use zeroize::Zeroizing;

const MAGIC: &[u8; 4] = b"TSK1";

/// Encrypts `secret` under a fresh data key wrapped by `kek`.
pub fn seal(kek: &Kek, context: &str, secret: &[u8]) -> Result<Vec<u8>> {
    let mut data_key = Zeroizing::new([0u8; 32]);
    rand::thread_rng().fill_bytes(data_key.as_mut());
    let wrapped = kek.wrap(data_key.as_ref())?;
    let (nonce, ciphertext) = encrypt(data_key.as_ref(), context.as_bytes(), secret)?;
    let wrapped_len = u16::try_from(wrapped.len())
        .map_err(|_| EngineError::Crypto("wrapped data key too long".into()))?;
    let mut out = Vec::with_capacity(4 + 2 + wrapped.len() + 12 + ciphertext.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&wrapped_len.to_be_bytes());
    out.extend_from_slice(&wrapped);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Opens what [`seal`] produced for the same `context`.
pub fn open(kek: &Kek, context: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let broken = || EngineError::Crypto(format!("the sealed key for {context} is damaged"));
    let rest = sealed.strip_prefix(MAGIC.as_slice()).ok_or_else(broken)?;
    let (len, rest) = rest.split_at_checked(2).ok_or_else(broken)?;
    let len = u16::from_be_bytes([len[0], len[1]]) as usize;
    let (wrapped, rest) = rest.split_at_checked(len).ok_or_else(broken)?;
    let (nonce, ciphertext) = rest.split_at_checked(12).ok_or_else(broken)?;
    let data_key = kek.unwrap(wrapped)?;
    decrypt(&data_key, nonce, context.as_bytes(), ciphertext).map_err(|_| {
        EngineError::Crypto(format!(
            "the sealed key for {context} does not open: it was sealed for something else or has been altered"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_key_opens_only_in_its_context() {
        let kek = Kek::local([7u8; 32]);
        let sealed = seal(&kek, "ca:issuing", b"secret key").unwrap();
        assert_eq!(
            open(&kek, "ca:issuing", &sealed).unwrap().as_slice(),
            b"secret key"
        );
        assert!(open(&kek, "ca:root", &sealed).is_err());
        let other = Kek::local([8u8; 32]);
        assert!(open(&other, "ca:issuing", &sealed).is_err());
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(open(&kek, "ca:issuing", &flipped).is_err());
        assert!(open(&kek, "ca:issuing", &sealed[..10]).is_err());
    }
}
