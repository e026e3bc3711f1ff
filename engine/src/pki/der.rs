//! Just enough DER writing for the structures EST sends (RFC 7030): a certs-only PKCS#7 and the
//! CSR attributes. The certificates inside are already DER; only the wrapping is built here.

/// One TLV: tag, definite length, value.
pub fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(value);
    out
}

pub fn sequence(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

pub fn set(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x31, &parts.concat())
}

/// An OBJECT IDENTIFIER from its arcs.
pub fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut push = |mut v: u64| {
        let mut chunk = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            chunk.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        chunk.reverse();
        body.extend(chunk);
    };
    push(arcs[0] * 40 + arcs[1]);
    for arc in &arcs[2..] {
        push(*arc);
    }
    tlv(0x06, &body)
}

pub fn integer(v: u64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
    let mut body = bytes[skip..].to_vec();
    if body[0] & 0x80 != 0 {
        body.insert(0, 0);
    }
    tlv(0x02, &body)
}

const SIGNED_DATA: &[u64] = &[1, 2, 840, 113549, 1, 7, 2];
const DATA: &[u64] = &[1, 2, 840, 113549, 1, 7, 1];

/// A "certs-only" CMS SignedData (RFC 7030 4.1.3, RFC 5652): the certificates and no signers.
pub fn certs_only(certificates: &[&[u8]]) -> Vec<u8> {
    let signed_data = sequence(&[
        integer(1),
        set(&[]),
        sequence(&[oid(DATA)]),
        // [0] IMPLICIT SET OF Certificate
        tlv(0xa0, &certificates.concat()),
        set(&[]),
    ]);
    sequence(&[oid(SIGNED_DATA), tlv(0xa0, &signed_data)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_oids_are_encoded_as_der() {
        assert_eq!(tlv(0x04, &[1, 2]), vec![0x04, 2, 1, 2]);
        let long = tlv(0x04, &[0u8; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(long.len(), 304);
        // prime256v1
        assert_eq!(
            oid(&[1, 2, 840, 10045, 3, 1, 7]),
            vec![0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
        );
        assert_eq!(integer(1), vec![0x02, 1, 1]);
        assert_eq!(integer(0), vec![0x02, 1, 0]);
        assert_eq!(integer(2048), vec![0x02, 2, 0x08, 0x00]);
        assert_eq!(integer(128), vec![0x02, 2, 0x00, 0x80]);
    }

    #[test]
    fn certs_only_wraps_certificates_in_signed_data() {
        let der = certs_only(&[&[0x30, 0x00], &[0x30, 0x01, 0x05]]);
        // ContentInfo SEQUENCE, signedData OID, [0], SignedData SEQUENCE, version 1.
        assert_eq!(der[0], 0x30);
        assert_eq!(&der[2..13], &oid(SIGNED_DATA)[..]);
        let certs = [0xa0, 5, 0x30, 0x00, 0x30, 0x01, 0x05];
        assert!(der.windows(certs.len()).any(|w| w == certs));
    }
}
