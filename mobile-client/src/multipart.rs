//! multipart/mixed bodies (RFC 2046 section 5.1), as /serverkeygen answers with them.

use crate::Error;

/// One body part: its headers (names lower-cased) and its raw content.
#[derive(Debug)]
pub struct Part<'a> {
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

impl Part<'_> {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type without parameters, lower-cased.
    pub fn media_type(&self) -> String {
        media_type(self.header("content-type").unwrap_or("text/plain"))
    }
}

/// `type/subtype` of a Content-Type value, lower-cased.
pub fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The boundary of a `multipart/mixed` Content-Type.
pub fn boundary(content_type: &str) -> Result<String, Error> {
    let kind = media_type(content_type);
    if kind != "multipart/mixed" {
        return Err(Error::Malformed(format!(
            "expected a multipart/mixed answer, got {content_type:?}"
        )));
    }
    let boundary = content_type
        .split(';')
        .skip(1)
        .filter_map(|param| param.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.trim().trim_matches('"').to_string())
        .unwrap_or_default();
    if boundary.is_empty() {
        return Err(Error::Malformed(format!(
            "multipart answer without a boundary: {content_type:?}"
        )));
    }
    Ok(boundary)
}

pub fn parse<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, Error> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    // A delimiter counts only at the start of a line, so a boundary-like string inside a part
    // (there is none in base64, but a server may add text) does not split it.
    let starts: Vec<usize> = (0..body.len())
        .filter(|&at| body[at..].starts_with(delimiter) && (at == 0 || body[at - 1] == b'\n'))
        .collect();
    let mut parts = Vec::new();
    for (index, &start) in starts.iter().enumerate() {
        let after = &body[start + delimiter.len()..];
        if after.starts_with(b"--") {
            return Ok(parts);
        }
        let line_end = after
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(truncated)?;
        let content_start = start + delimiter.len() + line_end + 1;
        let next = *starts.get(index + 1).ok_or_else(truncated)?;
        // The line break before the next delimiter belongs to the delimiter.
        let mut content_end = next;
        if body[..content_end].ends_with(b"\n") {
            content_end -= 1;
        }
        if body[..content_end].ends_with(b"\r") {
            content_end -= 1;
        }
        parts.push(part(&body[content_start..content_end.max(content_start)])?);
    }
    Err(truncated())
}

fn part(content: &[u8]) -> Result<Part<'_>, Error> {
    let (head, body) = split_head(content);
    let head = std::str::from_utf8(head)
        .map_err(|_| Error::Malformed("multipart part headers are not text".into()))?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            // Folded continuation of the previous header.
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        let (name, value) = line.split_once(':').ok_or_else(|| {
            Error::Malformed(format!("multipart part has a bad header line {line:?}"))
        })?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    Ok(Part { headers, body })
}

/// Headers and body, split at the first empty line (CRLF or bare LF).
fn split_head(content: &[u8]) -> (&[u8], &[u8]) {
    for blank in [&b"\r\n"[..], b"\n"] {
        if let Some(body) = content.strip_prefix(blank) {
            return (&[], body);
        }
    }
    for (at, _) in content.iter().enumerate().filter(|(_, b)| **b == b'\n') {
        let rest = &content[at + 1..];
        for blank in [&b"\r\n"[..], b"\n"] {
            if let Some(body) = rest.strip_prefix(blank) {
                return (&content[..at], body);
            }
        }
    }
    // No blank line: all headers, no body (the caller reports the missing content).
    (content, &[])
}

fn truncated() -> Error {
    Error::Malformed("multipart answer ends without its closing boundary".into())
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
        assert!(boundary("application/pkcs7-mime; boundary=x").is_err());
    }

    #[test]
    fn splits_parts_with_their_headers() {
        let parts = parse(SERVER_STYLE.as_bytes(), "estBoundary").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].media_type(), "application/pkcs8");
        assert_eq!(parts[0].header("Content-Transfer-Encoding"), Some("base64"));
        assert_eq!(parts[0].body, b"S0VZ");
        assert_eq!(parts[1].media_type(), "application/pkcs7-mime");
        assert_eq!(
            parts[1].header("content-type"),
            Some("application/pkcs7-mime; smime-type=certs-only")
        );
        assert_eq!(parts[1].body, b"Q0VS\r\nVA==");
    }

    #[test]
    fn tolerates_preamble_bare_newlines_and_folding() {
        let body = "This is the preamble.\n\
            --b\n\
            Content-Type: application/pkcs8;\n\tname=key\n\
            \n\
            AAAA\n\
            --b  \n\
            \n\
            no headers here\n\
            --b--\n\
            epilogue";
        let parts = parse(body.as_bytes(), "b").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            parts[0].header("content-type"),
            Some("application/pkcs8; name=key")
        );
        assert_eq!(parts[0].body, b"AAAA");
        assert!(parts[1].headers.is_empty());
        assert_eq!(parts[1].media_type(), "text/plain");
        assert_eq!(parts[1].body, b"no headers here");
    }

    #[test]
    fn ignores_boundary_text_inside_a_line() {
        let body = "--b\r\n\r\nsee --b here\r\n--b--\r\n";
        let parts = parse(body.as_bytes(), "b").unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].body, b"see --b here");
    }

    #[test]
    fn refuses_a_truncated_body() {
        let cut = &SERVER_STYLE[..SERVER_STYLE.len() - 20];
        assert!(parse(cut.as_bytes(), "estBoundary").is_err());
        assert!(parse(b"no delimiter at all", "estBoundary").is_err());
    }
}
