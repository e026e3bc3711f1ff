//! PC/SC: a [`Transport`] over a card in a reader, and what a card tells about itself without a
//! PIN (the reader list shows it).

use super::apdu::{Transport, TransportError};
use super::piv::{self, Piv, PivError, Slot};
use pcsc::{Context, Disposition, Protocols, Scope, ShareMode};
use std::ffi::CString;
use tessera_process::bridge::CardInReader;

/// A connected card.
pub struct PcscTransport {
    card: pcsc::Card,
}

impl PcscTransport {
    /// Leaves the card powered and as it is (no reset), so a verified PIN does not leak across
    /// sessions either way: the next connection's SELECT starts afresh.
    pub fn close(self) {
        let _ = self.card.disconnect(Disposition::LeaveCard);
    }
}

pub fn transport_error(e: pcsc::Error) -> TransportError {
    match e {
        pcsc::Error::RemovedCard | pcsc::Error::NoSmartcard => TransportError::Removed,
        pcsc::Error::ReaderUnavailable | pcsc::Error::UnknownReader => {
            TransportError::Reader("the reader was unplugged".into())
        }
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => {
            TransportError::Reader("the PC/SC service (pcscd) stopped".into())
        }
        pcsc::Error::SharingViolation => {
            TransportError::Reader("another application is using the card".into())
        }
        other => TransportError::Reader(other.to_string()),
    }
}

impl Transport for PcscTransport {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut buf = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        let r = self
            .card
            .transmit(apdu, &mut buf)
            .map_err(transport_error)?;
        if r.is_empty() {
            // vpcd (and some readers) answer an exchange cut short by pulling the card out with
            // nothing at all, before the reader reports the removal.
            return Err(TransportError::Removed);
        }
        Ok(r.to_vec())
    }
}

/// Connects to the card in `reader` and selects PIV. `exclusive` keeps every other application
/// off the card while it is encoded.
pub fn open(reader: &str, exclusive: bool) -> Result<(Piv<PcscTransport>, Vec<u8>), PivError> {
    let ctx = Context::establish(Scope::User).map_err(transport_error)?;
    let name = CString::new(reader)
        .map_err(|_| TransportError::Reader("a reader name with a NUL byte".into()))?;
    let mode = if exclusive {
        ShareMode::Exclusive
    } else {
        ShareMode::Shared
    };
    // The monitor (or another application) may be reading a newly inserted card for a moment:
    // wait for it, briefly.
    let mut tries = 0;
    let card = loop {
        match ctx.connect(&name, mode, Protocols::ANY) {
            Err(pcsc::Error::SharingViolation) if tries < 20 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            other => break other.map_err(transport_error)?,
        }
    };
    let atr = card
        .status2_owned()
        .map(|s| s.atr().to_vec())
        .unwrap_or_default();
    let mut p = Piv::new(PcscTransport { card });
    p.select()?;
    Ok((p, atr))
}

/// Reads what a card tells without a PIN: serial (YubiKey), CHUID GUID, and whether it is blank.
pub fn identify<T: Transport>(p: &mut Piv<T>) -> Result<Identity, PivError> {
    let version = p.yubico_version()?;
    let serial = match version {
        Some(_) => p.yubico_serial()?,
        None => None,
    };
    let chuid = p.get_data(piv::TAG_CHUID)?;
    let guid = match &chuid {
        Some(c) => piv::chuid_guid(c)?,
        None => None,
    };
    let mut certificates = Vec::new();
    for slot in Slot::ALL {
        if p.get_certificate(slot)?.is_some() {
            certificates.push(slot);
        }
    }
    Ok(Identity {
        yubico_version: version,
        serial,
        chuid_guid: guid,
        has_chuid: chuid.is_some_and(|c| !c.is_empty()),
        certificates,
    })
}

/// A card's self-description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub yubico_version: Option<[u8; 3]>,
    pub serial: Option<u32>,
    pub chuid_guid: Option<[u8; 16]>,
    pub has_chuid: bool,
    pub certificates: Vec<Slot>,
}

impl Identity {
    pub fn blank(&self) -> bool {
        !self.has_chuid && self.certificates.is_empty()
    }

    pub fn serial_text(&self) -> Option<String> {
        self.serial.map(|s| s.to_string())
    }

    pub fn guid_hex(&self) -> Option<String> {
        self.chuid_guid.map(hex::encode_upper)
    }
}

/// The monitor's probe of a newly inserted card: a handful of APDUs, with the card to itself.
/// Shared, another application reading the card at the same moment (another Tessera server on
/// the machine, OpenSC) could slip its commands between a GET DATA and its GET RESPONSEs, and
/// the card, which keeps one response chain, would answer the probe with the other's data or
/// 6985; the monitor would then show the card as unreadable until it is reinserted.
pub fn probe(reader: &str, atr: &[u8]) -> CardInReader {
    let mut out = CardInReader {
        atr: hex::encode_upper(atr),
        serial: None,
        chuid_guid: None,
        piv: false,
        blank: None,
        note: None,
    };
    match open(reader, true) {
        Ok((mut p, _)) => {
            out.piv = true;
            match identify(&mut p) {
                Ok(id) => {
                    out.serial = id.serial_text();
                    out.chuid_guid = id.guid_hex();
                    out.blank = Some(id.blank());
                }
                Err(e) => out.note = Some(format!("could not read the card: {e}")),
            }
            p.channel.into_transport().close();
        }
        Err(PivError::NoPiv) => out.note = Some("not a PIV card".into()),
        Err(e) => out.note = Some(e.to_string()),
    }
    out
}
