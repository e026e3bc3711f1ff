//! The asymmetric slot keys: generation, import, public-key encoding, and the private-key
//! operations GENERAL AUTHENTICATE offers (ECDSA over a digest, raw RSA, ECDH).

use p256::ecdsa::signature::hazmat::PrehashSigner;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, RsaPrivateKey};
use serde::{Deserialize, Serialize};

use tessera_piv::piv::tag::{EC_POINT, PUBLIC_KEY, RSA_EXPONENT, RSA_MODULUS};
use tessera_piv::piv::{Slot, ALG_ECCP256, ALG_RSA2048};
use tessera_piv::tlv;

const RSA_BYTES: usize = 256;
const RSA_PUBLIC_EXPONENT: u32 = 65537;

/// Yubico PIN policies (`AA` TLV). `00` means "the slot's default".
pub const PIN_POLICY_DEFAULT: u8 = 0x00;
pub const PIN_POLICY_NEVER: u8 = 0x01;
pub const PIN_POLICY_ONCE: u8 = 0x02;
pub const PIN_POLICY_ALWAYS: u8 = 0x03;

/// Where a key came from, as GET METADATA reports it.
pub const ORIGIN_GENERATED: u8 = 0x01;
pub const ORIGIN_IMPORTED: u8 = 0x02;

/// Private key bytes. Only the minimum is stored; everything else is derived on use.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyMaterial {
    EcP256 {
        #[serde(with = "hex")]
        scalar: Vec<u8>,
    },
    Rsa2048 {
        #[serde(with = "hex")]
        p: Vec<u8>,
        #[serde(with = "hex")]
        q: Vec<u8>,
    },
}

/// A key in a slot, with the policies the host asked for.
#[derive(Clone, Serialize, Deserialize)]
pub struct SlotKey {
    pub material: KeyMaterial,
    pub pin_policy: u8,
    pub touch_policy: u8,
    pub origin: u8,
}

/// Failure of a private-key operation: the input does not fit the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadInput;

/// The PIN policy a slot has when the host did not ask for one (SP 800-73-4 table 4b).
pub fn default_pin_policy(slot: u8) -> u8 {
    match Slot::from_id(slot) {
        Some(Slot::Signature) => PIN_POLICY_ALWAYS,
        Some(Slot::CardAuthentication) => PIN_POLICY_NEVER,
        _ => PIN_POLICY_ONCE,
    }
}

impl KeyMaterial {
    /// A fresh key for `alg`; `None` if the card does not support the algorithm.
    pub fn generate(alg: u8) -> Option<KeyMaterial> {
        let mut rng = rand::rngs::OsRng;
        match alg {
            ALG_ECCP256 => Some(KeyMaterial::EcP256 {
                scalar: p256::SecretKey::random(&mut rng).to_bytes().to_vec(),
            }),
            ALG_RSA2048 => {
                let key = RsaPrivateKey::new(&mut rng, 2048).ok()?;
                let [p, q] = key.primes() else { return None };
                Some(KeyMaterial::Rsa2048 {
                    p: p.to_bytes_be(),
                    q: q.to_bytes_be(),
                })
            }
            _ => None,
        }
    }

    /// An imported P-256 private scalar.
    pub fn import_ec(scalar: &[u8]) -> Option<KeyMaterial> {
        // p256 would left-pad a short scalar; a YubiKey insists on exactly 32 bytes.
        if scalar.len() != 32 {
            return None;
        }
        let key = p256::SecretKey::from_slice(scalar).ok()?;
        Some(KeyMaterial::EcP256 {
            scalar: key.to_bytes().to_vec(),
        })
    }

    /// An imported RSA-2048 key from its primes (the CRT values are recomputed, not trusted).
    pub fn import_rsa(p: &[u8], q: &[u8]) -> Option<KeyMaterial> {
        let material = KeyMaterial::Rsa2048 {
            p: strip_zeros(p).to_vec(),
            q: strip_zeros(q).to_vec(),
        };
        let key = material.rsa()?;
        (key.n().bits() == 2048).then_some(material)
    }

    pub fn algorithm(&self) -> u8 {
        match self {
            KeyMaterial::EcP256 { .. } => ALG_ECCP256,
            KeyMaterial::Rsa2048 { .. } => ALG_RSA2048,
        }
    }

    fn ec(&self) -> Option<p256::SecretKey> {
        match self {
            KeyMaterial::EcP256 { scalar } => p256::SecretKey::from_slice(scalar).ok(),
            KeyMaterial::Rsa2048 { .. } => None,
        }
    }

    fn rsa(&self) -> Option<RsaPrivateKey> {
        match self {
            KeyMaterial::Rsa2048 { p, q } => RsaPrivateKey::from_p_q(
                BigUint::from_bytes_be(p),
                BigUint::from_bytes_be(q),
                BigUint::from(RSA_PUBLIC_EXPONENT),
            )
            .ok(),
            KeyMaterial::EcP256 { .. } => None,
        }
    }

    /// The public key's inner TLVs (`86 <point>` or `81 <n> 82 <e>`), as GET METADATA shows them.
    pub fn public_key_fields(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if let Some(ec) = self.ec() {
            use p256::elliptic_curve::sec1::ToEncodedPoint;
            let point = ec.public_key().to_encoded_point(false);
            out.extend(tlv::write(EC_POINT, point.as_bytes()));
        } else if let Some(rsa) = self.rsa() {
            let modulus = left_pad(&rsa.n().to_bytes_be(), RSA_BYTES);
            out.extend(tlv::write(RSA_MODULUS, &modulus));
            out.extend(tlv::write(RSA_EXPONENT, &rsa.e().to_bytes_be()));
        }
        out
    }

    /// The public key as GENERATE ASYMMETRIC KEY PAIR answers: `7F49 <fields>`.
    pub fn public_key_template(&self) -> Vec<u8> {
        tlv::write(PUBLIC_KEY, &self.public_key_fields())
    }

    /// Signs a digest (EC) or runs the raw private operation on a padded block (RSA; PIV does
    /// padding on the host, and decryption is the same operation).
    pub fn private_operation(&self, input: &[u8]) -> Result<Vec<u8>, BadInput> {
        match self {
            KeyMaterial::EcP256 { .. } => {
                if input.len() != 32 {
                    return Err(BadInput);
                }
                let key = p256::ecdsa::SigningKey::from(self.ec().ok_or(BadInput)?);
                let sig: p256::ecdsa::Signature = key.sign_prehash(input).map_err(|_| BadInput)?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
            KeyMaterial::Rsa2048 { .. } => {
                if input.len() != RSA_BYTES {
                    return Err(BadInput);
                }
                let key = self.rsa().ok_or(BadInput)?;
                let c = BigUint::from_bytes_be(input);
                let m = rsa::hazmat::rsa_decrypt_and_check(&key, Some(&mut rand::rngs::OsRng), &c)
                    .map_err(|_| BadInput)?;
                Ok(left_pad(&m.to_bytes_be(), RSA_BYTES))
            }
        }
    }

    /// ECDH with a peer's uncompressed point; returns the shared X coordinate.
    pub fn ecdh(&self, peer_point: &[u8]) -> Result<Vec<u8>, BadInput> {
        let secret = self.ec().ok_or(BadInput)?;
        if peer_point.len() != 65 || peer_point[0] != 0x04 {
            return Err(BadInput);
        }
        let peer = p256::PublicKey::from_sec1_bytes(peer_point).map_err(|_| BadInput)?;
        let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
        Ok(shared.raw_secret_bytes().to_vec())
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().take_while(|&&x| x == 0).count();
    &b[start..]
}

fn left_pad(b: &[u8], len: usize) -> Vec<u8> {
    let b = strip_zeros(b);
    let mut out = vec![0u8; len.saturating_sub(b.len())];
    out.extend_from_slice(b);
    out
}
