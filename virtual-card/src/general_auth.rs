//! GENERAL AUTHENTICATE: parsing the dynamic authentication template (`7C`) and the private-key
//! operations of the asymmetric slots. Slot 9B (management key) is handled in `mgmt`.

use crate::apdu::{sw, Command, Response};
use crate::keys::{self, PIN_POLICY_ALWAYS, PIN_POLICY_DEFAULT, PIN_POLICY_NEVER};
use crate::piv::PivCard;
use crate::tlv::{self, Tlv};

pub(crate) const MGMT_SLOT: u8 = 0x9B;
const TAG_TEMPLATE: u32 = 0x7C;
const TAG_CHALLENGE: u32 = 0x81;
const TAG_RESPONSE: u32 = 0x82;
const TAG_EXPONENTIATION: u32 = 0x85;

/// Wraps a single TLV into the `7C` response template.
pub(crate) fn template(tag: u32, value: &[u8]) -> Response {
    Response::ok(tlv::encode(TAG_TEMPLATE, &tlv::encode(tag, value)))
}

impl PivCard {
    pub(crate) fn general_authenticate(&mut self, cmd: &Command, pin_fresh: bool) -> Response {
        let inner = match tlv::parse_one(&cmd.data) {
            Some((t, rest)) if t.tag == TAG_TEMPLATE && rest.is_empty() => t.value,
            _ => return sw::BAD_DATA.into(),
        };
        let Some(fields) = tlv::parse_all(inner) else {
            return sw::BAD_DATA.into();
        };
        match cmd.p2 {
            MGMT_SLOT => self.authenticate_management(cmd.p1, &fields),
            slot if keys::is_asymmetric_slot(slot) => {
                self.private_key_operation(cmd.p1, slot, &fields, pin_fresh)
            }
            _ => sw::BAD_P1P2.into(),
        }
    }

    fn private_key_operation(
        &mut self,
        alg: u8,
        slot: u8,
        fields: &[Tlv<'_>],
        pin_fresh: bool,
    ) -> Response {
        let Some(key) = self.state.keys.get(&slot) else {
            return sw::NOT_FOUND.into();
        };
        if key.material.algorithm() != alg {
            return sw::BAD_P1P2.into();
        }
        let policy = match key.pin_policy {
            PIN_POLICY_DEFAULT => keys::default_pin_policy(slot),
            // Yubico's biometric "match" policies behave like once/always without a sensor.
            0x04 => keys::PIN_POLICY_ONCE,
            0x05 => PIN_POLICY_ALWAYS,
            p => p,
        };
        let allowed = match policy {
            PIN_POLICY_NEVER => true,
            PIN_POLICY_ALWAYS => self.session.pin_verified && pin_fresh,
            _ => self.session.pin_verified,
        };
        if !allowed {
            return sw::SECURITY.into();
        }
        // The host asks for a result by sending an empty response tag next to its input.
        if tlv::find(fields, TAG_RESPONSE) != Some(&[]) {
            return sw::BAD_DATA.into();
        }
        let result = if let Some(input) = tlv::find(fields, TAG_CHALLENGE) {
            key.material.private_operation(input)
        } else if let Some(point) = tlv::find(fields, TAG_EXPONENTIATION) {
            key.material.ecdh(point)
        } else {
            return sw::BAD_DATA.into();
        };
        match result {
            Ok(out) => template(TAG_RESPONSE, &out),
            Err(keys::BadInput) => sw::BAD_DATA.into(),
        }
    }
}
