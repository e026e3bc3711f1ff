//! The certificates out of a certs-only PKCS#7 (CMS SignedData without signers, RFC 5652), the
//! form EST uses for /cacerts and for issued certificates.

use crate::der::{self, oid, Reader};
use crate::Error;

/// The DER certificates in the order the server put them.
pub fn certificates(der: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    let mut outer = Reader::new(der);
    let content_info = outer.expect(der::SEQUENCE, "PKCS#7 ContentInfo")?;
    outer.finish("PKCS#7")?;

    let mut fields = content_info.children();
    let content_type = fields.expect(der::OID, "PKCS#7 contentType")?;
    if content_type.content != oid::SIGNED_DATA {
        return Err(Error::Malformed(format!(
            "PKCS#7 content type is {}, not signedData",
            der::oid_to_string(content_type.content)
        )));
    }
    let explicit = fields.expect(der::CONTEXT_0, "PKCS#7 content")?;
    fields.finish("PKCS#7 ContentInfo")?;

    let mut outer_signed = explicit.children();
    let signed_data = outer_signed.expect(der::SEQUENCE, "SignedData")?;
    outer_signed.finish("PKCS#7 content")?;

    let mut fields = signed_data.children();
    fields.expect(der::INTEGER, "SignedData version")?;
    fields.expect(der::SET, "SignedData digestAlgorithms")?;
    fields.expect(der::SEQUENCE, "SignedData encapContentInfo")?;
    let certificates = fields.optional(der::CONTEXT_0)?;
    fields.optional(der::CONTEXT_1)?;
    fields.expect(der::SET, "SignedData signerInfos")?;
    fields.finish("SignedData")?;

    let mut found = Vec::new();
    if let Some(certificates) = certificates {
        let mut choices = certificates.children();
        while !choices.is_empty() {
            let choice = choices.read()?;
            // The other CertificateChoices (attribute certificates and the like) carry no
            // public key; skipping them keeps a server that adds one usable.
            if choice.tag == der::SEQUENCE {
                found.push(choice.raw.to_vec());
            }
        }
    }
    if found.is_empty() {
        return Err(Error::Malformed("the PKCS#7 holds no certificate".into()));
    }
    Ok(found)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// DER tag-length-value, for building structures by hand.
    pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend(bytes);
        }
        out.extend_from_slice(content);
        out
    }

    /// A certs-only SignedData, encoded as RFC 5652 and RFC 7030 section 4.1.3 describe it.
    pub fn certs_only(certs: &[&[u8]]) -> Vec<u8> {
        let [version, digests, encap] = signed_data_head();
        content_info(&[
            version,
            digests,
            encap,
            tlv(der::CONTEXT_0, &certs.concat()),
            tlv(der::SET, &[]),
        ])
    }

    fn signed_data_head() -> [Vec<u8>; 3] {
        let data_oid = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01];
        [
            tlv(der::INTEGER, &[1]),
            tlv(der::SET, &[]),
            tlv(der::SEQUENCE, &tlv(der::OID, &data_oid)),
        ]
    }

    fn content_info(signed_data_fields: &[Vec<u8>]) -> Vec<u8> {
        let signed_data = tlv(der::SEQUENCE, &signed_data_fields.concat());
        tlv(
            der::SEQUENCE,
            &[
                tlv(der::OID, oid::SIGNED_DATA),
                tlv(der::CONTEXT_0, &signed_data),
            ]
            .concat(),
        )
    }

    pub fn two_certificates() -> (Vec<u8>, Vec<u8>) {
        let make = |name: &str| {
            let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
            let params = rcgen::CertificateParams::new(vec![name.to_string()]).unwrap();
            params.self_signed(&key).unwrap().der().to_vec()
        };
        (make("one.example"), make("two.example"))
    }

    #[test]
    fn reads_certificates_in_order() {
        let (one, two) = two_certificates();
        let pkcs7 = certs_only(&[&one, &two]);
        assert_eq!(certificates(&pkcs7).unwrap(), vec![one, two]);
    }

    #[test]
    fn skips_crls_and_other_certificate_choices() {
        let (one, _) = two_certificates();
        let attribute_cert = tlv(0xA2, &[0x05, 0x00]);
        let [version, digests, encap] = signed_data_head();
        let pkcs7 = content_info(&[
            version,
            digests,
            encap,
            tlv(der::CONTEXT_0, &[attribute_cert, one.clone()].concat()),
            tlv(der::CONTEXT_1, &[]),
            tlv(der::SET, &[]),
        ]);
        assert_eq!(certificates(&pkcs7).unwrap(), vec![one]);
    }

    #[test]
    fn refuses_other_content_and_junk() {
        let (one, _) = two_certificates();
        let good = certs_only(&[&one]);
        let mut junk = good.clone();
        junk.push(0);
        assert!(certificates(&junk).is_err());

        let empty = certs_only(&[]);
        assert!(certificates(&empty).is_err());

        let mut other_type = good.clone();
        let at = other_type
            .windows(oid::SIGNED_DATA.len())
            .position(|w| w == oid::SIGNED_DATA)
            .unwrap();
        other_type[at + oid::SIGNED_DATA.len() - 1] = 0x01;
        assert!(certificates(&other_type).is_err());
        assert!(certificates(&one).is_err());
    }
}
