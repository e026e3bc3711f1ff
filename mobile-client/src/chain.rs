//! Trust: the root CA is whichever /cacerts certificate has the key the link pins; the issuing CA
//! and every issued certificate must chain to it. Nothing else (no system roots, no TLS) makes a
//! certificate trusted.

use sha2::{Digest as _, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::x509::X509Name;

use crate::link::decode_pin;
use crate::Error;

/// The verified CA certificates, as DER.
#[derive(Debug, Clone)]
pub struct CaChain {
    pub issuing: Vec<u8>,
    pub root: Vec<u8>,
}

impl CaChain {
    pub fn from_cacerts(certs: &[Vec<u8>], pin: &str) -> Result<CaChain, Error> {
        let digest = decode_pin(pin)?;
        let parsed = certs
            .iter()
            .map(|der| parse(der, "a /cacerts certificate"))
            .collect::<Result<Vec<_>, _>>()?;
        let root_at = parsed
            .iter()
            .position(|cert| Sha256::digest(cert.public_key().raw).as_slice() == digest)
            .ok_or(Error::PinMismatch)?;
        let root = &parsed[root_at];
        root.verify_signature(None).map_err(|e| {
            Error::Untrusted(format!(
                "the pinned root CA {} is not validly self-signed ({e})",
                root.subject()
            ))
        })?;
        require_ca(root, "the pinned root")?;

        let others: Vec<usize> = (0..certs.len())
            .filter(|&at| certs[at] != certs[root_at])
            .collect();
        let signed_by_root = others.iter().copied().find(|&at| {
            same_name(parsed[at].issuer(), root.subject())
                && parsed[at].verify_signature(Some(root.public_key())).is_ok()
        });
        let issuing_at = match signed_by_root {
            Some(at) => at,
            // A root that issues directly still gives a sound chain.
            None if others.is_empty() => root_at,
            None => {
                return Err(Error::Untrusted(format!(
                    "no certificate in /cacerts is signed by the pinned root CA {} (found {})",
                    root.subject(),
                    others
                        .iter()
                        .map(|&at| parsed[at].subject().to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                )))
            }
        };
        require_ca(&parsed[issuing_at], "the issuing CA")?;
        Ok(CaChain {
            issuing: certs[issuing_at].clone(),
            root: certs[root_at].clone(),
        })
    }

    /// Issuing CA then root; the root alone when it is also the issuer.
    pub fn ders(&self) -> Vec<Vec<u8>> {
        if self.issuing == self.root {
            vec![self.root.clone()]
        } else {
            vec![self.issuing.clone(), self.root.clone()]
        }
    }

    /// `leaf` must be signed by the issuing CA and certify `public_key` (the subjectPublicKey
    /// bits).
    pub fn check_leaf(&self, label: &str, leaf: &[u8], public_key: &[u8]) -> Result<(), Error> {
        let what = format!("the certificate for {label:?}");
        let issuing = parse(&self.issuing, "the issuing CA")?;
        let leaf = parse(leaf, &what)?;
        if !same_name(leaf.issuer(), issuing.subject()) {
            return Err(Error::Untrusted(format!(
                "{what} was issued by {}, not by the issuing CA {}",
                leaf.issuer(),
                issuing.subject()
            )));
        }
        leaf.verify_signature(Some(issuing.public_key()))
            .map_err(|e| {
                Error::Untrusted(format!(
                    "{what} is not signed by the issuing CA {} ({e})",
                    issuing.subject()
                ))
            })?;
        if leaf.public_key().subject_public_key.data.as_ref() != public_key {
            return Err(Error::Untrusted(format!(
                "{what} certifies a different public key than the one it was requested for"
            )));
        }
        Ok(())
    }
}

fn parse<'a>(der: &'a [u8], what: &str) -> Result<X509Certificate<'a>, Error> {
    match x509_parser::parse_x509_certificate(der) {
        Ok(([], cert)) => Ok(cert),
        Ok(_) => Err(Error::Malformed(format!("{what} has trailing bytes"))),
        Err(e) => Err(Error::Malformed(format!(
            "{what} is not a certificate: {e}"
        ))),
    }
}

/// Byte equality, or failing that the same text: encoders differ in string types
/// (PrintableString against UTF8String) for what is the same name.
fn same_name(a: &X509Name<'_>, b: &X509Name<'_>) -> bool {
    a.as_raw() == b.as_raw() || a.to_string() == b.to_string()
}

fn require_ca(cert: &X509Certificate<'_>, what: &str) -> Result<(), Error> {
    if cert.is_ca() {
        Ok(())
    } else {
        Err(Error::Untrusted(format!(
            "{what} {} is not a CA certificate (basicConstraints CA:TRUE missing)",
            cert.subject()
        )))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

    /// A root and an issuing CA below it; `issue` makes leaves.
    pub(crate) struct TestPki {
        pub(crate) root: Vec<u8>,
        pub(crate) issuing: Vec<u8>,
        pub(crate) pin: String,
        issuing_key: KeyPair,
        issuing_params: CertificateParams,
    }

    fn ca_params(name: &str) -> CertificateParams {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
    }

    impl TestPki {
        pub(crate) fn new() -> TestPki {
            let root_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
            let root_params = ca_params("Test Root");
            let root = root_params.self_signed(&root_key).unwrap();
            let root_issuer = Issuer::new(root_params, &root_key);
            let issuing_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
            let issuing_params = ca_params("Test Issuing");
            let issuing = issuing_params
                .signed_by(&issuing_key, &root_issuer)
                .unwrap();
            let root_cert = x509_parser::parse_x509_certificate(root.der()).unwrap().1;
            let pin = URL_SAFE_NO_PAD.encode(Sha256::digest(root_cert.public_key().raw));
            TestPki {
                root: root.der().to_vec(),
                issuing: issuing.der().to_vec(),
                pin,
                issuing_key,
                issuing_params,
            }
        }

        pub(crate) fn issue(&self, key: &KeyPair) -> Vec<u8> {
            let issuer = Issuer::new(self.issuing_params.clone(), &self.issuing_key);
            let params = CertificateParams::new(vec!["leaf.example".to_string()]).unwrap();
            params.signed_by(key, &issuer).unwrap().der().to_vec()
        }
    }

    #[test]
    fn finds_root_by_pin_and_issuing_ca_in_any_order() {
        let pki = TestPki::new();
        let chain =
            CaChain::from_cacerts(&[pki.root.clone(), pki.issuing.clone()], &pki.pin).unwrap();
        assert_eq!(chain.ders(), vec![pki.issuing.clone(), pki.root.clone()]);
        let chain =
            CaChain::from_cacerts(&[pki.issuing.clone(), pki.root.clone()], &pki.pin).unwrap();
        assert_eq!(chain.issuing, pki.issuing);

        let leaf_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let leaf = pki.issue(&leaf_key);
        chain
            .check_leaf("auth", &leaf, leaf_key.public_key_raw())
            .unwrap();
        let other_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        assert!(matches!(
            chain.check_leaf("auth", &leaf, other_key.public_key_raw()),
            Err(Error::Untrusted(_))
        ));
    }

    #[test]
    fn refuses_a_wrong_pin_and_a_foreign_issuer() {
        let pki = TestPki::new();
        let stranger = TestPki::new();
        let both = [pki.root.clone(), pki.issuing.clone()];
        assert!(matches!(
            CaChain::from_cacerts(&both, &stranger.pin),
            Err(Error::PinMismatch)
        ));
        // The stranger's issuing CA has the same name as ours but another key.
        assert!(matches!(
            CaChain::from_cacerts(&[pki.root.clone(), stranger.issuing.clone()], &pki.pin),
            Err(Error::Untrusted(_))
        ));
        let chain = CaChain::from_cacerts(&both, &pki.pin).unwrap();
        let leaf_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let forged = stranger.issue(&leaf_key);
        assert!(matches!(
            chain.check_leaf("auth", &forged, leaf_key.public_key_raw()),
            Err(Error::Untrusted(_))
        ));
    }
}
