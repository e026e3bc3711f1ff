//! The card's side of ISO 7816-4 framing: command chaining (CLA bit `10`) and response chaining
//! (`61 xx` + GET RESPONSE). Commands are parsed, and answers built, with tessera-piv's
//! [`Command`] and [`Response`], the types the host encodes and reads with.

use tessera_piv::apdu::{Command, Response, Sw};

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
    pub fn feed(&mut self, mut cmd: Command) -> Result<Option<Command>, Sw> {
        let header = [cmd.ins, cmd.p1, cmd.p2];
        if self.header != Some(header) {
            // A different command interrupts the chain: ISO leaves this open, and starting over is
            // what lets a host recover from an aborted chain.
            self.clear();
        }
        if self.data.len() + cmd.data.len() > MAX_CHAIN {
            self.clear();
            return Err(Sw::NOT_ENOUGH_MEMORY);
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
        if !response.sw.is_ok() || response.data.len() <= max {
            return response.into_bytes();
        }
        let mut data = response.data;
        self.pending = data.split_off(max);
        self.chunk_trailer(data)
    }

    /// GET RESPONSE: the next `max` bytes.
    pub fn next(&mut self, max: usize) -> Vec<u8> {
        if self.pending.is_empty() {
            return Response::status(Sw::CONDITIONS_NOT_SATISFIED).into_bytes();
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
