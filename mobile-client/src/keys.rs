//! Key pairs and CSRs: the key type a label's /csrattrs asks for, generating it, and the PKCS#10
//! request that carries it.

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};

use crate::der::{self, oid, Reader};
use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    P256,
    P384,
    Rsa(u32),
}

impl KeyKind {
    /// Reads CsrAttrs (RFC 7030 section 4.5.2). A key attribute (id-ecPublicKey with a curve,
    /// rsaEncryption with a size) decides; failing that a bare signature or curve OID hints; with
    /// nothing usable, P-256.
    pub fn from_csrattrs(der: &[u8]) -> Result<KeyKind, Error> {
        let mut outer = Reader::new(der);
        if outer.is_empty() {
            return Ok(KeyKind::P256);
        }
        let attrs = outer.expect(der::SEQUENCE, "CsrAttrs")?;
        outer.finish("CsrAttrs")?;

        let mut hint = None;
        let mut items = attrs.children();
        while !items.is_empty() {
            let item = items.read()?;
            match item.tag {
                der::OID => {
                    hint = hint.or(match item.content {
                        oid::SHA256_WITH_RSA | oid::RSA_ENCRYPTION => Some(KeyKind::Rsa(2048)),
                        oid::ECDSA_SHA256 | oid::PRIME256V1 => Some(KeyKind::P256),
                        oid::ECDSA_SHA384 | oid::SECP384R1 => Some(KeyKind::P384),
                        _ => None,
                    })
                }
                der::SEQUENCE => {
                    if let Some(kind) = key_attribute(item.children())? {
                        return Ok(kind);
                    }
                }
                _ => {}
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

/// `Attribute ::= SEQUENCE { type OID, values SET }`, when it names a key type.
fn key_attribute(mut fields: Reader<'_>) -> Result<Option<KeyKind>, Error> {
    let kind = fields.expect(der::OID, "CsrAttrs attribute type")?;
    let values = fields.expect(der::SET, "CsrAttrs attribute values")?;
    let mut values = values.children();
    match kind.content {
        oid::EC_PUBLIC_KEY => {
            let curve = values.expect(der::OID, "CsrAttrs curve")?;
            match curve.content {
                oid::PRIME256V1 => Ok(Some(KeyKind::P256)),
                oid::SECP384R1 => Ok(Some(KeyKind::P384)),
                other => Err(Error::Key(format!(
                    "the server asks for curve {}, which this client does not support",
                    der::oid_to_string(other)
                ))),
            }
        }
        oid::RSA_ENCRYPTION => {
            let bits = match values.read() {
                Ok(size) => der::small_uint(&size)?,
                Err(_) => 2048,
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
    use crate::pkcs7::tests::tlv;
    use x509_parser::prelude::FromDer as _;

    fn attr(kind: &[u8], value: Vec<u8>) -> Vec<u8> {
        tlv(
            der::SEQUENCE,
            &[tlv(der::OID, kind), tlv(der::SET, &value)].concat(),
        )
    }

    #[test]
    fn reads_the_contract_csrattrs() {
        let p256 = tlv(
            der::SEQUENCE,
            &[
                tlv(der::OID, oid::ECDSA_SHA256),
                attr(oid::EC_PUBLIC_KEY, tlv(der::OID, oid::PRIME256V1)),
            ]
            .concat(),
        );
        assert_eq!(KeyKind::from_csrattrs(&p256).unwrap(), KeyKind::P256);

        let rsa = tlv(
            der::SEQUENCE,
            &[
                tlv(der::OID, oid::SHA256_WITH_RSA),
                attr(oid::RSA_ENCRYPTION, tlv(der::INTEGER, &[0x08, 0x00])),
            ]
            .concat(),
        );
        assert_eq!(KeyKind::from_csrattrs(&rsa).unwrap(), KeyKind::Rsa(2048));
    }

    #[test]
    fn defaults_and_hints() {
        assert_eq!(KeyKind::from_csrattrs(&[]).unwrap(), KeyKind::P256);
        let empty = tlv(der::SEQUENCE, &[]);
        assert_eq!(KeyKind::from_csrattrs(&empty).unwrap(), KeyKind::P256);
        let challenge = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x07];
        let bare_rsa = tlv(
            der::SEQUENCE,
            &[
                tlv(der::OID, &challenge),
                tlv(der::OID, oid::SHA256_WITH_RSA),
            ]
            .concat(),
        );
        assert_eq!(
            KeyKind::from_csrattrs(&bare_rsa).unwrap(),
            KeyKind::Rsa(2048)
        );
    }

    #[test]
    fn refuses_what_it_cannot_make() {
        let p521 = [0x2B, 0x81, 0x04, 0x00, 0x23];
        let curve = tlv(
            der::SEQUENCE,
            &attr(oid::EC_PUBLIC_KEY, tlv(der::OID, &p521)),
        );
        assert!(matches!(KeyKind::from_csrattrs(&curve), Err(Error::Key(_))));
        let small = tlv(
            der::SEQUENCE,
            &attr(oid::RSA_ENCRYPTION, tlv(der::INTEGER, &[0x04, 0x00])),
        );
        assert!(matches!(KeyKind::from_csrattrs(&small), Err(Error::Key(_))));
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
