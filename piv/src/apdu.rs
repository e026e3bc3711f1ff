//! ISO 7816-4 command and response APDUs, and the channel that hides the transport details PIV
//! cards differ in: command chaining for long data and `61xx` / `6Cxx` response handling.
//! One [`Command`] serves both ends: a host encodes it ([`Command::to_bytes`]), a card parses it
//! ([`Command::parse`]), and a card answers with the [`Response`] a host reads back.

use crate::ins;
use std::time::{Duration, Instant};

/// Short APDUs carry at most this much data per command; longer data is chained.
pub const MAX_SHORT_DATA: usize = 255;
/// The most a short APDU's `Le` can ask for (written `00`).
pub const MAX_SHORT_LE: usize = 256;

/// A command APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    /// Expected response length in bytes (short `00` is 256, extended `0000` is 65536); `None`
    /// if absent.
    pub le: Option<usize>,
    /// Lc and Le in the extended (two-byte) form.
    pub extended: bool,
}

/// A short `Le` byte as a length.
fn short_le(le: u8) -> usize {
    match le {
        0 => MAX_SHORT_LE,
        n => usize::from(n),
    }
}

impl Command {
    pub fn new(ins: u8, p1: u8, p2: u8, data: Vec<u8>) -> Command {
        Command {
            cla: 0x00,
            ins,
            p1,
            p2,
            data,
            le: None,
            extended: false,
        }
    }

    pub fn with_le(mut self, le: usize) -> Command {
        self.le = Some(le);
        self
    }

    /// The encoding, in the short or extended form as [`Command::extended`] says. Data longer
    /// than a short APDU holds must go through [`CardChannel::send`], which chains it.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = vec![self.cla, self.ins, self.p1, self.p2];
        if self.extended {
            debug_assert!(self.data.len() <= usize::from(u16::MAX));
            if !self.data.is_empty() {
                b.push(0x00);
                b.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
                b.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                if self.data.is_empty() {
                    b.push(0x00);
                }
                // 65536 wraps to `00 00`, which is how it is written.
                b.extend_from_slice(&(le as u16).to_be_bytes());
            }
        } else {
            debug_assert!(self.data.len() <= MAX_SHORT_DATA);
            if !self.data.is_empty() {
                b.push(self.data.len() as u8);
                b.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                // 256 wraps to `00`, which is how it is written.
                b.push(le as u8);
            }
        }
        b
    }

    /// Splits a raw APDU into header, body and Le according to the ISO 7816-3 cases. Whatever a
    /// host sends, an inconsistent length is `67 00`, never a panic.
    pub fn parse(apdu: &[u8]) -> Result<Command, Sw> {
        let (header, body) = match apdu.split_first_chunk::<4>() {
            Some(split) => split,
            None => return Err(Sw::WRONG_LENGTH),
        };
        let [cla, ins, p1, p2] = *header;
        let extended_le = |hi: u8, lo: u8| match u16::from_be_bytes([hi, lo]) {
            0 => 65536,
            n => usize::from(n),
        };
        let (data, le, extended) = match *body {
            [] => (&[][..], None, false),
            [le] => (&[][..], Some(short_le(le)), false),
            [lc, ref rest @ ..] if lc != 0 => {
                let lc = usize::from(lc);
                if rest.len() == lc {
                    (rest, None, false)
                } else if rest.len() == lc + 1 {
                    (&rest[..lc], Some(short_le(rest[lc])), false)
                } else {
                    return Err(Sw::WRONG_LENGTH);
                }
            }
            [0, hi, lo] => (&[][..], Some(extended_le(hi, lo)), true),
            [0, hi, lo, ref rest @ ..] => {
                let lc = usize::from(u16::from_be_bytes([hi, lo]));
                if lc == 0 {
                    return Err(Sw::WRONG_LENGTH);
                }
                if rest.len() == lc {
                    (rest, None, true)
                } else if rest.len() == lc + 2 {
                    (&rest[..lc], Some(extended_le(rest[lc], rest[lc + 1])), true)
                } else {
                    return Err(Sw::WRONG_LENGTH);
                }
            }
            _ => return Err(Sw::WRONG_LENGTH),
        };
        Ok(Command {
            cla,
            ins,
            p1,
            p2,
            data: data.to_vec(),
            le,
            extended,
        })
    }

    /// The most response data one answer may carry before `61 xx` chaining kicks in.
    pub fn max_response(&self) -> usize {
        match (self.le, self.extended) {
            (Some(le), true) => le,
            (Some(le), false) => le.min(MAX_SHORT_LE),
            (None, _) => MAX_SHORT_LE,
        }
    }

    /// The commands that carry `data` in chained blocks: CLA bit `10` on all but the last.
    pub fn chained(&self) -> Vec<Command> {
        if self.extended || self.data.len() <= MAX_SHORT_DATA {
            return vec![self.clone()];
        }
        let blocks: Vec<&[u8]> = self.data.chunks(MAX_SHORT_DATA).collect();
        let last = blocks.len() - 1;
        blocks
            .into_iter()
            .enumerate()
            .map(|(i, block)| Command {
                cla: if i < last { self.cla | 0x10 } else { self.cla },
                ins: self.ins,
                p1: self.p1,
                p2: self.p2,
                data: block.to_vec(),
                le: if i < last { None } else { self.le },
                extended: false,
            })
            .collect()
    }
}

/// A status word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sw(pub u16);

impl Sw {
    pub const OK: Sw = Sw(0x9000);
    pub const WRONG_LENGTH: Sw = Sw(0x6700);
    pub const SECURITY_NOT_SATISFIED: Sw = Sw(0x6982);
    pub const BLOCKED: Sw = Sw(0x6983);
    pub const CONDITIONS_NOT_SATISFIED: Sw = Sw(0x6985);
    pub const INCORRECT_DATA: Sw = Sw(0x6A80);
    pub const NOT_FOUND: Sw = Sw(0x6A82);
    pub const NOT_ENOUGH_MEMORY: Sw = Sw(0x6A84);
    pub const INCORRECT_P1P2: Sw = Sw(0x6A86);
    pub const INS_NOT_SUPPORTED: Sw = Sw(0x6D00);
    pub const CLA_NOT_SUPPORTED: Sw = Sw(0x6E00);

    /// `63 Cx`: a wrong PIN or PUK with `tries_left` tries left, saturating at 15, the most a
    /// nibble can say.
    pub fn verification_failed(tries_left: u8) -> Sw {
        Sw(0x63C0 | u16::from(tries_left.min(15)))
    }

    pub fn is_ok(self) -> bool {
        self == Sw::OK
    }

    /// `63Cx`: a wrong PIN or PUK, with `x` tries left.
    pub fn tries_left(self) -> Option<u8> {
        (self.0 & 0xFFF0 == 0x63C0).then_some((self.0 & 0x0F) as u8)
    }

    /// What the status word means, in words an operator can act on.
    pub fn describe(self) -> String {
        let text = match self.0 {
            0x9000 => "success",
            0x6700 => "wrong length",
            0x6882 => "secure messaging not supported",
            0x6982 => "security status not satisfied",
            0x6983 => "authentication method blocked",
            0x6984 => "reference data not usable",
            0x6985 => "conditions of use not satisfied",
            0x6A80 => "incorrect data",
            0x6A81 => "function not supported",
            0x6A82 => "file or object not found",
            0x6A84 => "not enough memory on the card",
            0x6A86 => "incorrect parameters P1/P2",
            0x6A88 => "referenced data not found",
            0x6D00 => "instruction not supported",
            0x6E00 => "class not supported",
            0x6F00 => "unknown card error",
            _ if self.tries_left().is_some() => "verification failed",
            _ => "unexpected status",
        };
        format!("{:04X} ({text})", self.0)
    }
}

/// A response APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: Sw,
}

impl Response {
    pub fn ok(data: Vec<u8>) -> Response {
        Response { data, sw: Sw::OK }
    }

    pub fn status(sw: Sw) -> Response {
        Response {
            data: Vec::new(),
            sw,
        }
    }

    /// Splits raw response bytes; fewer than two bytes is a transport error, not a response.
    pub fn parse(raw: &[u8]) -> Result<Response, TransportError> {
        if raw.len() < 2 {
            return Err(TransportError::Protocol(format!(
                "a response of {} bytes has no status word",
                raw.len()
            )));
        }
        let (data, sw) = raw.split_at(raw.len() - 2);
        Ok(Response {
            data: data.to_vec(),
            sw: Sw(u16::from_be_bytes([sw[0], sw[1]])),
        })
    }

    pub fn into_bytes(self) -> Vec<u8> {
        let mut out = self.data;
        out.extend_from_slice(&self.sw.0.to_be_bytes());
        out
    }
}

impl From<Sw> for Response {
    fn from(sw: Sw) -> Response {
        Response::status(sw)
    }
}

/// Failures below the APDU level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("the card was removed from the reader")]
    Removed,
    #[error("the card reader is not available: {0}")]
    Reader(String),
    #[error("the card broke the protocol: {0}")]
    Protocol(String),
}

/// Sends one raw APDU and returns the raw response (data and status word).
pub trait Transport {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError>;
}

/// What a channel has done: the numbers the encoding benchmark reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelStats {
    pub apdus: u64,
    pub on_card: Duration,
}

/// A logical channel to the card over a [`Transport`].
pub struct CardChannel<T: Transport> {
    transport: T,
    stats: ChannelStats,
}

/// The most response data one command may gather through `61xx` before it is called a loop.
const MAX_RESPONSE: usize = 64 * 1024;
/// And the most GET RESPONSE rounds (a card may answer `61xx` with no data at all).
const MAX_GET_RESPONSE: usize = 512;

impl<T: Transport> CardChannel<T> {
    pub fn new(transport: T) -> Self {
        CardChannel {
            transport,
            stats: ChannelStats::default(),
        }
    }

    pub fn stats(&self) -> ChannelStats {
        self.stats
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    fn raw(&mut self, apdu: &[u8]) -> Result<Response, TransportError> {
        let start = Instant::now();
        let raw = self.transport.transmit(apdu);
        self.stats.on_card += start.elapsed();
        self.stats.apdus += 1;
        Response::parse(&raw?)
    }

    /// Sends a command: chains long data, follows `61xx` with GET RESPONSE and repeats on
    /// `6Cxx` with the length the card asked for. Returns the whole response data and the final
    /// status word (which the caller interprets).
    pub fn send(&mut self, cmd: &Command) -> Result<Response, TransportError> {
        let mut response = None;
        for block in cmd.chained() {
            let r = self.raw(&block.to_bytes())?;
            let last = block.cla & 0x10 == 0;
            if !last && !r.sw.is_ok() {
                // The card refused a block of the chain: that is the answer to the command.
                return Ok(r);
            }
            response = Some(r);
        }
        let mut r = response.ok_or_else(|| TransportError::Protocol("nothing to send".into()))?;
        if r.sw.0 & 0xFF00 == 0x6C00 {
            let mut again = cmd.clone();
            again.le = Some(short_le((r.sw.0 & 0xFF) as u8));
            if again.data.len() <= MAX_SHORT_DATA {
                r = self.raw(&again.to_bytes())?;
            }
        }
        let mut data = std::mem::take(&mut r.data);
        let mut sw = r.sw;
        let mut rounds = 0;
        while sw.0 & 0xFF00 == 0x6100 {
            rounds += 1;
            if rounds > MAX_GET_RESPONSE {
                return Err(TransportError::Protocol(
                    "the card keeps answering 61xx without end".into(),
                ));
            }
            let le = short_le((sw.0 & 0xFF) as u8);
            let more = self.raw(
                &Command::new(ins::GET_RESPONSE, 0x00, 0x00, Vec::new())
                    .with_le(le)
                    .to_bytes(),
            )?;
            data.extend_from_slice(&more.data);
            sw = more.sw;
            if data.len() > MAX_RESPONSE {
                return Err(TransportError::Protocol(
                    "the card keeps sending more data (61xx without end)".into(),
                ));
            }
        }
        Ok(Response { data, sw })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A transport that replays a script of (expected command, response) pairs.
    pub(crate) struct Script {
        pub steps: std::collections::VecDeque<(Vec<u8>, Vec<u8>)>,
    }

    impl Script {
        pub fn new(steps: &[(&str, &str)]) -> Script {
            Script {
                steps: steps
                    .iter()
                    .map(|(c, r)| {
                        (
                            hex::decode(c.replace(' ', "")).unwrap(),
                            hex::decode(r.replace(' ', "")).unwrap(),
                        )
                    })
                    .collect(),
            }
        }
    }

    impl Drop for Script {
        fn drop(&mut self) {
            if !std::thread::panicking() {
                assert!(
                    self.steps.is_empty(),
                    "scripted APDUs never sent: {:?}",
                    self.steps.len()
                );
            }
        }
    }

    impl Transport for Script {
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            let (want, answer) = self.steps.pop_front().expect("more APDUs than scripted");
            assert_eq!(
                hex::encode_upper(apdu),
                hex::encode_upper(&want),
                "APDU sent"
            );
            Ok(answer)
        }
    }

    #[test]
    fn short_encodings() {
        assert_eq!(
            Command::new(0x20, 0x00, 0x80, vec![]).to_bytes(),
            [0x00, 0x20, 0x00, 0x80]
        );
        assert_eq!(
            Command::new(0xCB, 0x3F, 0xFF, vec![0x5C, 0x01, 0x7E])
                .with_le(MAX_SHORT_LE)
                .to_bytes(),
            [0x00, 0xCB, 0x3F, 0xFF, 0x03, 0x5C, 0x01, 0x7E, 0x00]
        );
    }

    #[test]
    fn long_data_is_chained_with_cla_10() {
        let cmd = Command::new(0xDB, 0x3F, 0xFF, vec![0xAB; 600]);
        let blocks = cmd.chained();
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[0].cla, 0x10);
        assert_eq!(blocks[0].data.len(), 255);
        assert_eq!(blocks[1].cla, 0x10);
        assert_eq!(blocks[2].cla, 0x00);
        assert_eq!(blocks[2].data.len(), 90);
        assert_eq!(blocks[0].to_bytes()[..5], [0x10, 0xDB, 0x3F, 0xFF, 0xFF]);
    }

    #[test]
    fn get_response_follows_61xx() {
        let mut ch = CardChannel::new(Script::new(&[
            ("00CB3FFF055C035FC10500", "0102 6103"),
            ("00C0000003", "030405 9000"),
        ]));
        let r = ch
            .send(
                &Command::new(0xCB, 0x3F, 0xFF, hex::decode("5C035FC105").unwrap())
                    .with_le(MAX_SHORT_LE),
            )
            .unwrap();
        assert_eq!(r.data, [1, 2, 3, 4, 5]);
        assert!(r.sw.is_ok());
        assert_eq!(ch.stats().apdus, 2);
    }

    #[test]
    fn wrong_le_is_repeated_with_the_cards_length() {
        let mut ch = CardChannel::new(Script::new(&[
            ("00FD000000", "6C03"),
            ("00FD000003", "050403 9000"),
        ]));
        let r = ch
            .send(&Command::new(0xFD, 0, 0, vec![]).with_le(MAX_SHORT_LE))
            .unwrap();
        assert_eq!(r.data, [5, 4, 3]);
    }

    #[test]
    fn endless_61xx_without_data_is_an_error() {
        struct Stuck;
        impl Transport for Stuck {
            fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
                Ok(vec![0x61, 0x00])
            }
        }
        let mut ch = CardChannel::new(Stuck);
        assert!(ch.send(&Command::new(0xCB, 0x3F, 0xFF, vec![])).is_err());
        assert!(ch.stats().apdus <= 514);
    }

    #[test]
    fn a_refused_chain_block_is_the_answer() {
        let mut ch = CardChannel::new(Script::new(&[(
            &format!("10DB3FFFFF{}", "AB".repeat(255)),
            "6982",
        )]));
        let r = ch
            .send(&Command::new(0xDB, 0x3F, 0xFF, vec![0xAB; 300]))
            .unwrap();
        assert_eq!(r.sw, Sw::SECURITY_NOT_SATISFIED);
    }

    #[test]
    fn responses_without_status_are_errors() {
        assert!(Response::parse(&[0x90]).is_err());
        assert!(Response::parse(&[]).is_err());
        assert_eq!(
            Response::parse(&[0x63, 0xC2]).unwrap().sw.tries_left(),
            Some(2)
        );
    }

    #[test]
    fn parses_all_cases() {
        let c = Command::parse(&[0, 0x20, 0, 0x80]).unwrap();
        assert_eq!((c.data.len(), c.le, c.extended), (0, None, false));
        let c = Command::parse(&[0, 0xC0, 0, 0, 0]).unwrap();
        assert_eq!(c.le, Some(256));
        let c = Command::parse(&[0, 0x20, 0, 0x80, 2, 1, 2]).unwrap();
        assert_eq!((c.data, c.le), (vec![1, 2], None));
        let c = Command::parse(&[0, 0xA4, 4, 0, 2, 1, 2, 0]).unwrap();
        assert_eq!((c.data, c.le), (vec![1, 2], Some(256)));
        let c = Command::parse(&[0, 0xCB, 0x3F, 0xFF, 0, 0, 0]).unwrap();
        assert_eq!((c.le, c.extended), (Some(65536), true));
        let c = Command::parse(&[0, 0xDB, 0x3F, 0xFF, 0, 0, 2, 9, 9]).unwrap();
        assert_eq!((c.data, c.le, c.extended), (vec![9, 9], None, true));
        let c = Command::parse(&[0, 0xDB, 0x3F, 0xFF, 0, 0, 2, 9, 9, 0x01, 0x00]).unwrap();
        assert_eq!(c.le, Some(256));
    }

    #[test]
    fn rejects_inconsistent_lengths() {
        for bad in [
            &[][..],
            &[0, 0x20, 0],
            &[0, 0x20, 0, 0x80, 3, 1],
            &[0, 0x20, 0, 0x80, 1, 1, 2, 3],
            &[0, 0x20, 0, 0x80, 0, 0],
            &[0, 0x20, 0, 0x80, 0, 0, 0, 1],
            &[0, 0x20, 0, 0x80, 0, 0, 2, 1],
        ] {
            assert_eq!(Command::parse(bad), Err(Sw::WRONG_LENGTH), "{bad:02X?}");
        }
    }

    #[test]
    fn the_card_parses_what_the_host_encodes() {
        for extended in [false, true] {
            let max_data = if extended { 300 } else { MAX_SHORT_DATA };
            let max_le = if extended { 65536 } else { MAX_SHORT_LE };
            for data in [0, 1, max_data] {
                for le in [None, Some(1), Some(255), Some(max_le)] {
                    let cmd = Command {
                        cla: 0x10,
                        extended,
                        le,
                        ..Command::new(0xDB, 0x3F, 0xFF, vec![0xA5; data])
                    };
                    // Without data and Le there is no length field to be extended.
                    let parsed = Command {
                        extended: extended && (data > 0 || le.is_some()),
                        ..cmd.clone()
                    };
                    assert_eq!(Command::parse(&cmd.to_bytes()), Ok(parsed), "{cmd:?}");
                }
            }
        }
    }

    #[test]
    fn wrong_secret_status_words() {
        assert_eq!(Sw::verification_failed(2), Sw(0x63C2));
        assert_eq!(Sw::verification_failed(20), Sw(0x63CF));
        assert_eq!(Sw::verification_failed(0).tries_left(), Some(0));
        assert_eq!(
            Response::status(Sw::verification_failed(1)).into_bytes(),
            [0x63, 0xC1]
        );
        assert_eq!(Response::ok(vec![7]).into_bytes(), [7, 0x90, 0x00]);
    }
}
