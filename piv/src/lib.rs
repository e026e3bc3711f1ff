//! A PIV smart-card library (NIST SP 800-73-4 and the YubiKey PIV extensions), host side: the
//! commands a host sends a card ([`piv::Piv`]) over any [`apdu::Transport`]. No database and no
//! PC/SC: the transport is the caller's (Tessera's engine brings one over pcscd).
//!
//! What a card has to agree with a host on is here too, so that the virtual card
//! (`tessera-virtual-card`) parses what this crate encodes with the same [`apdu::Command`],
//! [`tlv`] reader, constants ([`ins`], [`piv`]) and management-key cipher ([`mgmt_key`]).
// No panics on a path a card's answer can take: whatever it sends is an error the caller handles.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod apdu;
pub mod ins;
pub mod mgmt_key;
pub mod piv;
pub mod tlv;
