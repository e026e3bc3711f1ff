//! SELECT, PIN/PUK handling, management-key authentication and data objects, byte-exact
//! against the formats in PIV.md.

mod common;
use common::*;
use tessera_virtual_card::PivCard;

#[test]
fn select_accepts_full_aid_and_prefixes() {
    let mut card = PivCard::new(1);
    for aid in [
        "00A4040009A00000030800001000",
        "00A4040009A0000003080000100000",
        "00A404000BA000000308000010000100",
        "00A4040005A000000308",
        "00A4040005A00000030800",
    ] {
        assert_eq!(hex::encode_upper(run(&mut card, aid)), APT_OK, "{aid}");
    }
    assert_eq!(run(&mut card, "00A4040007A0000005272101"), h("6A82"));
    assert_eq!(run(&mut card, "00A4040004A0000003"), h("6A82"));
    assert_eq!(
        run(&mut card, "00A404000CA0000003080000100001000000"),
        h("6A82")
    );
    assert_eq!(run(&mut card, "00A40000023F00"), h("6A86"));
    // PIV stays usable after a failed SELECT.
    assert_eq!(run(&mut card, "00200080"), h("63C3"));
}

#[test]
fn commands_work_before_select() {
    let mut card = PivCard::new(1);
    assert_eq!(
        run(&mut card, "00CB3FFF035C017E00"),
        h("7E124F0BA0000003080000100001005F2F0240009000")
    );
}

#[test]
fn verify_counts_down_blocks_and_resets() {
    let mut card = PivCard::new(1);
    assert_eq!(run(&mut card, "00200080"), h("63C3"));
    assert_eq!(run(&mut card, "002000800831323334353637FF"), h("63C2"));
    assert_eq!(run(&mut card, "00200080083132333435 36FFFF"), h("9000"));
    assert_eq!(card.pin_tries(), (3, 3));
    assert_eq!(run(&mut card, "00200080"), h("9000"));
    assert_eq!(run(&mut card, "0020FF80"), h("9000"));
    assert_eq!(run(&mut card, "00200080"), h("63C3"));
    // Wrong attempts: 2, 1, 0 left, then blocked even for the right PIN.
    assert_eq!(verify(&mut card, "000000"), 0x63C2);
    assert_eq!(verify(&mut card, "000000"), 0x63C1);
    assert_eq!(verify(&mut card, "000000"), 0x63C0);
    assert_eq!(verify(&mut card, "123456"), 0x6983);
    assert_eq!(run(&mut card, "00200080"), h("63C0"));
}

#[test]
fn verify_rejects_malformed_pins_without_spending_tries() {
    let mut card = PivCard::new(1);
    assert_eq!(run(&mut card, "00200080063132333435 36"), h("6700"));
    assert_eq!(run(&mut card, "002000800831323334FFFFFFFF"), h("6A80"));
    assert_eq!(run(&mut card, "002000800831FF3334353637FF"), h("6A80"));
    assert_eq!(run(&mut card, "00200081083132333435 36FFFF"), h("6A86"));
    assert_eq!(run(&mut card, "00200180083132333435 36FFFF"), h("6A86"));
    assert_eq!(card.pin_tries(), (3, 3));
    // A failed VERIFY revokes an earlier success.
    assert_eq!(verify(&mut card, "123456"), 0x9000);
    assert_eq!(verify(&mut card, "654321"), 0x63C2);
    assert_eq!(run(&mut card, "00200080"), h("63C2"));
}

#[test]
fn change_pin_and_puk() {
    let mut card = PivCard::new(1);
    let wrong = [padded(b"111111"), padded(b"654321")].concat();
    assert_eq!(
        sw(&card.execute(&apdu(0, 0x24, 0, 0x80, &wrong, None))),
        0x63C2
    );
    let good = [padded(b"123456"), padded(b"654321")].concat();
    assert_eq!(
        card.execute(&apdu(0, 0x24, 0, 0x80, &good, None)),
        h("9000")
    );
    assert_eq!(card.pin(), "654321");
    assert_eq!(card.pin_tries(), (3, 3));
    assert_eq!(verify(&mut card, "654321"), 0x9000);
    // New PIN too short, old PIN right: rejected, nothing changes.
    let short = [padded(b"654321"), padded(b"12345")].concat();
    assert_eq!(
        sw(&card.execute(&apdu(0, 0x24, 0, 0x80, &short, None))),
        0x6A80
    );
    assert_eq!(card.pin(), "654321");

    let puk = [padded(b"12345678"), padded(b"87654321")].concat();
    assert_eq!(
        hex::encode_upper(card.execute(&apdu(0, 0x24, 0, 0x81, &puk, None))),
        "9000"
    );
    assert_eq!(card.puk(), "87654321");
    let wrong_puk = [padded(b"12345678"), padded(b"11112222")].concat();
    assert_eq!(
        sw(&card.execute(&apdu(0, 0x24, 0, 0x81, &wrong_puk, None))),
        0x63C2
    );
    assert_eq!(card.puk_tries(), (2, 3));
    assert_eq!(
        sw(&card.execute(&apdu(0, 0x24, 0, 0x81, &puk[..8], None))),
        0x6700
    );
    assert_eq!(
        sw(&card.execute(&apdu(0, 0x24, 0, 0x82, &puk, None))),
        0x6A86
    );
}

#[test]
fn reset_retry_counter_unblocks_the_pin() {
    let mut card = PivCard::new(1);
    for _ in 0..3 {
        verify(&mut card, "000000");
    }
    assert_eq!(verify(&mut card, "123456"), 0x6983);
    let wrong = [padded(b"00000000"), padded(b"222222")].concat();
    assert_eq!(
        sw(&card.execute(&apdu(0, 0x2C, 0, 0x80, &wrong, None))),
        0x63C2
    );
    let good = [padded(b"12345678"), padded(b"222222")].concat();
    assert_eq!(
        card.execute(&apdu(0, 0x2C, 0, 0x80, &good, None)),
        h("9000")
    );
    assert_eq!(card.puk_tries(), (3, 3));
    assert_eq!(card.pin_tries(), (3, 3));
    assert_eq!(verify(&mut card, "222222"), 0x9000);
    // Blocking the PUK blocks unblocking.
    for left in [2u16, 1, 0] {
        assert_eq!(
            sw(&card.execute(&apdu(0, 0x2C, 0, 0x80, &wrong, None))),
            0x63C0 | left
        );
    }
    assert_eq!(
        sw(&card.execute(&apdu(0, 0x2C, 0, 0x80, &good, None))),
        0x6983
    );
    let change = [padded(b"12345678"), padded(b"87654321")].concat();
    assert_eq!(
        sw(&card.execute(&apdu(0, 0x24, 0, 0x81, &change, None))),
        0x6983
    );
}

#[test]
fn mutual_authentication_3des_byte_exact() {
    let mut card = PivCard::new(1);
    assert_eq!(card.management_key(), (0x03, DEFAULT_KEY.to_vec()));
    // Step 1: 7C 0A 80 08 <E_K(witness)>.
    let r = run(&mut card, "0087039B047C028000");
    assert_eq!(r.len(), 14);
    assert_eq!(&r[..4], &h("7C0A8008")[..]);
    assert_eq!(&r[12..], &h("9000")[..]);
    let witness = ecb(0x03, &DEFAULT_KEY, &r[4..12], false);
    let challenge = h("0102030405060708");
    let mut step2 = h("0087039B167C148008");
    step2.extend(&witness);
    step2.extend(h("8108"));
    step2.extend(&challenge);
    let r = card.execute(&step2);
    let mut expected = h("7C0A8208");
    expected.extend(ecb(0x03, &DEFAULT_KEY, &challenge, true));
    expected.extend(h("9000"));
    assert_eq!(r, expected);
    // Now PUT DATA is allowed.
    let put = apdu(
        0,
        0xDB,
        0x3F,
        0xFF,
        &put_data_body(0x5FC102, b"chuid"),
        None,
    );
    assert_eq!(card.execute(&put), h("9000"));

    // P1 00 is 3DES too.
    let mut card = PivCard::new(1);
    assert_eq!(mutual_auth(&mut card, 0x00, &DEFAULT_KEY), 0x9000);
}

#[test]
fn mutual_authentication_rejects_wrong_witness_and_algorithm() {
    let mut card = PivCard::new(1);
    assert_eq!(mutual_auth(&mut card, 0x03, &[9u8; 24]), 0x6982);
    let put = apdu(
        0,
        0xDB,
        0x3F,
        0xFF,
        &put_data_body(0x5FC102, b"chuid"),
        None,
    );
    assert_eq!(sw(&card.execute(&put)), 0x6982);
    assert_eq!(run(&mut card, "0087089B047C028000"), h("6A86"));
    assert_eq!(run(&mut card, "00870A9B047C028000"), h("6A86"));
    // Step 2 without step 1.
    let r = run(
        &mut card,
        "0087039B167C148008000000000000000081080000000000000000",
    );
    assert_eq!(r, h("6982"));
}

#[test]
fn external_authentication_3des() {
    let mut card = PivCard::new(1);
    let r = run(&mut card, "0087039B047C028100");
    assert_eq!(&r[..4], &h("7C0A8108")[..]);
    assert_eq!(sw(&r), 0x9000);
    let answer = ecb(0x03, &DEFAULT_KEY, &r[4..12], true);
    let mut step2 = h("0087039B0C7C0A8208");
    step2.extend(&answer);
    assert_eq!(card.execute(&step2), h("9000"));
    assert_eq!(generate(&mut card, 0x9A, 0x11).1, 0x9000);

    // A wrong answer fails, and the challenge cannot be retried.
    let mut card = PivCard::new(1);
    let r = run(&mut card, "0087039B047C028100");
    let mut bad = h("0087039B0C7C0A8208");
    bad.extend(ecb(0x03, &[7u8; 24], &r[4..12], true));
    assert_eq!(card.execute(&bad), h("6982"));
    let mut good = h("0087039B0C7C0A8208");
    good.extend(ecb(0x03, &DEFAULT_KEY, &r[4..12], true));
    assert_eq!(card.execute(&good), h("6982"));
    assert_eq!(generate(&mut card, 0x9A, 0x11).1, 0x6982);
}

#[test]
fn aes192_management_key_mutual_and_external() {
    let mut card = PivCard::new(1);
    auth_default(&mut card);
    let key: Vec<u8> = (0x40..0x58).collect();
    let mut set = h("0A9B18");
    set.extend(&key);
    assert_eq!(
        card.execute(&apdu(0, 0xFF, 0xFF, 0xFF, &set, None)),
        h("9000")
    );
    assert_eq!(card.management_key(), (0x0A, key.clone()));

    let mut card = card.clone();
    card.reset();
    assert_eq!(run(&mut card, "0087039B047C028000"), h("6A86"));
    // Mutual: 16-byte blocks, 7C 12 / 7C 24.
    let r = run(&mut card, "00870A9B047C028000");
    assert_eq!(&r[..4], &h("7C128010")[..]);
    assert_eq!(mutual_auth(&mut card, 0x0A, &key), 0x9000);

    card.reset();
    let r = run(&mut card, "00870A9B047C028100");
    assert_eq!(&r[..4], &h("7C128110")[..]);
    let mut step2 = h("00870A9B147C128210");
    step2.extend(ecb(0x0A, &key, &r[4..20], true));
    assert_eq!(card.execute(&step2), h("9000"));
    assert_eq!(generate(&mut card, 0x9E, 0x11).1, 0x9000);
}

#[test]
fn put_and_get_data_with_command_chaining() {
    let mut card = PivCard::new(1);
    let cert: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
    let mut content = tlv(&[0x70], &cert);
    content.extend(h("710100FE00"));
    let put_body = put_data_body(0x5FC105, &content);
    assert_eq!(&put_body[..9], &h("5C035FC105538203F1")[..]);
    assert_eq!(transmit(&mut card, 0xDB, 0x3F, 0xFF, &put_body).1, 0x6982);
    auth_default(&mut card);
    assert_eq!(
        transmit(&mut card, 0xDB, 0x3F, 0xFF, &put_body),
        (vec![], 0x9000)
    );
    assert_eq!(card.object(0x5FC105), Some(content.as_slice()));

    // The first answer carries 256 bytes and 61 00; the rest comes by GET RESPONSE.
    let first = run(&mut card, "00CB3FFF055C035FC10500");
    assert_eq!(first.len(), 258);
    assert_eq!(&first[..4], &h("538203F1")[..]);
    assert_eq!(&first[256..], &h("6100")[..]);
    let (all, status) = get_data(&mut card, 0x5FC105);
    assert_eq!(status, 0x9000);
    assert_eq!(all, tlv(&[0x53], &content));
    // Le smaller than the object: chunks of Le.
    let r = run(&mut card, "00CB3FFF055C035FC10508");
    assert_eq!(r, h("538203F1708203E8 6100"));
    let r = run(&mut card, "00C0000008");
    assert_eq!(r.len(), 10);
    // An extended Le gets everything at once.
    let r = run(&mut card, "00CB3FFF00 0005 5C035FC105 0000");
    assert_eq!(sw(&r), 0x9000);
    assert_eq!(body(&r), tlv(&[0x53], &content).as_slice());

    // An empty 53 deletes.
    let del = apdu(0, 0xDB, 0x3F, 0xFF, &h("5C035FC1055300"), None);
    assert_eq!(card.execute(&del), h("9000"));
    assert_eq!(run(&mut card, "00CB3FFF055C035FC10500"), h("6A82"));
    assert_eq!(card.object(0x5FC105), None);
}

#[test]
fn data_object_access_rules() {
    let mut card = PivCard::new(1);
    auth_default(&mut card);
    for tag in [
        0x5FC102, 0x5FC107, 0x5FC109, 0x5FC108, 0x5FC103, 0x5FC10C, 0x5FC10D, 0x5FC120,
    ] {
        let put = apdu(0, 0xDB, 0x3F, 0xFF, &put_data_body(tag, b"content"), None);
        assert_eq!(card.execute(&put), h("9000"), "{tag:06X}");
    }
    for tag in [0x5FC102, 0x5FC107, 0x5FC10C, 0x5FC10D] {
        assert_eq!(get_data(&mut card, tag), (h("5307636F6E74656E74"), 0x9000));
    }
    for tag in [0x5FC109, 0x5FC108, 0x5FC103] {
        assert_eq!(get_data(&mut card, tag).1, 0x6982, "{tag:06X}");
    }
    assert_eq!(verify(&mut card, "123456"), 0x9000);
    assert_eq!(get_data(&mut card, 0x5FC109).1, 0x9000);
    // Not writable: discovery, unknown objects.
    for body in ["5C017E5302AABB", "5C035FC1045301AA", "5C035FC1215301AA"] {
        let put = apdu(0, 0xDB, 0x3F, 0xFF, &h(body), None);
        assert_eq!(sw(&card.execute(&put)), 0x6A80, "{body}");
    }
    assert_eq!(card.object(0x7E).map(<[u8]>::len), Some(0x12));
    assert_eq!(run(&mut card, "00CB3FFE055C035FC10200"), h("6A86"));
    assert_eq!(run(&mut card, "00CB3FFF045C035FC100"), h("6A80"));
    assert_eq!(run(&mut card, "00CB3FFF065C035FC102"), h("6700"));
    assert_eq!(run(&mut card, "00CB3FFF055D035FC10200"), h("6A80"));
    assert_eq!(run(&mut card, "00CB3FFF065C045FC1020100"), h("6A80"));
    // Too large for one object.
    let big = put_data_body(0x5FC10A, &vec![0u8; 4000]);
    assert_eq!(transmit(&mut card, 0xDB, 0x3F, 0xFF, &big).1, 0x6A84);
}

#[test]
fn pin_always_needs_verify_immediately_before() {
    let mut card = PivCard::new(1);
    auth_default(&mut card);
    assert_eq!(generate(&mut card, 0x9C, 0x11).1, 0x9000);
    let digest = [0x11u8; 32];
    assert_eq!(private_op(&mut card, 0x11, 0x9C, 0x81, &digest).1, 0x6982);
    assert_eq!(verify(&mut card, "123456"), 0x9000);
    assert_eq!(private_op(&mut card, 0x11, 0x9C, 0x81, &digest).1, 0x9000);
    // Used up by the signature.
    assert_eq!(private_op(&mut card, 0x11, 0x9C, 0x81, &digest).1, 0x6982);
    // Any other command in between also uses it up.
    assert_eq!(verify(&mut card, "123456"), 0x9000);
    assert_eq!(get_data(&mut card, 0x5FC102).1, 0x6A82);
    assert_eq!(private_op(&mut card, 0x11, 0x9C, 0x81, &digest).1, 0x6982);
    // A status query or SELECT does not.
    assert_eq!(verify(&mut card, "123456"), 0x9000);
    assert_eq!(run(&mut card, "00200080"), h("9000"));
    assert_eq!(hex::encode_upper(run(&mut card, SELECT)), APT_OK);
    assert_eq!(private_op(&mut card, 0x11, 0x9C, 0x81, &digest).1, 0x9000);
}

#[test]
fn reset_and_power_clear_security_status() {
    let mut card = PivCard::new(1);
    auth_default(&mut card);
    assert_eq!(verify(&mut card, "123456"), 0x9000);
    card.reset();
    assert_eq!(run(&mut card, "00200080"), h("63C3"));
    assert_eq!(generate(&mut card, 0x9A, 0x11).1, 0x6982);
    auth_default(&mut card);
    card.power_off();
    card.power_on();
    assert_eq!(generate(&mut card, 0x9A, 0x11).1, 0x6982);
    // A half-finished chain does not survive either.
    let r = card.execute(&apdu(0x10, 0xDB, 0x3F, 0xFF, &[0x5C, 0x03], None));
    assert_eq!(sw(&r), 0x9000);
    card.reset();
    auth_default(&mut card);
    let r = card.execute(&apdu(0, 0xDB, 0x3F, 0xFF, &h("5FC102530101"), None));
    assert_eq!(sw(&r), 0x6A80);
}
