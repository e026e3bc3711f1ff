//! Key pairs and CSRs: the key type a label's /csrattrs asks for, generating it, and the PKCS#10
//! request that carries it.

use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ID_EC_PUBLIC_KEY, RSA_ENCRYPTION, SECP_256_R_1,
    SECP_384_R_1, SHA_256_WITH_RSA_ENCRYPTION,
};
use const_oid::ObjectIdentifier;
use der::{Choice, Decode as _};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
use x509_cert::attr::Attribute;

use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    P256,
    P384,
    Rsa(u32),
}

/// `CsrAttrs ::= SEQUENCE SIZE (0..MAX) OF AttrOrOID` (RFC 7030 section 4.5.2).
type CsrAttrs = Vec<AttrOrOid>;

/// `AttrOrOID ::= CHOICE { oid OBJECT IDENTIFIER, attribute Attribute }`
#[derive(Debug, Choice)]
enum AttrOrOid {
    Oid(ObjectIdentifier),
    Attribute(Attribute),
}

impl KeyKind {
    /// Reads CsrAttrs (RFC 7030 section 4.5.2). A key attribute (id-ecPublicKey with a curve,
    /// rsaEncryption with a size) decides; failing that a bare signature or curve OID hints; with
    /// nothing usable, P-256.
    pub fn from_csrattrs(der: &[u8]) -> Result<KeyKind, Error> {
        if der.is_empty() {
            return Ok(KeyKind::P256);
        }
        let attrs = CsrAttrs::from_der(der).map_err(|e| malformed("CsrAttrs", e))?;
        let mut hint = None;
        for item in &attrs {
            match item {
                AttrOrOid::Oid(oid) => hint = hint.or(hinted_kind(oid)),
                AttrOrOid::Attribute(attribute) => {
                    if let Some(kind) = key_attribute(attribute)? {
                        return Ok(kind);
                    }
                }
            }
        }
        Ok(hint.unwrap_or(KeyKind::P256))
    }

    pub fn name(self) -> String {
        match self {
            KeyKind::P256 => "P-256".into(),
            KeyKind::P384 => "P-384".into(),
            KeyKind::Rsa(bits) => format!("RSA-{bits}"),
        }
    }
}

/// What a bare OID in CsrAttrs suggests: a signature algorithm or a curve.
fn hinted_kind(oid: &ObjectIdentifier) -> Option<KeyKind> {
    match *oid {
        SHA_256_WITH_RSA_ENCRYPTION | RSA_ENCRYPTION => Some(KeyKind::Rsa(2048)),
        ECDSA_WITH_SHA_256 | SECP_256_R_1 => Some(KeyKind::P256),
        ECDSA_WITH_SHA_384 | SECP_384_R_1 => Some(KeyKind::P384),
        _ => None,
    }
}

/// The key type an attribute asks for, if it is a key attribute at all.
fn key_attribute(attribute: &Attribute) -> Result<Option<KeyKind>, Error> {
    // A SET OF comes sorted, not in the server's order, so no value can be taken as the first.
    let mut values = attribute.values.iter();
    match attribute.oid {
        ID_EC_PUBLIC_KEY => {
            let curves = values
                .map(|value| value.decode_as::<ObjectIdentifier>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| malformed("CsrAttrs curve", e))?;
            if let Some(kind) = curves.iter().find_map(|curve| match *curve {
                SECP_256_R_1 => Some(KeyKind::P256),
                SECP_384_R_1 => Some(KeyKind::P384),
                _ => None,
            }) {
                return Ok(Some(kind));
            }
            if curves.is_empty() {
                return Err(Error::Malformed(
                    "CsrAttrs: id-ecPublicKey without a curve".into(),
                ));
            }
            let curves: Vec<String> = curves.iter().map(ToString::to_string).collect();
            Err(Error::Key(format!(
                "the server asks for curve {}, which this client does not support",
                curves.join(" or ")
            )))
        }
        RSA_ENCRYPTION => {
            let bits = match values.next() {
                Some(size) => size
                    .decode_as::<u32>()
                    .map_err(|e| malformed("CsrAttrs RSA key size", e))?,
                None => 2048,
            };
            // ring signs only with moduli of 2048 bits and more.
            if !(2048..=4096).contains(&bits) || bits % 1024 != 0 {
                return Err(Error::Key(format!(
                    "the server asks for RSA-{bits}; this client makes 2048, 3072 or 4096"
                )));
            }
            Ok(Some(KeyKind::Rsa(bits)))
        }
        _ => Ok(None),
    }
}

fn malformed(what: &str, error: der::Error) -> Error {
    Error::Malformed(format!("{what}: {error}"))
}

/// Slow for RSA (seconds in a debug build): call it off the async runtime.
pub fn generate(kind: KeyKind) -> Result<KeyPair, Error> {
    let key_error = |e: rcgen::Error| Error::Key(format!("cannot make a {} key: {e}", kind.name()));
    match kind {
        KeyKind::P256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(key_error),
        KeyKind::P384 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).map_err(key_error),
        KeyKind::Rsa(bits) => {
            use rsa::pkcs8::EncodePrivateKey as _;
            // ring cannot generate RSA keys, so the rsa crate does and rcgen signs with it.
            let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits as usize)
                .map_err(|e| Error::Key(format!("cannot make an RSA-{bits} key: {e}")))?;
            let pkcs8 = key
                .to_pkcs8_der()
                .map_err(|e| Error::Key(format!("cannot encode the RSA key: {e}")))?;
            KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8.as_bytes().into(), &rcgen::PKCS_RSA_SHA256)
                .map_err(key_error)
        }
    }
}

/// A PKCS#10 request signed by `key`. The server takes only the key from it, so the subject is a
/// fixed placeholder.
pub fn csr(key: &KeyPair) -> Result<Vec<u8>, Error> {
    let mut params = CertificateParams::default();
    let mut subject = DistinguishedName::new();
    subject.push(DnType::CommonName, "Tessera mobile ID");
    params.distinguished_name = subject;
    let request = params
        .serialize_request(key)
        .map_err(|e| Error::Key(format!("cannot make the CSR: {e}")))?;
    Ok(request.der().to_vec())
}

/// The public key of a delivered PKCS#8 private key, in the form a certificate's
/// subjectPublicKey BIT STRING holds it.
pub fn public_key_of_pkcs8(pkcs8: &[u8]) -> Result<Vec<u8>, Error> {
    let key = KeyPair::try_from(pkcs8).map_err(|e| {
        Error::Key(format!(
            "the server's private key is not a PKCS#8 key this client can read: {e}"
        ))
    })?;
    Ok(key.public_key_raw().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pkcs7::tests::{oid, tlv, INTEGER, SEQUENCE, SET};
    use x509_parser::prelude::FromDer as _;

    fn attr(kind: ObjectIdentifier, value: Vec<u8>) -> Vec<u8> {
        tlv(SEQUENCE, &[oid(kind), tlv(SET, &value)].concat())
    }

    #[test]
    fn reads_the_contract_csrattrs() {
        let p256 = tlv(
            SEQUENCE,
            &[
                oid(ECDSA_WITH_SHA_256),
                attr(ID_EC_PUBLIC_KEY, oid(SECP_256_R_1)),
            ]
            .concat(),
        );
        assert_eq!(KeyKind::from_csrattrs(&p256).unwrap(), KeyKind::P256);

        let rsa = tlv(
            SEQUENCE,
            &[
                oid(SHA_256_WITH_RSA_ENCRYPTION),
                attr(RSA_ENCRYPTION, tlv(INTEGER, &[0x0C, 0x00])),
            ]
            .concat(),
        );
        assert_eq!(KeyKind::from_csrattrs(&rsa).unwrap(), KeyKind::Rsa(3072));

        // The key attribute wins over a bare hint, wherever it stands.
        let p384 = tlv(
            SEQUENCE,
            &[
                oid(ECDSA_WITH_SHA_256),
                attr(ID_EC_PUBLIC_KEY, oid(SECP_384_R_1)),
            ]
            .concat(),
        );
        assert_eq!(KeyKind::from_csrattrs(&p384).unwrap(), KeyKind::P384);
        let sizeless = tlv(SEQUENCE, &attr(RSA_ENCRYPTION, Vec::new()));
        assert_eq!(
            KeyKind::from_csrattrs(&sizeless).unwrap(),
            KeyKind::Rsa(2048)
        );
    }

    #[test]
    fn defaults_and_hints() {
        assert_eq!(KeyKind::from_csrattrs(&[]).unwrap(), KeyKind::P256);
        let empty = tlv(SEQUENCE, &[]);
        assert_eq!(KeyKind::from_csrattrs(&empty).unwrap(), KeyKind::P256);
        let bare_rsa = tlv(
            SEQUENCE,
            &[
                oid(const_oid::db::rfc2985::PKCS_9_AT_CHALLENGE_PASSWORD),
                oid(SHA_256_WITH_RSA_ENCRYPTION),
            ]
            .concat(),
        );
        assert_eq!(
            KeyKind::from_csrattrs(&bare_rsa).unwrap(),
            KeyKind::Rsa(2048)
        );
        let bare_p384 = tlv(SEQUENCE, &oid(ECDSA_WITH_SHA_384));
        assert_eq!(KeyKind::from_csrattrs(&bare_p384).unwrap(), KeyKind::P384);
        // An attribute that names no key type leaves the hint to decide.
        let other = tlv(
            SEQUENCE,
            &[
                attr(const_oid::db::rfc5912::ID_EXTENSION_REQ, tlv(SEQUENCE, &[])),
                oid(SECP_384_R_1),
            ]
            .concat(),
        );
        assert_eq!(KeyKind::from_csrattrs(&other).unwrap(), KeyKind::P384);
    }

    #[test]
    fn refuses_what_it_cannot_make() {
        let curve = tlv(
            SEQUENCE,
            &attr(ID_EC_PUBLIC_KEY, oid(const_oid::db::rfc5912::SECP_521_R_1)),
        );
        let Err(Error::Key(message)) = KeyKind::from_csrattrs(&curve) else {
            panic!("P-521 was accepted");
        };
        assert!(message.contains("1.3.132.0.35"), "{message}");
        let small = tlv(SEQUENCE, &attr(RSA_ENCRYPTION, tlv(INTEGER, &[0x04, 0x00])));
        assert!(matches!(KeyKind::from_csrattrs(&small), Err(Error::Key(_))));
        let odd = tlv(SEQUENCE, &attr(RSA_ENCRYPTION, tlv(INTEGER, &[0x0A, 0x00])));
        assert!(matches!(KeyKind::from_csrattrs(&odd), Err(Error::Key(_))));
    }

    #[test]
    fn refuses_malformed_csrattrs() {
        let negative = tlv(SEQUENCE, &attr(RSA_ENCRYPTION, tlv(INTEGER, &[0xF8])));
        let no_curve = tlv(SEQUENCE, &attr(ID_EC_PUBLIC_KEY, Vec::new()));
        let mut trailing = tlv(SEQUENCE, &oid(SECP_256_R_1));
        trailing.push(0);
        for der in [negative, no_curve, trailing, vec![0x30, 0x05, 0x06]] {
            assert!(
                matches!(KeyKind::from_csrattrs(&der), Err(Error::Malformed(_))),
                "{der:02X?}"
            );
        }
    }

    #[test]
    fn csr_carries_the_key() {
        let key = generate(KeyKind::P256).unwrap();
        let request = csr(&key).unwrap();
        let (_, parsed) =
            x509_parser::certification_request::X509CertificationRequest::from_der(&request)
                .unwrap();
        parsed.verify_signature().unwrap();
        let info = &parsed.certification_request_info;
        assert_eq!(
            info.subject_pki.subject_public_key.data.as_ref(),
            key.public_key_raw()
        );
        assert_eq!(info.subject.to_string(), "CN=Tessera mobile ID");
        assert_eq!(
            public_key_of_pkcs8(&key.serialize_der()).unwrap(),
            key.public_key_raw()
        );
    }

    #[test]
    fn rsa_keys_sign_csrs() {
        let key = generate(KeyKind::Rsa(2048)).unwrap();
        let request = csr(&key).unwrap();
        let (_, parsed) =
            x509_parser::certification_request::X509CertificationRequest::from_der(&request)
                .unwrap();
        parsed.verify_signature().unwrap();
        assert_eq!(
            public_key_of_pkcs8(&key.serialize_der()).unwrap(),
            key.public_key_raw()
        );
    }
}
