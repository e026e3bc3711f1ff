//! PIN and PUK commands: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER.

use tessera_piv::apdu::{Command, Response, Sw};
use tessera_piv::piv::{PIN_REFERENCE, PUK_REFERENCE, SECRET_PADDED_LEN};

use crate::piv::PivCard;
use crate::secret::{unpad, Kind};

impl PivCard {
    pub(crate) fn verify(&mut self, cmd: &Command) -> Response {
        // Only the PIV PIN can be verified: the Discovery Object advertises no global PIN.
        if cmd.p2 != PIN_REFERENCE {
            return Sw::INCORRECT_P1P2.into();
        }
        match cmd.p1 {
            0xFF if cmd.data.is_empty() => {
                self.session.pin_verified = false;
                self.session.pin_fresh = false;
                return Response::ok(Vec::new());
            }
            0xFF => return Sw::WRONG_LENGTH.into(),
            0x00 => {}
            _ => return Sw::INCORRECT_P1P2.into(),
        }
        if cmd.data.is_empty() {
            return match self.session.pin_verified {
                true => Response::ok(Vec::new()),
                false => Sw::verification_failed(self.state.pin.tries_left()).into(),
            };
        }
        if cmd.data.len() != SECRET_PADDED_LEN {
            return Sw::WRONG_LENGTH.into();
        }
        if self.state.pin.is_blocked() {
            return Sw::BLOCKED.into();
        }
        // A malformed PIN can never be right, so it costs no try.
        let Some(pin) = unpad(&cmd.data, Kind::Pin) else {
            return Sw::INCORRECT_DATA.into();
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
            return Sw::INCORRECT_P1P2.into();
        }
        let (kind, secret) = match cmd.p2 {
            PIN_REFERENCE => (Kind::Pin, &mut self.state.pin),
            PUK_REFERENCE => (Kind::Puk, &mut self.state.puk),
            _ => return Sw::INCORRECT_P1P2.into(),
        };
        if cmd.data.len() != 2 * SECRET_PADDED_LEN {
            return Sw::WRONG_LENGTH.into();
        }
        if secret.is_blocked() {
            return Sw::BLOCKED.into();
        }
        let (old, new) = cmd.data.split_at(SECRET_PADDED_LEN);
        let (Some(old), Some(new)) = (unpad(old, kind), unpad(new, kind)) else {
            return Sw::INCORRECT_DATA.into();
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
        if cmd.p1 != 0x00 || cmd.p2 != PIN_REFERENCE {
            return Sw::INCORRECT_P1P2.into();
        }
        if cmd.data.len() != 2 * SECRET_PADDED_LEN {
            return Sw::WRONG_LENGTH.into();
        }
        if self.state.puk.is_blocked() {
            return Sw::BLOCKED.into();
        }
        let (puk, pin) = cmd.data.split_at(SECRET_PADDED_LEN);
        let (Some(puk), Some(pin)) = (unpad(puk, Kind::Puk), unpad(pin, Kind::Pin)) else {
            return Sw::INCORRECT_DATA.into();
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
