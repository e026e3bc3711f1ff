//! The card-reader bridge: PC/SC readers watched by one thread, PIV cards encoded as jobs that
//! are recorded before the first APDU and committed after the last.

pub mod apdu;
pub mod mgmt_key;
pub mod piv;
pub mod tlv;
