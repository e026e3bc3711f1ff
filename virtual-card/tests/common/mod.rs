//! Host-side helpers shared by the card tests: APDU building, chaining, and the management-key
//! crypto computed independently of the card's own `crypto` module.
#![allow(dead_code)]

use aes::cipher::{generic_array::GenericArray, BlockDecrypt, BlockEncrypt, KeyInit};
use tessera_virtual_card::PivCard;

pub const DEFAULT_KEY: [u8; 24] = [
    1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
];
pub const SELECT: &str = "00A4040009A00000030800001000";
pub const APT_OK: &str = "61114F0600001000010079074F05A0000003089000";

pub fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).expect("test hex")
}

pub fn run(card: &mut PivCard, apdu: &str) -> Vec<u8> {
    card.execute(&h(apdu))
}

pub fn sw(resp: &[u8]) -> u16 {
    assert!(resp.len() >= 2, "response without status word");
    u16::from_be_bytes([resp[resp.len() - 2], resp[resp.len() - 1]])
}

pub fn body(resp: &[u8]) -> &[u8] {
    &resp[..resp.len() - 2]
}

/// A short APDU with data and optional Le.
pub fn apdu(cla: u8, ins: u8, p1: u8, p2: u8, data: &[u8], le: Option<u8>) -> Vec<u8> {
    let mut out = vec![cla, ins, p1, p2];
    if !data.is_empty() {
        out.push(u8::try_from(data.len()).expect("short APDU"));
        out.extend_from_slice(data);
    }
    out.extend(le);
    out
}

pub fn padded(secret: &[u8]) -> Vec<u8> {
    let mut out = secret.to_vec();
    out.resize(8, 0xFF);
    out
}

pub fn verify(card: &mut PivCard, pin: &str) -> u16 {
    sw(&card.execute(&apdu(0, 0x20, 0, 0x80, &padded(pin.as_bytes()), None)))
}

/// Sends `data` with command chaining in 255-byte blocks (CLA 10 for all but the last), then
/// follows `61 xx` with GET RESPONSE. Returns the whole response data and the final SW.
pub fn transmit(card: &mut PivCard, ins: u8, p1: u8, p2: u8, data: &[u8]) -> (Vec<u8>, u16) {
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[][..]]
    } else {
        data.chunks(255).collect()
    };
    let mut resp = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        let last = i + 1 == chunks.len();
        let cla = if last { 0x00 } else { 0x10 };
        resp = card.execute(&apdu(cla, ins, p1, p2, chunk, Some(0)));
        if !last {
            assert_eq!(sw(&resp), 0x9000, "chained block {i}");
        }
    }
    collect(card, resp)
}

/// Follows `61 xx` with GET RESPONSE.
pub fn collect(card: &mut PivCard, mut resp: Vec<u8>) -> (Vec<u8>, u16) {
    let mut data = Vec::new();
    loop {
        let status = sw(&resp);
        data.extend_from_slice(body(&resp));
        if status >> 8 != 0x61 {
            return (data, status);
        }
        resp = card.execute(&[0x00, 0xC0, 0x00, 0x00, (status & 0xFF) as u8]);
    }
}

pub fn ecb(alg: u8, key: &[u8], block: &[u8], encrypt: bool) -> Vec<u8> {
    fn go<C: KeyInit + BlockEncrypt + BlockDecrypt>(key: &[u8], b: &[u8], enc: bool) -> Vec<u8> {
        let c = C::new_from_slice(key).unwrap();
        let mut blk = GenericArray::clone_from_slice(b);
        if enc {
            c.encrypt_block(&mut blk)
        } else {
            c.decrypt_block(&mut blk)
        }
        blk.to_vec()
    }
    match alg {
        0x03 => go::<des::TdesEde3>(key, block, encrypt),
        0x08 => go::<aes::Aes128>(key, block, encrypt),
        0x0A => go::<aes::Aes192>(key, block, encrypt),
        0x0C => go::<aes::Aes256>(key, block, encrypt),
        _ => panic!("no such alg"),
    }
}

/// Mutual authentication with the management key, as yubico-piv-tool does it. Returns the
/// status of the second step.
pub fn mutual_auth(card: &mut PivCard, p1: u8, key: &[u8]) -> u16 {
    // P1 00 is the legacy name for 3DES.
    let alg = if p1 == 0x00 { 0x03 } else { p1 };
    let bs = if alg == 0x03 { 8 } else { 16 };
    let r = card.execute(&apdu(0, 0x87, p1, 0x9B, &[0x7C, 0x02, 0x80, 0x00], None));
    assert_eq!(sw(&r), 0x9000);
    let b = body(&r);
    assert_eq!(&b[..4], &[0x7C, (bs + 2) as u8, 0x80, bs as u8]);
    let witness = ecb(alg, key, &b[4..], false);
    let challenge: Vec<u8> = (0..bs as u8).collect();
    let mut data = vec![0x7C, (2 * bs + 4) as u8, 0x80, bs as u8];
    data.extend_from_slice(&witness);
    data.extend_from_slice(&[0x81, bs as u8]);
    data.extend_from_slice(&challenge);
    let r = card.execute(&apdu(0, 0x87, p1, 0x9B, &data, None));
    if sw(&r) == 0x9000 {
        let b = body(&r);
        assert_eq!(&b[..4], &[0x7C, (bs + 2) as u8, 0x82, bs as u8]);
        assert_eq!(&b[4..], ecb(alg, key, &challenge, true).as_slice());
    }
    sw(&r)
}

pub fn auth_default(card: &mut PivCard) {
    assert_eq!(mutual_auth(card, 0x03, &DEFAULT_KEY), 0x9000);
}

/// `00 47 00 slot AC 03 80 01 alg`, following response chaining.
pub fn generate(card: &mut PivCard, slot: u8, alg: u8) -> (Vec<u8>, u16) {
    transmit(card, 0x47, 0x00, slot, &[0xAC, 0x03, 0x80, 0x01, alg])
}

/// BER length bytes.
pub fn ber_len(len: usize) -> Vec<u8> {
    match len {
        0..=0x7F => vec![len as u8],
        0x80..=0xFF => vec![0x81, len as u8],
        _ => vec![0x82, (len >> 8) as u8, len as u8],
    }
}

pub fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    out.extend(ber_len(value.len()));
    out.extend_from_slice(value);
    out
}

/// PUT DATA body for an object tag (3 bytes) and content.
pub fn put_data_body(tag: u32, content: &[u8]) -> Vec<u8> {
    let mut out = tlv(&[0x5C], &tag.to_be_bytes()[1..]);
    out.extend(tlv(&[0x53], content));
    out
}

pub fn get_data(card: &mut PivCard, tag: u32) -> (Vec<u8>, u16) {
    transmit(
        card,
        0xCB,
        0x3F,
        0xFF,
        &tlv(&[0x5C], &tag.to_be_bytes()[1..]),
    )
}

/// GENERAL AUTHENTICATE asking for a result: `7C { 82 00, <tag> <input> }`.
pub fn private_op(card: &mut PivCard, alg: u8, slot: u8, tag: u8, input: &[u8]) -> (Vec<u8>, u16) {
    let mut inner = vec![0x82, 0x00];
    inner.extend(tlv(&[tag], input));
    transmit(card, 0x87, alg, slot, &tlv(&[0x7C], &inner))
}
