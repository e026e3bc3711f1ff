//! The YubiKey PIV extensions, and their absence on a generic card.

mod common;
use common::*;
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::BigUint;
use tessera_virtual_card::{PivCard, GENERIC_ATR, YUBIKEY_ATR};

#[test]
fn version_serial_and_atr() {
    let mut card = PivCard::new(0x01020304);
    assert_eq!(run(&mut card, "00FD000000"), h("0504039000"));
    assert_eq!(run(&mut card, "00F8000000"), h("010203049000"));
    assert_eq!(card.atr(), YUBIKEY_ATR);
    let card = card.with_atr(h("3B00"));
    assert_eq!(card.atr(), h("3B00"));
}

#[test]
fn generic_card_has_no_extensions() {
    let mut card = PivCard::without_yubico_extensions(5);
    assert_eq!(card.atr(), GENERIC_ATR);
    for apdu in [
        "00FD000000",
        "00F8000000",
        "00FA0505",
        "00FB0000",
        "00FFFFFF1B039B18010203040506070801020304050607080102030405060708",
        "00FE119A2206200000000000000000000000000000000000000000000000000000000000000001",
        "00F700 9A00",
        "00F9 9A0000",
    ] {
        assert_eq!(run(&mut card, apdu), h("6D00"), "{apdu}");
    }
    auth_default(&mut card);
    let put = apdu(0, 0xDB, 0x3F, 0xFF, &put_data_body(0x5FFF00, b"x"), None);
    assert_eq!(card.execute(&put), h("6A80"));
    assert_eq!(get_data(&mut card, 0x5FFF00).1, 0x6A82);
    // Standard PIV still works.
    assert_eq!(hex::encode_upper(run(&mut card, SELECT)), APT_OK);
    assert_eq!(generate(&mut card, 0x9A, 0x11).1, 0x9000);
}

#[test]
fn yubico_objects_are_free_storage() {
    let mut card = PivCard::new(5);
    auth_default(&mut card);
    for tag in [0x5FFF00, 0x5FFF15] {
        let put = apdu(0, 0xDB, 0x3F, 0xFF, &put_data_body(tag, b"meta"), None);
        assert_eq!(card.execute(&put), h("9000"));
        card.reset();
        assert_eq!(get_data(&mut card, tag), (h("53046D657461"), 0x9000));
        auth_default(&mut card);
    }
    let put = apdu(0, 0xDB, 0x3F, 0xFF, &put_data_body(0x5FFF16, b"meta"), None);
    assert_eq!(card.execute(&put), h("6A80"));
}

#[test]
fn set_pin_retries_needs_both_and_resets_codes() {
    let mut card = PivCard::new(1);
    let change = [padded(b"123456"), padded(b"999999")].concat();
    assert_eq!(
        card.execute(&apdu(0, 0x24, 0, 0x80, &change, None)),
        h("9000")
    );
    assert_eq!(run(&mut card, "00FA0504"), h("6982"));
    auth_default(&mut card);
    assert_eq!(run(&mut card, "00FA0504"), h("6982"));
    assert_eq!(verify(&mut card, "999999"), 0x9000);
    assert_eq!(run(&mut card, "00FA0004"), h("6A86"));
    assert_eq!(run(&mut card, "00FA0504"), h("9000"));
    assert_eq!(card.pin(), "123456");
    assert_eq!(card.puk(), "12345678");
    assert_eq!(card.pin_tries(), (5, 5));
    assert_eq!(card.puk_tries(), (4, 4));
    assert_eq!(run(&mut card, "00200080"), h("63C5"));
    assert_eq!(verify(&mut card, "000000"), 0x63C4);
}

#[test]
fn reset_only_when_pin_and_puk_are_blocked() {
    let mut card = PivCard::new(77);
    auth_default(&mut card);
    generate(&mut card, 0x9A, 0x11);
    let put = apdu(
        0,
        0xDB,
        0x3F,
        0xFF,
        &put_data_body(0x5FC102, b"chuid"),
        None,
    );
    assert_eq!(card.execute(&put), h("9000"));
    let mut key = h("039B18");
    key.extend([0x11; 24]);
    assert_eq!(
        card.execute(&apdu(0, 0xFF, 0xFF, 0xFF, &key, None)),
        h("9000")
    );
    assert_eq!(run(&mut card, "00FB0000"), h("6985"));
    for _ in 0..3 {
        verify(&mut card, "000000");
    }
    assert_eq!(run(&mut card, "00FB0000"), h("6985"));
    let wrong = [padded(b"00000000"), padded(b"222222")].concat();
    for _ in 0..3 {
        card.execute(&apdu(0, 0x2C, 0, 0x80, &wrong, None));
    }
    assert_eq!(run(&mut card, "00FB0100"), h("6A86"));
    assert_eq!(run(&mut card, "00FB0000"), h("9000"));
    assert_eq!(card.pin(), "123456");
    assert_eq!(card.puk(), "12345678");
    assert_eq!(card.pin_tries(), (3, 3));
    assert_eq!(card.management_key(), (0x03, DEFAULT_KEY.to_vec()));
    assert_eq!(card.key_algorithm(0x9A), None);
    assert_eq!(card.object(0x5FC102), None);
    assert_eq!(run(&mut card, "00F8000000"), h("0000004D9000"));
    auth_default(&mut card);
}

#[test]
fn set_management_key_all_algorithms() {
    let mut card = PivCard::new(1);
    let mut set = h("039B18");
    set.extend([0x22; 24]);
    assert_eq!(
        card.execute(&apdu(0, 0xFF, 0xFF, 0xFF, &set, None)),
        h("6982")
    );
    auth_default(&mut card);
    // The byte-exact form from PIV.md, touch variant (FE) accepted too.
    assert_eq!(
        card.execute(&apdu(0, 0xFF, 0xFF, 0xFE, &set, None)),
        h("9000")
    );
    assert_eq!(card.management_key(), (0x03, vec![0x22; 24]));
    for (alg, len) in [(0x08u8, 16usize), (0x0A, 24), (0x0C, 32)] {
        let key: Vec<u8> = (0..len as u8).map(|b| b ^ alg).collect();
        let mut set = vec![alg, 0x9B, len as u8];
        set.extend(&key);
        assert_eq!(
            card.execute(&apdu(0, 0xFF, 0xFF, 0xFF, &set, None)),
            h("9000")
        );
        assert_eq!(card.management_key(), (alg, key.clone()));
        card.reset();
        assert_eq!(mutual_auth(&mut card, alg, &key), 0x9000, "alg {alg:02X}");
    }
    // Wrong lengths, unknown algorithm, wrong slot, wrong P1/P2.
    for bad in [
        "089B180102",
        "0A9B1001020304050607080910111213141516",
        "079B0101",
        "039A00",
        "03",
    ] {
        assert_eq!(
            card.execute(&apdu(0, 0xFF, 0xFF, 0xFF, &h(bad), None)),
            h("6A80"),
            "{bad}"
        );
    }
    assert_eq!(
        card.execute(&apdu(0, 0xFF, 0x00, 0xFF, &set, None)),
        h("6A86")
    );
}

#[test]
fn import_ec_key_and_sign() {
    let mut card = PivCard::new(1);
    let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let mut data = tlv(&[0x06], &secret.to_bytes());
    data.extend(h("AA0101AB0101"));
    assert_eq!(
        card.execute(&apdu(0, 0xFE, 0x11, 0x9A, &data, None)),
        h("6982")
    );
    auth_default(&mut card);
    assert_eq!(
        card.execute(&apdu(0, 0xFE, 0x11, 0x9A, &data, None)),
        h("9000")
    );
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let point = secret.public_key().to_encoded_point(false);
    let mut expected = h("7F49438641");
    expected.extend(point.as_bytes());
    assert_eq!(card.public_key(0x9A), Some(expected));
    // PIN policy never was requested.
    let (resp, status) = private_op(&mut card, 0x11, 0x9A, 0x81, &[9; 32]);
    assert_eq!(status, 0x9000);
    let sig = p256::ecdsa::Signature::from_der(&resp[4..]).unwrap();
    p256::ecdsa::VerifyingKey::from(secret.public_key())
        .verify_prehash(&[9; 32], &sig)
        .unwrap();
    // Bad inputs.
    assert_eq!(
        card.execute(&apdu(0, 0xFE, 0x11, 0x9A, &tlv(&[0x06], &[0; 32]), None)),
        h("6A80")
    );
    assert_eq!(
        card.execute(&apdu(0, 0xFE, 0x11, 0x9A, &tlv(&[0x06], &[1; 31]), None)),
        h("6A80")
    );
    assert_eq!(
        card.execute(&apdu(0, 0xFE, 0x14, 0x9A, &data, None)),
        h("6A86")
    );
    assert_eq!(
        card.execute(&apdu(0, 0xFE, 0x11, 0x9B, &data, None)),
        h("6A86")
    );
}

#[test]
fn import_rsa_key_and_use_it() {
    let mut card = PivCard::new(1);
    auth_default(&mut card);
    let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let [p, q] = key.primes() else {
        panic!("two primes")
    };
    let mut data = Vec::new();
    for (tag, value) in [
        (0x01u8, p.to_bytes_be()),
        (0x02, q.to_bytes_be()),
        (0x03, key.dp().unwrap().to_bytes_be()),
        (0x04, key.dq().unwrap().to_bytes_be()),
        (0x05, key.crt_coefficient().unwrap().to_bytes_be()),
    ] {
        data.extend(tlv(&[tag], &value));
    }
    let (_, status) = transmit(&mut card, 0xFE, 0x07, 0x9D, &data);
    assert_eq!(status, 0x9000);
    let template = card.public_key(0x9D).unwrap();
    assert_eq!(BigUint::from_bytes_be(&template[9..265]), *key.n());
    let block: Vec<u8> = (0..256u32)
        .map(|i| if i == 0 { 0 } else { i as u8 })
        .collect();
    assert_eq!(verify(&mut card, "123456"), 0x9000);
    let (resp, status) = private_op(&mut card, 0x07, 0x9D, 0x81, &block);
    assert_eq!(status, 0x9000);
    let m = BigUint::from_bytes_be(&resp[8..]).modpow(key.e(), key.n());
    assert_eq!(m, BigUint::from_bytes_be(&block));
    // Missing q, or a "prime" that is not.
    let only_p = tlv(&[0x01], &p.to_bytes_be());
    assert_eq!(transmit(&mut card, 0xFE, 0x07, 0x9D, &only_p).1, 0x6A80);
    let mut fake = tlv(&[0x01], &[0xFF; 128]);
    fake.extend(tlv(&[0x02], &[0xFF; 128]));
    assert_eq!(transmit(&mut card, 0xFE, 0x07, 0x9D, &fake).1, 0x6A80);
}

#[test]
fn metadata() {
    let mut card = PivCard::new(1);
    assert_eq!(run(&mut card, "00F7008000"), h("0101FF050101060203039000"));
    assert_eq!(run(&mut card, "00F7008100"), h("0101FF050101060203039000"));
    assert_eq!(run(&mut card, "00F7009B00"), h("010103020200010501019000"));
    assert_eq!(run(&mut card, "00F7009A00"), h("6A82"));
    assert_eq!(run(&mut card, "00F7019A00"), h("6A86"));
    verify(&mut card, "000000");
    assert_eq!(run(&mut card, "00F7008000"), h("0101FF050101060203029000"));
    auth_default(&mut card);
    let (public, _) = generate(&mut card, 0x9C, 0x11);
    let r = run(&mut card, "00F7009C00");
    let mut expected = h("010111 02020301 030101 0443");
    expected.extend(&public[3..]);
    expected.extend(h("9000"));
    assert_eq!(r, expected);
}
