//! The QR code of an activation link: SVG for the Self-Service page, PNG for the e-mail.

use crate::{EngineError, Result};
use qrcode::{Color, EcLevel, QrCode};

/// Pixels per module in the PNG; with the quiet zone a code of ~60 modules is ~550 px wide,
/// which a phone camera reads off a screen or paper.
const PNG_SCALE: usize = 8;
/// Modules of white around the code (ISO/IEC 18004 asks for 4).
const QUIET_ZONE: usize = 4;

fn code(link: &str) -> Result<QrCode> {
    // M: 15 % of the code may be damaged; a link of ~150 characters stays a 57×57 code.
    QrCode::with_error_correction_level(link.as_bytes(), EcLevel::M).map_err(|e| {
        EngineError::Invalid(tessera_process::said!(
            "The link does not fit in a QR code: {e}",
            "Länken får inte plats i en QR-kod: {e}"
        ))
    })
}

/// An SVG (without the XML prolog, so it can sit inside an HTML page).
pub fn svg(link: &str) -> Result<String> {
    let image = code(link)?
        .render::<qrcode::render::svg::Color>()
        .quiet_zone(true)
        .module_dimensions(6, 6)
        .build();
    Ok(match image.find("<svg") {
        Some(start) => image[start..].to_string(),
        None => image,
    })
}

/// A greyscale PNG.
pub fn png(link: &str) -> Result<Vec<u8>> {
    let code = code(link)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * PNG_SCALE;
    let mut pixels = vec![0xffu8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET_ZONE, i / modules + QUIET_ZONE);
        for y in my * PNG_SCALE..(my + 1) * PNG_SCALE {
            pixels[y * side + mx * PNG_SCALE..y * side + (mx + 1) * PNG_SCALE].fill(0);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let fail = |e: png::EncodingError| EngineError::Crypto(format!("writing the QR PNG: {e}"));
        let mut writer = encoder.write_header().map_err(fail)?;
        writer.write_image_data(&pixels).map_err(fail)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_and_png_are_well_formed() {
        let link =
            "https://cms.example.com/mobile-id#v=1&id=0123456789abcdef&c=AAAAAAAAAAAAAAAAAAAAAA";
        let svg = svg(link).unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
        assert!(svg.contains("<path"));
        let png = png(link).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(png.as_slice());
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!(info.width, info.height);
        assert_eq!(info.width as usize % PNG_SCALE, 0);
    }
}
