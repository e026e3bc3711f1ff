//! multipart/mixed bodies (RFC 2046 section 5.1), as /serverkeygen answers with them.

use std::convert::Infallible;

use mime::Mime;
use multer::bytes::Bytes;

use crate::Error;

/// One body part.
#[derive(Debug)]
pub struct Part {
    /// `text/plain` when the part has none (RFC 2046 section 5.1.1) or one that does not parse.
    pub content_type: Mime,
    pub body: Bytes,
}

/// The boundary of a `multipart/mixed` Content-Type.
pub fn boundary(content_type: &str) -> Result<String, Error> {
    let not_mixed = || {
        Error::Malformed(format!(
            "expected a multipart/mixed answer, got {content_type:?}"
        ))
    };
    let parsed: Mime = content_type.parse().map_err(|_| not_mixed())?;
    if parsed.type_() != mime::MULTIPART || parsed.subtype() != "mixed" {
        return Err(not_mixed());
    }
    match parsed.get_param(mime::BOUNDARY) {
        Some(boundary) if !boundary.as_str().is_empty() => Ok(boundary.as_str().to_string()),
        _ => Err(Error::Malformed(format!(
            "multipart answer without a boundary: {content_type:?}"
        ))),
    }
}

pub async fn parse(body: Vec<u8>, boundary: &str) -> Result<Vec<Part>, Error> {
    // multer reads a stream; the answer is already in memory, so it is the stream's one chunk.
    let stream = futures_util::stream::iter([Ok::<_, Infallible>(body)]);
    // multer holds to RFC 2046 section 5.1.1: lines end in CRLF and headers are not folded. That
    // strictness is right here: Tessera's EST server and the other EST servers emit CRLF, and a
    // lenient reader would have to guess where a part ends.
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let content_type = field.content_type().cloned().unwrap_or(mime::TEXT_PLAIN);
        let body = field.bytes().await.map_err(unreadable)?;
        parts.push(Part { content_type, body });
    }
    Ok(parts)
}

fn unreadable(error: multer::Error) -> Error {
    let hint = match error {
        multer::Error::IncompleteStream | multer::Error::IncompleteFieldData { .. } => {
            " (it ends without its closing boundary, or its lines do not end in CRLF)"
        }
        _ => "",
    };
    let mut message = format!("the multipart answer cannot be read: {error}{hint}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    Error::Malformed(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER_STYLE: &str = "--estBoundary\r\n\
        Content-Type: application/pkcs8\r\n\
        Content-Transfer-Encoding: base64\r\n\
        \r\n\
        S0VZ\r\n\
        --estBoundary\r\n\
        Content-Type: application/pkcs7-mime; smime-type=certs-only\r\n\
        Content-Transfer-Encoding: base64\r\n\
        \r\n\
        Q0VS\r\nVA==\r\n\
        --estBoundary--\r\n";

    async fn parse_str(body: &str, boundary: &str) -> Result<Vec<Part>, Error> {
        parse(body.as_bytes().to_vec(), boundary).await
    }

    #[test]
    fn finds_boundary() {
        assert_eq!(
            boundary("multipart/mixed; boundary=estBoundary").unwrap(),
            "estBoundary"
        );
        assert_eq!(
            boundary("Multipart/Mixed;charset=x; Boundary=\"a b\"").unwrap(),
            "a b"
        );
        assert!(boundary("multipart/mixed").is_err());
        assert!(boundary("multipart/mixed; boundary=\"\"").is_err());
        assert!(boundary("application/pkcs7-mime; boundary=x").is_err());
        assert!(boundary("multipart/form-data; boundary=x").is_err());
        assert!(boundary("").is_err());
    }

    #[tokio::test]
    async fn splits_parts_with_their_headers() {
        let parts = parse_str(SERVER_STYLE, "estBoundary").await.unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].content_type.essence_str(), "application/pkcs8");
        assert_eq!(parts[0].body.as_ref(), b"S0VZ");
        assert_eq!(
            parts[1].content_type.essence_str(),
            "application/pkcs7-mime"
        );
        assert_eq!(
            parts[1]
                .content_type
                .get_param("smime-type")
                .map(|v| v.as_str()),
            Some("certs-only")
        );
        assert_eq!(parts[1].body.as_ref(), b"Q0VS\r\nVA==");
    }

    #[tokio::test]
    async fn tolerates_preamble_padding_and_epilogue() {
        let body = "This is the preamble.\r\n\
            --b\r\n\
            Content-Type: application/pkcs8\r\n\
            \r\n\
            AAAA\r\n\
            --b  \r\n\
            Content-Type: Application/PKCS7-Mime\r\n\
            \r\n\
            BBBB\r\n\
            --b--\r\n\
            epilogue";
        let parts = parse_str(body, "b").await.unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].content_type.essence_str(), "application/pkcs8");
        assert_eq!(parts[0].body.as_ref(), b"AAAA");
        assert_eq!(
            parts[1].content_type.essence_str(),
            "application/pkcs7-mime"
        );
        assert_eq!(parts[1].body.as_ref(), b"BBBB");
    }

    #[tokio::test]
    async fn refuses_bare_newlines_and_folding() {
        let bare_lf = SERVER_STYLE.replace("\r\n", "\n");
        let folded = SERVER_STYLE.replace(
            "application/pkcs8\r\n",
            "application/pkcs8;\r\n\tname=key\r\n",
        );
        for body in [bare_lf, folded] {
            let Err(Error::Malformed(message)) = parse_str(&body, "estBoundary").await else {
                panic!("accepted {body:?}");
            };
            assert!(message.contains("multipart"), "{message}");
        }
    }

    #[tokio::test]
    async fn ignores_boundary_text_inside_a_line() {
        let body = "--b\r\nContent-Type: text/plain\r\n\r\nsee --b here\r\n--b--\r\n";
        let parts = parse_str(body, "b").await.unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].body.as_ref(), b"see --b here");
    }

    #[tokio::test]
    async fn refuses_a_truncated_body() {
        let cut = &SERVER_STYLE[..SERVER_STYLE.len() - 20];
        assert!(matches!(
            parse_str(cut, "estBoundary").await,
            Err(Error::Malformed(_))
        ));
        assert!(matches!(
            parse_str("no delimiter at all", "estBoundary").await,
            Err(Error::Malformed(_))
        ));
    }
}
