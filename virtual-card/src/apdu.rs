//! ISO 7816-4 APDU framing: parsing the four command cases (short and extended), status words,
//! command chaining (CLA bit `10`) and response chaining (`61 xx` + GET RESPONSE).

/// Status words the card answers with.
pub mod sw {
    pub const OK: u16 = 0x9000;
    pub const WRONG_LENGTH: u16 = 0x6700;
    pub const SECURITY: u16 = 0x6982;
    pub const BLOCKED: u16 = 0x6983;
    pub const CONDITIONS: u16 = 0x6985;
    pub const BAD_DATA: u16 = 0x6A80;
    pub const NOT_FOUND: u16 = 0x6A82;
    pub const NO_SPACE: u16 = 0x6A84;
    pub const BAD_P1P2: u16 = 0x6A86;
    pub const UNKNOWN_INS: u16 = 0x6D00;
    pub const BAD_CLA: u16 = 0x6E00;

    /// `63 Cx`: wrong PIN/PUK, x tries left (saturating at 15, the most a nibble can say).
    pub fn tries_left(n: u8) -> u16 {
        0x63C0 | u16::from(n.min(15))
    }
}

/// A parsed command APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    /// Expected response length in bytes (`00` → 256, extended `0000` → 65536); `None` if absent.
    pub le: Option<usize>,
    pub extended: bool,
}

impl Command {
    /// The most response data one answer may carry before `61 xx` chaining kicks in.
    pub fn max_response(&self) -> usize {
        match (self.le, self.extended) {
            (Some(le), true) => le,
            (Some(le), false) => le.min(256),
            (None, _) => 256,
        }
    }
}

/// Splits a raw APDU into header, body and Le according to the ISO 7816-3 cases.
pub fn parse(apdu: &[u8]) -> Result<Command, u16> {
    let (header, body) = match apdu.split_first_chunk::<4>() {
        Some(split) => split,
        None => return Err(sw::WRONG_LENGTH),
    };
    let [cla, ins, p1, p2] = *header;
    let short = |n: u8| if n == 0 { 256 } else { usize::from(n) };
    let extended_le = |hi: u8, lo: u8| match u16::from_be_bytes([hi, lo]) {
        0 => 65536,
        n => usize::from(n),
    };
    let (data, le, extended) = match *body {
        [] => (&[][..], None, false),
        [le] => (&[][..], Some(short(le)), false),
        [lc, ref rest @ ..] if lc != 0 => {
            let lc = usize::from(lc);
            if rest.len() == lc {
                (rest, None, false)
            } else if rest.len() == lc + 1 {
                (&rest[..lc], Some(short(rest[lc])), false)
            } else {
                return Err(sw::WRONG_LENGTH);
            }
        }
        [0, hi, lo] => (&[][..], Some(extended_le(hi, lo)), true),
        [0, hi, lo, ref rest @ ..] => {
            let lc = usize::from(u16::from_be_bytes([hi, lo]));
            if lc == 0 {
                return Err(sw::WRONG_LENGTH);
            }
            if rest.len() == lc {
                (rest, None, true)
            } else if rest.len() == lc + 2 {
                (&rest[..lc], Some(extended_le(rest[lc], rest[lc + 1])), true)
            } else {
                return Err(sw::WRONG_LENGTH);
            }
        }
        _ => return Err(sw::WRONG_LENGTH),
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

/// What a command handler produces before response chaining is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: u16,
}

impl Response {
    pub fn ok(data: Vec<u8>) -> Response {
        Response { data, sw: sw::OK }
    }

    pub fn status(sw: u16) -> Response {
        Response {
            data: Vec::new(),
            sw,
        }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        let mut out = self.data;
        out.extend_from_slice(&self.sw.to_be_bytes());
        out
    }
}

impl From<u16> for Response {
    fn from(sw: u16) -> Response {
        Response::status(sw)
    }
}

/// The largest command a chain may build up; bigger than any PIV object plus framing.
const MAX_CHAIN: usize = 16 * 1024;

/// Command-chaining state: the data of the `CLA 10` blocks received so far.
#[derive(Debug, Clone, Default)]
pub struct CommandChain {
    header: Option<[u8; 3]>,
    data: Vec<u8>,
}

impl CommandChain {
    /// Feeds one block. Returns `Ok(None)` while the chain continues, `Ok(Some(command))` with the
    /// whole data once the final block arrived, `Err(sw)` if the chain grew too large.
    pub fn feed(&mut self, mut cmd: Command) -> Result<Option<Command>, u16> {
        let header = [cmd.ins, cmd.p1, cmd.p2];
        if self.header != Some(header) {
            // A different command interrupts the chain: ISO leaves this open, and starting over is
            // what lets a host recover from an aborted chain.
            self.clear();
        }
        if self.data.len() + cmd.data.len() > MAX_CHAIN {
            self.clear();
            return Err(sw::NO_SPACE);
        }
        if cmd.cla & 0x10 != 0 {
            self.header = Some(header);
            self.data.extend_from_slice(&cmd.data);
            return Ok(None);
        }
        if self.header.is_some() {
            let mut data = std::mem::take(&mut self.data);
            data.extend_from_slice(&cmd.data);
            cmd.data = data;
            self.clear();
        }
        Ok(Some(cmd))
    }

    pub fn clear(&mut self) {
        self.header = None;
        self.data.clear();
    }
}

/// Response-chaining state: what is left of the last answer for GET RESPONSE.
#[derive(Debug, Clone, Default)]
pub struct ResponseChain {
    pending: Vec<u8>,
}

impl ResponseChain {
    /// Sends at most `max` bytes of a successful response and keeps the rest.
    pub fn send(&mut self, response: Response, max: usize) -> Vec<u8> {
        self.pending.clear();
        if response.sw != sw::OK || response.data.len() <= max {
            return response.into_bytes();
        }
        let mut data = response.data;
        self.pending = data.split_off(max);
        self.chunk_trailer(data)
    }

    /// GET RESPONSE: the next `max` bytes.
    pub fn next(&mut self, max: usize) -> Vec<u8> {
        if self.pending.is_empty() {
            return Response::status(sw::CONDITIONS).into_bytes();
        }
        let take = max.min(self.pending.len());
        let rest = self.pending.split_off(take);
        let chunk = std::mem::replace(&mut self.pending, rest);
        self.chunk_trailer(chunk)
    }

    pub fn clear(&mut self) {
        self.pending.clear();
    }

    fn chunk_trailer(&self, mut chunk: Vec<u8>) -> Vec<u8> {
        match self.pending.len() {
            0 => chunk.extend_from_slice(&[0x90, 0x00]),
            n => chunk.extend_from_slice(&[0x61, n.min(0x100) as u8]),
        }
        chunk
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_cases() {
        let c = parse(&[0, 0x20, 0, 0x80]).unwrap();
        assert_eq!((c.data.len(), c.le, c.extended), (0, None, false));
        let c = parse(&[0, 0xC0, 0, 0, 0]).unwrap();
        assert_eq!(c.le, Some(256));
        let c = parse(&[0, 0x20, 0, 0x80, 2, 1, 2]).unwrap();
        assert_eq!((c.data, c.le), (vec![1, 2], None));
        let c = parse(&[0, 0xA4, 4, 0, 2, 1, 2, 0]).unwrap();
        assert_eq!((c.data, c.le), (vec![1, 2], Some(256)));
        let c = parse(&[0, 0xCB, 0x3F, 0xFF, 0, 0, 0]).unwrap();
        assert_eq!((c.le, c.extended), (Some(65536), true));
        let c = parse(&[0, 0xDB, 0x3F, 0xFF, 0, 0, 2, 9, 9]).unwrap();
        assert_eq!((c.data, c.le, c.extended), (vec![9, 9], None, true));
        let c = parse(&[0, 0xDB, 0x3F, 0xFF, 0, 0, 2, 9, 9, 0x01, 0x00]).unwrap();
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
            assert_eq!(parse(bad), Err(sw::WRONG_LENGTH), "{bad:02X?}");
        }
    }

    #[test]
    fn response_chaining_splits_and_counts() {
        let mut chain = ResponseChain::default();
        let first = chain.send(Response::ok(vec![1; 600]), 256);
        assert_eq!(first.len(), 258);
        assert_eq!(&first[256..], &[0x61, 0x00]);
        let second = chain.next(256);
        assert_eq!(&second[256..], &[0x61, 88]);
        let third = chain.next(256);
        assert_eq!(third.len(), 90);
        assert_eq!(&third[88..], &[0x90, 0x00]);
        assert_eq!(chain.next(256), vec![0x69, 0x85]);
    }
}
