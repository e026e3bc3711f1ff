//! GET DATA and PUT DATA on the data objects.

use crate::apdu::{sw, Command, Response};
use crate::objects::{self, DISCOVERY, DISCOVERY_CONTENT, MAX_OBJECT_SIZE};
use crate::piv::{Blob, PivCard};
use crate::tlv;

const TAG_LIST: u32 = 0x5C;
const TAG_DATA: u32 = 0x53;

/// The object tag named by a `5C` tag list (one to three bytes).
fn object_tag(value: &[u8]) -> Option<u32> {
    (1..=3)
        .contains(&value.len())
        .then(|| value.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

fn check_p1p2(cmd: &Command) -> Result<(), Response> {
    match (cmd.p1, cmd.p2) {
        (0x3F, 0xFF) => Ok(()),
        _ => Err(sw::BAD_P1P2.into()),
    }
}

impl PivCard {
    pub(crate) fn get_data(&mut self, cmd: &Command) -> Response {
        if let Err(r) = check_p1p2(cmd) {
            return r;
        }
        let tag = match tlv::parse_one(&cmd.data) {
            Some((t, rest)) if t.tag == TAG_LIST && rest.is_empty() => object_tag(t.value),
            _ => None,
        };
        let Some(tag) = tag else {
            return sw::BAD_DATA.into();
        };
        if tag == DISCOVERY {
            return Response::ok(tlv::encode(DISCOVERY, DISCOVERY_CONTENT));
        }
        if objects::read_needs_pin(tag) && !self.session.pin_verified {
            return sw::SECURITY.into();
        }
        let yubico_only = objects::is_writable(tag, true) && !objects::is_writable(tag, false);
        if yubico_only && !self.yubico_extensions {
            return sw::NOT_FOUND.into();
        }
        match self.state.objects.get(&tag) {
            Some(content) => Response::ok(tlv::encode(TAG_DATA, &content.0)),
            None => sw::NOT_FOUND.into(),
        }
    }

    pub(crate) fn put_data(&mut self, cmd: &Command) -> Response {
        if let Err(r) = check_p1p2(cmd) {
            return r;
        }
        if !self.session.mgmt_authenticated {
            return sw::SECURITY.into();
        }
        let parsed = tlv::parse_one(&cmd.data).and_then(|(list, rest)| {
            let (data, rest) = tlv::parse_one(rest)?;
            let ok = list.tag == TAG_LIST && data.tag == TAG_DATA && rest.is_empty();
            ok.then_some((object_tag(list.value)?, data.value))
        });
        let Some((tag, content)) = parsed else {
            return sw::BAD_DATA.into();
        };
        if !objects::is_writable(tag, self.yubico_extensions) {
            return sw::BAD_DATA.into();
        }
        if content.len() > MAX_OBJECT_SIZE {
            return sw::NO_SPACE.into();
        }
        if content.is_empty() {
            self.state.objects.remove(&tag);
        } else {
            self.state.objects.insert(tag, Blob(content.to_vec()));
        }
        Response::ok(Vec::new())
    }
}
