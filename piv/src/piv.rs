//! PIV card commands (NIST SP 800-73-4) and the YubiKey extensions, over a [`CardChannel`].
//! Card-agnostic: a YubiKey-only command is sent only after `00 FD` answered. Every response is
//! parsed defensively: a malformed TLV or an unexpected status word is a [`PivError`].
//!
//! The PIV vocabulary is here as well (AID, default PIN and PUK, key references, slots, data
//! object and template tags, key algorithms): a card has to mean the same by it.

use crate::apdu::{CardChannel, Command, Response, Sw, Transport, TransportError, MAX_SHORT_LE};
use crate::ins;
use crate::mgmt_key::{self, MgmtKey};
use crate::tlv;
use zeroize::Zeroizing;

/// The PIV application identifier (with the version suffix; cards match the 9-byte prefix).
pub const AID: [u8; 11] = [
    0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
];
pub const DEFAULT_PIN: &str = "123456";
pub const DEFAULT_PUK: &str = "12345678";
/// Every PIN and PUK travels padded with `FF` to this length.
pub const SECRET_PADDED_LEN: usize = 8;
/// The key references of PIN and PUK in VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER.
pub const PIN_REFERENCE: u8 = 0x80;
pub const PUK_REFERENCE: u8 = 0x81;

/// Data object tags. The certificates' are [`Slot::object`] and [`certificate_tag`].
pub const TAG_CHUID: u32 = 0x5FC102;
pub const TAG_CCC: u32 = 0x5FC107;
pub const TAG_DISCOVERY: u32 = 0x7E;
pub const TAG_FINGERPRINTS: u32 = 0x5FC103;
pub const TAG_FACIAL_IMAGE: u32 = 0x5FC108;
pub const TAG_PRINTED_INFO: u32 = 0x5FC109;

/// Tags inside the templates of commands and answers (data objects have the `TAG_` constants).
pub mod tag {
    /// GET and PUT DATA: the tag list naming an object, and the object's content.
    pub const TAG_LIST: u32 = 0x5C;
    pub const DATA: u32 = 0x53;
    /// GENERAL AUTHENTICATE's dynamic authentication template and what it carries.
    pub const DYNAMIC_AUTH: u32 = 0x7C;
    pub const WITNESS: u32 = 0x80;
    pub const CHALLENGE: u32 = 0x81;
    pub const RESPONSE: u32 = 0x82;
    pub const EXPONENTIATION: u32 = 0x85;
    /// GENERATE's control reference template, its algorithm and the YubiKey policies.
    pub const CONTROL: u32 = 0xAC;
    pub const ALGORITHM: u32 = 0x80;
    pub const PIN_POLICY: u32 = 0xAA;
    pub const TOUCH_POLICY: u32 = 0xAB;
    /// The public key template GENERATE answers with, and its parts.
    pub const PUBLIC_KEY: u32 = 0x7F49;
    pub const RSA_MODULUS: u32 = 0x81;
    pub const RSA_EXPONENT: u32 = 0x82;
    pub const EC_POINT: u32 = 0x86;
}

/// The FASC-N Yubico's tools write (agency 9999, system 9999, credential 999999): a card that
/// is not a US federal credential says so this way.
pub const NON_FEDERAL_FASCN: [u8; 25] = [
    0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39, 0xCE, 0x73, 0x9D, 0x83, 0x68, 0x58, 0x21, 0x08,
    0x42, 0x10, 0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3, 0xEB,
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PivError {
    #[error("{0}")]
    Transport(#[from] TransportError),
    #[error("the card has no PIV application")]
    NoPiv,
    #[error("wrong {what}: {tries_left} tries left")]
    WrongSecret { what: &'static str, tries_left: u8 },
    #[error("the {0} is blocked")]
    Blocked(&'static str),
    #[error("the card refused the management key")]
    WrongManagementKey,
    #[error("the card does not support {0}")]
    NotSupported(String),
    #[error("{what} failed: {}", sw.describe())]
    Status { what: &'static str, sw: Sw },
    #[error("the card's answer to {what} is malformed: {detail}")]
    Malformed { what: &'static str, detail: String },
}

pub type Result<T> = std::result::Result<T, PivError>;

fn malformed(what: &'static str) -> impl Fn(tlv::TlvError) -> PivError {
    move |e| PivError::Malformed {
        what,
        detail: e.to_string(),
    }
}

fn check(what: &'static str, r: &Response) -> Result<()> {
    if r.sw.is_ok() {
        Ok(())
    } else {
        Err(PivError::Status { what, sw: r.sw })
    }
}

/// The key slots Tessera fills, with the data object that holds each slot's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Slot {
    /// 9A: PIV Authentication (logon).
    Authentication,
    /// 9C: Digital Signature.
    Signature,
    /// 9D: Key Management (encryption).
    KeyManagement,
    /// 9E: Card Authentication.
    CardAuthentication,
}

/// The retired key management slots, whose certificates follow one another from `5FC10D`.
pub const FIRST_RETIRED_SLOT: u8 = 0x82;
pub const LAST_RETIRED_SLOT: u8 = 0x95;
const FIRST_RETIRED_CERTIFICATE: u32 = 0x5FC10D;

/// The data object that holds the certificate of key slot `slot`, any of [`Slot`] or a retired
/// one; `None` if `slot` holds no key pair.
pub fn certificate_tag(slot: u8) -> Option<u32> {
    match slot {
        FIRST_RETIRED_SLOT..=LAST_RETIRED_SLOT => {
            Some(FIRST_RETIRED_CERTIFICATE + u32::from(slot - FIRST_RETIRED_SLOT))
        }
        _ => Slot::from_id(slot).map(Slot::object),
    }
}

/// Whether `slot` holds a key pair (as opposed to the management key, PIN or PUK).
pub fn is_key_slot(slot: u8) -> bool {
    certificate_tag(slot).is_some()
}

impl Slot {
    pub fn from_id(id: u8) -> Option<Slot> {
        Slot::ALL.into_iter().find(|s| s.id() == id)
    }

    pub fn id(self) -> u8 {
        match self {
            Slot::Authentication => 0x9A,
            Slot::Signature => 0x9C,
            Slot::KeyManagement => 0x9D,
            Slot::CardAuthentication => 0x9E,
        }
    }

    pub fn object(self) -> u32 {
        match self {
            Slot::Authentication => 0x5FC105,
            Slot::Signature => 0x5FC10A,
            Slot::KeyManagement => 0x5FC10B,
            Slot::CardAuthentication => 0x5FC101,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Slot::Authentication => "9A PIV Authentication",
            Slot::Signature => "9C Digital Signature",
            Slot::KeyManagement => "9D Key Management",
            Slot::CardAuthentication => "9E Card Authentication",
        }
    }

    pub const ALL: [Slot; 4] = [
        Slot::Authentication,
        Slot::Signature,
        Slot::KeyManagement,
        Slot::CardAuthentication,
    ];
}

/// SP 800-78 identifiers of the key pair algorithms.
pub const ALG_RSA2048: u8 = 0x07;
pub const ALG_ECCP256: u8 = 0x11;

/// Key pair algorithms Tessera generates on cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    EccP256,
    Rsa2048,
}

impl KeyAlgorithm {
    pub fn id(self) -> u8 {
        match self {
            KeyAlgorithm::EccP256 => ALG_ECCP256,
            KeyAlgorithm::Rsa2048 => ALG_RSA2048,
        }
    }
}

/// A public key as GENERATE ASYMMETRIC KEY PAIR returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// The uncompressed point `04 || X || Y`.
    EccP256(Vec<u8>),
    Rsa {
        modulus: Vec<u8>,
        exponent: Vec<u8>,
    },
}

/// DER prefix of a P-256 SubjectPublicKeyInfo, before the 65-byte point.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A,
    0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

impl PublicKey {
    /// The key as a DER SubjectPublicKeyInfo, which the CA certifies.
    pub fn spki_der(&self) -> Result<Vec<u8>> {
        match self {
            PublicKey::EccP256(point) => {
                let mut der = P256_SPKI_PREFIX.to_vec();
                der.extend_from_slice(point);
                Ok(der)
            }
            PublicKey::Rsa { modulus, exponent } => {
                use rsa::pkcs8::EncodePublicKey;
                let key = rsa::RsaPublicKey::new(
                    rsa::BigUint::from_bytes_be(modulus),
                    rsa::BigUint::from_bytes_be(exponent),
                )
                .map_err(|e| PivError::Malformed {
                    what: "GENERATE ASYMMETRIC KEY PAIR",
                    detail: format!("RSA public key: {e}"),
                })?;
                Ok(key
                    .to_public_key_der()
                    .map_err(|e| PivError::Malformed {
                        what: "GENERATE ASYMMETRIC KEY PAIR",
                        detail: e.to_string(),
                    })?
                    .into_vec())
            }
        }
    }
}

/// PIN or PUK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    Pin,
    Puk,
}

impl Reference {
    fn id(self) -> u8 {
        match self {
            Reference::Pin => PIN_REFERENCE,
            Reference::Puk => PUK_REFERENCE,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Reference::Pin => "PIN",
            Reference::Puk => "PUK",
        }
    }
}

/// A PIN or PUK as the card wants it: ASCII, padded to 8 bytes with `FF`.
pub fn pad_secret(secret: &str) -> Result<Zeroizing<Vec<u8>>> {
    let b = secret.as_bytes();
    if b.len() < 6 || b.len() > SECRET_PADDED_LEN || b.contains(&0xFF) {
        return Err(PivError::NotSupported(
            "a PIN or PUK outside 6 to 8 characters".into(),
        ));
    }
    let mut out = Zeroizing::new(b.to_vec());
    out.resize(SECRET_PADDED_LEN, 0xFF);
    Ok(out)
}

/// What the card says about its PIN without a PIN being presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinStatus {
    Verified,
    TriesLeft(u8),
    Blocked,
}

/// The PIV application on one card.
pub struct Piv<T: Transport> {
    pub channel: CardChannel<T>,
}

impl<T: Transport> Piv<T> {
    pub fn new(transport: T) -> Self {
        Piv {
            channel: CardChannel::new(transport),
        }
    }

    fn send(&mut self, cmd: Command) -> Result<Response> {
        Ok(self.channel.send(&cmd)?)
    }

    /// SELECT the PIV application by its 9-byte prefix.
    pub fn select(&mut self) -> Result<()> {
        let r = self
            .send(Command::new(ins::SELECT, 0x04, 0x00, AID[..9].to_vec()).with_le(MAX_SHORT_LE))?;
        match r.sw {
            Sw::OK => Ok(()),
            Sw::NOT_FOUND => Err(PivError::NoPiv),
            sw => Err(PivError::Status {
                what: "SELECT PIV",
                sw,
            }),
        }
    }

    /// YubiKey GET VERSION (`00 FD`); `None` on a card without the extension.
    pub fn yubico_version(&mut self) -> Result<Option<[u8; 3]>> {
        let r = self.send(Command::new(ins::GET_VERSION, 0x00, 0x00, vec![]))?;
        if !r.sw.is_ok() {
            return Ok(None);
        }
        match r.data.as_slice() {
            [a, b, c] => Ok(Some([*a, *b, *c])),
            _ => Err(PivError::Malformed {
                what: "GET VERSION",
                detail: format!("{} bytes instead of 3", r.data.len()),
            }),
        }
    }

    /// YubiKey GET SERIAL (`00 F8`); `None` if the card does not tell.
    pub fn yubico_serial(&mut self) -> Result<Option<u32>> {
        let r = self.send(Command::new(ins::GET_SERIAL, 0x00, 0x00, vec![]))?;
        if !r.sw.is_ok() {
            return Ok(None);
        }
        let b: [u8; 4] = r
            .data
            .as_slice()
            .try_into()
            .map_err(|_| PivError::Malformed {
                what: "GET SERIAL",
                detail: format!("{} bytes instead of 4", r.data.len()),
            })?;
        Ok(Some(u32::from_be_bytes(b)))
    }

    fn secret_result(r: &Response, reference: Reference, what: &'static str) -> Result<()> {
        match r.sw {
            Sw::OK => Ok(()),
            Sw::BLOCKED => Err(PivError::Blocked(reference.name())),
            sw => match sw.tries_left() {
                Some(0) => Err(PivError::Blocked(reference.name())),
                Some(n) => Err(PivError::WrongSecret {
                    what: reference.name(),
                    tries_left: n,
                }),
                None => Err(PivError::Status { what, sw }),
            },
        }
    }

    pub fn verify_pin(&mut self, pin: &str) -> Result<()> {
        let r = self.send(Command::new(
            ins::VERIFY,
            0x00,
            PIN_REFERENCE,
            pad_secret(pin)?.to_vec(),
        ))?;
        Self::secret_result(&r, Reference::Pin, "VERIFY")
    }

    /// VERIFY without data: the PIN's state, without spending a try.
    pub fn pin_status(&mut self) -> Result<PinStatus> {
        let r = self.send(Command::new(ins::VERIFY, 0x00, PIN_REFERENCE, vec![]))?;
        match (r.sw, r.sw.tries_left()) {
            (Sw::OK, _) => Ok(PinStatus::Verified),
            (Sw::BLOCKED, _) | (_, Some(0)) => Ok(PinStatus::Blocked),
            (_, Some(n)) => Ok(PinStatus::TriesLeft(n)),
            (sw, None) => Err(PivError::Status {
                what: "VERIFY (status)",
                sw,
            }),
        }
    }

    /// CHANGE REFERENCE DATA: a new PIN or PUK, proven by the current one.
    pub fn change_reference(&mut self, reference: Reference, old: &str, new: &str) -> Result<()> {
        let mut data = pad_secret(old)?;
        data.extend_from_slice(&pad_secret(new)?);
        let r = self.send(Command::new(
            ins::CHANGE_REFERENCE_DATA,
            0x00,
            reference.id(),
            data.to_vec(),
        ))?;
        Self::secret_result(&r, reference, "CHANGE REFERENCE DATA")
    }

    /// RESET RETRY COUNTER: a new PIN, proven by the PUK.
    pub fn unblock_pin(&mut self, puk: &str, new_pin: &str) -> Result<()> {
        let mut data = pad_secret(puk)?;
        data.extend_from_slice(&pad_secret(new_pin)?);
        let r = self.send(Command::new(
            ins::RESET_RETRY_COUNTER,
            0x00,
            PIN_REFERENCE,
            data.to_vec(),
        ))?;
        Self::secret_result(&r, Reference::Puk, "RESET RETRY COUNTER")
    }

    /// GENERAL AUTHENTICATE with the management key, mutual: the card proves it holds the key
    /// too, so Tessera never writes to a card that merely claims success.
    pub fn authenticate(&mut self, key: &MgmtKey) -> Result<()> {
        const WHAT: &str = "GENERAL AUTHENTICATE";
        let alg = key.algorithm.id();
        let n = key.algorithm.block_len();
        let ask = tlv::write(tag::DYNAMIC_AUTH, &tlv::write(tag::WITNESS, &[]));
        let r = self.send(
            Command::new(ins::GENERAL_AUTHENTICATE, alg, mgmt_key::SLOT, ask).with_le(MAX_SHORT_LE),
        )?;
        match r.sw {
            Sw::OK => {}
            Sw::INCORRECT_DATA | Sw::INCORRECT_P1P2 => {
                return Err(PivError::NotSupported(format!(
                    "a {} management key (or this one is of another algorithm)",
                    key.algorithm.name()
                )))
            }
            sw => return Err(PivError::Status { what: WHAT, sw }),
        }
        let inner = tlv::expect(&r.data, tag::DYNAMIC_AUTH).map_err(malformed(WHAT))?;
        let witness_enc = tlv::expect(inner, tag::WITNESS).map_err(malformed(WHAT))?;
        let Some(witness) = key.decrypt_block(witness_enc) else {
            return Err(PivError::Malformed {
                what: WHAT,
                detail: format!(
                    "witness of {} bytes for a {n}-byte block",
                    witness_enc.len()
                ),
            });
        };
        let mut challenge = vec![0u8; n];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut challenge);
        let mut body = tlv::write(tag::WITNESS, &witness);
        body.extend(tlv::write(tag::CHALLENGE, &challenge));
        let r = self.send(
            Command::new(
                ins::GENERAL_AUTHENTICATE,
                alg,
                mgmt_key::SLOT,
                tlv::write(tag::DYNAMIC_AUTH, &body),
            )
            .with_le(MAX_SHORT_LE),
        )?;
        match r.sw {
            Sw::OK => {}
            Sw::SECURITY_NOT_SATISFIED | Sw::INCORRECT_DATA | Sw(0x63C0..=0x63CF) => {
                return Err(PivError::WrongManagementKey)
            }
            sw => return Err(PivError::Status { what: WHAT, sw }),
        }
        let inner = tlv::expect(&r.data, tag::DYNAMIC_AUTH).map_err(malformed(WHAT))?;
        let response = tlv::expect(inner, tag::RESPONSE).map_err(malformed(WHAT))?;
        if key.encrypt_block(&challenge).as_deref() != Some(response) {
            // The card does not hold our key, yet accepted the witness: not a card to trust.
            return Err(PivError::WrongManagementKey);
        }
        Ok(())
    }

    /// GENERATE ASYMMETRIC KEY PAIR in `slot`; returns the public key.
    pub fn generate(&mut self, slot: Slot, algorithm: KeyAlgorithm) -> Result<PublicKey> {
        const WHAT: &str = "GENERATE ASYMMETRIC KEY PAIR";
        let data = tlv::write(tag::CONTROL, &tlv::write(tag::ALGORITHM, &[algorithm.id()]));
        let r = self.send(
            Command::new(ins::GENERATE_ASYMMETRIC_KEY_PAIR, 0x00, slot.id(), data)
                .with_le(MAX_SHORT_LE),
        )?;
        check(WHAT, &r)?;
        let template = tlv::expect(&r.data, tag::PUBLIC_KEY).map_err(malformed(WHAT))?;
        let parts = tlv::read_all(template).map_err(malformed(WHAT))?;
        let bad = |detail: &str| PivError::Malformed {
            what: WHAT,
            detail: detail.to_string(),
        };
        match algorithm {
            KeyAlgorithm::EccP256 => {
                let point =
                    tlv::find(&parts, tag::EC_POINT).ok_or_else(|| bad("no EC point (86)"))?;
                if point.len() != 65 || point[0] != 0x04 {
                    return Err(bad("the EC point is not an uncompressed P-256 point"));
                }
                Ok(PublicKey::EccP256(point.to_vec()))
            }
            KeyAlgorithm::Rsa2048 => {
                let modulus =
                    tlv::find(&parts, tag::RSA_MODULUS).ok_or_else(|| bad("no modulus (81)"))?;
                let exponent =
                    tlv::find(&parts, tag::RSA_EXPONENT).ok_or_else(|| bad("no exponent (82)"))?;
                let bits = rsa::BigUint::from_bytes_be(modulus).bits();
                if bits != 2048 {
                    return Err(bad(&format!("a {bits}-bit modulus instead of 2048")));
                }
                Ok(PublicKey::Rsa {
                    modulus: modulus.to_vec(),
                    exponent: exponent.to_vec(),
                })
            }
        }
    }

    /// PUT DATA: writes (or with empty `content`, deletes) a data object.
    pub fn put_data(&mut self, object: u32, content: &[u8]) -> Result<()> {
        let mut data = tlv::write(tag::TAG_LIST, &tlv::tag_bytes(object));
        data.extend(tlv::write(tag::DATA, content));
        let r = self.send(Command::new(ins::PUT_DATA, 0x3F, 0xFF, data))?;
        match r.sw {
            Sw::SECURITY_NOT_SATISFIED => Err(PivError::Status {
                what: "PUT DATA (management key not authenticated)",
                sw: r.sw,
            }),
            _ => check("PUT DATA", &r),
        }
    }

    /// GET DATA: the content of a data object, `None` if the card has none.
    pub fn get_data(&mut self, object: u32) -> Result<Option<Vec<u8>>> {
        let data = tlv::write(tag::TAG_LIST, &tlv::tag_bytes(object));
        let r = self.send(Command::new(ins::GET_DATA, 0x3F, 0xFF, data).with_le(MAX_SHORT_LE))?;
        match r.sw {
            Sw::NOT_FOUND => Ok(None),
            _ => {
                check("GET DATA", &r)?;
                let outer = if object == TAG_DISCOVERY {
                    TAG_DISCOVERY
                } else {
                    tag::DATA
                };
                Ok(Some(
                    tlv::expect(&r.data, outer)
                        .map_err(malformed("GET DATA"))?
                        .to_vec(),
                ))
            }
        }
    }

    /// Writes `der` as the certificate of `slot` (uncompressed, with an empty LRC).
    pub fn put_certificate(&mut self, slot: Slot, der: &[u8]) -> Result<()> {
        self.put_data(slot.object(), &certificate_object(der))
    }

    /// The certificate in `slot`, if any.
    pub fn get_certificate(&mut self, slot: Slot) -> Result<Option<Vec<u8>>> {
        match self.get_data(slot.object())? {
            None => Ok(None),
            Some(content) if content.is_empty() => Ok(None),
            Some(content) => parse_certificate_object(&content).map(Some),
        }
    }

    /// YubiKey SET MANAGEMENT KEY. Needs the current key authenticated.
    pub fn set_management_key(&mut self, key: &MgmtKey) -> Result<()> {
        let mut data = Zeroizing::new(vec![
            key.algorithm.id(),
            mgmt_key::SLOT,
            key.key.len() as u8,
        ]);
        data.extend_from_slice(&key.key);
        let r = self.send(Command::new(
            ins::SET_MANAGEMENT_KEY,
            0xFF,
            0xFF,
            data.to_vec(),
        ))?;
        check("SET MANAGEMENT KEY", &r)
    }

    /// YubiKey SET PIN RETRIES: the tries of PIN and PUK. Needs the management key and the PIN
    /// verified, and resets PIN and PUK to their factory values, so it comes before they are set.
    pub fn set_pin_retries(&mut self, pin_tries: u8, puk_tries: u8) -> Result<()> {
        if pin_tries == 0 || puk_tries == 0 {
            return Err(PivError::NotSupported("zero PIN or PUK tries".into()));
        }
        let r = self.send(Command::new(
            ins::SET_PIN_RETRIES,
            pin_tries,
            puk_tries,
            vec![],
        ))?;
        check("SET PIN RETRIES", &r)
    }

    /// Whether the card has IMPORT ASYMMETRIC KEY, asked without changing anything: the command
    /// with no key in it. A card that has it refuses the empty command (not authenticated, or
    /// incorrect data); one that does not answers "instruction not supported". Some PIV cards
    /// have the other YubiKey commands but not this one.
    pub fn supports_import_key(&mut self) -> Result<bool> {
        let r = self.send(Command::new(
            ins::IMPORT_KEY,
            ALG_ECCP256,
            Slot::KeyManagement.id(),
            vec![],
        ))?;
        Ok(!matches!(
            r.sw,
            Sw::INS_NOT_SUPPORTED | Sw::CLA_NOT_SUPPORTED
        ))
    }

    /// YubiKey IMPORT ASYMMETRIC KEY: puts a key the server generated (an escrowed encryption
    /// key) into `slot`.
    pub fn import_key(&mut self, slot: Slot, key: &ImportKey) -> Result<()> {
        let (alg, data) = key.encode();
        let r = self.send(Command::new(ins::IMPORT_KEY, alg, slot.id(), data.to_vec()))?;
        check("IMPORT KEY", &r)
    }
}

/// A private key to import, as the card wants its parts.
pub enum ImportKey {
    EccP256 {
        scalar: Zeroizing<Vec<u8>>,
    },
    Rsa2048 {
        p: Zeroizing<Vec<u8>>,
        q: Zeroizing<Vec<u8>>,
        dp: Zeroizing<Vec<u8>>,
        dq: Zeroizing<Vec<u8>>,
        qinv: Zeroizing<Vec<u8>>,
    },
}

impl ImportKey {
    fn encode(&self) -> (u8, Zeroizing<Vec<u8>>) {
        let mut out = Zeroizing::new(Vec::new());
        match self {
            ImportKey::EccP256 { scalar } => {
                out.extend(tlv::write(0x06, scalar));
                (KeyAlgorithm::EccP256.id(), out)
            }
            ImportKey::Rsa2048 { p, q, dp, dq, qinv } => {
                for (tag, part) in [(0x01, p), (0x02, q), (0x03, dp), (0x04, dq), (0x05, qinv)] {
                    out.extend(tlv::write(tag, part));
                }
                (KeyAlgorithm::Rsa2048.id(), out)
            }
        }
    }

    /// The parts of a PKCS#8 private key (as escrow stores it).
    pub fn from_pkcs8(der: &[u8]) -> std::result::Result<ImportKey, String> {
        use rsa::pkcs8::DecodePrivateKey;
        use rsa::traits::PrivateKeyParts;
        if let Ok(k) = p256::SecretKey::from_pkcs8_der(der) {
            return Ok(ImportKey::EccP256 {
                scalar: Zeroizing::new(k.to_bytes().to_vec()),
            });
        }
        let k = rsa::RsaPrivateKey::from_pkcs8_der(der)
            .map_err(|e| format!("the escrowed key is neither P-256 nor RSA: {e}"))?;
        let fixed = |n: &rsa::BigUint| {
            let b = n.to_bytes_be();
            let mut v = vec![0u8; 128usize.saturating_sub(b.len())];
            v.extend(b);
            Zeroizing::new(v)
        };
        let primes = k.primes();
        if primes.len() != 2 || rsa::traits::PublicKeyParts::size(&k) != 256 {
            return Err("only two-prime RSA-2048 keys can be imported".into());
        }
        let qinv = k
            .crt_coefficient()
            .ok_or("the RSA key has no CRT coefficient")?;
        Ok(ImportKey::Rsa2048 {
            p: fixed(&primes[0]),
            q: fixed(&primes[1]),
            dp: fixed(k.dp().ok_or("the RSA key has no dP")?),
            dq: fixed(k.dq().ok_or("the RSA key has no dQ")?),
            qinv: fixed(&qinv),
        })
    }
}

/// The content of a certificate data object: `70` certificate, `71` CertInfo (uncompressed),
/// `FE` error detection code (empty).
pub fn certificate_object(der: &[u8]) -> Vec<u8> {
    let mut out = tlv::write(0x70, der);
    out.extend([0x71, 0x01, 0x00, 0xFE, 0x00]);
    out
}

pub fn parse_certificate_object(content: &[u8]) -> Result<Vec<u8>> {
    const WHAT: &str = "GET DATA (certificate)";
    let parts = tlv::read_all(content).map_err(malformed(WHAT))?;
    let cert = tlv::find(&parts, 0x70).ok_or(PivError::Malformed {
        what: WHAT,
        detail: "no certificate (70)".into(),
    })?;
    if tlv::find(&parts, 0x71).is_some_and(|info| info.first().is_some_and(|b| b & 0x01 != 0)) {
        return Err(PivError::NotSupported("compressed certificates".into()));
    }
    Ok(cert.to_vec())
}

/// A CHUID (SP 800-73-4 Table 9) with the non-federal FASC-N, a card GUID and an expiry date
/// (`YYYYMMDD`). Unsigned (`3E` empty): Tessera is not a federal issuer.
pub fn chuid(guid: &[u8; 16], expiry: &str) -> Vec<u8> {
    let mut out = tlv::write(0x30, &NON_FEDERAL_FASCN);
    out.extend(tlv::write(0x34, guid));
    out.extend(tlv::write(0x35, expiry.as_bytes()));
    out.extend([0x3E, 0x00, 0xFE, 0x00]);
    out
}

/// The GUID in a CHUID, if it has one.
pub fn chuid_guid(content: &[u8]) -> Result<Option<[u8; 16]>> {
    let parts = tlv::read_all(content).map_err(malformed("GET DATA (CHUID)"))?;
    Ok(tlv::find(&parts, 0x34).and_then(|g| g.try_into().ok()))
}

/// A Card Capability Container with a 14-byte card identifier (template as Yubico writes it).
pub fn ccc(card_id: &[u8; 14]) -> Vec<u8> {
    let mut id = vec![0xA0, 0x00, 0x00, 0x01, 0x16, 0xFF, 0x02];
    id.extend_from_slice(card_id);
    let mut out = tlv::write(0xF0, &id);
    out.extend([
        0xF1, 0x01, 0x21, 0xF2, 0x01, 0x21, 0xF3, 0x00, 0xF4, 0x01, 0x00, 0xF5, 0x01, 0x10, 0xF6,
        0x00, 0xF7, 0x00, 0xFA, 0x00, 0xFB, 0x00, 0xFC, 0x00, 0xFD, 0x00, 0xFE, 0x00,
    ]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apdu::tests::Script;
    use crate::mgmt_key::MgmtAlgorithm;

    fn piv(steps: &[(&str, &str)]) -> Piv<Script> {
        Piv::new(Script::new(steps))
    }

    #[test]
    fn select_by_nine_byte_prefix() {
        let mut p = piv(&[(
            "00A4040009A00000030800001000 00",
            "61114F0600001000010079074F05A000000308 9000",
        )]);
        p.select().unwrap();
        let mut p = piv(&[("00A4040009A0000003080000100000", "6A82")]);
        assert_eq!(p.select(), Err(PivError::NoPiv));
    }

    #[test]
    fn verify_pin_and_its_failures() {
        let cmd = "002000800831323334353 6FFFF".replace(' ', "");
        let mut p = piv(&[
            (&cmd, "9000"),
            (&cmd, "63C2"),
            (&cmd, "63C0"),
            (&cmd, "6983"),
        ]);
        p.verify_pin("123456").unwrap();
        assert_eq!(
            p.verify_pin("123456"),
            Err(PivError::WrongSecret {
                what: "PIN",
                tries_left: 2
            })
        );
        assert_eq!(p.verify_pin("123456"), Err(PivError::Blocked("PIN")));
        assert_eq!(p.verify_pin("123456"), Err(PivError::Blocked("PIN")));
        assert!(p.verify_pin("12345").is_err(), "too short, nothing sent");
        assert!(p.verify_pin("123456789").is_err(), "too long, nothing sent");
    }

    #[test]
    fn pin_status_without_a_try() {
        let mut p = piv(&[
            ("00200080", "9000"),
            ("00200080", "63C3"),
            ("00200080", "6983"),
        ]);
        assert_eq!(p.pin_status().unwrap(), PinStatus::Verified);
        assert_eq!(p.pin_status().unwrap(), PinStatus::TriesLeft(3));
        assert_eq!(p.pin_status().unwrap(), PinStatus::Blocked);
    }

    #[test]
    fn change_pin_puk_and_unblock() {
        let mut p = piv(&[
            (
                "0024008010 313233343536FFFF 3635343332310000"
                    .replace("0000", "FFFF")
                    .as_str(),
                "9000",
            ),
            ("0024008110 3132333435363738 3837363534333231", "63C1"),
            ("002C008010 3132333435363738 393939393939FFFF", "9000"),
        ]);
        p.change_reference(Reference::Pin, "123456", "654321")
            .unwrap();
        assert_eq!(
            p.change_reference(Reference::Puk, "12345678", "87654321"),
            Err(PivError::WrongSecret {
                what: "PUK",
                tries_left: 1
            })
        );
        p.unblock_pin("12345678", "999999").unwrap();
    }

    /// The card side of 9B mutual authentication, for one key.
    struct MgmtCard {
        key: MgmtKey,
        witness: Vec<u8>,
        apdus: Vec<Vec<u8>>,
    }

    impl Transport for MgmtCard {
        fn transmit(&mut self, apdu: &[u8]) -> std::result::Result<Vec<u8>, TransportError> {
            self.apdus.push(apdu.to_vec());
            let n = self.key.algorithm.block_len();
            if apdu[2] != self.key.algorithm.id() {
                return Ok(vec![0x6A, 0x86]);
            }
            let data = &apdu[5..apdu.len() - 1];
            if data == [0x7C, 0x02, 0x80, 0x00] {
                let mut r = tlv::write(
                    0x7C,
                    &tlv::write(0x80, &self.key.encrypt_block(&self.witness).unwrap()),
                );
                r.extend([0x90, 0x00]);
                return Ok(r);
            }
            let inner = tlv::expect(data, 0x7C).unwrap();
            let parts = tlv::read_all(inner).unwrap();
            if tlv::find(&parts, 0x80).unwrap() != self.witness.as_slice() {
                return Ok(vec![0x69, 0x82]);
            }
            let challenge = tlv::find(&parts, 0x81).unwrap();
            assert_eq!(challenge.len(), n);
            let mut r = tlv::write(
                0x7C,
                &tlv::write(0x82, &self.key.encrypt_block(challenge).unwrap()),
            );
            r.extend([0x90, 0x00]);
            Ok(r)
        }
    }

    fn mgmt_card(key: MgmtKey) -> Piv<MgmtCard> {
        let n = key.algorithm.block_len();
        Piv::new(MgmtCard {
            key,
            witness: (0..n as u8).collect(),
            apdus: vec![],
        })
    }

    #[test]
    fn mutual_authentication_3des_and_aes() {
        for alg in [
            MgmtAlgorithm::TripleDes,
            MgmtAlgorithm::Aes128,
            MgmtAlgorithm::Aes192,
            MgmtAlgorithm::Aes256,
        ] {
            let key = MgmtKey::random(alg);
            let mut p = mgmt_card(key.clone());
            p.authenticate(&key).unwrap();
            let sent = &p.channel.transport_mut().apdus;
            assert_eq!(
                hex::encode_upper(&sent[0]),
                format!("0087{:02X}9B047C02800000", alg.id())
            );
            let n = alg.block_len();
            // Step 2: 7C { 80 witness, 81 challenge }.
            assert_eq!(
                sent[1][..5],
                [0x00, 0x87, alg.id(), 0x9B, (6 + 2 * n) as u8]
            );
            assert_eq!(sent[1][5..9], [0x7C, (4 + 2 * n) as u8, 0x80, n as u8]);
            assert_eq!(sent[1][9..9 + n], (0..n as u8).collect::<Vec<_>>()[..]);
            if alg == MgmtAlgorithm::TripleDes {
                // PIV.md's bytes: 00 87 03 9B 16 7C 14 80 08 … 81 08 ….
                assert_eq!(hex::encode_upper(&sent[1][..9]), "0087039B167C148008");
            }
            // A wrong key: the witness decrypts to something else, and the card refuses.
            let mut p = mgmt_card(key.clone());
            assert_eq!(
                p.authenticate(&MgmtKey::random(alg)),
                Err(PivError::WrongManagementKey)
            );
        }
        // A key of another algorithm than the card's: refused at step 1, as such.
        let mut p = mgmt_card(MgmtKey::random(MgmtAlgorithm::Aes192));
        assert!(matches!(
            p.authenticate(&MgmtKey::default_for(MgmtAlgorithm::TripleDes)),
            Err(PivError::NotSupported(_))
        ));
    }

    #[test]
    fn generate_p256_parses_the_point() {
        let point = format!("04{}{}", "11".repeat(32), "22".repeat(32));
        let mut p = piv(&[(
            "004700 9A 05 AC03800111 00",
            &format!("7F4943 8641{point} 9000"),
        )]);
        let key = p
            .generate(Slot::Authentication, KeyAlgorithm::EccP256)
            .unwrap();
        assert_eq!(key, PublicKey::EccP256(hex::decode(&point).unwrap()));
        let spki = key.spki_der().unwrap();
        assert_eq!(spki.len(), 91);
        assert_eq!(spki[..4], [0x30, 0x59, 0x30, 0x13]);
    }

    #[test]
    fn generate_rsa_follows_get_response() {
        // A real 2048-bit modulus, so the SPKI can be built.
        let n = rsa::BigUint::from_bytes_be(&[0xC3; 256]);
        let modulus = hex::encode_upper(n.to_bytes_be());
        let body = format!("7F49820109 81820100{modulus} 8203010001").replace(' ', "");
        let (first, rest) = body.split_at(512);
        let mut p = piv(&[
            ("004700 9C 05 AC03800107 00", &format!("{first}610E")),
            ("00C000000E", &format!("{rest}9000")),
        ]);
        let key = p.generate(Slot::Signature, KeyAlgorithm::Rsa2048).unwrap();
        match &key {
            PublicKey::Rsa { modulus, exponent } => {
                assert_eq!(modulus.len(), 256);
                assert_eq!(exponent, &[1, 0, 1]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(p.channel.stats().apdus, 2);
    }

    #[test]
    fn generate_refuses_malformed_answers() {
        for answer in [
            "9000",
            "7F4903 8601FF 9000",
            "7F4943 8641 05 9000",
            "7F49 9000",
            "6982",
            "7F4905 8103010001 9000",
        ] {
            let mut p = piv(&[("0047009A05AC0380011100", answer)]);
            assert!(
                p.generate(Slot::Authentication, KeyAlgorithm::EccP256)
                    .is_err(),
                "{answer}"
            );
        }
    }

    #[test]
    fn put_certificate_chains_and_get_reads_it_back() {
        let cert = vec![0x30; 300];
        let object = certificate_object(&cert);
        // 5C 03 5FC105 53 82 0135 70 82 012C <cert> 71 01 00 FE 00
        let mut data = hex::decode("5C035FC105538201357082012C").unwrap();
        data.extend(&cert);
        data.extend([0x71, 0x01, 0x00, 0xFE, 0x00]);
        assert_eq!(data.len(), 13 + 300 + 5);
        let first = format!("10DB3FFFFF{}", hex::encode_upper(&data[..255]));
        let last = format!(
            "00DB3FFF{:02X}{}",
            data.len() - 255,
            hex::encode_upper(&data[255..])
        );
        let mut get_answer = tlv::write(0x53, &object);
        get_answer.extend([0x90, 0x00]);
        let mut p = piv(&[
            (&first, "9000"),
            (&last, "9000"),
            ("00CB3FFF055C035FC10500", &hex::encode_upper(&get_answer)),
            ("00CB3FFF055C035FC10A00", "6A82"),
        ]);
        p.put_certificate(Slot::Authentication, &cert).unwrap();
        assert_eq!(p.get_certificate(Slot::Authentication).unwrap(), Some(cert));
        assert_eq!(p.get_certificate(Slot::Signature).unwrap(), None);
    }

    #[test]
    fn put_data_without_management_key_is_refused() {
        let mut p = piv(&[(
            "00DB3FFF0A5C035FC102530300 0000".replace(' ', "").as_str(),
            "6982",
        )]);
        let e = p.put_data(TAG_CHUID, &[0, 0, 0]).unwrap_err();
        assert!(e.to_string().contains("management key"), "{e}");
    }

    #[test]
    fn discovery_object_has_its_own_outer_tag() {
        let mut p = piv(&[(
            "00CB3FFF035C017E00",
            "7E124F0BA0000003080000100001005F2F024000 9000",
        )]);
        let d = p.get_data(TAG_DISCOVERY).unwrap().unwrap();
        assert_eq!(d[..2], [0x4F, 0x0B]);
    }

    #[test]
    fn yubico_extensions_only_when_answered() {
        let mut p = piv(&[
            ("00FD0000", "050403 9000"),
            ("00F80000", "00BC614E 9000"),
            ("00FD0000", "6D00"),
            ("00F80000", "6D00"),
            ("00FD0000", "0504 9000"),
        ]);
        assert_eq!(p.yubico_version().unwrap(), Some([5, 4, 3]));
        assert_eq!(p.yubico_serial().unwrap(), Some(12_345_678));
        assert_eq!(p.yubico_version().unwrap(), None);
        assert_eq!(p.yubico_serial().unwrap(), None);
        assert!(p.yubico_version().is_err());
    }

    #[test]
    fn set_management_key_bytes() {
        let key = MgmtKey::new(MgmtAlgorithm::TripleDes, &[0x11; 24]).unwrap();
        let mut p = piv(&[(&format!("00FFFFFF1B039B18{}", "11".repeat(24)), "9000")]);
        p.set_management_key(&key).unwrap();
        let key = MgmtKey::new(MgmtAlgorithm::Aes192, &[0x22; 24]).unwrap();
        let mut p = piv(&[(&format!("00FFFFFF1B0A9B18{}", "22".repeat(24)), "9000")]);
        p.set_management_key(&key).unwrap();
    }

    #[test]
    fn set_pin_retries_bytes() {
        let mut p = piv(&[("00FA0504", "9000"), ("00FA0303", "6982")]);
        p.set_pin_retries(5, 4).unwrap();
        assert!(matches!(
            p.set_pin_retries(3, 3),
            Err(PivError::Status {
                sw: Sw::SECURITY_NOT_SATISFIED,
                ..
            })
        ));
        assert!(p.set_pin_retries(0, 3).is_err(), "nothing sent");
    }

    #[test]
    fn import_p256_key_bytes() {
        let key = ImportKey::EccP256 {
            scalar: Zeroizing::new(vec![0x33; 32]),
        };
        let mut p = piv(&[(
            &format!("00FE119D2206 20{}", "33".repeat(32)).replace(' ', ""),
            "9000",
        )]);
        p.import_key(Slot::KeyManagement, &key).unwrap();
    }

    #[test]
    fn slots_and_their_certificate_objects() {
        assert_eq!(certificate_tag(0x9A), Some(0x5FC105));
        assert_eq!(certificate_tag(0x9E), Some(0x5FC101));
        assert_eq!(certificate_tag(0x82), Some(0x5FC10D));
        assert_eq!(certificate_tag(0x95), Some(0x5FC120));
        assert_eq!(certificate_tag(mgmt_key::SLOT), None);
        assert!(is_key_slot(0x9D) && !is_key_slot(0x96) && !is_key_slot(0x81));
        for slot in Slot::ALL {
            assert_eq!(Slot::from_id(slot.id()), Some(slot));
        }
    }

    #[test]
    fn chuid_and_ccc_layouts() {
        let c = chuid(&[0xAB; 16], "20301231");
        assert_eq!(c.len(), 59);
        assert_eq!(c[..2], [0x30, 0x19]);
        assert_eq!(c[27..29], [0x34, 0x10]);
        assert_eq!(chuid_guid(&c).unwrap(), Some([0xAB; 16]));
        let cc = ccc(&[0x01; 14]);
        assert_eq!(
            cc[..9],
            [0xF0, 0x15, 0xA0, 0x00, 0x00, 0x01, 0x16, 0xFF, 0x02]
        );
        assert_eq!(cc.len(), 23 + 28);
    }

    #[test]
    fn garbage_answers_never_panic() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        struct Noise(rand::rngs::StdRng);
        impl Transport for Noise {
            fn transmit(&mut self, _: &[u8]) -> std::result::Result<Vec<u8>, TransportError> {
                let n = self.0.gen_range(0..40);
                let mut v: Vec<u8> = (0..n).map(|_| self.0.gen()).collect();
                if self.0.gen_bool(0.5) {
                    v.extend([0x90, 0x00]);
                }
                Ok(v)
            }
        }
        for _ in 0..200 {
            let mut p = Piv::new(Noise(rand::rngs::StdRng::seed_from_u64(rng.gen())));
            let _ = p.select();
            let _ = p.yubico_version();
            let _ = p.yubico_serial();
            let _ = p.pin_status();
            let _ = p.authenticate(&MgmtKey::default_for(MgmtAlgorithm::TripleDes));
            let _ = p.generate(Slot::Authentication, KeyAlgorithm::EccP256);
            let _ = p.generate(Slot::Signature, KeyAlgorithm::Rsa2048);
            let _ = p.get_certificate(Slot::Authentication);
            let _ = p.get_data(TAG_CHUID);
        }
    }
}
