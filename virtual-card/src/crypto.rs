//! What the card's secrets need beyond tessera-piv's management-key cipher: the strict reading of
//! a stored key's algorithm, card randomness, and comparison in constant time.

use rand::RngCore;
use tessera_piv::mgmt_key::MgmtAlgorithm;

/// The algorithm of a management key the card stores or is given. Only the algorithm's own
/// identifier names it: the legacy `00` for 3DES is good for GENERAL AUTHENTICATE's P1 alone.
pub fn mgmt_algorithm(alg: u8) -> Option<MgmtAlgorithm> {
    MgmtAlgorithm::from_id(alg).filter(|a| a.id() == alg)
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
    use tessera_piv::mgmt_key::TRIPLE_DES_LEGACY_ID;

    #[test]
    fn a_stored_key_names_its_algorithm_exactly() {
        for alg in [
            MgmtAlgorithm::TripleDes,
            MgmtAlgorithm::Aes128,
            MgmtAlgorithm::Aes192,
            MgmtAlgorithm::Aes256,
        ] {
            assert_eq!(mgmt_algorithm(alg.id()), Some(alg));
        }
        assert_eq!(mgmt_algorithm(TRIPLE_DES_LEGACY_ID), None);
        assert_eq!(mgmt_algorithm(0x07), None);
        assert!(constant_time_eq(b"123456", b"123456"));
        assert!(!constant_time_eq(b"123456", b"123457"));
        assert!(!constant_time_eq(b"123456", b"1234567"));
    }
}
