//! The symmetric side: the card management key (3DES or AES) and single-block ECB, which is all
//! PIV's challenge/response needs, plus card randomness.

use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use rand::RngCore;

pub const ALG_3DES: u8 = 0x03;
/// SP 800-78 lets `00` stand for 3DES in GENERAL AUTHENTICATE; old tools still send it.
pub const ALG_3DES_LEGACY: u8 = 0x00;
pub const ALG_AES128: u8 = 0x08;
pub const ALG_AES192: u8 = 0x0A;
pub const ALG_AES256: u8 = 0x0C;

pub fn key_len(alg: u8) -> Option<usize> {
    match alg {
        ALG_3DES | ALG_AES192 => Some(24),
        ALG_AES128 => Some(16),
        ALG_AES256 => Some(32),
        _ => None,
    }
}

pub fn block_size(alg: u8) -> Option<usize> {
    match alg {
        ALG_3DES => Some(8),
        ALG_AES128 | ALG_AES192 | ALG_AES256 => Some(16),
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Encrypt,
    Decrypt,
}

fn run<C: KeyInit + BlockEncrypt + BlockDecrypt>(
    key: &[u8],
    block: &[u8],
    dir: Direction,
) -> Option<Vec<u8>> {
    let cipher = C::new_from_slice(key).ok()?;
    if block.len() != C::block_size() {
        return None;
    }
    let mut b = aes::cipher::generic_array::GenericArray::clone_from_slice(block);
    match dir {
        Direction::Encrypt => cipher.encrypt_block(&mut b),
        Direction::Decrypt => cipher.decrypt_block(&mut b),
    }
    Some(b.to_vec())
}

fn crypt(alg: u8, key: &[u8], block: &[u8], dir: Direction) -> Option<Vec<u8>> {
    if key_len(alg) != Some(key.len()) {
        return None;
    }
    match alg {
        ALG_3DES => run::<des::TdesEde3>(key, block, dir),
        ALG_AES128 => run::<aes::Aes128>(key, block, dir),
        ALG_AES192 => run::<aes::Aes192>(key, block, dir),
        ALG_AES256 => run::<aes::Aes256>(key, block, dir),
        _ => None,
    }
}

/// Encrypts one block; `None` if the algorithm, key or block size don't fit together.
pub fn encrypt_block(alg: u8, key: &[u8], block: &[u8]) -> Option<Vec<u8>> {
    crypt(alg, key, block, Direction::Encrypt)
}

pub fn decrypt_block(alg: u8, key: &[u8], block: &[u8]) -> Option<Vec<u8>> {
    crypt(alg, key, block, Direction::Decrypt)
}

pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut out);
    out
}

/// Comparison whose time does not depend on where the first difference is, so that a host
/// cannot learn a secret byte by byte from response timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_algorithm() {
        for alg in [ALG_3DES, ALG_AES128, ALG_AES192, ALG_AES256] {
            let key = random_bytes(key_len(alg).unwrap());
            let block = random_bytes(block_size(alg).unwrap());
            let enc = encrypt_block(alg, &key, &block).unwrap();
            assert_ne!(enc, block);
            assert_eq!(decrypt_block(alg, &key, &enc).unwrap(), block);
        }
        assert!(encrypt_block(ALG_3DES, &[0; 16], &[0; 8]).is_none());
        assert!(encrypt_block(ALG_AES128, &[0; 16], &[0; 8]).is_none());
        assert!(encrypt_block(0x07, &[0; 16], &[0; 16]).is_none());
    }
}
