//! The PIV card management key (slot 9B): algorithms, single-block encryption for GENERAL
//! AUTHENTICATE, and the random per-card keys Tessera sets.

use aes::cipher::{generic_array::GenericArray, BlockDecrypt, BlockEncrypt, KeyInit};
use zeroize::Zeroizing;

/// The key reference of the card management key in GENERAL AUTHENTICATE and SET MANAGEMENT KEY.
pub const SLOT: u8 = 0x9B;

/// SP 800-78's former identifier of 3DES, which GENERAL AUTHENTICATE still accepts in P1
/// because old tools still send it.
pub const TRIPLE_DES_LEGACY_ID: u8 = 0x00;

/// SP 800-78 algorithm identifiers for the management key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MgmtAlgorithm {
    TripleDes,
    Aes128,
    Aes192,
    Aes256,
}

impl MgmtAlgorithm {
    pub fn id(self) -> u8 {
        match self {
            MgmtAlgorithm::TripleDes => 0x03,
            MgmtAlgorithm::Aes128 => 0x08,
            MgmtAlgorithm::Aes192 => 0x0A,
            MgmtAlgorithm::Aes256 => 0x0C,
        }
    }

    pub fn from_id(id: u8) -> Option<MgmtAlgorithm> {
        Some(match id {
            TRIPLE_DES_LEGACY_ID | 0x03 => MgmtAlgorithm::TripleDes,
            0x08 => MgmtAlgorithm::Aes128,
            0x0A => MgmtAlgorithm::Aes192,
            0x0C => MgmtAlgorithm::Aes256,
            _ => return None,
        })
    }

    pub fn key_len(self) -> usize {
        match self {
            MgmtAlgorithm::TripleDes | MgmtAlgorithm::Aes192 => 24,
            MgmtAlgorithm::Aes128 => 16,
            MgmtAlgorithm::Aes256 => 32,
        }
    }

    /// The challenge and witness length: one cipher block.
    pub fn block_len(self) -> usize {
        match self {
            MgmtAlgorithm::TripleDes => 8,
            _ => 16,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            MgmtAlgorithm::TripleDes => "3DES",
            MgmtAlgorithm::Aes128 => "AES-128",
            MgmtAlgorithm::Aes192 => "AES-192",
            MgmtAlgorithm::Aes256 => "AES-256",
        }
    }

    /// Encrypts one block with `key`; `None` if key or block is not of this algorithm's length.
    pub fn encrypt_block(self, key: &[u8], block: &[u8]) -> Option<Vec<u8>> {
        self.cipher(key, block, true)
    }

    /// Decrypts one block with `key`; `None` if key or block is not of this algorithm's length.
    pub fn decrypt_block(self, key: &[u8], block: &[u8]) -> Option<Vec<u8>> {
        self.cipher(key, block, false)
    }

    /// ECB on exactly one block, which is all PIV's challenge and response need.
    fn cipher(self, key: &[u8], block: &[u8], encrypt: bool) -> Option<Vec<u8>> {
        if key.len() != self.key_len() || block.len() != self.block_len() {
            return None;
        }
        match self {
            MgmtAlgorithm::TripleDes => one_block::<des::TdesEde3>(key, block, encrypt),
            MgmtAlgorithm::Aes128 => one_block::<aes::Aes128>(key, block, encrypt),
            MgmtAlgorithm::Aes192 => one_block::<aes::Aes192>(key, block, encrypt),
            MgmtAlgorithm::Aes256 => one_block::<aes::Aes256>(key, block, encrypt),
        }
    }
}

fn one_block<C: KeyInit + BlockEncrypt + BlockDecrypt>(
    key: &[u8],
    block: &[u8],
    encrypt: bool,
) -> Option<Vec<u8>> {
    let cipher = C::new_from_slice(key).ok()?;
    // `clone_from_slice` panics on any other length.
    if block.len() != C::block_size() {
        return None;
    }
    let mut b = GenericArray::clone_from_slice(block);
    if encrypt {
        cipher.encrypt_block(&mut b)
    } else {
        cipher.decrypt_block(&mut b)
    }
    Some(b.to_vec())
}

/// The factory default of PIV cards and YubiKeys.
pub const DEFAULT_KEY: [u8; 24] = [
    1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
];

/// A management key. The bytes are wiped when it is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct MgmtKey {
    pub algorithm: MgmtAlgorithm,
    pub key: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for MgmtKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MgmtKey({}, …)", self.algorithm.name())
    }
}

impl MgmtKey {
    pub fn new(algorithm: MgmtAlgorithm, key: &[u8]) -> Result<MgmtKey, String> {
        if key.len() != algorithm.key_len() {
            return Err(format!(
                "a {} management key has {} bytes, not {}",
                algorithm.name(),
                algorithm.key_len(),
                key.len()
            ));
        }
        Ok(MgmtKey {
            algorithm,
            key: Zeroizing::new(key.to_vec()),
        })
    }

    /// The factory default key, as `algorithm` (3DES on most cards, AES-192 on YubiKey 5.7+).
    pub fn default_for(algorithm: MgmtAlgorithm) -> MgmtKey {
        let alg = match algorithm {
            MgmtAlgorithm::Aes192 => MgmtAlgorithm::Aes192,
            _ => MgmtAlgorithm::TripleDes,
        };
        MgmtKey {
            algorithm: alg,
            key: Zeroizing::new(DEFAULT_KEY.to_vec()),
        }
    }

    /// A fresh random key. 3DES keys get odd parity, as some cards check it.
    pub fn random(algorithm: MgmtAlgorithm) -> MgmtKey {
        let mut key = Zeroizing::new(vec![0u8; algorithm.key_len()]);
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        if algorithm == MgmtAlgorithm::TripleDes {
            for b in key.iter_mut() {
                let high = *b & 0xFE;
                *b = high | u8::from(high.count_ones() % 2 == 0);
            }
        }
        MgmtKey { algorithm, key }
    }

    pub fn is_default(&self) -> bool {
        self.key.as_slice() == DEFAULT_KEY
    }

    /// `None` if `block` is not one cipher block.
    pub fn encrypt_block(&self, block: &[u8]) -> Option<Vec<u8>> {
        self.algorithm.encrypt_block(&self.key, block)
    }

    /// `None` if `block` is not one cipher block.
    pub fn decrypt_block(&self, block: &[u8]) -> Option<Vec<u8>> {
        self.algorithm.decrypt_block(&self.key, block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triple_des_known_answer() {
        // The default key is K1=K2=K3, so 3DES equals single DES with K1: the classic DES test
        // vector for key 0102030405060708 would differ; check the round trip and a fixed value.
        let k = MgmtKey::default_for(MgmtAlgorithm::TripleDes);
        let c = k.encrypt_block(&[0u8; 8]).unwrap();
        assert_eq!(k.decrypt_block(&c).unwrap(), [0u8; 8]);
        assert_ne!(c, [0u8; 8]);
        let k2 = MgmtKey::new(MgmtAlgorithm::TripleDes, &DEFAULT_KEY).unwrap();
        assert_eq!(k2.encrypt_block(&[0u8; 8]).unwrap(), c);
    }

    #[test]
    fn aes_fips197_vector() {
        // FIPS-197 appendix C.1 (AES-128).
        let k = MgmtKey::new(
            MgmtAlgorithm::Aes128,
            &hex::decode("000102030405060708090a0b0c0d0e0f").unwrap(),
        )
        .unwrap();
        let c = k
            .encrypt_block(&hex::decode("00112233445566778899aabbccddeeff").unwrap())
            .unwrap();
        assert_eq!(hex::encode(&c), "69c4e0d86a7b0430d8cdb78070b4c55a");
    }

    #[test]
    fn random_keys_have_the_right_shape() {
        let k = MgmtKey::random(MgmtAlgorithm::TripleDes);
        assert_eq!(k.key.len(), 24);
        assert!(k.key.iter().all(|b| b.count_ones() % 2 == 1));
        assert!(!k.is_default());
        assert_eq!(MgmtKey::random(MgmtAlgorithm::Aes256).key.len(), 32);
        assert!(MgmtKey::new(MgmtAlgorithm::Aes128, &[0; 24]).is_err());
        assert_eq!(format!("{k:?}"), "MgmtKey(3DES, …)");
    }

    #[test]
    fn round_trips_every_algorithm_and_refuses_wrong_lengths() {
        use rand::RngCore;
        for alg in [
            MgmtAlgorithm::TripleDes,
            MgmtAlgorithm::Aes128,
            MgmtAlgorithm::Aes192,
            MgmtAlgorithm::Aes256,
        ] {
            let mut key = vec![0u8; alg.key_len()];
            let mut block = vec![0u8; alg.block_len()];
            rand::rngs::OsRng.fill_bytes(&mut key);
            rand::rngs::OsRng.fill_bytes(&mut block);
            let enc = alg.encrypt_block(&key, &block).unwrap();
            assert_ne!(enc, block);
            assert_eq!(alg.decrypt_block(&key, &enc).unwrap(), block);
            assert!(alg.encrypt_block(&key, &block[1..]).is_none());
            assert!(alg.decrypt_block(&key[1..], &enc).is_none());
        }
        assert!(MgmtAlgorithm::TripleDes
            .encrypt_block(&[0; 16], &[0; 8])
            .is_none());
        assert!(MgmtAlgorithm::Aes128
            .encrypt_block(&[0; 16], &[0; 8])
            .is_none());
        assert_eq!(MgmtAlgorithm::from_id(0x07), None);
        assert_eq!(
            MgmtAlgorithm::from_id(TRIPLE_DES_LEGACY_ID),
            Some(MgmtAlgorithm::TripleDes)
        );
    }
}
