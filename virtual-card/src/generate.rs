//! GENERATE ASYMMETRIC KEY PAIR, and the Yubico PIN/touch policy TLVs it shares with IMPORT.

use tessera_piv::apdu::{Command, Response, Sw};
use tessera_piv::piv::is_key_slot;
use tessera_piv::piv::tag::{ALGORITHM, CONTROL, PIN_POLICY, TOUCH_POLICY};
use tessera_piv::tlv::{self, Tlv};

use crate::keys::{KeyMaterial, SlotKey, ORIGIN_GENERATED};
use crate::piv::PivCard;

/// Policies requested by `AA`/`AB` (each one byte); `None` if present but invalid.
pub(crate) fn policies(fields: &[Tlv<'_>]) -> Option<(u8, u8)> {
    let one = |tag| match tlv::find(fields, tag) {
        None => Some(0),
        Some(&[b]) => Some(b),
        Some(_) => None,
    };
    let (pin, touch) = (one(PIN_POLICY)?, one(TOUCH_POLICY)?);
    (pin <= 0x05 && touch <= 0x03).then_some((pin, touch))
}

impl PivCard {
    pub(crate) fn generate(&mut self, cmd: &Command) -> Response {
        if cmd.p1 != 0x00 || !is_key_slot(cmd.p2) {
            return Sw::INCORRECT_P1P2.into();
        }
        if !self.session.mgmt_authenticated {
            return Sw::SECURITY_NOT_SATISFIED.into();
        }
        let Ok(outer) = tlv::read_all_strict(&cmd.data) else {
            return Sw::INCORRECT_DATA.into();
        };
        let control = tlv::find(&outer, CONTROL).map(tlv::read_all_strict);
        let Some(Ok(control)) = control else {
            return Sw::INCORRECT_DATA.into();
        };
        // Yubico tools put the policies inside `AC`, the Yubico docs show them after it.
        let mut fields = control.clone();
        fields.extend(outer.iter().filter(|t| t.tag != CONTROL));
        let (Some(&[alg]), Some((pin_policy, touch_policy))) =
            (tlv::find(&control, ALGORITHM), policies(&fields))
        else {
            return Sw::INCORRECT_DATA.into();
        };
        let Some(material) = KeyMaterial::generate(alg) else {
            return Sw::INCORRECT_DATA.into();
        };
        let public = material.public_key_template();
        self.state.keys.insert(
            cmd.p2,
            SlotKey {
                material,
                pin_policy,
                touch_policy,
                origin: ORIGIN_GENERATED,
            },
        );
        Response::ok(public)
    }
}
