//! A reference mobile ID client: it does what a phone app does with an activation link (or the
//! QR code holding it), so the mobile ID flow can be tried, tested and benchmarked without a
//! phone.
//!
//! [`Activation::parse`] reads the link, [`read_qr_png`] / [`read_qr_svg`] get it out of a QR
//! code, and [`enroll`] runs the whole EST exchange, refusing anything that does not chain to
//! the root CA pinned in the link.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod chain;
mod est;
mod grey;
mod keys;
mod link;
mod multipart;
mod pkcs7;
mod qr;
mod svg;

pub use est::{enroll, Enrolled, Outcome};
pub use link::Activation;
pub use qr::{read_qr_png, read_qr_svg};

/// Everything that can stop an enrollment.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The activation link is malformed or incomplete.
    #[error("activation link: {0}")]
    Link(String),
    /// No readable QR code in the image.
    #[error("QR code: {0}")]
    Qr(String),
    /// The server refused a request; `message` is the text it gave.
    #[error("the server answered {status}: {message}")]
    Http { status: u16, message: String },
    /// The request did not get an answer. Not a `#[source]`: the message already carries the
    /// whole cause chain, which reqwest's own `Display` leaves out.
    #[error("cannot reach the server: {}", cause_chain(.0))]
    Transport(reqwest::Error),
    /// The server answered 200 with something that does not follow the contract.
    #[error("unexpected answer from the server: {0}")]
    Malformed(String),
    /// No certificate in /cacerts has the root key named by the link's pin.
    #[error(
        "the server's CA certificates do not contain the root CA pinned by the activation link"
    )]
    PinMismatch,
    /// A certificate does not chain to the pinned root, or does not carry the right key.
    #[error("certificate check failed: {0}")]
    Untrusted(String),
    /// Key generation, CSR creation or reading a delivered key failed.
    #[error("key: {0}")]
    Key(String),
}

fn cause_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // hyper and reqwest sometimes wrap an error whose text they already repeat.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
