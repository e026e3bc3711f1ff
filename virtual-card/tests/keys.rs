//! Key generation and the private-key operations, checked with independent host-side crypto.

mod common;
use common::*;
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::traits::PublicKeyParts;
use rsa::BigUint;
use tessera_virtual_card::PivCard;

fn ec_public(template: &[u8]) -> p256::PublicKey {
    assert_eq!(&template[..5], &h("7F49438641")[..]);
    assert_eq!(template.len(), 5 + 65);
    p256::PublicKey::from_sec1_bytes(&template[5..]).expect("point on P-256")
}

fn rsa_modulus(template: &[u8]) -> BigUint {
    assert_eq!(template.len(), 0x10E);
    assert_eq!(&template[..9], &h("7F4982010981820100")[..]);
    assert_eq!(&template[9 + 256..], &h("820301 0001")[..]);
    BigUint::from_bytes_be(&template[9..9 + 256])
}

#[test]
fn generate_needs_management_key() {
    let mut card = PivCard::new(1);
    assert_eq!(run(&mut card, "0047009A05AC03800111"), h("6982"));
    auth_default(&mut card);
    assert_eq!(run(&mut card, "0047009B05AC03800111"), h("6A86"));
    assert_eq!(run(&mut card, "0047019A05AC03800111"), h("6A86"));
    assert_eq!(run(&mut card, "0047009A05AC03800114"), h("6A80"));
    assert_eq!(run(&mut card, "0047009A05AD03800111"), h("6A80"));
    assert_eq!(run(&mut card, "0047009A04AC038001"), h("6A80"));
    assert_eq!(card.key_algorithm(0x9A), None);
}

#[test]
fn generate_p256_and_sign() {
    let mut card = PivCard::new(1);
    auth_default(&mut card);
    let r = run(&mut card, "0047009A05AC03800111");
    assert_eq!(sw(&r), 0x9000);
    let public = ec_public(body(&r));
    assert_eq!(card.public_key(0x9A).as_deref(), Some(body(&r)));

    let digest = [0x5Au8; 32];
    // 9A needs the PIN.
    assert_eq!(private_op(&mut card, 0x11, 0x9A, 0x81, &digest).1, 0x6982);
    assert_eq!(verify(&mut card, "123456"), 0x9000);
    let mut cmd = h("0087119A267C24820081 20");
    cmd.extend(digest);
    let r = card.execute(&cmd);
    assert_eq!(sw(&r), 0x9000);
    let b = body(&r);
    assert_eq!(b[0], 0x7C);
    assert_eq!(usize::from(b[1]), b.len() - 2);
    assert_eq!(b[2], 0x82);
    assert_eq!(usize::from(b[3]), b.len() - 4);
    let sig = p256::ecdsa::Signature::from_der(&b[4..]).expect("DER signature");
    p256::ecdsa::VerifyingKey::from(&public)
        .verify_prehash(&digest, &sig)
        .expect("signature verifies");
    // Still allowed: PIN policy "once".
    assert_eq!(private_op(&mut card, 0x11, 0x9A, 0x81, &digest).1, 0x9000);
    // Wrong algorithm, wrong digest length, missing 82, empty slot.
    assert_eq!(private_op(&mut card, 0x07, 0x9A, 0x81, &digest).1, 0x6A86);
    assert_eq!(
        private_op(&mut card, 0x11, 0x9A, 0x81, &digest[..20]).1,
        0x6A80
    );
    let mut no_82 = h("0087119A247C228120");
    no_82.extend(digest);
    assert_eq!(card.execute(&no_82), h("6A80"));
    assert_eq!(private_op(&mut card, 0x11, 0x9D, 0x81, &digest).1, 0x6A82);
}

#[test]
fn card_authentication_key_needs_no_pin() {
    let mut card = PivCard::new(1);
    auth_default(&mut card);
    let (public, _) = generate(&mut card, 0x9E, 0x11);
    card.reset();
    let digest = [3u8; 32];
    let (resp, status) = private_op(&mut card, 0x11, 0x9E, 0x81, &digest);
    assert_eq!(status, 0x9000);
    let sig = p256::ecdsa::Signature::from_der(&resp[4..]).unwrap();
    p256::ecdsa::VerifyingKey::from(&ec_public(&public))
        .verify_prehash(&digest, &sig)
        .unwrap();
}

#[test]
fn ecdh_matches_the_host_computation() {
    let mut card = PivCard::new(1);
    auth_default(&mut card);
    let (public, _) = generate(&mut card, 0x9D, 0x11);
    let card_public = ec_public(&public);
    let peer = p256::SecretKey::random(&mut rand::rngs::OsRng);
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let peer_point = peer.public_key().to_encoded_point(false);
    assert_eq!(verify(&mut card, "123456"), 0x9000);
    let (resp, status) = private_op(&mut card, 0x11, 0x9D, 0x85, peer_point.as_bytes());
    assert_eq!(status, 0x9000);
    assert_eq!(&resp[..4], &h("7C228220")[..]);
    let expected = p256::ecdh::diffie_hellman(peer.to_nonzero_scalar(), card_public.as_affine());
    assert_eq!(&resp[4..], expected.raw_secret_bytes().as_slice());
    // Not a point / compressed point.
    assert_eq!(
        private_op(&mut card, 0x11, 0x9D, 0x85, &[4u8; 65]).1,
        0x6A80
    );
    let compressed = peer.public_key().to_encoded_point(true);
    assert_eq!(
        private_op(&mut card, 0x11, 0x9D, 0x85, compressed.as_bytes()).1,
        0x6A80
    );
}

#[test]
fn generate_rsa_2048_with_response_chaining_and_sign() {
    let mut card = PivCard::new(1);
    auth_default(&mut card);
    let first = run(&mut card, "0047009C05AC03800107");
    assert_eq!(first.len(), 258);
    assert_eq!(&first[256..], &h("610E")[..]);
    assert_eq!(&first[..9], &h("7F4982010981820100")[..]);
    let rest = run(&mut card, "00C000000E");
    assert_eq!(rest.len(), 0x0E + 2);
    assert_eq!(&rest[0x0E..], &h("9000")[..]);
    let mut template = body(&first).to_vec();
    template.extend_from_slice(body(&rest));
    let n = rsa_modulus(&template);
    assert_eq!(n.bits(), 2048);
    // GET RESPONSE with nothing pending.
    assert_eq!(run(&mut card, "00C0000000"), h("6985"));

    // 9C: PKCS#1 v1.5 block as OpenSC builds it, chained because it is 266 bytes.
    let mut block = vec![0x00, 0x01];
    block.resize(256 - 52, 0xFF);
    block.push(0x00);
    block.extend(h("3031300d060960864801650304020105000420"));
    block.extend([0xAB; 32]);
    assert_eq!(block.len(), 256);
    assert_eq!(verify(&mut card, "123456"), 0x9000);
    let (resp, status) = private_op(&mut card, 0x07, 0x9C, 0x81, &block);
    assert_eq!(status, 0x9000);
    assert_eq!(&resp[..8], &h("7C82010482820100")[..]);
    let sig = BigUint::from_bytes_be(&resp[8..]);
    assert_eq!(resp.len(), 8 + 256);
    let recovered = sig.modpow(&BigUint::from(65537u32), &n);
    assert_eq!(recovered, BigUint::from_bytes_be(&block));
    // The raw operation also checks its input against the modulus.
    assert_eq!(verify(&mut card, "123456"), 0x9000);
    assert_eq!(
        private_op(&mut card, 0x07, 0x9C, 0x81, &[0xFF; 256]).1,
        0x6A80
    );
    assert_eq!(verify(&mut card, "123456"), 0x9000);
    assert_eq!(private_op(&mut card, 0x07, 0x9C, 0x81, &[1; 255]).1, 0x6A80);

    // The public key from the card is the one rsa derives from the stored primes.
    let snapshot: serde_json::Value = serde_json::to_value(&card).unwrap();
    let p = BigUint::from_bytes_be(
        &hex::decode(
            snapshot["state"]["keys"]["156"]["material"]["p"]
                .as_str()
                .unwrap(),
        )
        .unwrap(),
    );
    let q = BigUint::from_bytes_be(
        &hex::decode(
            snapshot["state"]["keys"]["156"]["material"]["q"]
                .as_str()
                .unwrap(),
        )
        .unwrap(),
    );
    let key = rsa::RsaPrivateKey::from_p_q(p, q, BigUint::from(65537u32)).unwrap();
    assert_eq!(key.n(), &n);
}

#[test]
fn generate_accepts_and_applies_policies() {
    let mut card = PivCard::new(1);
    auth_default(&mut card);
    // Yubico puts AA/AB inside AC; PIN policy never on 9A.
    let r = run(&mut card, "0047009A0BAC098001 11AA0101AB0101");
    assert_eq!(sw(&r), 0x9000);
    assert_eq!(private_op(&mut card, 0x11, 0x9A, 0x81, &[1; 32]).1, 0x9000);
    // After AC, PIN policy always on 9D.
    let r = run(&mut card, "0047009D0BAC03800111AA0103AB0102");
    assert_eq!(sw(&r), 0x9000);
    assert_eq!(verify(&mut card, "123456"), 0x9000);
    assert_eq!(private_op(&mut card, 0x11, 0x9D, 0x81, &[1; 32]).1, 0x9000);
    assert_eq!(private_op(&mut card, 0x11, 0x9D, 0x81, &[1; 32]).1, 0x6982);
    // Invalid policy values.
    assert_eq!(run(&mut card, "0047009D08AC06800111AA0109"), h("6A80"));
    assert_eq!(run(&mut card, "0047009D09AC07800111AA020101"), h("6A80"));
    // Retired slots work too.
    assert_eq!(generate(&mut card, 0x82, 0x11).1, 0x9000);
    assert_eq!(generate(&mut card, 0x95, 0x11).1, 0x9000);
    assert_eq!(generate(&mut card, 0x96, 0x11).1, 0x6A86);
}
