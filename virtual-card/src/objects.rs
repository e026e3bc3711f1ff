//! Which data objects this card keeps, who may read them, and the built-in Discovery Object.
//! The objects' tags are tessera-piv's.

use tessera_piv::ins;
use tessera_piv::piv::{certificate_tag, TAG_FACIAL_IMAGE, TAG_FINGERPRINTS, TAG_PRINTED_INFO};

/// The Discovery Object's content (inside `7E`): the PIV AID and PIN usage policy `40 00`
/// ("PIV PIN only"; no global PIN, no OCC).
pub const DISCOVERY_CONTENT: &[u8] = &[
    0x4F, 0x0B, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00, 0x5F, 0x2F, 0x02,
    0x40, 0x00,
];

/// The most content bytes one object may hold (yubico-piv-tool's `YKPIV_OBJ_MAX_SIZE`).
pub const MAX_OBJECT_SIZE: usize = 3072;

/// Whether PUT DATA may store `tag`. The Yubico range only exists on cards with the extensions.
pub fn is_writable(tag: u32, yubico: bool) -> bool {
    match tag {
        0x5FC101..=0x5FC103 | 0x5FC105..=0x5FC120 => true,
        0x5FFF00..=0x5FFF15 => yubico,
        _ => false,
    }
}

/// Biometric and printed data are privacy-sensitive; SP 800-73-4 guards them with the PIN.
pub fn read_needs_pin(tag: u32) -> bool {
    matches!(tag, TAG_FINGERPRINTS | TAG_FACIAL_IMAGE | TAG_PRINTED_INFO)
}

/// Whether a command APDU begins writing a certificate object: PUT DATA (the first APDU of a
/// chain carries the tag list `5C 03 5F C1 xx`) naming an object a key slot's certificate lives
/// in. Tests pull a card out at this named step of an encoding rather than after a count of
/// APDUs, which shifts whenever the engine reads or writes one object more or less.
pub fn writes_certificate(apdu: &[u8]) -> bool {
    let [_, instruction, _, _, rest @ ..] = apdu else {
        return false;
    };
    // Short (Lc in one byte, never 0) or extended (00 Lc Lc) length.
    let data = match rest {
        [0, _, _, data @ ..] => data,
        [_, data @ ..] => data,
        [] => return false,
    };
    let tag = match data {
        [0x5C, 0x03, a, b, c, ..] => u32::from_be_bytes([0, *a, *b, *c]),
        _ => return false,
    };
    *instruction == ins::PUT_DATA && (0..=u8::MAX).any(|slot| certificate_tag(slot) == Some(tag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_piv::piv::{AID, TAG_DISCOVERY};

    #[test]
    fn writable_objects() {
        assert!(is_writable(0x5FC120, false));
        assert!(!is_writable(0x5FC104, true));
        assert!(!is_writable(TAG_DISCOVERY, true));
        assert!(!is_writable(0x5FFF00, false));
        assert!(is_writable(0x5FFF15, true));
    }

    #[test]
    fn discovery_names_the_piv_application() {
        assert_eq!(DISCOVERY_CONTENT[..2], [0x4F, AID.len() as u8]);
        assert_eq!(DISCOVERY_CONTENT[2..2 + AID.len()], AID);
    }

    #[test]
    fn a_certificate_write_is_told_from_other_writes() {
        let put = |cla: u8, tag: [u8; 3]| {
            let mut apdu = vec![cla, 0xDB, 0x3F, 0xFF, 7, 0x5C, 3];
            apdu.extend(tag);
            apdu.extend([0x53, 0x00]);
            apdu
        };
        assert!(writes_certificate(&put(0x00, [0x5F, 0xC1, 0x05])));
        // The first APDU of a chained write.
        assert!(writes_certificate(&put(0x10, [0x5F, 0xC1, 0x0A])));
        assert!(!writes_certificate(&put(0x00, [0x5F, 0xC1, 0x02])), "CHUID");
        assert!(!writes_certificate(&put(0x00, [0x5F, 0xC1, 0x07])), "CCC");
        let mut get = put(0x00, [0x5F, 0xC1, 0x05]);
        get[1] = 0xCB;
        assert!(!writes_certificate(&get));
        assert!(!writes_certificate(&[0x00, 0xDB]));
    }
}
