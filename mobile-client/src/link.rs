//! The activation link: `<public_url>/mobile-id#v=1&id=..&c=..&pin=..&enroll=..&keygen=..`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::Error;

/// What the activation link tells the phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activation {
    /// `scheme://host[:port]` of the link; the EST server lives there.
    pub origin: String,
    /// The activation id (16 lowercase hex characters).
    pub id: String,
    /// The one-time activation code (22 base64url characters); with `id`, the Basic credentials.
    pub code: String,
    /// base64url SHA-256 of the root CA's SubjectPublicKeyInfo.
    pub pin: String,
    /// Labels whose key the client generates (`simpleenroll`).
    pub enroll: Vec<String>,
    /// Labels whose key the server generates (`serverkeygen`).
    pub keygen: Vec<String>,
}

const KNOWN: [&str; 6] = ["v", "id", "c", "pin", "enroll", "keygen"];

impl Activation {
    pub fn parse(link: &str) -> Result<Activation, Error> {
        let link = link.trim();
        let url = reqwest::Url::parse(link)
            .map_err(|e| Error::Link(format!("{link:?} is not a URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::Link(format!(
                "the link must be http or https, not {}",
                url.scheme()
            )));
        }
        let origin = url.origin().ascii_serialization();
        let fragment = url.fragment().filter(|f| !f.is_empty()).ok_or_else(|| {
            Error::Link("the link has no #fragment with the activation parameters".into())
        })?;

        let mut params: [Option<String>; KNOWN.len()] = Default::default();
        for pair in fragment.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = percent_decode(name)?;
            let Some(slot) = KNOWN.iter().position(|known| *known == name) else {
                continue;
            };
            // Two values would leave it to chance which one the server meant.
            if params[slot].is_some() {
                return Err(Error::Link(format!("parameter `{name}` appears twice")));
            }
            params[slot] = Some(percent_decode(value)?);
        }
        let [v, id, code, pin, enroll, keygen] = params;

        let v = required(v, "v", "protocol version")?;
        if v != "1" {
            return Err(Error::Link(format!(
                "protocol version v={v} is not supported; this client speaks v=1"
            )));
        }
        let id = required(id, "id", "activation id")?;
        if id.len() != 16
            || !id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(Error::Link(format!(
                "activation id {id:?} is not 16 lowercase hex characters"
            )));
        }
        let code = required(code, "c", "activation code")?;
        if code.len() != 22 || !code.bytes().all(is_base64url) {
            return Err(Error::Link(
                "the activation code is not 22 base64url characters".into(),
            ));
        }
        let pin = required(pin, "pin", "root CA pin")?;
        let pin = pin.trim_end_matches('=').to_string();
        decode_pin(&pin)?;
        let enroll = labels(enroll.as_deref().unwrap_or(""), "enroll")?;
        let keygen = labels(keygen.as_deref().unwrap_or(""), "keygen")?;
        if enroll.is_empty() && keygen.is_empty() {
            return Err(Error::Link(
                "the link names no certificate to get (`enroll` and `keygen` are both empty)"
                    .into(),
            ));
        }
        if let Some(both) = enroll.iter().find(|label| keygen.contains(label)) {
            return Err(Error::Link(format!(
                "label {both:?} is in both `enroll` and `keygen`"
            )));
        }
        Ok(Activation {
            origin,
            id,
            code,
            pin,
            enroll,
            keygen,
        })
    }
}

/// The SHA-256 digest a pin stands for.
pub(crate) fn decode_pin(pin: &str) -> Result<[u8; 32], Error> {
    URL_SAFE_NO_PAD
        .decode(pin.trim_end_matches('='))
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| {
            Error::Link("the pin is not a base64url SHA-256 digest (43 characters)".into())
        })
}

fn required(value: Option<String>, name: &str, meaning: &str) -> Result<String, Error> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::Link(format!("the link has no `{name}` ({meaning}) parameter")))
}

/// Labels end up in URL paths and in file names, so anything beyond a plain word is refused
/// rather than escaped.
fn labels(list: &str, name: &str) -> Result<Vec<String>, Error> {
    let mut labels: Vec<String> = Vec::new();
    for label in list.split(',').map(str::trim).filter(|l| !l.is_empty()) {
        let plain = label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
            && !label.starts_with('.');
        if !plain {
            return Err(Error::Link(format!(
                "`{name}` label {label:?} has characters an EST label cannot have"
            )));
        }
        if labels.iter().any(|l| l == label) {
            return Err(Error::Link(format!("`{name}` names {label:?} twice")));
        }
        labels.push(label.to_string());
    }
    Ok(labels)
}

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

fn percent_decode(text: &str) -> Result<String, Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| Error::Link(format!("bad percent escape in {text:?}")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| Error::Link(format!("{text:?} is not UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PIN: &str = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";
    const GOOD: &str = "http://127.0.0.1:3000/mobile-id#v=1&id=0123456789abcdef\
        &c=AAAAAAAAAAAAAAAAAAAAAA&pin=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU\
        &enroll=authentication,signature&keygen=encryption";

    fn link_without(param: &str) -> String {
        let (base, fragment) = GOOD.split_once('#').unwrap();
        let kept: Vec<&str> = fragment
            .split('&')
            .filter(|p| !p.starts_with(&format!("{param}=")))
            .collect();
        format!("{base}#{}", kept.join("&"))
    }

    #[test]
    fn parses_a_good_link() {
        let a = Activation::parse(GOOD).unwrap();
        assert_eq!(a.origin, "http://127.0.0.1:3000");
        assert_eq!(a.id, "0123456789abcdef");
        assert_eq!(a.code, "AAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(a.pin, PIN);
        assert_eq!(a.enroll, ["authentication", "signature"]);
        assert_eq!(a.keygen, ["encryption"]);
    }

    #[test]
    fn any_order_unknown_parameters_ignored_default_port_dropped() {
        let link = format!(
            "  https://ca.example.com:443/prefix/mobile-id?x=1#keygen=&future=yes&enroll=auth\
             &pin={PIN}&c=AAAAAAAAAAAAAAAAAAAAAA&flag&id=0123456789abcdef&v=1\n"
        );
        let a = Activation::parse(&link).unwrap();
        assert_eq!(a.origin, "https://ca.example.com");
        assert_eq!(a.enroll, ["auth"]);
        assert!(a.keygen.is_empty());
    }

    #[test]
    fn keygen_only_and_percent_encoded_commas() {
        let link = link_without("enroll").replace("keygen=encryption", "keygen=enc%2Cdecrypt");
        let a = Activation::parse(&link).unwrap();
        assert!(a.enroll.is_empty());
        assert_eq!(a.keygen, ["enc", "decrypt"]);
    }

    #[test]
    fn missing_code_is_named() {
        let err = Activation::parse(&link_without("c"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`c` (activation code)"), "{err}");
        for param in ["v", "id", "pin"] {
            let err = Activation::parse(&link_without(param))
                .unwrap_err()
                .to_string();
            assert!(err.contains(&format!("`{param}`")), "{err}");
        }
        let err = Activation::parse(GOOD.split('#').next().unwrap()).unwrap_err();
        assert!(err.to_string().contains("no #fragment"), "{err}");
    }

    #[test]
    fn version_2_is_refused() {
        let err = Activation::parse(&GOOD.replace("v=1", "v=2"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("v=2 is not supported"), "{err}");
    }

    #[test]
    fn refuses_bad_values() {
        let bad = [
            GOOD.replace("id=0123456789abcdef", "id=0123456789ABCDEF"),
            GOOD.replace("c=AAAAAAAAAAAAAAAAAAAAAA", "c=AAAA"),
            GOOD.replace(PIN, "abc"),
            GOOD.replace("signature", "../../etc"),
            GOOD.replace("signature", "authentication"),
            GOOD.replace("keygen=encryption", "keygen=signature"),
            link_without("enroll").replace("keygen=encryption", "keygen="),
            format!("{GOOD}&v=1"),
            GOOD.replace("http://", "ftp://"),
            "not a link".to_string(),
        ];
        for link in bad {
            assert!(
                matches!(Activation::parse(&link), Err(Error::Link(_))),
                "accepted {link}"
            );
        }
    }
}
