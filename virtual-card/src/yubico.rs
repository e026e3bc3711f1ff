//! The YubiKey PIV extensions: GET VERSION, GET SERIAL, SET PIN RETRIES, RESET, SET MANAGEMENT
//! KEY, IMPORT KEY and GET METADATA.

use tessera_piv::apdu::{Command, Response, Sw};
use tessera_piv::ins;
use tessera_piv::mgmt_key::{self, MgmtAlgorithm};
use tessera_piv::piv::{
    is_key_slot, ALG_ECCP256, ALG_RSA2048, DEFAULT_PIN, DEFAULT_PUK, PIN_REFERENCE, PUK_REFERENCE,
};
use tessera_piv::tlv;

use crate::crypto;
use crate::generate::policies;
use crate::keys::{self, KeyMaterial, SlotKey, ORIGIN_IMPORTED};
use crate::piv::{ManagementKey, PivCard};
use crate::secret::Secret;

/// Firmware 5.4.3: new enough for GET METADATA, old enough that tools expect a 3DES default key.
pub const FIRMWARE_VERSION: [u8; 3] = [5, 4, 3];

impl PivCard {
    pub(crate) fn yubico(&mut self, ins: u8, cmd: &Command) -> Response {
        match ins {
            ins::GET_VERSION => Response::ok(FIRMWARE_VERSION.to_vec()),
            ins::GET_SERIAL => Response::ok(self.serial.to_be_bytes().to_vec()),
            ins::SET_PIN_RETRIES => self.set_pin_retries(cmd),
            ins::RESET => self.reset_applet(cmd),
            ins::SET_MANAGEMENT_KEY => self.set_management_key(cmd),
            ins::IMPORT_KEY if self.import_key => self.import_key(cmd),
            ins::GET_METADATA => self.metadata(cmd),
            _ => Sw::INS_NOT_SUPPORTED.into(),
        }
    }

    fn set_pin_retries(&mut self, cmd: &Command) -> Response {
        if cmd.p1 == 0 || cmd.p2 == 0 {
            return Sw::INCORRECT_P1P2.into();
        }
        if !self.session.mgmt_authenticated || !self.session.pin_verified {
            return Sw::SECURITY_NOT_SATISFIED.into();
        }
        self.state.pin = Secret::new(DEFAULT_PIN.as_bytes(), cmd.p1);
        self.state.puk = Secret::new(DEFAULT_PUK.as_bytes(), cmd.p2);
        // The PIN the host verified no longer exists.
        self.session.pin_verified = false;
        self.session.pin_fresh = false;
        Response::ok(Vec::new())
    }

    fn reset_applet(&mut self, cmd: &Command) -> Response {
        if (cmd.p1, cmd.p2) != (0, 0) {
            return Sw::INCORRECT_P1P2.into();
        }
        if !(self.state.pin.is_blocked() && self.state.puk.is_blocked()) {
            return Sw::CONDITIONS_NOT_SATISFIED.into();
        }
        self.factory_reset();
        Response::ok(Vec::new())
    }

    fn set_management_key(&mut self, cmd: &Command) -> Response {
        // P2 FE asks for touch on every use; without a button there is nothing to enforce.
        if cmd.p1 != 0xFF || !matches!(cmd.p2, 0xFF | 0xFE) {
            return Sw::INCORRECT_P1P2.into();
        }
        if !self.session.mgmt_authenticated {
            return Sw::SECURITY_NOT_SATISFIED.into();
        }
        let [alg, mgmt_key::SLOT, len, ref key @ ..] = *cmd.data.as_slice() else {
            return Sw::INCORRECT_DATA.into();
        };
        match crypto::mgmt_algorithm(alg).map(MgmtAlgorithm::key_len) {
            Some(n) if n == usize::from(len) && n == key.len() => {}
            _ => return Sw::INCORRECT_DATA.into(),
        }
        self.state.mgmt = ManagementKey {
            alg,
            key: key.to_vec(),
        };
        Response::ok(Vec::new())
    }

    fn import_key(&mut self, cmd: &Command) -> Response {
        if !matches!(cmd.p1, ALG_RSA2048 | ALG_ECCP256) || !is_key_slot(cmd.p2) {
            return Sw::INCORRECT_P1P2.into();
        }
        if !self.session.mgmt_authenticated {
            return Sw::SECURITY_NOT_SATISFIED.into();
        }
        let Ok(fields) = tlv::read_all_strict(&cmd.data) else {
            return Sw::INCORRECT_DATA.into();
        };
        let material = match cmd.p1 {
            ALG_RSA2048 => match (tlv::find(&fields, 0x01), tlv::find(&fields, 0x02)) {
                (Some(p), Some(q)) => KeyMaterial::import_rsa(p, q),
                _ => None,
            },
            _ => tlv::find(&fields, 0x06).and_then(KeyMaterial::import_ec),
        };
        let (Some(material), Some((pin_policy, touch_policy))) = (material, policies(&fields))
        else {
            return Sw::INCORRECT_DATA.into();
        };
        self.state.keys.insert(
            cmd.p2,
            SlotKey {
                material,
                pin_policy,
                touch_policy,
                origin: ORIGIN_IMPORTED,
            },
        );
        Response::ok(Vec::new())
    }

    fn metadata(&mut self, cmd: &Command) -> Response {
        if cmd.p1 != 0 {
            return Sw::INCORRECT_P1P2.into();
        }
        let mut out = Vec::new();
        let retries = |s: &Secret| [s.max_tries(), s.tries_left()];
        match cmd.p2 {
            PIN_REFERENCE => {
                out.extend(tlv::write(0x01, &[0xFF]));
                out.extend(tlv::write(0x05, &[u8::from(self.pin() == DEFAULT_PIN)]));
                out.extend(tlv::write(0x06, &retries(&self.state.pin)));
            }
            PUK_REFERENCE => {
                out.extend(tlv::write(0x01, &[0xFF]));
                let default = self.state.puk.value() == DEFAULT_PUK.as_bytes();
                out.extend(tlv::write(0x05, &[u8::from(default)]));
                out.extend(tlv::write(0x06, &retries(&self.state.puk)));
            }
            mgmt_key::SLOT => {
                let mgmt = &self.state.mgmt;
                let default =
                    mgmt.alg == MgmtAlgorithm::TripleDes.id() && mgmt.key == mgmt_key::DEFAULT_KEY;
                out.extend(tlv::write(0x01, &[mgmt.alg]));
                out.extend(tlv::write(0x02, &[0x00, 0x01]));
                out.extend(tlv::write(0x05, &[u8::from(default)]));
            }
            slot if is_key_slot(slot) => {
                let Some(key) = self.state.keys.get(&slot) else {
                    return Sw::NOT_FOUND.into();
                };
                let pin_policy = match key.pin_policy {
                    keys::PIN_POLICY_DEFAULT => keys::default_pin_policy(slot),
                    p => p,
                };
                // Touch "default" is "never" on every slot.
                let touch_policy = match key.touch_policy {
                    0x00 => 0x01,
                    t => t,
                };
                out.extend(tlv::write(0x01, &[key.material.algorithm()]));
                out.extend(tlv::write(0x02, &[pin_policy, touch_policy]));
                out.extend(tlv::write(0x03, &[key.origin]));
                out.extend(tlv::write(0x04, &key.material.public_key_fields()));
            }
            _ => return Sw::NOT_FOUND.into(),
        }
        Response::ok(out)
    }
}
