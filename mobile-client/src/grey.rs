//! A grey image, as the QR decoder reads it: what a PNG or an SVG becomes.

/// A greyscale image, row-major, 0 = black.
pub(crate) struct Grey {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

/// The grey level of a colour (ITU-R BT.601 weights).
pub(crate) fn luma(r: u8, g: u8, b: u8) -> u32 {
    (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) / 1000
}
