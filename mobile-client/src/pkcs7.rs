//! The certificates out of a certs-only PKCS#7 (CMS SignedData without signers, RFC 5652), the
//! form EST uses for /cacerts and for issued certificates.
//!
//! The certificate set is read as raw elements rather than through `cms`'s typed `SignedData`:
//! the chain's signatures are over each certificate's original bytes, and decoding then
//! re-encoding a certificate normalises what DER leaves to the encoder's care (x509-cert sorts
//! multi-valued RDNs), which breaks the signature of a certificate that came non-canonical. A
//! typed SET OF also sorts on decode, losing the server's order, and `cms` refuses a whole
//! PKCS#7 over an attribute certificate or an IMPLICIT `[3]` choice that is no concern here.

use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::EncapsulatedContentInfo;
use const_oid::db::rfc5911::ID_SIGNED_DATA;
use der::asn1::AnyRef;
use der::{Decode, FixedTag, Reader, Tag};

use crate::Error;

/// `SignedData` (RFC 5652 section 5.1), with `certificates` kept as received. A decode-only
/// `DecodeValue`: deriving `Sequence` would demand an encoder too, and nothing re-encodes this.
#[derive(der::DecodeValue)]
#[expect(
    dead_code,
    reason = "every field is decoded to hold the SignedData to its shape; only the certificates \
              are used"
)]
struct CertsOnly<'a> {
    version: CmsVersion,
    // Neither set is needed, and a typed SET OF would be sorted and its elements decoded.
    digest_algorithms: AnyRef<'a>,
    encap_content_info: EncapsulatedContentInfo,
    // `CertificateSet` is a SET OF, read here as a SEQUENCE OF so that order and bytes are kept.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    certificates: Option<Vec<Element<'a>>>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    crls: Option<Vec<Element<'a>>>,
    signer_infos: AnyRef<'a>,
}

impl FixedTag for CertsOnly<'_> {
    const TAG: Tag = Tag::Sequence;
}

/// One element of a SET OF, as the bytes it came in, header included.
struct Element<'a> {
    tag: Tag,
    der: &'a [u8],
}

impl<'a> Decode<'a> for Element<'a> {
    type Error = der::Error;

    fn decode<R: Reader<'a>>(reader: &mut R) -> der::Result<Self> {
        let tag = Tag::peek(reader)?;
        // der accepts only minimal tags and lengths, so the header it measures is the header
        // that was read: the slice is exactly the input's bytes.
        let der = reader.tlv_bytes()?;
        Ok(Self { tag, der })
    }
}

/// The DER certificates, in the server's order and with the bytes it sent.
pub fn certificates(der: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    // `from_der` and `decode_as` refuse trailing bytes, so junk after the ContentInfo or inside
    // the SignedData is not accepted.
    let content_info = ContentInfo::from_der(der).map_err(|e| malformed("ContentInfo", e))?;
    if content_info.content_type != ID_SIGNED_DATA {
        return Err(Error::Malformed(format!(
            "PKCS#7 content type is {}, not signedData",
            content_info.content_type
        )));
    }
    let signed_data: CertsOnly = content_info
        .content
        .decode_as()
        .map_err(|e| malformed("SignedData", e))?;

    let mut found = Vec::new();
    for element in signed_data.certificates.iter().flatten() {
        match element.tag {
            Tag::Sequence => found.push(element.der.to_vec()),
            // extendedCertificate, v1 and v2 attribute certificates, other formats: none carries
            // a public key to enroll or pin.
            Tag::ContextSpecific {
                constructed: true,
                number,
            } if number.value() <= 3 => {}
            other => {
                return Err(Error::Malformed(format!(
                    "PKCS#7 certificate set holds an element tagged {other}"
                )))
            }
        }
    }
    if found.is_empty() {
        return Err(Error::Malformed("the PKCS#7 holds no certificate".into()));
    }
    Ok(found)
}

fn malformed(what: &str, error: der::Error) -> Error {
    Error::Malformed(format!("PKCS#7 {what}: {error}"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    pub const INTEGER: u8 = 0x02;
    pub const OID: u8 = 0x06;
    pub const CONTEXT_0: u8 = 0xA0;
    pub const CONTEXT_1: u8 = 0xA1;

    /// DER tag-length-value, for building structures by hand, independently of the crates that
    /// read them.
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

    pub fn oid(oid: const_oid::ObjectIdentifier) -> Vec<u8> {
        tlv(OID, oid.as_bytes())
    }

    /// A certs-only SignedData, encoded as RFC 5652 and RFC 7030 section 4.1.3 describe it.
    pub fn certs_only(certs: &[&[u8]]) -> Vec<u8> {
        let [version, digests, encap] = signed_data_head();
        content_info(&[
            version,
            digests,
            encap,
            tlv(CONTEXT_0, &certs.concat()),
            tlv(SET, &[]),
        ])
    }

    fn signed_data_head() -> [Vec<u8>; 3] {
        [
            tlv(INTEGER, &[1]),
            tlv(SET, &[]),
            tlv(SEQUENCE, &oid(const_oid::db::rfc5911::ID_DATA)),
        ]
    }

    fn content_info(signed_data_fields: &[Vec<u8>]) -> Vec<u8> {
        let signed_data = tlv(SEQUENCE, &signed_data_fields.concat());
        tlv(
            SEQUENCE,
            &[oid(ID_SIGNED_DATA), tlv(CONTEXT_0, &signed_data)].concat(),
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
        assert_eq!(
            certificates(&certs_only(&[&one, &two])).unwrap(),
            vec![one.clone(), two.clone()]
        );
        assert_eq!(
            certificates(&certs_only(&[&two, &one])).unwrap(),
            vec![two, one]
        );
    }

    #[test]
    fn returns_certificate_bytes_untouched() {
        // Certificate-shaped, but not DER a re-encoder would reproduce: a multi-valued RDN out of
        // DER's SET OF order, an INTEGER with a redundant leading zero, a
        // BOOLEAN TRUE other than 0xFF. Certificates are parsed later, by chain.rs.
        let common_name = |value: &[u8]| {
            let name = oid(const_oid::db::rfc4519::CN);
            tlv(SEQUENCE, &[name, tlv(0x0C, value)].concat())
        };
        let unsorted_rdn = tlv(SET, &[common_name(b"zz"), common_name(b"a")].concat());
        let tbs = tlv(
            SEQUENCE,
            &[
                tlv(INTEGER, &[0x00, 0x01]),
                tlv(SEQUENCE, &unsorted_rdn),
                tlv(0x01, &[0x01]),
            ]
            .concat(),
        );
        let odd = tlv(
            SEQUENCE,
            &[
                tbs,
                tlv(SEQUENCE, &oid(const_oid::db::rfc5912::ECDSA_WITH_SHA_256)),
                tlv(0x03, &[0x00, 0x01]),
            ]
            .concat(),
        );
        let (one, _) = two_certificates();
        assert_eq!(
            certificates(&certs_only(&[&odd, &one])).unwrap(),
            vec![odd, one]
        );
    }

    #[test]
    fn skips_crls_and_other_certificate_choices() {
        let (one, two) = two_certificates();
        // `[2]` v2AttrCert; its content is not looked at, so junk stands in for it.
        let attribute = tlv(0xA2, &[0xFF, 0x00, 0x13]);
        // `[3]` OtherCertificateFormat { otherCertFormat OID, otherCert ANY (here NULL) },
        // IMPLICIT as RFC 5652 section 10.2.2 says.
        let other = tlv(
            0xA3,
            &[oid(const_oid::db::rfc5911::ID_DATA), vec![0x05, 0x00]].concat(),
        );
        let [version, digests, encap] = signed_data_head();
        let pkcs7 = content_info(&[
            version,
            digests,
            encap,
            tlv(
                CONTEXT_0,
                &[attribute, one.clone(), other, two.clone()].concat(),
            ),
            tlv(CONTEXT_1, &tlv(SEQUENCE, &[])),
            tlv(SET, &[]),
        ]);
        assert_eq!(certificates(&pkcs7).unwrap(), vec![one, two]);
    }

    #[test]
    fn refuses_other_content_and_junk() {
        let (one, _) = two_certificates();
        let good = certs_only(&[&one]);
        let mut junk = good.clone();
        junk.push(0);
        assert!(matches!(certificates(&junk), Err(Error::Malformed(_))));

        // Junk inside SignedData, after signerInfos.
        let [version, digests, encap] = signed_data_head();
        let inner_junk = content_info(&[
            version,
            digests,
            encap,
            tlv(CONTEXT_0, &one),
            tlv(SET, &[]),
            vec![0x05, 0x00],
        ]);
        assert!(matches!(
            certificates(&inner_junk),
            Err(Error::Malformed(_))
        ));

        // Junk inside the certificate set, where a CertificateChoices belongs.
        let not_a_choice = certs_only(&[&one, &tlv(INTEGER, &[1])]);
        assert!(matches!(
            certificates(&not_a_choice),
            Err(Error::Malformed(_))
        ));

        let empty = certs_only(&[]);
        assert!(matches!(certificates(&empty), Err(Error::Malformed(_))));
        let only_skipped = certs_only(&[&tlv(0xA2, &[])]);
        assert!(matches!(
            certificates(&only_skipped),
            Err(Error::Malformed(_))
        ));

        let signed_data = ID_SIGNED_DATA.as_bytes();
        let mut other_type = good.clone();
        let at = other_type
            .windows(signed_data.len())
            .position(|w| w == signed_data)
            .unwrap();
        other_type[at + signed_data.len() - 1] = 0x01;
        let Err(Error::Malformed(message)) = certificates(&other_type) else {
            panic!("id-data content was accepted");
        };
        assert!(message.contains("1.2.840.113549.1.7.1"), "{message}");
        assert!(certificates(&one).is_err());
    }
}
