//! The YubiKey PIV extensions: GET VERSION, GET SERIAL, SET PIN RETRIES, RESET, SET MANAGEMENT
//! KEY, IMPORT KEY and GET METADATA.

use crate::apdu::{sw, Command, Response};
use crate::crypto;
use crate::general_auth::MGMT_SLOT;
use crate::generate::policies;
use crate::keys::{self, KeyMaterial, SlotKey, ALG_ECCP256, ALG_RSA2048, ORIGIN_IMPORTED};
use crate::piv::{ManagementKey, PivCard, DEFAULT_MGMT_KEY};
use crate::secret::{Secret, DEFAULT_PIN, DEFAULT_PUK};
use crate::tlv;

/// Firmware 5.4.3: new enough for GET METADATA, old enough that tools expect a 3DES default key.
pub const FIRMWARE_VERSION: [u8; 3] = [5, 4, 3];

const INS_SET_MGMT_KEY: u8 = 0xFF;
const INS_IMPORT_KEY: u8 = 0xFE;
const INS_GET_VERSION: u8 = 0xFD;
const INS_RESET: u8 = 0xFB;
const INS_SET_PIN_RETRIES: u8 = 0xFA;
const INS_GET_SERIAL: u8 = 0xF8;
const INS_GET_METADATA: u8 = 0xF7;

impl PivCard {
    pub(crate) fn yubico(&mut self, ins: u8, cmd: &Command) -> Response {
        match ins {
            INS_GET_VERSION => Response::ok(FIRMWARE_VERSION.to_vec()),
            INS_GET_SERIAL => Response::ok(self.serial.to_be_bytes().to_vec()),
            INS_SET_PIN_RETRIES => self.set_pin_retries(cmd),
            INS_RESET => self.reset_applet(cmd),
            INS_SET_MGMT_KEY => self.set_management_key(cmd),
            INS_IMPORT_KEY => self.import_key(cmd),
            INS_GET_METADATA => self.metadata(cmd),
            _ => sw::UNKNOWN_INS.into(),
        }
    }

    fn set_pin_retries(&mut self, cmd: &Command) -> Response {
        if cmd.p1 == 0 || cmd.p2 == 0 {
            return sw::BAD_P1P2.into();
        }
        if !self.session.mgmt_authenticated || !self.session.pin_verified {
            return sw::SECURITY.into();
        }
        self.state.pin = Secret::new(DEFAULT_PIN, cmd.p1);
        self.state.puk = Secret::new(DEFAULT_PUK, cmd.p2);
        // The PIN the host verified no longer exists.
        self.session.pin_verified = false;
        self.session.pin_fresh = false;
        Response::ok(Vec::new())
    }

    fn reset_applet(&mut self, cmd: &Command) -> Response {
        if (cmd.p1, cmd.p2) != (0, 0) {
            return sw::BAD_P1P2.into();
        }
        if !(self.state.pin.is_blocked() && self.state.puk.is_blocked()) {
            return sw::CONDITIONS.into();
        }
        self.factory_reset();
        Response::ok(Vec::new())
    }

    fn set_management_key(&mut self, cmd: &Command) -> Response {
        // P2 FE asks for touch on every use; without a button there is nothing to enforce.
        if cmd.p1 != 0xFF || !matches!(cmd.p2, 0xFF | 0xFE) {
            return sw::BAD_P1P2.into();
        }
        if !self.session.mgmt_authenticated {
            return sw::SECURITY.into();
        }
        let [alg, MGMT_SLOT, len, ref key @ ..] = *cmd.data.as_slice() else {
            return sw::BAD_DATA.into();
        };
        match crypto::key_len(alg) {
            Some(n) if n == usize::from(len) && n == key.len() => {}
            _ => return sw::BAD_DATA.into(),
        }
        self.state.mgmt = ManagementKey {
            alg,
            key: key.to_vec(),
        };
        Response::ok(Vec::new())
    }

    fn import_key(&mut self, cmd: &Command) -> Response {
        if !matches!(cmd.p1, ALG_RSA2048 | ALG_ECCP256) || !keys::is_asymmetric_slot(cmd.p2) {
            return sw::BAD_P1P2.into();
        }
        if !self.session.mgmt_authenticated {
            return sw::SECURITY.into();
        }
        let Some(fields) = tlv::parse_all(&cmd.data) else {
            return sw::BAD_DATA.into();
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
            return sw::BAD_DATA.into();
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
            return sw::BAD_P1P2.into();
        }
        let mut out = Vec::new();
        let retries = |s: &Secret| [s.max_tries(), s.tries_left()];
        match cmd.p2 {
            0x80 => {
                tlv::push(&mut out, 0x01, &[0xFF]);
                tlv::push(&mut out, 0x05, &[u8::from(self.pin() == "123456")]);
                tlv::push(&mut out, 0x06, &retries(&self.state.pin));
            }
            0x81 => {
                tlv::push(&mut out, 0x01, &[0xFF]);
                let default = self.state.puk.value() == DEFAULT_PUK;
                tlv::push(&mut out, 0x05, &[u8::from(default)]);
                tlv::push(&mut out, 0x06, &retries(&self.state.puk));
            }
            MGMT_SLOT => {
                let mgmt = &self.state.mgmt;
                let default = mgmt.alg == crypto::ALG_3DES && mgmt.key == DEFAULT_MGMT_KEY;
                tlv::push(&mut out, 0x01, &[mgmt.alg]);
                tlv::push(&mut out, 0x02, &[0x00, 0x01]);
                tlv::push(&mut out, 0x05, &[u8::from(default)]);
            }
            slot if keys::is_asymmetric_slot(slot) => {
                let Some(key) = self.state.keys.get(&slot) else {
                    return sw::NOT_FOUND.into();
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
                tlv::push(&mut out, 0x01, &[key.material.algorithm()]);
                tlv::push(&mut out, 0x02, &[pin_policy, touch_policy]);
                tlv::push(&mut out, 0x03, &[key.origin]);
                tlv::push(&mut out, 0x04, &key.material.public_key_fields());
            }
            _ => return sw::NOT_FOUND.into(),
        }
        Response::ok(out)
    }
}
