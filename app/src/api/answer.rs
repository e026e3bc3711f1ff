//! How every server function answers: JSON, as the default codec writes it, but read in the
//! browser from text. The resources a page hydrates read their data from text (`from_str`),
//! the default codec reads answers from bytes (`from_slice`), and serde_json makes a decoder
//! for each type and each way of reading: reading both from text gives the bundle one decoder
//! per type instead of two.

use leptos::server_fn::codec::Post;
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::de::{DeserializeOwned, Error as _};
use serde::Serialize;

/// The output encoding of every server function (`#[server(output = JsonAnswer)]`).
pub type JsonAnswer = Post<JsonText>;

/// JSON read from text.
pub struct JsonText;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde_json::Error::custom)?;
        serde_json::from_str(text)
    }
}
