//! A software PIV smart card (NIST SP 800-73-4 plus the YubiKey PIV extensions) that plugs into
//! pcscd through vsmartcard's vpcd, so that PIV tools and Tessera's engine can be tested end to
//! end without hardware.
//!
//! [`PivCard`] is the card (pure, APDU in → APDU out); [`VirtualReader`] serves it to vpcd on a
//! background thread and can insert, remove and pull it out mid-exchange.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod apdu;
mod auth;
pub mod crypto;
mod data;
mod general_auth;
mod generate;
pub mod keys;
mod mgmt;
pub mod objects;
mod piv;
mod reader;
pub mod secret;
pub mod state;
pub mod tlv;
pub mod vpcd;
mod yubico;

pub use piv::{PivCard, DEFAULT_MGMT_KEY, GENERIC_ATR, PIV_AID, YUBIKEY_ATR};
pub use reader::VirtualReader;
pub use yubico::FIRMWARE_VERSION;
