//! BER-TLV as PIV uses it: tags of one to three bytes, lengths in short form or `81`/`82`/`83`
//! long form. Everything here is total: malformed input yields `None`, never a panic, because
//! the bytes come straight from an untrusted APDU.

/// One parsed TLV, borrowing its value from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u32,
    pub value: &'a [u8],
}

/// Parses the TLV at the start of `data`; returns it and the bytes after it.
pub fn parse_one(data: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&first, mut rest) = data.split_first()?;
    let mut tag = u32::from(first);
    if first & 0x1F == 0x1F {
        // Multi-byte tag: subsequent bytes continue while bit 8 is set. PIV never goes past three.
        loop {
            let (&b, r) = rest.split_first()?;
            rest = r;
            if tag > 0xFFFF {
                return None;
            }
            tag = (tag << 8) | u32::from(b);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let (&l0, r) = rest.split_first()?;
    rest = r;
    let len = match l0 {
        0x00..=0x7F => usize::from(l0),
        0x81..=0x83 => {
            let n = usize::from(l0 & 0x7F);
            if rest.len() < n {
                return None;
            }
            let (bytes, r) = rest.split_at(n);
            rest = r;
            bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        }
        _ => return None,
    };
    if rest.len() < len {
        return None;
    }
    let (value, rest) = rest.split_at(len);
    Some((Tlv { tag, value }, rest))
}

/// Parses a whole sequence of TLVs; `None` if any of it is malformed.
pub fn parse_all(mut data: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let (tlv, rest) = parse_one(data)?;
        out.push(tlv);
        data = rest;
    }
    Some(out)
}

/// The value of the first TLV with `tag`.
pub fn find<'a>(tlvs: &[Tlv<'a>], tag: u32) -> Option<&'a [u8]> {
    tlvs.iter().find(|t| t.tag == tag).map(|t| t.value)
}

pub fn push_len(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
        _ => out.extend_from_slice(&[0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
}

pub fn push_tag(out: &mut Vec<u8>, tag: u32) {
    let bytes = tag.to_be_bytes();
    let skip = bytes.iter().take(3).take_while(|&&b| b == 0).count();
    out.extend_from_slice(&bytes[skip..]);
}

/// Appends `tag len value` to `out`.
pub fn push(out: &mut Vec<u8>, tag: u32, value: &[u8]) {
    push_tag(out, tag);
    push_len(out, value.len());
    out.extend_from_slice(value);
}

/// `tag len value` as a fresh vector.
pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    push(&mut out, tag, value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_multi_byte_tags_and_long_lengths() {
        let mut data = vec![0x5F, 0xC1, 0x05, 0x82, 0x01, 0x00];
        data.extend(std::iter::repeat_n(7u8, 256));
        data.extend_from_slice(&[0x7F, 0x49, 0x81, 0x80]);
        data.extend(std::iter::repeat_n(1u8, 128));
        let tlvs = parse_all(&data).unwrap();
        assert_eq!(tlvs.len(), 2);
        assert_eq!(tlvs[0].tag, 0x5FC105);
        assert_eq!(tlvs[0].value.len(), 256);
        assert_eq!(tlvs[1].tag, 0x7F49);
        assert_eq!(tlvs[1].value.len(), 128);
    }

    #[test]
    fn rejects_truncation_and_bad_lengths() {
        assert!(parse_one(&[]).is_none());
        assert!(parse_one(&[0x5F]).is_none());
        assert!(parse_one(&[0x53, 0x05, 1, 2]).is_none());
        assert!(parse_one(&[0x53, 0x82, 0x01]).is_none());
        assert!(parse_one(&[0x53, 0x84, 0, 0, 0, 1, 0]).is_none());
        assert!(parse_one(&[0x5F, 0xFF, 0xFF, 0xFF, 0x01, 0x00]).is_none());
    }

    #[test]
    fn encodes_round_trip() {
        for len in [0usize, 1, 0x7F, 0x80, 0xFF, 0x100, 0x1234] {
            let value = vec![0xAB; len];
            let enc = encode(0x5FC10A, &value);
            let (tlv, rest) = parse_one(&enc).unwrap();
            assert!(rest.is_empty());
            assert_eq!(tlv.tag, 0x5FC10A);
            assert_eq!(tlv.value, &value[..]);
        }
        assert_eq!(encode(0x7E, &[]), vec![0x7E, 0x00]);
        assert_eq!(encode(0x00, &[1]), vec![0x00, 0x01, 0x01]);
    }
}
