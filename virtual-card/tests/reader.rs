//! `VirtualReader` against a fake vpcd (a TCP listener speaking the vpcd framing), so that the
//! protocol and insert/remove/pull-out behaviour are tested without pcscd.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use tessera_virtual_card::{PivCard, VirtualReader, YUBIKEY_ATR};

struct FakeVpcd {
    listener: TcpListener,
}

impl FakeVpcd {
    fn new() -> FakeVpcd {
        FakeVpcd {
            listener: TcpListener::bind("127.0.0.1:0").unwrap(),
        }
    }

    fn port(&self) -> u16 {
        self.listener.local_addr().unwrap().port()
    }

    fn accept(&self) -> Conn {
        let (stream, _) = self.listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Conn(stream)
    }
}

struct Conn(TcpStream);

impl Conn {
    fn send(&mut self, payload: &[u8]) {
        let mut frame = (payload.len() as u16).to_be_bytes().to_vec();
        frame.extend_from_slice(payload);
        self.0.write_all(&frame).unwrap();
    }

    /// The next frame, or `None` if the card closed the connection.
    fn recv(&mut self) -> Option<Vec<u8>> {
        let mut len = [0u8; 2];
        self.0.read_exact(&mut len).ok()?;
        let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
        self.0.read_exact(&mut payload).ok()?;
        Some(payload)
    }

    fn power_up(&mut self) -> Vec<u8> {
        self.send(&[0x01]);
        self.send(&[0x04]);
        self.recv().unwrap()
    }

    fn transmit(&mut self, apdu: &str) -> Option<Vec<u8>> {
        self.send(&hex::decode(apdu).unwrap());
        self.recv()
    }
}

fn insert_with(vpcd: &FakeVpcd, card: PivCard) -> (VirtualReader, Conn) {
    let port = vpcd.port();
    let inserting = std::thread::spawn(move || VirtualReader::insert(port, card).unwrap());
    let mut conn = vpcd.accept();
    assert_eq!(conn.power_up(), YUBIKEY_ATR);
    (inserting.join().unwrap(), conn)
}

#[test]
fn serves_apdus_and_counts_them() {
    let vpcd = FakeVpcd::new();
    let (reader, mut conn) = insert_with(&vpcd, PivCard::new(7));
    assert!(reader.is_inserted());
    let apt = conn.transmit("00A4040009A00000030800001000").unwrap();
    assert_eq!(
        hex::encode_upper(apt),
        "61114F0600001000010079074F05A0000003089000"
    );
    let pin = conn.transmit("0020008008313233343536FFFF").unwrap();
    assert_eq!(pin, vec![0x90, 0x00]);
    assert_eq!(conn.transmit("00200080").unwrap(), vec![0x90, 0x00]);
    // A reset from vpcd clears the PIN status, like a real card.
    conn.send(&[0x02]);
    assert_eq!(conn.transmit("00200080").unwrap(), vec![0x63, 0xC3]);
    assert_eq!(reader.apdu_count(), 4);
    assert_eq!(reader.card().serial(), 7);
}

#[test]
fn pulled_out_after_n_apdus_keeps_state() {
    let vpcd = FakeVpcd::new();
    let (mut reader, mut conn) = insert_with(&vpcd, PivCard::new(7));
    reader.remove_after_apdus(2);
    assert!(conn.transmit("0020008008303030303030FFFF").is_some());
    assert!(conn.transmit("0020008008303030303030FFFF").is_some());
    // The third is never answered: the connection closes.
    assert!(conn.transmit("0020008008303030303030FFFF").is_none());
    assert_eq!(reader.apdu_count(), 2);
    for _ in 0..100 {
        if !reader.is_inserted() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!reader.is_inserted());
    assert_eq!(reader.card().pin_tries(), (1, 3));

    // Reinsert: same card, normal service again.
    let reinserting = std::thread::spawn(move || {
        reader.reinsert().unwrap();
        reader
    });
    let mut conn = vpcd.accept();
    conn.power_up();
    let reader = reinserting.join().unwrap();
    assert!(reader.is_inserted());
    assert_eq!(conn.transmit("00200080").unwrap(), vec![0x63, 0xC1]);
}

#[test]
fn remove_waits_for_vpcd_to_notice() {
    let vpcd = FakeVpcd::new();
    let (mut reader, mut conn) = insert_with(&vpcd, PivCard::new(7));
    let vpcd_side = std::thread::spawn(move || {
        // vpcd polls with GET ATR; after removal it reads end-of-file and closes.
        loop {
            conn.send(&[0x04]);
            if conn.recv().is_none() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    reader.remove();
    assert!(!reader.is_inserted());
    vpcd_side.join().unwrap();
    // Removing twice is harmless, and dropping a removed reader too.
    reader.remove();
}

#[test]
fn insert_fails_when_nobody_listens() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let started = std::time::Instant::now();
    assert!(VirtualReader::insert(port, PivCard::new(1)).is_err());
    assert!(started.elapsed() >= Duration::from_secs(9));
}
