//! The objects Tessera keeps, one module per kind: how each is created, found and shown. Their
//! lifecycle processes go through one pipeline ([`crate::lifecycle`]); encoding a chip goes
//! through [`crate::bridge`].

pub mod batch_order;
pub mod card;
pub mod mobile_id;
pub mod temp_card;
pub mod user;
