//! The vsmartcard vpcd protocol, card side. vpcd (inside pcscd) listens; the card connects.
//! Every message is a 2-byte big-endian length and a payload. A 1-byte payload is a control
//! (power off/on, reset, get ATR); anything else is a command APDU answered with data‖SW.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

/// Reader "Virtual PCD 00 00"; 35964 is "Virtual PCD 00 01".
pub const DEFAULT_PORT: u16 = 35963;

/// How often a blocked read wakes up to check whether it should stop.
const POLL: Duration = Duration::from_millis(100);

/// A message from vpcd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    PowerOff,
    PowerOn,
    Reset,
    GetAtr,
    /// A control byte this client does not know; vpcd expects no answer.
    Unknown(u8),
    Apdu(Vec<u8>),
}

impl Request {
    fn from_payload(payload: Vec<u8>) -> Request {
        match *payload.as_slice() {
            [0x00] => Request::PowerOff,
            [0x01] => Request::PowerOn,
            [0x02] => Request::Reset,
            [0x04] => Request::GetAtr,
            [other] => Request::Unknown(other),
            _ => Request::Apdu(payload),
        }
    }
}

/// The card behind the connection.
pub trait Card {
    /// Power and reset controls; the ATR is asked for separately.
    fn control(&mut self, request: &Request);
    fn atr(&mut self) -> Vec<u8>;
    /// Answers a command APDU, or `None` to pull the card out without answering.
    fn apdu(&mut self, apdu: &[u8]) -> Option<Vec<u8>>;
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// vpcd closed the connection (pcscd stopped, or it noticed our removal).
    Closed,
    /// The caller's stop condition became true.
    Stopped,
    /// The card chose not to answer an APDU.
    PulledOut,
}

pub fn connect(port: u16) -> io::Result<TcpStream> {
    let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Connects, retrying while vpcd is not (yet) listening, e.g. while pcscd starts.
pub fn connect_with_retry(port: u16, patience: Duration) -> io::Result<TcpStream> {
    let deadline = Instant::now() + patience;
    loop {
        match connect(port) {
            Ok(stream) => return Ok(stream),
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// Writes one framed message.
pub fn write_frame(w: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    let len = u16::try_from(payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame over 64 KiB"))?;
    let mut frame = Vec::with_capacity(payload.len() + 2);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    w.write_all(&frame)?;
    w.flush()
}

/// Reassembles frames from a stream read with a timeout, so that a partial frame survives the
/// wake-ups used to check the stop condition.
#[derive(Default)]
pub struct FrameReader {
    buf: Vec<u8>,
}

/// What one read attempt produced.
pub enum Incoming {
    Frame(Vec<u8>),
    Eof,
    Stopped,
}

impl FrameReader {
    pub fn next(&mut self, r: &mut impl Read, stop: &dyn Fn() -> bool) -> io::Result<Incoming> {
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(frame) = self.take_frame() {
                return Ok(Incoming::Frame(frame));
            }
            if stop() {
                return Ok(Incoming::Stopped);
            }
            match r.read(&mut chunk) {
                Ok(0) => return Ok(Incoming::Eof),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if is_timeout(&e) => {}
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(Incoming::Eof),
                Err(e) => return Err(e),
            }
        }
    }

    fn take_frame(&mut self) -> Option<Vec<u8>> {
        let len = usize::from(u16::from_be_bytes([*self.buf.first()?, *self.buf.get(1)?]));
        if self.buf.len() < 2 + len {
            return None;
        }
        let frame = self.buf[2..2 + len].to_vec();
        self.buf.drain(..2 + len);
        Some(frame)
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// Serves `card` on `stream` until vpcd disconnects, `stop` returns true, or the card is pulled.
pub fn serve(
    stream: &mut TcpStream,
    card: &mut dyn Card,
    stop: &dyn Fn() -> bool,
) -> io::Result<Ended> {
    stream.set_read_timeout(Some(POLL))?;
    let mut reader = FrameReader::default();
    loop {
        let payload = match reader.next(&mut QuickAck(stream), stop)? {
            Incoming::Frame(p) => p,
            Incoming::Eof => return Ok(Ended::Closed),
            Incoming::Stopped => return Ok(Ended::Stopped),
        };
        match Request::from_payload(payload) {
            Request::GetAtr => write_frame(stream, &card.atr())?,
            Request::Apdu(apdu) => match card.apdu(&apdu) {
                Some(answer) => write_frame(stream, &answer)?,
                None => return Ok(Ended::PulledOut),
            },
            control => card.control(&control),
        }
    }
}

/// Reads with TCP_QUICKACK set before every read. vpcd sends a frame's length and its payload
/// in two writes without TCP_NODELAY, so Nagle holds the payload until the length is
/// acknowledged; a delayed ACK from our side would cost about 40 ms on every APDU.
struct QuickAck<'a>(&'a mut TcpStream);

impl Read for QuickAck<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let on: libc::c_int = 1;
            // SAFETY: a valid socket descriptor and a c_int option of the right size.
            unsafe {
                libc::setsockopt(
                    self.0.as_raw_fd(),
                    libc::IPPROTO_TCP,
                    libc::TCP_QUICKACK,
                    (&on as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                );
            }
        }
        self.0.read(buf)
    }
}

/// After we shut down our sending side, waits (bounded) until vpcd notices and closes its side.
pub fn drain_until_closed(stream: &mut TcpStream, patience: Duration) {
    let deadline = Instant::now() + patience;
    let _ = stream.set_read_timeout(Some(POLL));
    let mut sink = [0u8; 512];
    while Instant::now() < deadline {
        match stream.read(&mut sink) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {}
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reassembles_split_frames() {
        let mut bytes = Vec::new();
        write_frame(&mut bytes, &[0x04]).unwrap();
        write_frame(&mut bytes, &[0x00, 0xA4, 0x04, 0x00]).unwrap();
        // A reader that hands out one byte at a time.
        struct Trickle(Vec<u8>, usize);
        impl Read for Trickle {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                match self.0.get(self.1) {
                    Some(&b) => {
                        buf[0] = b;
                        self.1 += 1;
                        Ok(1)
                    }
                    None => Ok(0),
                }
            }
        }
        let mut src = Trickle(bytes, 0);
        let mut reader = FrameReader::default();
        let never = || false;
        let Incoming::Frame(f) = reader.next(&mut src, &never).unwrap() else {
            panic!("expected a frame")
        };
        assert_eq!(Request::from_payload(f), Request::GetAtr);
        let Incoming::Frame(f) = reader.next(&mut src, &never).unwrap() else {
            panic!("expected a frame")
        };
        assert_eq!(f, vec![0x00, 0xA4, 0x04, 0x00]);
        assert!(matches!(
            reader.next(&mut src, &never).unwrap(),
            Incoming::Eof
        ));
    }
}
