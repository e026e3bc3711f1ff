//! GENERATE ASYMMETRIC KEY PAIR, and the Yubico PIN/touch policy TLVs it shares with IMPORT.

use crate::apdu::{sw, Command, Response};
use crate::keys::{self, KeyMaterial, SlotKey, ORIGIN_GENERATED};
use crate::piv::PivCard;
use crate::tlv::{self, Tlv};

const TAG_CONTROL: u32 = 0xAC;
const TAG_ALGORITHM: u32 = 0x80;
const TAG_PIN_POLICY: u32 = 0xAA;
const TAG_TOUCH_POLICY: u32 = 0xAB;

/// Policies requested by `AA`/`AB` (each one byte); `None` if present but invalid.
pub(crate) fn policies(fields: &[Tlv<'_>]) -> Option<(u8, u8)> {
    let one = |tag| match tlv::find(fields, tag) {
        None => Some(0),
        Some(&[b]) => Some(b),
        Some(_) => None,
    };
    let (pin, touch) = (one(TAG_PIN_POLICY)?, one(TAG_TOUCH_POLICY)?);
    (pin <= 0x05 && touch <= 0x03).then_some((pin, touch))
}

impl PivCard {
    pub(crate) fn generate(&mut self, cmd: &Command) -> Response {
        if cmd.p1 != 0x00 || !keys::is_asymmetric_slot(cmd.p2) {
            return sw::BAD_P1P2.into();
        }
        if !self.session.mgmt_authenticated {
            return sw::SECURITY.into();
        }
        let Some(outer) = tlv::parse_all(&cmd.data) else {
            return sw::BAD_DATA.into();
        };
        let Some(control) = tlv::find(&outer, TAG_CONTROL).and_then(tlv::parse_all) else {
            return sw::BAD_DATA.into();
        };
        // Yubico tools put the policies inside `AC`, the Yubico docs show them after it.
        let mut fields = control.clone();
        fields.extend(outer.iter().filter(|t| t.tag != TAG_CONTROL));
        let (Some(&[alg]), Some((pin_policy, touch_policy))) =
            (tlv::find(&control, TAG_ALGORITHM), policies(&fields))
        else {
            return sw::BAD_DATA.into();
        };
        let Some(material) = KeyMaterial::generate(alg) else {
            return sw::BAD_DATA.into();
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
