//! The enrollment exchange: /cacerts, the properties, then per label /csrattrs + /simpleenroll
//! or /serverkeygen, checking every answer against the pinned root.

use std::collections::BTreeMap;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use reqwest::header::CONTENT_TYPE;
use reqwest::{RequestBuilder, StatusCode};

use crate::chain::CaChain;
use crate::keys::{self, KeyKind};
use crate::{multipart, pkcs7, Activation, Error};

/// One certificate the client now holds, with its private key.
#[derive(Debug, Clone)]
pub struct Enrolled {
    pub label: String,
    pub certificate_der: Vec<u8>,
    pub private_key_pkcs8: Vec<u8>,
    /// The key came from /serverkeygen rather than being made here.
    pub server_generated: bool,
}

/// Everything an activation gave.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub properties: BTreeMap<String, String>,
    /// Issuing CA then root, all verified against the pin.
    pub ca_chain_der: Vec<Vec<u8>>,
    /// `enroll` labels first, then `keygen` labels, each in link order.
    pub enrolled: Vec<Enrolled>,
}

/// Runs the whole activation. Stops at the first refusal or failed check; certificates already
/// issued by then are dropped with it (the result is all or nothing).
pub async fn enroll(client: &reqwest::Client, activation: &Activation) -> Result<Outcome, Error> {
    let first = activation
        .enroll
        .first()
        .or(activation.keygen.first())
        .ok_or_else(|| Error::Link("the activation names no label to enroll".into()))?;
    let est = Est { client, activation };
    let chain = est.ca_chain(first).await?;
    // Before any enrollment: the last one uses up the code, and these need it.
    let properties = est.properties().await?;
    let mut enrolled = Vec::new();
    for label in &activation.enroll {
        enrolled.push(est.simple_enroll(label, &chain).await?);
    }
    for label in &activation.keygen {
        enrolled.push(est.server_keygen(label, &chain).await?);
    }
    Ok(Outcome {
        properties,
        ca_chain_der: chain.ders(),
        enrolled,
    })
}

struct Est<'a> {
    client: &'a reqwest::Client,
    activation: &'a Activation,
}

/// A successful answer.
struct Answer {
    status: StatusCode,
    content_type: String,
    body: Vec<u8>,
}

impl Est<'_> {
    fn url(&self, label: &str, operation: &str) -> String {
        format!(
            "{}/.well-known/est/{label}/{operation}",
            self.activation.origin
        )
    }

    fn authenticated(&self, request: RequestBuilder) -> RequestBuilder {
        request.basic_auth(&self.activation.id, Some(&self.activation.code))
    }

    async fn ca_chain(&self, label: &str) -> Result<CaChain, Error> {
        let answer = send(self.client.get(self.url(label, "cacerts"))).await?;
        let certs = pkcs7::certificates(&base64_body(&answer.body, "/cacerts")?)?;
        CaChain::from_cacerts(&certs, &self.activation.pin)
    }

    async fn properties(&self) -> Result<BTreeMap<String, String>, Error> {
        let url = format!("{}/mobile-id/api/properties", self.activation.origin);
        let answer = send(self.authenticated(self.client.get(url))).await?;
        let value: serde_json::Value = serde_json::from_slice(&answer.body)
            .map_err(|e| Error::Malformed(format!("the properties are not JSON ({e})")))?;
        let serde_json::Value::Object(object) = value else {
            return Err(Error::Malformed(
                "the properties are not a JSON object".into(),
            ));
        };
        Ok(object
            .into_iter()
            .map(|(key, value)| match value {
                serde_json::Value::String(text) => (key, text),
                other => (key, other.to_string()),
            })
            .collect())
    }

    async fn key_kind(&self, label: &str) -> Result<KeyKind, Error> {
        let answer = send(self.client.get(self.url(label, "csrattrs"))).await?;
        // RFC 7030 lets a server without attributes answer 204.
        if answer.status == StatusCode::NO_CONTENT {
            return Ok(KeyKind::P256);
        }
        KeyKind::from_csrattrs(&base64_body(&answer.body, "/csrattrs")?)
    }

    async fn simple_enroll(&self, label: &str, chain: &CaChain) -> Result<Enrolled, Error> {
        let kind = self.key_kind(label).await?;
        // RSA generation takes long enough to stall a server sharing this runtime (as in tests).
        let key = tokio::task::spawn_blocking(move || keys::generate(kind))
            .await
            .map_err(|e| Error::Key(format!("key generation stopped: {e}")))??;
        let csr = keys::csr(&key)?;
        let answer = self.post_csr(label, "simpleenroll", &csr).await?;
        let certificate =
            issued_certificate(&answer.body, "simpleenroll", label, key.public_key_raw())?;
        chain.check_leaf(label, &certificate, key.public_key_raw())?;
        Ok(Enrolled {
            label: label.to_string(),
            certificate_der: certificate,
            private_key_pkcs8: key.serialize_der(),
            server_generated: false,
        })
    }

    async fn server_keygen(&self, label: &str, chain: &CaChain) -> Result<Enrolled, Error> {
        // The server ignores this key; the CSR only has to be well-formed and signed.
        let throwaway = keys::generate(KeyKind::P256)?;
        let csr = keys::csr(&throwaway)?;
        let answer = self.post_csr(label, "serverkeygen", &csr).await?;
        let boundary = multipart::boundary(&answer.content_type)?;
        let parts = multipart::parse(answer.body, &boundary).await?;

        let mut key = None;
        let mut pkcs7 = None;
        for part in &parts {
            match part.content_type.essence_str() {
                "application/pkcs8" if key.is_none() => {
                    key = Some(base64_body(&part.body, "the serverkeygen key")?);
                }
                "application/pkcs7-mime" if is_encrypted_key(&part.content_type) => {
                    return Err(Error::Malformed(
                        "the server sent an encrypted key, which this client does not ask for"
                            .into(),
                    ));
                }
                "application/pkcs7-mime" if pkcs7.is_none() => pkcs7 = Some(&part.body),
                _ => {}
            }
        }
        let missing = |what: &str| {
            Error::Malformed(format!(
                "the serverkeygen answer for {label:?} has no {what} part"
            ))
        };
        let key = key.ok_or_else(|| missing("application/pkcs8"))?;
        let pkcs7 = pkcs7.ok_or_else(|| missing("application/pkcs7-mime"))?;
        let public_key = keys::public_key_of_pkcs8(&key)?;
        let certificate = issued_certificate(pkcs7, "serverkeygen", label, &public_key)?;
        chain.check_leaf(label, &certificate, &public_key)?;
        Ok(Enrolled {
            label: label.to_string(),
            certificate_der: certificate,
            private_key_pkcs8: key,
            server_generated: true,
        })
    }

    async fn post_csr(&self, label: &str, operation: &str, csr: &[u8]) -> Result<Answer, Error> {
        let request = self
            .client
            .post(self.url(label, operation))
            .header(CONTENT_TYPE, "application/pkcs10")
            // Required by RFC 7030, dropped by RFC 8951; servers of either era accept it.
            .header("Content-Transfer-Encoding", "base64")
            .body(STANDARD.encode(csr));
        send(self.authenticated(request)).await
    }
}

/// The issued certificate is the one for the key it was requested for: the PKCS#7 may carry CA
/// certificates too, in whatever order the server chose.
fn issued_certificate(
    body: &[u8],
    what: &str,
    label: &str,
    public_key: &[u8],
) -> Result<Vec<u8>, Error> {
    let certs = pkcs7::certificates(&base64_body(body, what)?)?;
    let count = certs.len();
    certs
        .into_iter()
        .find(|der| {
            x509_parser::parse_x509_certificate(der).is_ok_and(|(_, cert)| {
                cert.public_key().subject_public_key.data.as_ref() == public_key
            })
        })
        .ok_or_else(|| {
            Error::Untrusted(format!(
                "no certificate in the {what} answer for {label:?} certifies the key it was \
                 requested for ({count} checked)"
            ))
        })
}

/// `smime-type=server-generated-key`: a key encrypted to the client (RFC 7030 section 4.4.2).
fn is_encrypted_key(content_type: &mime::Mime) -> bool {
    content_type
        .get_param("smime-type")
        .is_some_and(|kind| kind.as_str().eq_ignore_ascii_case("server-generated-key"))
}

/// 200, or 204 where EST allows it; anything else is the server's refusal.
async fn send(request: RequestBuilder) -> Result<Answer, Error> {
    let response = request.send().await.map_err(Error::Transport)?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = response.bytes().await.map_err(Error::Transport)?.to_vec();
    if status != StatusCode::OK && status != StatusCode::NO_CONTENT {
        return Err(Error::Http {
            status: status.as_u16(),
            message: server_message(status, &body),
        });
    }
    Ok(Answer {
        status,
        content_type,
        body,
    })
}

fn server_message(status: StatusCode, body: &[u8]) -> String {
    const LIMIT: usize = 500;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return status
            .canonical_reason()
            .unwrap_or("no message")
            .to_string();
    }
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// EST bodies are base64 with line breaks; some encoders also drop the padding.
fn base64_body(body: &[u8], what: &str) -> Result<Vec<u8>, Error> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if compact.is_empty() {
        return Err(Error::Malformed(format!("{what} answer is empty")));
    }
    LENIENT
        .decode(&compact)
        .map_err(|e| Error::Malformed(format!("{what} answer is not base64 ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::tests::TestPki;
    use crate::pkcs7::tests::certs_only;

    #[test]
    fn picks_the_issued_certificate_by_its_key() {
        let pki = TestPki::new();
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let leaf = pki.issue(&key);
        let chain =
            CaChain::from_cacerts(&[pki.root.clone(), pki.issuing.clone()], &pki.pin).unwrap();
        for certs in [
            [&pki.issuing[..], &leaf, &pki.root],
            [&pki.root[..], &pki.issuing, &leaf],
        ] {
            let body = STANDARD.encode(certs_only(&certs));
            let issued = issued_certificate(
                body.as_bytes(),
                "simpleenroll",
                "auth",
                key.public_key_raw(),
            )
            .unwrap();
            assert_eq!(issued, leaf);
            chain
                .check_leaf("auth", &issued, key.public_key_raw())
                .unwrap();
        }

        let stranger = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let body = STANDARD.encode(certs_only(&[&pki.issuing, &leaf]));
        let Err(Error::Untrusted(message)) = issued_certificate(
            body.as_bytes(),
            "simpleenroll",
            "auth",
            stranger.public_key_raw(),
        ) else {
            panic!("a certificate for another key was taken as issued");
        };
        assert!(message.contains("(2 checked)"), "{message}");
    }

    #[test]
    fn tells_an_encrypted_key_apart() {
        let encrypted: mime::Mime = "application/pkcs7-mime; smime-type=server-generated-key"
            .parse()
            .unwrap();
        let certs: mime::Mime = "application/pkcs7-mime; smime-type=certs-only"
            .parse()
            .unwrap();
        assert!(is_encrypted_key(&encrypted));
        assert!(!is_encrypted_key(&certs));
        assert!(!is_encrypted_key(&mime::APPLICATION_OCTET_STREAM));
    }

    #[test]
    fn base64_bodies_with_line_breaks() {
        assert_eq!(base64_body(b"SGVs\r\nbG8=\n", "x").unwrap(), b"Hello");
        assert_eq!(base64_body(b"SGVsbG8", "x").unwrap(), b"Hello");
        assert!(base64_body(b"  \r\n", "x").is_err());
        assert!(base64_body(b"<html>", "x").is_err());
    }

    #[test]
    fn server_messages() {
        assert_eq!(
            server_message(StatusCode::CONFLICT, b" already enrolled\n"),
            "already enrolled"
        );
        assert_eq!(
            server_message(StatusCode::UNAUTHORIZED, b""),
            "Unauthorized"
        );
        let long = "x".repeat(2000);
        assert_eq!(
            server_message(StatusCode::BAD_REQUEST, long.as_bytes())
                .chars()
                .count(),
            501
        );
    }
}
