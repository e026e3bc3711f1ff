//! Card management key (9B) authentication over GENERAL AUTHENTICATE: mutual (witness `80` +
//! host challenge `81` → card response `82`), external (challenge `81` → host response `82`) and
//! internal (host challenge `81` → card response `82`, no state change).

use crate::apdu::{sw, Response};
use crate::crypto::{self, block_size, constant_time_eq, decrypt_block, encrypt_block};
use crate::general_auth::template;
use crate::piv::{MgmtChallenge, PivCard};
use crate::tlv::{self, Tlv};

const TAG_WITNESS: u32 = 0x80;
const TAG_CHALLENGE: u32 = 0x81;
const TAG_RESPONSE: u32 = 0x82;

impl PivCard {
    pub(crate) fn authenticate_management(&mut self, p1: u8, fields: &[Tlv<'_>]) -> Response {
        let alg = self.state.mgmt.alg;
        let legacy_3des = p1 == crypto::ALG_3DES_LEGACY && alg == crypto::ALG_3DES;
        if p1 != alg && !legacy_3des {
            return sw::BAD_P1P2.into();
        }
        let Some(bs) = block_size(alg) else {
            return sw::BAD_DATA.into();
        };
        let witness = tlv::find(fields, TAG_WITNESS);
        let challenge = tlv::find(fields, TAG_CHALLENGE);
        let response = tlv::find(fields, TAG_RESPONSE);
        // Whatever step this is, an earlier challenge can be answered at most once.
        let pending = self.session.mgmt_challenge.take();
        match (witness, challenge, response) {
            (Some([]), None, _) => {
                self.session.mgmt_authenticated = false;
                let plain = crypto::random_bytes(bs);
                let Some(sealed) = self.mgmt_encrypt(&plain) else {
                    return sw::BAD_DATA.into();
                };
                self.session.mgmt_challenge = Some(MgmtChallenge::Mutual(plain));
                template(TAG_WITNESS, &sealed)
            }
            (Some(w), Some(c), _) if !w.is_empty() && !c.is_empty() => {
                self.session.mgmt_authenticated = false;
                let Some(MgmtChallenge::Mutual(expected)) = pending else {
                    return sw::SECURITY.into();
                };
                if c.len() != bs || !constant_time_eq(w, &expected) {
                    return sw::SECURITY.into();
                }
                let Some(answer) = self.mgmt_encrypt(c) else {
                    return sw::BAD_DATA.into();
                };
                self.session.mgmt_authenticated = true;
                template(TAG_RESPONSE, &answer)
            }
            (None, None | Some([]), Some(r)) if !r.is_empty() => {
                self.session.mgmt_authenticated = false;
                let Some(MgmtChallenge::External(expected)) = pending else {
                    return sw::SECURITY.into();
                };
                let opened = decrypt_block(alg, &self.state.mgmt.key, r);
                match opened {
                    Some(plain) if constant_time_eq(&plain, &expected) => {
                        self.session.mgmt_authenticated = true;
                        Response::ok(Vec::new())
                    }
                    _ => sw::SECURITY.into(),
                }
            }
            (None, Some([]), _) => {
                self.session.mgmt_authenticated = false;
                let plain = crypto::random_bytes(bs);
                self.session.mgmt_challenge = Some(MgmtChallenge::External(plain.clone()));
                template(TAG_CHALLENGE, &plain)
            }
            (None, Some(c), Some([])) if c.len() == bs => match self.mgmt_encrypt(c) {
                Some(answer) => template(TAG_RESPONSE, &answer),
                None => sw::BAD_DATA.into(),
            },
            _ => sw::BAD_DATA.into(),
        }
    }

    fn mgmt_encrypt(&self, block: &[u8]) -> Option<Vec<u8>> {
        encrypt_block(self.state.mgmt.alg, &self.state.mgmt.key, block)
    }
}
