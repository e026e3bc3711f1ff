//! Malformed input never panics and gets a proper status word; state survives serde.

mod common;
use common::*;
use rand::{Rng, SeedableRng};
use tessera_virtual_card::PivCard;

#[test]
fn malformed_headers_and_lengths() {
    let mut card = PivCard::new(1);
    for (apdu, expected) in [
        ("", "6700"),
        ("00", "6700"),
        ("00A404", "6700"),
        ("00A4040009A000000308", "6700"),
        ("00A4040002A00000000000", "6700"),
        ("80A4040009A00000030800001000", "6E00"),
        ("0CA4040009A00000030800001000", "6E00"),
        ("01A4040009A00000030800001000", "6E00"),
        ("00000000", "6D00"),
        ("00B0000000", "6D00"),
        ("00870399047C028000", "6A86"),
        ("0087039B027C00", "6A80"),
        ("0087039B037C0180", "6A80"),
        ("0087039B067C0280008100", "6A80"),
        ("0087039B047D028000", "6A80"),
        ("0087119A047C028200", "6A82"),
        ("00DB3FFF0A5C035FC1025301", "6700"),
        ("0047009A00", "6982"),
        ("00C0010000", "6A86"),
    ] {
        assert_eq!(hex::encode_upper(run(&mut card, apdu)), expected, "{apdu}");
    }
}

fn valid_apdus() -> Vec<Vec<u8>> {
    let mut pin = h("0020008008");
    pin.extend(padded(b"123456"));
    let mut change = h("0024008010");
    change.extend(padded(b"123456"));
    change.extend(padded(b"654321"));
    [
        SELECT,
        "00CB3FFF055C035FC10500",
        "00CB3FFF035C017E00",
        "0087039B047C028000",
        "0087039B047C028100",
        "0047009A05AC03800111",
        "00DB3FFF0A5C035FC102530301020300",
        "0087119A267C248200812000000000000000000000000000000000000000000000000000000000000000",
        "0087119D477C458200854104",
        "00FE119A22062001020304050607080910111213141516171819202122232425262728293031FF",
        "00FFFFFF1B039B18010203040506070801020304050607080102030405060708",
        "00F7009A00",
        "00FA0303",
        "00FB0000",
        "00C0000000",
    ]
    .iter()
    .map(|s| h(s))
    .chain([pin, change])
    .collect()
}

fn assert_sane(resp: &[u8], apdu: &[u8]) {
    assert!(resp.len() >= 2, "no SW for {apdu:02X?}");
    let sw1 = resp[resp.len() - 2];
    assert!(
        matches!(
            sw1,
            0x61 | 0x63 | 0x67 | 0x68 | 0x69 | 0x6A | 0x6D | 0x6E | 0x90
        ),
        "odd SW {resp:02X?} for {apdu:02X?}"
    );
    assert!(resp.len() <= 258, "over-long response for {apdu:02X?}");
}

#[test]
fn truncated_and_extended_valid_apdus_never_panic() {
    let mut card = PivCard::new(1);
    auth_default(&mut card);
    for apdu in valid_apdus() {
        for cut in 0..=apdu.len() {
            let resp = card.execute(&apdu[..cut]);
            assert_sane(&resp, &apdu[..cut]);
            let mut longer = apdu[..cut].to_vec();
            longer.extend([0x00, 0xFF]);
            let resp = card.execute(&longer);
            assert_sane(&resp, &longer);
        }
    }
}

#[test]
fn random_apdus_never_panic() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x7E55E7A);
    let mut card = PivCard::new(1);
    auth_default(&mut card);
    verify(&mut card, "123456");
    let seeds = valid_apdus();
    for i in 0..20_000 {
        let apdu: Vec<u8> = match i % 3 {
            // Pure noise, mostly short.
            0 => {
                let len = rng.gen_range(0..40);
                (0..len).map(|_| rng.gen()).collect()
            }
            // Valid header, random body with a consistent Lc.
            1 => {
                let mut a = seeds[rng.gen_range(0..seeds.len())][..4].to_vec();
                let len = rng.gen_range(1..=255u8);
                a.push(len);
                a.extend((0..len).map(|_| rng.gen::<u8>()));
                if rng.gen() {
                    a.push(0);
                }
                a
            }
            // A valid APDU with a few bytes flipped.
            _ => {
                let mut a = seeds[rng.gen_range(0..seeds.len())].clone();
                for _ in 0..rng.gen_range(1..4) {
                    let at = rng.gen_range(0..a.len());
                    a[at] = rng.gen();
                }
                a
            }
        };
        let resp = card.execute(&apdu);
        assert_sane(&resp, &apdu);
        if i % 1000 == 0 {
            // Keep the security state interesting for the mutations (which may have changed
            // the management key).
            card.reset();
            let (alg, key) = card.management_key();
            assert_eq!(mutual_auth(&mut card, alg, &key), 0x9000);
        }
    }
    // The card still works afterwards.
    card.reset();
    assert_eq!(hex::encode_upper(run(&mut card, SELECT)), APT_OK);
}

#[test]
fn chain_overflow_is_refused() {
    let mut card = PivCard::new(1);
    let block = apdu(0x10, 0xDB, 0x3F, 0xFF, &[0u8; 255], None);
    let mut last = Vec::new();
    for _ in 0..100 {
        last = card.execute(&block);
        if last != h("9000") {
            break;
        }
    }
    assert_eq!(last, h("6A84"));
}

#[test]
fn serde_round_trip_keeps_state_and_drops_session() {
    let mut card = PivCard::new(99);
    auth_default(&mut card);
    let (public, _) = generate(&mut card, 0x9A, 0x11);
    let put = apdu(
        0,
        0xDB,
        0x3F,
        0xFF,
        &put_data_body(0x5FC102, b"chuid"),
        None,
    );
    assert_eq!(card.execute(&put), h("9000"));
    assert_eq!(verify(&mut card, "000000"), 0x63C2);
    assert_eq!(verify(&mut card, "123456"), 0x9000);
    let json = serde_json::to_string(&card).unwrap();
    let mut restored: PivCard = serde_json::from_str(&json).unwrap();
    assert_eq!(restored.public_key(0x9A), Some(public));
    assert_eq!(restored.object(0x5FC102), Some(&b"chuid"[..]));
    assert_eq!(restored.pin(), "123456");
    assert_eq!(restored.atr(), card.atr());
    // Session state is not persisted.
    assert_eq!(run(&mut restored, "00200080"), h("63C3"));
    assert_eq!(generate(&mut restored, 0x9A, 0x11).1, 0x6982);
    let generic: PivCard = serde_json::from_str(
        &serde_json::to_string(&PivCard::without_yubico_extensions(3)).unwrap(),
    )
    .unwrap();
    assert!(!generic.has_yubico_extensions());
}
