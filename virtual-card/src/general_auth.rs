//! GENERAL AUTHENTICATE: parsing the dynamic authentication template (`7C`) and the private-key
//! operations of the asymmetric slots. Slot 9B (management key) is handled in `mgmt`.

use tessera_piv::apdu::{Command, Response, Sw};
use tessera_piv::mgmt_key;
use tessera_piv::piv::is_key_slot;
use tessera_piv::piv::tag::{CHALLENGE, DYNAMIC_AUTH, EXPONENTIATION, RESPONSE};
use tessera_piv::tlv::{self, Tlv};

use crate::keys::{self, PIN_POLICY_ALWAYS, PIN_POLICY_DEFAULT, PIN_POLICY_NEVER};
use crate::piv::PivCard;

/// Wraps a single TLV into the `7C` response template.
pub(crate) fn template(tag: u32, value: &[u8]) -> Response {
    Response::ok(tlv::write(DYNAMIC_AUTH, &tlv::write(tag, value)))
}

impl PivCard {
    pub(crate) fn general_authenticate(&mut self, cmd: &Command, pin_fresh: bool) -> Response {
        let Ok(inner) = tlv::expect(&cmd.data, DYNAMIC_AUTH) else {
            return Sw::INCORRECT_DATA.into();
        };
        let Ok(fields) = tlv::read_all_strict(inner) else {
            return Sw::INCORRECT_DATA.into();
        };
        match cmd.p2 {
            mgmt_key::SLOT => self.authenticate_management(cmd.p1, &fields),
            slot if is_key_slot(slot) => {
                self.private_key_operation(cmd.p1, slot, &fields, pin_fresh)
            }
            _ => Sw::INCORRECT_P1P2.into(),
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
            return Sw::NOT_FOUND.into();
        };
        if key.material.algorithm() != alg {
            return Sw::INCORRECT_P1P2.into();
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
            return Sw::SECURITY_NOT_SATISFIED.into();
        }
        // The host asks for a result by sending an empty response tag next to its input.
        if tlv::find(fields, RESPONSE) != Some(&[]) {
            return Sw::INCORRECT_DATA.into();
        }
        let result = if let Some(input) = tlv::find(fields, CHALLENGE) {
            key.material.private_operation(input)
        } else if let Some(point) = tlv::find(fields, EXPONENTIATION) {
            key.material.ecdh(point)
        } else {
            return Sw::INCORRECT_DATA.into();
        };
        match result {
            Ok(out) => template(RESPONSE, &out),
            Err(keys::BadInput) => Sw::INCORRECT_DATA.into(),
        }
    }
}
