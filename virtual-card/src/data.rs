//! GET DATA and PUT DATA on the data objects.

use tessera_piv::apdu::{Command, Response, Sw};
use tessera_piv::piv::tag::{DATA, TAG_LIST};
use tessera_piv::piv::TAG_DISCOVERY;
use tessera_piv::tlv;

use crate::objects::{self, DISCOVERY_CONTENT, MAX_OBJECT_SIZE};
use crate::piv::{Blob, PivCard};

/// The object tag named by a `5C` tag list (one to three bytes).
fn object_tag(value: &[u8]) -> Option<u32> {
    (1..=3)
        .contains(&value.len())
        .then(|| value.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

fn check_p1p2(cmd: &Command) -> Result<(), Response> {
    match (cmd.p1, cmd.p2) {
        (0x3F, 0xFF) => Ok(()),
        _ => Err(Sw::INCORRECT_P1P2.into()),
    }
}

impl PivCard {
    pub(crate) fn get_data(&mut self, cmd: &Command) -> Response {
        if let Err(r) = check_p1p2(cmd) {
            return r;
        }
        let tag = tlv::expect(&cmd.data, TAG_LIST).ok().and_then(object_tag);
        let Some(tag) = tag else {
            return Sw::INCORRECT_DATA.into();
        };
        if tag == TAG_DISCOVERY {
            return Response::ok(tlv::write(TAG_DISCOVERY, DISCOVERY_CONTENT));
        }
        if objects::read_needs_pin(tag) && !self.session.pin_verified {
            return Sw::SECURITY_NOT_SATISFIED.into();
        }
        let yubico_only = objects::is_writable(tag, true) && !objects::is_writable(tag, false);
        if yubico_only && !self.yubico_extensions {
            return Sw::NOT_FOUND.into();
        }
        match self.state.objects.get(&tag) {
            Some(content) => Response::ok(tlv::write(DATA, &content.0)),
            None => Sw::NOT_FOUND.into(),
        }
    }

    pub(crate) fn put_data(&mut self, cmd: &Command) -> Response {
        if let Err(r) = check_p1p2(cmd) {
            return r;
        }
        if !self.session.mgmt_authenticated {
            return Sw::SECURITY_NOT_SATISFIED.into();
        }
        let parsed = tlv::read(&cmd.data).ok().and_then(|(list, rest)| {
            let (data, rest) = tlv::read(rest).ok()?;
            let ok = list.tag == TAG_LIST && data.tag == DATA && rest.is_empty();
            ok.then_some((object_tag(list.value)?, data.value))
        });
        let Some((tag, content)) = parsed else {
            return Sw::INCORRECT_DATA.into();
        };
        if !objects::is_writable(tag, self.yubico_extensions) {
            return Sw::INCORRECT_DATA.into();
        }
        if content.len() > MAX_OBJECT_SIZE {
            return Sw::NOT_ENOUGH_MEMORY.into();
        }
        if content.is_empty() {
            self.state.objects.remove(&tag);
        } else {
            self.state.objects.insert(tag, Blob(content.to_vec()));
        }
        Response::ok(Vec::new())
    }
}
