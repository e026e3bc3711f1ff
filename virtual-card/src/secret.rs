//! PIN and PUK reference data: the value, its retry counter, and the 8-byte FF-padded wire format.

use serde::{Deserialize, Serialize};

use tessera_piv::apdu::Sw;
use tessera_piv::piv::SECRET_PADDED_LEN;

use crate::crypto::constant_time_eq;

pub const DEFAULT_TRIES: u8 = 3;

/// Which rules a value must follow: the PIN is ASCII, the PUK any bytes except the padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pin,
    Puk,
}

/// A PIN or PUK with its retry counter.
#[derive(Clone, Serialize, Deserialize)]
pub struct Secret {
    #[serde(with = "hex")]
    value: Vec<u8>,
    max_tries: u8,
    tries_left: u8,
}

impl Secret {
    pub fn new(value: &[u8], tries: u8) -> Secret {
        Secret {
            value: value.to_vec(),
            max_tries: tries,
            tries_left: tries,
        }
    }

    pub fn value(&self) -> &[u8] {
        &self.value
    }

    pub fn is_blocked(&self) -> bool {
        self.tries_left == 0
    }

    pub fn tries_left(&self) -> u8 {
        self.tries_left
    }

    pub fn max_tries(&self) -> u8 {
        self.max_tries
    }

    /// Checks a candidate, spending a try if it is wrong and restoring them all if it is right.
    /// Errors are the status word to answer: `69 83` when blocked, `63 Cx` when wrong.
    pub fn check(&mut self, candidate: &[u8]) -> Result<(), Sw> {
        if self.is_blocked() {
            return Err(Sw::BLOCKED);
        }
        if constant_time_eq(candidate, &self.value) {
            self.tries_left = self.max_tries;
            Ok(())
        } else {
            self.tries_left -= 1;
            Err(Sw::verification_failed(self.tries_left))
        }
    }

    /// Replaces the value and restores the full retry count.
    pub fn set(&mut self, value: &[u8]) {
        self.value = value.to_vec();
        self.tries_left = self.max_tries;
    }
}

/// Removes the FF padding from an 8-byte PIN/PUK block and checks the value's rules:
/// 6 to 8 bytes, padding only at the end, ASCII for a PIN.
pub fn unpad(block: &[u8], kind: Kind) -> Option<&[u8]> {
    if block.len() != SECRET_PADDED_LEN {
        return None;
    }
    let len = block
        .iter()
        .position(|&b| b == 0xFF)
        .unwrap_or(SECRET_PADDED_LEN);
    let (value, padding) = block.split_at(len);
    if !(6..=SECRET_PADDED_LEN).contains(&len) || padding.iter().any(|&b| b != 0xFF) {
        return None;
    }
    if kind == Kind::Pin && !value.is_ascii() {
        return None;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_piv::piv::DEFAULT_PIN;

    #[test]
    fn unpads_and_validates() {
        assert_eq!(unpad(b"123456\xFF\xFF", Kind::Pin), Some(&b"123456"[..]));
        assert_eq!(unpad(b"12345678", Kind::Pin), Some(&b"12345678"[..]));
        assert_eq!(unpad(b"12345\xFF\xFF\xFF", Kind::Pin), None);
        assert_eq!(unpad(b"123\xFF456\xFF", Kind::Pin), None);
        assert_eq!(unpad(b"12345\x80\xFF\xFF", Kind::Pin), None);
        assert!(unpad(b"12345\x80\xFF\xFF", Kind::Puk).is_some());
        assert_eq!(unpad(b"123456\xFF", Kind::Pin), None);
    }

    #[test]
    fn counts_down_and_blocks() {
        let pin = DEFAULT_PIN.as_bytes();
        let mut s = Secret::new(pin, 3);
        assert_eq!(s.check(b"000000"), Err(Sw(0x63C2)));
        assert_eq!(s.check(pin), Ok(()));
        assert_eq!(s.tries_left(), 3);
        assert_eq!(s.check(b"000000"), Err(Sw(0x63C2)));
        assert_eq!(s.check(b"000000"), Err(Sw(0x63C1)));
        assert_eq!(s.check(b"000000"), Err(Sw(0x63C0)));
        assert_eq!(s.check(pin), Err(Sw(0x6983)));
    }
}
