//! Just enough DER to walk the PKCS#7, CsrAttrs and PKCS#8 envelopes; certificates themselves
//! are left to x509-parser.

use crate::Error;

pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
pub const INTEGER: u8 = 0x02;
pub const OID: u8 = 0x06;
/// `[0]` constructed: EXPLICIT content of ContentInfo, IMPLICIT certificates of SignedData.
pub const CONTEXT_0: u8 = 0xA0;
pub const CONTEXT_1: u8 = 0xA1;

/// Object identifiers as their DER content bytes, so that comparing is a slice comparison.
pub mod oid {
    /// 1.2.840.113549.1.7.2
    pub const SIGNED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
    /// 1.2.840.113549.1.1.1
    pub const RSA_ENCRYPTION: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
    /// 1.2.840.113549.1.1.11
    pub const SHA256_WITH_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B];
    /// 1.2.840.10045.2.1
    pub const EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
    /// 1.2.840.10045.3.1.7
    pub const PRIME256V1: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
    /// 1.3.132.0.34
    pub const SECP384R1: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x22];
    /// 1.2.840.10045.4.3.2
    pub const ECDSA_SHA256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];
    /// 1.2.840.10045.4.3.3
    pub const ECDSA_SHA384: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03];
}

/// One tag-length-value element.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    /// The whole element, header included.
    pub raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// A reader over the children of a constructed element.
    pub fn children(&self) -> Reader<'a> {
        Reader::new(self.content)
    }
}

/// Reads consecutive elements from a byte string.
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { rest: data }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    pub fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    pub fn read(&mut self) -> Result<Tlv<'a>, Error> {
        let data = self.rest;
        let [tag, first_len, ..] = *data else {
            return Err(malformed("truncated element"));
        };
        if tag & 0x1F == 0x1F {
            return Err(malformed(
                "multi-byte tags are not used by these structures",
            ));
        }
        let (len, header) = match first_len {
            n if n < 0x80 => (usize::from(n), 2),
            0x80 => return Err(malformed("indefinite length (BER, not DER)")),
            n => {
                let count = usize::from(n & 0x7F);
                if count > 4 {
                    return Err(malformed("element length does not fit"));
                }
                let bytes = data
                    .get(2..2 + count)
                    .ok_or_else(|| malformed("truncated length"))?;
                let len = bytes
                    .iter()
                    .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
                (len, 2 + count)
            }
        };
        let end = header
            .checked_add(len)
            .filter(|end| *end <= data.len())
            .ok_or_else(|| malformed("element runs past the end of its container"))?;
        self.rest = &data[end..];
        Ok(Tlv {
            tag,
            content: &data[header..end],
            raw: &data[..end],
        })
    }

    /// Reads the next element and insists on its tag.
    pub fn expect(&mut self, tag: u8, what: &str) -> Result<Tlv<'a>, Error> {
        let tlv = self.read().map_err(|e| context(e, what))?;
        if tlv.tag != tag {
            return Err(malformed(&format!(
                "{what}: expected tag 0x{tag:02X}, found 0x{:02X}",
                tlv.tag
            )));
        }
        Ok(tlv)
    }

    /// Reads the next element only if it has this tag (for OPTIONAL fields).
    pub fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, Error> {
        if self.peek_tag() == Some(tag) {
            self.read().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Fails if anything is left over, so that a structure with junk appended is not accepted.
    pub fn finish(&self, what: &str) -> Result<(), Error> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(malformed(&format!(
                "{what}: {} unexpected trailing bytes",
                self.rest.len()
            )))
        }
    }
}

/// An unsigned INTEGER small enough for a key size.
pub fn small_uint(tlv: &Tlv<'_>) -> Result<u32, Error> {
    let bytes = match tlv.content {
        [0, rest @ ..] => rest,
        bytes => bytes,
    };
    if tlv.tag != INTEGER || tlv.content.is_empty() || tlv.content[0] & 0x80 != 0 || bytes.len() > 4
    {
        return Err(malformed("expected a small non-negative INTEGER"));
    }
    Ok(bytes.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
}

/// Dotted form of an OID, for error messages.
pub fn oid_to_string(content: &[u8]) -> String {
    let mut arcs = Vec::new();
    let mut value: u64 = 0;
    for byte in content {
        value = (value << 7) | u64::from(byte & 0x7F);
        if byte & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

fn malformed(message: &str) -> Error {
    Error::Malformed(format!("DER: {message}"))
}

fn context(error: Error, what: &str) -> Error {
    match error {
        Error::Malformed(message) => Error::Malformed(format!("{what}: {message}")),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_lengths() {
        let mut long = vec![0x04, 0x81, 200];
        long.extend(std::iter::repeat_n(7u8, 200));
        let mut data = vec![0x02, 0x01, 0x05];
        data.extend(&long);
        let mut reader = Reader::new(&data);
        assert_eq!(small_uint(&reader.read().unwrap()).unwrap(), 5);
        let tlv = reader.read().unwrap();
        assert_eq!(tlv.content.len(), 200);
        assert_eq!(tlv.raw.len(), 203);
        assert!(reader.is_empty());
    }

    #[test]
    fn refuses_overruns_and_indefinite_lengths() {
        assert!(Reader::new(&[0x30, 0x05, 0x01]).read().is_err());
        assert!(Reader::new(&[0x30, 0x80, 0x00, 0x00]).read().is_err());
        assert!(Reader::new(&[0x30]).read().is_err());
    }

    #[test]
    fn formats_oids() {
        assert_eq!(oid_to_string(oid::PRIME256V1), "1.2.840.10045.3.1.7");
        assert_eq!(oid_to_string(oid::SECP384R1), "1.3.132.0.34");
    }
}
