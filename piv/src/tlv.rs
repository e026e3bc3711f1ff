//! BER-TLV as PIV uses it: tags of one to three bytes, definite lengths of up to three bytes.
//! Parsing never panics: whatever a card (or, to a card, a host) sends, a malformed TLV is an
//! error.

/// A parsed TLV: the tag as an integer (`0x5FC105`) and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u32,
    pub value: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed TLV: {0}")]
pub struct TlvError(pub String);

fn err<T>(what: &str) -> Result<T, TlvError> {
    Err(TlvError(what.to_string()))
}

/// Reads one TLV at the start of `input`; returns it and the rest.
pub fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    let (&first, mut rest) = input.split_first().ok_or(TlvError("no tag".into()))?;
    let mut tag = u32::from(first);
    if first & 0x1F == 0x1F {
        // Subsequent tag bytes while bit 8 is set; PIV tags have at most three bytes.
        for i in 0.. {
            let (&b, r) = rest.split_first().ok_or(TlvError("tag cut short".into()))?;
            rest = r;
            tag = (tag << 8) | u32::from(b);
            if b & 0x80 == 0 {
                break;
            }
            if i >= 1 {
                return err("tag longer than three bytes");
            }
        }
    }
    let (&l, r) = rest
        .split_first()
        .ok_or(TlvError("length missing".into()))?;
    rest = r;
    let len = match l {
        0x00..=0x7F => usize::from(l),
        0x81..=0x83 => {
            let n = usize::from(l - 0x80);
            if rest.len() < n {
                return err("length cut short");
            }
            let (bytes, r) = rest.split_at(n);
            rest = r;
            bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        }
        _ => return err("unsupported length encoding"),
    };
    if rest.len() < len {
        return Err(TlvError(format!(
            "value of tag {tag:X} needs {len} bytes, {} present",
            rest.len()
        )));
    }
    let (value, rest) = rest.split_at(len);
    Ok((Tlv { tag, value }, rest))
}

/// All TLVs in `input`, which must contain nothing else but the padding some cards leave after
/// the last object.
pub fn read_all(input: &[u8]) -> Result<Vec<Tlv<'_>>, TlvError> {
    read_sequence(input, true)
}

/// All TLVs in `input` and nothing else, not even padding: what a card demands of the data of a
/// command.
pub fn read_all_strict(input: &[u8]) -> Result<Vec<Tlv<'_>>, TlvError> {
    read_sequence(input, false)
}

fn read_sequence(mut input: &[u8], padding: bool) -> Result<Vec<Tlv<'_>>, TlvError> {
    let mut out = Vec::new();
    while !input.is_empty() {
        if padding && input.iter().all(|b| *b == 0x00 || *b == 0xFF) {
            break;
        }
        let (t, rest) = read(input)?;
        out.push(t);
        input = rest;
    }
    Ok(out)
}

/// The value of the single TLV `tag` that must make up all of `input`.
pub fn expect(input: &[u8], tag: u32) -> Result<&[u8], TlvError> {
    let (t, rest) = read(input)?;
    if t.tag != tag {
        return Err(TlvError(format!("expected tag {tag:X}, found {:X}", t.tag)));
    }
    if !rest.is_empty() {
        return Err(TlvError(format!("{} bytes after tag {tag:X}", rest.len())));
    }
    Ok(t.value)
}

/// The first TLV with `tag` among `tlvs`.
pub fn find<'a>(tlvs: &[Tlv<'a>], tag: u32) -> Option<&'a [u8]> {
    tlvs.iter().find(|t| t.tag == tag).map(|t| t.value)
}

/// The BER encoding of a tag (one to three bytes, as the integer is written).
pub fn tag_bytes(tag: u32) -> Vec<u8> {
    match tag {
        0..=0xFF => vec![tag as u8],
        0x100..=0xFFFF => (tag as u16).to_be_bytes().to_vec(),
        _ => tag.to_be_bytes()[1..].to_vec(),
    }
}

/// The BER encoding of a length.
pub fn len_bytes(len: usize) -> Vec<u8> {
    match len {
        0..=0x7F => vec![len as u8],
        0x80..=0xFF => vec![0x81, len as u8],
        0x100..=0xFFFF => vec![0x82, (len >> 8) as u8, len as u8],
        _ => vec![0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8],
    }
}

/// Tag, length, value.
pub fn write(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = tag_bytes(tag);
    out.extend(len_bytes(value.len()));
    out.extend_from_slice(value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_multi_byte_tags_and_long_lengths() {
        let mut input = vec![0x5F, 0xC1, 0x05, 0x82, 0x01, 0x00];
        input.extend(vec![0xAA; 256]);
        input.extend([0x71, 0x01, 0x00]);
        let all = read_all(&input).unwrap();
        assert_eq!(all[0].tag, 0x5FC105);
        assert_eq!(all[0].value.len(), 256);
        assert_eq!(all[1].tag, 0x71);
        assert_eq!(all[1].value, [0x00]);
    }

    #[test]
    fn writes_what_it_reads() {
        for len in [0usize, 1, 127, 128, 255, 256, 1000, 70000] {
            let value = vec![0x42; len];
            let bytes = write(0x5FC10A, &value);
            assert_eq!(expect(&bytes, 0x5FC10A).unwrap(), value.as_slice());
        }
        assert_eq!(write(0x7E, &[]), [0x7E, 0x00]);
        assert_eq!(len_bytes(0x80), [0x81, 0x80]);
        assert_eq!(len_bytes(0x109), [0x82, 0x01, 0x09]);
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for bad in [
            &[][..],
            &[0x53],
            &[0x53, 0x05, 0x01],
            &[0x5F],
            &[0x5F, 0xC1],
            &[0x5F, 0xC1, 0x85, 0x81, 0x00],
            &[0x53, 0x84, 0, 0, 0, 1],
            &[0x53, 0x82, 0x01],
            &[0x53, 0x81],
        ] {
            assert!(read(bad).is_err(), "{bad:02X?}");
        }
        assert!(expect(&[0x53, 0x00, 0x01], 0x53).is_err());
        assert!(expect(&[0x54, 0x00], 0x53).is_err());
        // Every prefix of a valid TLV fails cleanly.
        let full = write(0x5FC102, &[7; 300]);
        for n in 0..full.len() {
            let _ = read_all(&full[..n]);
        }
    }

    #[test]
    fn strict_reading_refuses_padding() {
        let mut input = write(0x80, &[1]);
        input.extend([0xFF, 0xFF]);
        assert_eq!(read_all(&input).unwrap().len(), 1);
        assert!(read_all_strict(&input).is_err());
        assert!(read_all_strict(&[]).unwrap().is_empty());
        // Zero bytes are a TLV to a strict reader (tag 00, empty), padding to the lenient one.
        assert_eq!(read_all_strict(&[0x00, 0x00]).unwrap().len(), 1);
        assert!(read_all(&[0x00, 0x00]).unwrap().is_empty());
    }

    #[test]
    fn reads_a_public_key_template_after_a_long_object() {
        let mut data = vec![0x5F, 0xC1, 0x05, 0x82, 0x01, 0x00];
        data.extend(std::iter::repeat_n(7u8, 256));
        data.extend_from_slice(&[0x7F, 0x49, 0x81, 0x80]);
        data.extend(std::iter::repeat_n(1u8, 128));
        let tlvs = read_all_strict(&data).unwrap();
        assert_eq!(tlvs.len(), 2);
        assert_eq!(tlvs[0].tag, 0x5FC105);
        assert_eq!(tlvs[0].value.len(), 256);
        assert_eq!(tlvs[1].tag, 0x7F49);
        assert_eq!(tlvs[1].value.len(), 128);
    }

    #[test]
    fn refuses_truncation_bad_lengths_and_four_byte_tags() {
        for bad in [
            &[][..],
            &[0x5F],
            &[0x53, 0x05, 1, 2],
            &[0x53, 0x82, 0x01],
            &[0x53, 0x84, 0, 0, 0, 1, 0],
            &[0x5F, 0xFF, 0xFF, 0xFF, 0x01, 0x00],
        ] {
            assert!(read(bad).is_err(), "{bad:02X?}");
        }
    }

    #[test]
    fn encodes_round_trip() {
        for len in [0usize, 1, 0x7F, 0x80, 0xFF, 0x100, 0x1234] {
            let value = vec![0xAB; len];
            let enc = write(0x5FC10A, &value);
            let (tlv, rest) = read(&enc).unwrap();
            assert!(rest.is_empty());
            assert_eq!(tlv.tag, 0x5FC10A);
            assert_eq!(tlv.value, &value[..]);
        }
        assert_eq!(write(0x00, &[1]), [0x00, 0x01, 0x01]);
        assert_eq!(write(0x7F49, &[]), [0x7F, 0x49, 0x00]);
    }
}
