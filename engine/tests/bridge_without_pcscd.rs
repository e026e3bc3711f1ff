//! The reader monitor when pcscd is not there: a message an operator can act on, not an error.
//! (Its own test binary: it points this process's PC/SC client at a socket nobody serves.)

use std::time::Duration;
use tessera_engine::bridge::Bridge;

#[test]
fn without_pcscd_the_reader_view_says_what_to_do() {
    std::env::set_var(
        "PCSCLITE_CSOCK_NAME",
        "/nonexistent/tessera-test/pcscd.comm",
    );
    let bridge = Bridge::start();
    let mut snapshot = bridge.readers();
    for _ in 0..100 {
        if snapshot.unavailable.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        snapshot = bridge.readers();
    }
    bridge.stop();
    let why = snapshot
        .unavailable
        .expect("the snapshot says readers are unavailable");
    assert!(why.contains("(pcscd) is not running"), "{why}");
    assert!(why.contains("Start it"), "{why}");
    assert!(snapshot.readers.is_empty());
}
