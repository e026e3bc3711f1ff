//! A software PIV smart card (NIST SP 800-73-4 plus the YubiKey PIV extensions) that plugs into
//! pcscd through vsmartcard's vpcd, so that PIV tools and Tessera's engine can be tested end to
//! end without hardware.
//!
//! [`PivCard`] is the card (pure, APDU in → APDU out); [`VirtualReader`] serves it to vpcd on a
//! background thread and can insert, remove and pull it out mid-exchange. The card speaks with
//! tessera-piv's APDU types, TLV reader, PIV constants and management-key cipher, the ones the
//! engine's host side uses, so that the two cannot drift apart on what the bytes mean.
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
pub mod vpcd;
mod yubico;

pub use piv::{PivCard, GENERIC_ATR, YUBIKEY_ATR};
pub use reader::VirtualReader;
pub use yubico::FIRMWARE_VERSION;
