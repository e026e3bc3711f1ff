//! The card itself: persistent state, session state, and the APDU dispatcher. The individual
//! commands live in `auth`, `general_auth`, `data` and `yubico`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use tessera_piv::apdu::{Command, Response, Sw};
use tessera_piv::ins;
use tessera_piv::mgmt_key::{self, MgmtAlgorithm};
use tessera_piv::piv::{AID, DEFAULT_PIN, DEFAULT_PUK, TAG_DISCOVERY};

use crate::apdu::{CommandChain, ResponseChain};
use crate::keys::SlotKey;
use crate::objects;
use crate::secret::{Secret, DEFAULT_TRIES};

/// Application Property Template answered to SELECT.
const APT: &[u8] = &[
    0x61, 0x11, 0x4F, 0x06, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00, 0x79, 0x07, 0x4F, 0x05, 0xA0, 0x00,
    0x00, 0x03, 0x08,
];

/// YubiKey 5 NFC's ATR. OpenSC lists it as a YubiKey PIV card and yubico-piv-tool accepts any
/// ATR, so both tools take their YubiKey code paths.
pub const YUBIKEY_ATR: &[u8] = &[
    0x3B, 0xFD, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x15, 0x80, 0x73, 0xC0, 0x21, 0xC0, 0x57, 0x59,
    0x75, 0x62, 0x69, 0x4B, 0x65, 0x79, 0x40,
];

/// A T=1 ATR for the generic card, with historical bytes "TesseraPIV" that no OpenSC driver
/// claims, so OpenSC finds the card by SELECTing the PIV AID like any other PIV card.
pub const GENERIC_ATR: &[u8] = &[
    0x3B, 0x8A, 0x80, 0x01, 0x54, 0x65, 0x73, 0x73, 0x65, 0x72, 0x61, 0x50, 0x49, 0x56, 0x03,
];

/// The card management key (slot 9B). The algorithm stays its identifier byte, as the state
/// files written so far have it.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct ManagementKey {
    pub alg: u8,
    #[serde(with = "hex")]
    pub key: Vec<u8>,
}

/// An object's content; hex in the state file so that it stays readable.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Blob(#[serde(with = "hex")] pub Vec<u8>);

/// Everything that survives power loss and that RESET (`FB`) wipes.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Persistent {
    pub pin: Secret,
    pub puk: Secret,
    pub mgmt: ManagementKey,
    pub keys: BTreeMap<u8, SlotKey>,
    pub objects: BTreeMap<u32, Blob>,
}

impl Persistent {
    fn factory() -> Persistent {
        Persistent {
            pin: Secret::new(DEFAULT_PIN.as_bytes(), DEFAULT_TRIES),
            puk: Secret::new(DEFAULT_PUK.as_bytes(), DEFAULT_TRIES),
            mgmt: ManagementKey {
                alg: MgmtAlgorithm::TripleDes.id(),
                key: mgmt_key::DEFAULT_KEY.to_vec(),
            },
            keys: BTreeMap::new(),
            objects: BTreeMap::new(),
        }
    }
}

/// A pending management-key challenge between the two GENERAL AUTHENTICATE steps.
#[derive(Clone)]
pub(crate) enum MgmtChallenge {
    /// Mutual: the host must send back this plaintext witness.
    Mutual(Vec<u8>),
    /// External: the host must send back this challenge encrypted.
    External(Vec<u8>),
}

/// What power loss clears: security status and half-finished exchanges.
#[derive(Clone, Default)]
pub(crate) struct Session {
    pub pin_verified: bool,
    /// A VERIFY with no other command since; PIN-always keys (9C) need it and use it up.
    pub pin_fresh: bool,
    pub mgmt_authenticated: bool,
    pub mgmt_challenge: Option<MgmtChallenge>,
    pub command_chain: CommandChain,
    pub response_chain: ResponseChain,
}

/// A software PIV card (SP 800-73-4, optionally with the YubiKey PIV extensions).
///
/// `Clone` gives a snapshot; serde gives the persistent part only (the session is what a power
/// cycle clears anyway).
#[derive(Clone, Serialize, Deserialize)]
pub struct PivCard {
    #[serde(with = "hex")]
    pub(crate) atr: Vec<u8>,
    pub(crate) serial: u32,
    pub(crate) yubico_extensions: bool,
    /// Some cards have the other YubiKey commands but not IMPORT KEY.
    #[serde(default = "has_import_key")]
    pub(crate) import_key: bool,
    pub(crate) state: Persistent,
    #[serde(skip)]
    pub(crate) session: Session,
}

fn has_import_key() -> bool {
    true
}

impl std::fmt::Debug for PivCard {
    // Hand-written so that a `dbg!` in a test never prints a PIN or key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PivCard")
            .field("serial", &self.serial)
            .field("yubico_extensions", &self.yubico_extensions)
            .field("import_key", &self.import_key)
            .field("slots", &self.state.keys.keys().collect::<Vec<_>>())
            .field("objects", &self.state.objects.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl PivCard {
    /// A factory-fresh card with the YubiKey extensions (firmware 5.4.3, 3DES management key).
    pub fn new(serial: u32) -> PivCard {
        PivCard {
            atr: YUBIKEY_ATR.to_vec(),
            serial,
            yubico_extensions: true,
            import_key: true,
            state: Persistent::factory(),
            session: Session::default(),
        }
    }

    /// A factory-fresh generic PIV card: the Yubico instructions answer `6D 00`.
    pub fn without_yubico_extensions(serial: u32) -> PivCard {
        PivCard {
            atr: GENERIC_ATR.to_vec(),
            yubico_extensions: false,
            ..PivCard::new(serial)
        }
    }

    /// The same card without IMPORT KEY (`6D 00`), as some PIV cards with the other YubiKey
    /// commands are: it cannot take an escrowed key.
    pub fn without_import_key(mut self) -> PivCard {
        self.import_key = false;
        self
    }

    /// The same card answering with another ATR.
    pub fn with_atr(mut self, atr: Vec<u8>) -> PivCard {
        self.atr = atr;
        self
    }

    pub fn atr(&self) -> Vec<u8> {
        self.atr.clone()
    }

    pub fn serial(&self) -> u32 {
        self.serial
    }

    pub fn has_yubico_extensions(&self) -> bool {
        self.yubico_extensions
    }

    pub fn power_on(&mut self) {
        self.session = Session::default();
    }

    pub fn power_off(&mut self) {
        self.session = Session::default();
    }

    pub fn reset(&mut self) {
        self.session = Session::default();
    }

    /// The current PIN (test helper; always ASCII).
    pub fn pin(&self) -> &str {
        std::str::from_utf8(self.state.pin.value()).unwrap_or("")
    }

    /// The current PUK (test helper). A PUK may be any bytes; one that is not UTF-8 reads as "".
    pub fn puk(&self) -> &str {
        std::str::from_utf8(self.state.puk.value()).unwrap_or("")
    }

    /// PIN tries left and the maximum.
    pub fn pin_tries(&self) -> (u8, u8) {
        (self.state.pin.tries_left(), self.state.pin.max_tries())
    }

    /// PUK tries left and the maximum.
    pub fn puk_tries(&self) -> (u8, u8) {
        (self.state.puk.tries_left(), self.state.puk.max_tries())
    }

    /// The management key's algorithm (`03`, `08`, `0A`, `0C`) and bytes.
    pub fn management_key(&self) -> (u8, Vec<u8>) {
        (self.state.mgmt.alg, self.state.mgmt.key.clone())
    }

    /// An object's content (what GET DATA returns inside `53`).
    pub fn object(&self, tag: u32) -> Option<&[u8]> {
        if tag == TAG_DISCOVERY {
            return Some(objects::DISCOVERY_CONTENT);
        }
        self.state.objects.get(&tag).map(|b| b.0.as_slice())
    }

    /// The algorithm of the key in `slot`, if any.
    pub fn key_algorithm(&self, slot: u8) -> Option<u8> {
        self.state.keys.get(&slot).map(|k| k.material.algorithm())
    }

    /// The public key of `slot` as GENERATE answers it (`7F49 …`).
    pub fn public_key(&self, slot: u8) -> Option<Vec<u8>> {
        self.state
            .keys
            .get(&slot)
            .map(|k| k.material.public_key_template())
    }

    /// Runs one command APDU and returns data‖SW1SW2.
    pub fn execute(&mut self, raw: &[u8]) -> Vec<u8> {
        let cmd = match Command::parse(raw) {
            Ok(cmd) => cmd,
            Err(status) => {
                self.session.command_chain.clear();
                self.session.response_chain.clear();
                return Response::status(status).into_bytes();
            }
        };
        if cmd.cla & !0x10 != 0 {
            self.session.command_chain.clear();
            self.session.response_chain.clear();
            return Response::status(Sw::CLA_NOT_SUPPORTED).into_bytes();
        }
        if cmd.ins == ins::GET_RESPONSE && cmd.cla == 0 {
            if (cmd.p1, cmd.p2) != (0, 0) {
                return Response::status(Sw::INCORRECT_P1P2).into_bytes();
            }
            return self.session.response_chain.next(cmd.max_response());
        }
        self.session.response_chain.clear();
        let max = cmd.max_response();
        let cmd = match self.session.command_chain.feed(cmd) {
            Ok(Some(cmd)) => cmd,
            Ok(None) => return Response::status(Sw::OK).into_bytes(),
            Err(status) => return Response::status(status).into_bytes(),
        };
        let pin_fresh = self.session.pin_fresh;
        if !matches!(cmd.ins, ins::VERIFY | ins::SELECT) {
            self.session.pin_fresh = false;
        }
        let response = self.dispatch(&cmd, pin_fresh);
        self.session.response_chain.send(response, max)
    }

    fn dispatch(&mut self, cmd: &Command, pin_fresh: bool) -> Response {
        match cmd.ins {
            ins::SELECT => self.select(cmd),
            ins::VERIFY => self.verify(cmd),
            ins::CHANGE_REFERENCE_DATA => self.change_reference(cmd),
            ins::RESET_RETRY_COUNTER => self.reset_retry_counter(cmd),
            ins::GENERAL_AUTHENTICATE => self.general_authenticate(cmd, pin_fresh),
            ins::GENERATE_ASYMMETRIC_KEY_PAIR => self.generate(cmd),
            ins::GET_DATA => self.get_data(cmd),
            ins::PUT_DATA => self.put_data(cmd),
            ins if self.yubico_extensions => self.yubico(ins, cmd),
            _ => Sw::INS_NOT_SUPPORTED.into(),
        }
    }

    fn select(&mut self, cmd: &Command) -> Response {
        if cmd.p1 != 0x04 || !matches!(cmd.p2, 0x00 | 0x0C) {
            return Sw::INCORRECT_P1P2.into();
        }
        let aid = cmd.data.as_slice();
        // Any prefix of the AID at least as long as the RID (5 bytes) selects the application.
        if aid.len() < 5 || !AID.starts_with(aid) {
            return Sw::NOT_FOUND.into();
        }
        if cmd.p2 == 0x0C {
            // "No response data requested".
            return Response::ok(Vec::new());
        }
        Response::ok(APT.to_vec())
    }

    /// Restores factory state: used by the Yubico RESET instruction.
    pub(crate) fn factory_reset(&mut self) {
        self.state = Persistent::factory();
        self.session = Session::default();
    }
}
