//! Card management key (9B) authentication over GENERAL AUTHENTICATE: mutual (witness `80` +
//! host challenge `81` → card response `82`), external (challenge `81` → host response `82`) and
//! internal (host challenge `81` → card response `82`, no state change).

use tessera_piv::apdu::{Response, Sw};
use tessera_piv::mgmt_key::{MgmtAlgorithm, TRIPLE_DES_LEGACY_ID};
use tessera_piv::piv::tag::{CHALLENGE, RESPONSE, WITNESS};
use tessera_piv::tlv::{self, Tlv};

use crate::crypto::{self, constant_time_eq};
use crate::general_auth::template;
use crate::piv::{MgmtChallenge, PivCard};

impl PivCard {
    pub(crate) fn authenticate_management(&mut self, p1: u8, fields: &[Tlv<'_>]) -> Response {
        let alg = self.state.mgmt.alg;
        let legacy_3des = p1 == TRIPLE_DES_LEGACY_ID && alg == MgmtAlgorithm::TripleDes.id();
        if p1 != alg && !legacy_3des {
            return Sw::INCORRECT_P1P2.into();
        }
        let Some(algorithm) = crypto::mgmt_algorithm(alg) else {
            return Sw::INCORRECT_DATA.into();
        };
        let bs = algorithm.block_len();
        let witness = tlv::find(fields, WITNESS);
        let challenge = tlv::find(fields, CHALLENGE);
        let response = tlv::find(fields, RESPONSE);
        // Whatever step this is, an earlier challenge can be answered at most once.
        let pending = self.session.mgmt_challenge.take();
        match (witness, challenge, response) {
            (Some([]), None, _) => {
                self.session.mgmt_authenticated = false;
                let plain = crypto::random_bytes(bs);
                let Some(sealed) = self.mgmt_encrypt(&plain) else {
                    return Sw::INCORRECT_DATA.into();
                };
                self.session.mgmt_challenge = Some(MgmtChallenge::Mutual(plain));
                template(WITNESS, &sealed)
            }
            (Some(w), Some(c), _) if !w.is_empty() && !c.is_empty() => {
                self.session.mgmt_authenticated = false;
                let Some(MgmtChallenge::Mutual(expected)) = pending else {
                    return Sw::SECURITY_NOT_SATISFIED.into();
                };
                if c.len() != bs || !constant_time_eq(w, &expected) {
                    return Sw::SECURITY_NOT_SATISFIED.into();
                }
                let Some(answer) = self.mgmt_encrypt(c) else {
                    return Sw::INCORRECT_DATA.into();
                };
                self.session.mgmt_authenticated = true;
                template(RESPONSE, &answer)
            }
            (None, None | Some([]), Some(r)) if !r.is_empty() => {
                self.session.mgmt_authenticated = false;
                let Some(MgmtChallenge::External(expected)) = pending else {
                    return Sw::SECURITY_NOT_SATISFIED.into();
                };
                let opened = algorithm.decrypt_block(&self.state.mgmt.key, r);
                match opened {
                    Some(plain) if constant_time_eq(&plain, &expected) => {
                        self.session.mgmt_authenticated = true;
                        Response::ok(Vec::new())
                    }
                    _ => Sw::SECURITY_NOT_SATISFIED.into(),
                }
            }
            (None, Some([]), _) => {
                self.session.mgmt_authenticated = false;
                let plain = crypto::random_bytes(bs);
                self.session.mgmt_challenge = Some(MgmtChallenge::External(plain.clone()));
                template(CHALLENGE, &plain)
            }
            (None, Some(c), Some([])) if c.len() == bs => match self.mgmt_encrypt(c) {
                Some(answer) => template(RESPONSE, &answer),
                None => Sw::INCORRECT_DATA.into(),
            },
            _ => Sw::INCORRECT_DATA.into(),
        }
    }

    fn mgmt_encrypt(&self, block: &[u8]) -> Option<Vec<u8>> {
        crypto::mgmt_algorithm(self.state.mgmt.alg)?.encrypt_block(&self.state.mgmt.key, block)
    }
}
