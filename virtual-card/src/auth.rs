//! PIN and PUK commands: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER.

use crate::apdu::{sw, Command, Response};
use crate::piv::PivCard;
use crate::secret::{unpad, Kind, PADDED_LEN};

const PIN_REF: u8 = 0x80;
const PUK_REF: u8 = 0x81;

impl PivCard {
    pub(crate) fn verify(&mut self, cmd: &Command) -> Response {
        // Only the PIV PIN can be verified: the Discovery Object advertises no global PIN.
        if cmd.p2 != PIN_REF {
            return sw::BAD_P1P2.into();
        }
        match cmd.p1 {
            0xFF if cmd.data.is_empty() => {
                self.session.pin_verified = false;
                self.session.pin_fresh = false;
                return Response::ok(Vec::new());
            }
            0xFF => return sw::WRONG_LENGTH.into(),
            0x00 => {}
            _ => return sw::BAD_P1P2.into(),
        }
        if cmd.data.is_empty() {
            return match self.session.pin_verified {
                true => Response::ok(Vec::new()),
                false => sw::tries_left(self.state.pin.tries_left()).into(),
            };
        }
        if cmd.data.len() != PADDED_LEN {
            return sw::WRONG_LENGTH.into();
        }
        if self.state.pin.is_blocked() {
            return sw::BLOCKED.into();
        }
        // A malformed PIN can never be right, so it costs no try.
        let Some(pin) = unpad(&cmd.data, Kind::Pin) else {
            return sw::BAD_DATA.into();
        };
        // SP 800-73-4 §3.2.1: a failed VERIFY also revokes an earlier successful one.
        self.session.pin_verified = false;
        self.session.pin_fresh = false;
        match self.state.pin.check(pin) {
            Ok(()) => {
                self.session.pin_verified = true;
                self.session.pin_fresh = true;
                Response::ok(Vec::new())
            }
            Err(status) => status.into(),
        }
    }

    pub(crate) fn change_reference(&mut self, cmd: &Command) -> Response {
        if cmd.p1 != 0x00 {
            return sw::BAD_P1P2.into();
        }
        let (kind, secret) = match cmd.p2 {
            PIN_REF => (Kind::Pin, &mut self.state.pin),
            PUK_REF => (Kind::Puk, &mut self.state.puk),
            _ => return sw::BAD_P1P2.into(),
        };
        if cmd.data.len() != 2 * PADDED_LEN {
            return sw::WRONG_LENGTH.into();
        }
        if secret.is_blocked() {
            return sw::BLOCKED.into();
        }
        let (old, new) = cmd.data.split_at(PADDED_LEN);
        let (Some(old), Some(new)) = (unpad(old, kind), unpad(new, kind)) else {
            return sw::BAD_DATA.into();
        };
        match secret.check(old) {
            Ok(()) => {
                secret.set(new);
                Response::ok(Vec::new())
            }
            Err(status) => {
                if kind == Kind::Pin {
                    self.session.pin_verified = false;
                }
                status.into()
            }
        }
    }

    pub(crate) fn reset_retry_counter(&mut self, cmd: &Command) -> Response {
        if cmd.p1 != 0x00 || cmd.p2 != PIN_REF {
            return sw::BAD_P1P2.into();
        }
        if cmd.data.len() != 2 * PADDED_LEN {
            return sw::WRONG_LENGTH.into();
        }
        if self.state.puk.is_blocked() {
            return sw::BLOCKED.into();
        }
        let (puk, pin) = cmd.data.split_at(PADDED_LEN);
        let (Some(puk), Some(pin)) = (unpad(puk, Kind::Puk), unpad(pin, Kind::Pin)) else {
            return sw::BAD_DATA.into();
        };
        match self.state.puk.check(puk) {
            Ok(()) => {
                self.state.pin.set(pin);
                Response::ok(Vec::new())
            }
            Err(status) => status.into(),
        }
    }
}
