//! Getting the activation link out of a QR code, from a PNG (a crisp rendering or a screenshot)
//! or from the SVG the server renders.

use crate::grey::{luma, Grey};
use crate::{svg, Error};

/// The text of the QR code in a PNG image.
pub fn read_qr_png(bytes: &[u8]) -> Result<String, Error> {
    decode(&png_to_grey(bytes)?)
}

/// The text of the QR code in an SVG document.
pub fn read_qr_svg(svg: &str) -> Result<String, Error> {
    decode(&svg::rasterise(svg)?)
}

fn png_to_grey(bytes: &[u8]) -> Result<Grey, Error> {
    let bad = |e: png::DecodingError| Error::Qr(format!("cannot read the PNG: {e}"));
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    // Palette, 1/2/4-bit and 16-bit images all come out as 8-bit grey or colour.
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(bad)?;
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).map_err(bad)?;
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => {
            return Err(Error::Qr("the PNG palette was not expanded".into()));
        }
    };
    if info.bit_depth != png::BitDepth::Eight {
        return Err(Error::Qr(format!(
            "unexpected PNG bit depth {:?} after normalising",
            info.bit_depth
        )));
    }
    let (width, height) = (info.width as usize, info.height as usize);
    let mut pixels = Vec::with_capacity(width * height);
    for row in buffer.chunks(info.line_size).take(height) {
        for pixel in row.chunks_exact(channels).take(width) {
            let (luma, alpha) = match *pixel {
                [g] => (u32::from(g), 255),
                [g, a] => (u32::from(g), u32::from(a)),
                [r, g, b] => (luma(r, g, b), 255),
                [r, g, b, a] => (luma(r, g, b), u32::from(a)),
                _ => unreachable!("chunks_exact gives {channels} bytes"),
            };
            // Transparent pixels are shown over a light page, so compose over white.
            pixels.push(((luma * alpha + 255 * (255 - alpha)) / 255) as u8);
        }
    }
    Ok(Grey {
        width,
        height,
        pixels,
    })
}

/// Upscaled images stay below this many pixels on their longer side.
const UPSCALE_LIMIT: usize = 3000;

fn decode(image: &Grey) -> Result<String, Error> {
    if image.width == 0 || image.height == 0 {
        return Err(Error::Qr("the image is empty".into()));
    }
    let mut failure = None;
    let mut attempt = |image: &Grey| -> Option<String> {
        // rqrr misses codes that another thresholding finds, and the reverse, depending on
        // how module edges fall on pixels; either failing costs only time.
        let threshold = otsu_threshold(&image.pixels);
        let pixel = |x: usize, y: usize| image.pixels[y * image.width + x];
        let tries = [
            rqrr::PreparedImage::prepare_from_greyscale(image.width, image.height, pixel),
            rqrr::PreparedImage::prepare_from_bitmap(image.width, image.height, |x, y| {
                pixel(x, y) <= threshold
            }),
            // Dark-mode screenshots show light modules on a dark background.
            rqrr::PreparedImage::prepare_from_bitmap(image.width, image.height, |x, y| {
                pixel(x, y) > threshold
            }),
        ];
        for mut prepared in tries {
            for grid in prepared.detect_grids() {
                match grid.decode() {
                    Ok((_, text)) => return Some(text),
                    Err(e) => failure = Some(e),
                }
            }
        }
        None
    };
    if let Some(text) = attempt(image) {
        return Ok(text);
    }
    // Anti-aliased modules only a few pixels wide (a screenshot at a fractional scale) often
    // defeat rqrr's finder-pattern scan; interpolating them larger gives it clean runs.
    let factor = (UPSCALE_LIMIT / image.width.max(image.height)).min(3);
    if factor >= 2 {
        if let Some(text) = attempt(&upscale(image, factor)) {
            return Ok(text);
        }
    }
    Err(Error::Qr(match failure {
        Some(e) => format!("found a QR code but could not decode it ({e})"),
        None => "no QR code found in the image".into(),
    }))
}

/// The grey level that best splits the image into two classes (Otsu's method).
fn otsu_threshold(pixels: &[u8]) -> u8 {
    let mut histogram = [0u64; 256];
    for &p in pixels {
        histogram[usize::from(p)] += 1;
    }
    let total = pixels.len() as f64;
    let sum: f64 = (0..256).map(|i| i as f64 * histogram[i] as f64).sum();
    let (mut weight_low, mut sum_low) = (0.0, 0.0);
    let (mut best, mut best_between) = (127u8, 0.0);
    for (level, &count) in histogram.iter().enumerate() {
        weight_low += count as f64;
        let weight_high = total - weight_low;
        if weight_low == 0.0 || weight_high == 0.0 {
            continue;
        }
        sum_low += level as f64 * count as f64;
        let mean_low = sum_low / weight_low;
        let mean_high = (sum - sum_low) / weight_high;
        let between = weight_low * weight_high * (mean_low - mean_high).powi(2);
        if between > best_between {
            best_between = between;
            best = level as u8;
        }
    }
    best
}

/// Bilinear enlargement by an integer factor.
fn upscale(image: &Grey, factor: usize) -> Grey {
    let (width, height) = (image.width * factor, image.height * factor);
    let source = |x: usize, y: usize| f64::from(image.pixels[y * image.width + x]);
    let mut pixels = Vec::with_capacity(width * height);
    for y in 0..height {
        let fy = ((y as f64 + 0.5) / factor as f64 - 0.5).max(0.0);
        let (y0, ty) = (fy as usize, fy.fract());
        let y1 = (y0 + 1).min(image.height - 1);
        for x in 0..width {
            let fx = ((x as f64 + 0.5) / factor as f64 - 0.5).max(0.0);
            let (x0, tx) = (fx as usize, fx.fract());
            let x1 = (x0 + 1).min(image.width - 1);
            let top = source(x0, y0) * (1.0 - tx) + source(x1, y0) * tx;
            let bottom = source(x0, y1) * (1.0 - tx) + source(x1, y1) * tx;
            pixels.push((top * (1.0 - ty) + bottom * ty).round() as u8);
        }
    }
    Grey {
        width,
        height,
        pixels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrcode::render::svg::Color;
    use qrcode::QrCode;

    const LINK: &str = "http://127.0.0.1:3000/mobile-id#v=1&id=0123456789abcdef\
        &c=AbCdEfGhIjKlMnOpQrStUv&pin=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU\
        &enroll=authentication,signature&keygen=encryption";

    /// The modules, with a quiet zone of `margin` light modules.
    fn modules(text: &str, margin: usize) -> (usize, Vec<bool>) {
        let code = QrCode::new(text.as_bytes()).unwrap();
        let width = code.width();
        let colors = code.to_colors();
        let size = width + 2 * margin;
        let mut dark = vec![false; size * size];
        for y in 0..width {
            for x in 0..width {
                dark[(y + margin) * size + x + margin] =
                    colors[y * width + x] == qrcode::Color::Dark;
            }
        }
        (size, dark)
    }

    fn encode_png(width: usize, height: usize, color: png::ColorType, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width as u32, height as u32);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(data).unwrap();
        writer.finish().unwrap();
        out
    }

    /// Crisp: each module `scale` pixels square.
    fn crisp_png(text: &str, scale: usize, margin: usize) -> Vec<u8> {
        let (size, dark) = modules(text, margin);
        let side = size * scale;
        let mut data = Vec::with_capacity(side * side);
        for y in 0..side {
            for x in 0..side {
                data.push(if dark[(y / scale) * size + x / scale] {
                    0
                } else {
                    255
                });
            }
        }
        encode_png(side, side, png::ColorType::Grayscale, &data)
    }

    /// Like a phone screenshot: a non-integer scale, each pixel the grey share of dark area it
    /// covers (box-filter anti-aliasing), off-centre on a larger light-grey RGBA canvas.
    fn screenshot_png(text: &str, scale: f64) -> Vec<u8> {
        let (size, dark) = modules(text, 4);
        let side = (size as f64 * scale).ceil() as usize;
        let (canvas_w, canvas_h, left, top) = (side + 137, side + 291, 53, 170);
        let mut data = vec![0u8; canvas_w * canvas_h * 4];
        for (i, pixel) in data.chunks_exact_mut(4).enumerate() {
            let (cx, cy) = (i % canvas_w, i / canvas_w);
            let mut coverage = 0.0;
            if (left..left + side).contains(&cx) && (top..top + side).contains(&cy) {
                const SUB: usize = 4;
                for sy in 0..SUB {
                    for sx in 0..SUB {
                        let ux = ((cx - left) as f64 + (sx as f64 + 0.5) / SUB as f64) / scale;
                        let uy = ((cy - top) as f64 + (sy as f64 + 0.5) / SUB as f64) / scale;
                        let (mx, my) = (ux as usize, uy as usize);
                        if mx < size && my < size && dark[my * size + mx] {
                            coverage += 1.0 / (SUB * SUB) as f64;
                        }
                    }
                }
            }
            let background = 242.0;
            let value = (background * (1.0 - coverage) + 20.0 * coverage).round() as u8;
            pixel.copy_from_slice(&[value, value, value.saturating_add(3), 255]);
        }
        encode_png(canvas_w, canvas_h, png::ColorType::Rgba, &data)
    }

    fn server_svg(text: &str) -> String {
        QrCode::new(text.as_bytes())
            .unwrap()
            .render::<Color>()
            .min_dimensions(240, 240)
            .build()
    }

    #[test]
    fn crisp_png_round_trip() {
        assert_eq!(read_qr_png(&crisp_png(LINK, 4, 4)).unwrap(), LINK);
    }

    #[test]
    fn screenshot_png_round_trip() {
        // Scales where rqrr alone, on the image as it is, finds no code.
        for scale in [2.7, 3.8, 5.25] {
            assert_eq!(
                read_qr_png(&screenshot_png(LINK, scale)).unwrap(),
                LINK,
                "{scale}"
            );
        }
    }

    #[test]
    fn rgb_palette_and_inverted_png() {
        let (size, dark) = modules(LINK, 4);
        let scale = 3;
        let side = size * scale;
        let at = |x: usize, y: usize| dark[(y / scale) * size + x / scale];
        let mut rgb = Vec::new();
        let mut indexed = Vec::new();
        let mut inverted = Vec::new();
        for y in 0..side {
            for x in 0..side {
                rgb.extend(if at(x, y) {
                    [10, 40, 90]
                } else {
                    [250, 250, 240]
                });
                indexed.push(u8::from(at(x, y)));
                inverted.push(if at(x, y) { 230 } else { 25 });
            }
        }
        let rgb = encode_png(side, side, png::ColorType::Rgb, &rgb);
        assert_eq!(read_qr_png(&rgb).unwrap(), LINK);

        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_palette(vec![255, 255, 255, 0, 0, 0]);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&indexed).unwrap();
        writer.finish().unwrap();
        assert_eq!(read_qr_png(&out).unwrap(), LINK);

        let inverted = encode_png(side, side, png::ColorType::Grayscale, &inverted);
        assert_eq!(read_qr_png(&inverted).unwrap(), LINK);
    }

    #[test]
    fn sixteen_bit_grey_alpha_png() {
        let (size, dark) = modules(LINK, 4);
        let scale = 4;
        let side = size * scale;
        let mut data = Vec::new();
        for y in 0..side {
            for x in 0..side {
                // Dark modules opaque black, light ones fully transparent.
                let pixel: [u8; 4] = if dark[(y / scale) * size + x / scale] {
                    [0, 0, 255, 255]
                } else {
                    [0, 0, 0, 0]
                };
                data.extend(pixel);
            }
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
        encoder.set_color(png::ColorType::GrayscaleAlpha);
        encoder.set_depth(png::BitDepth::Sixteen);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&data).unwrap();
        writer.finish().unwrap();
        assert_eq!(read_qr_png(&out).unwrap(), LINK);
    }

    #[test]
    fn svg_round_trip() {
        assert_eq!(read_qr_svg(&server_svg(LINK)).unwrap(), LINK);
    }

    #[test]
    fn svg_variants_the_renderer_allows() {
        let code = QrCode::new(LINK.as_bytes()).unwrap();
        let bare = code
            .render::<Color>()
            .quiet_zone(false)
            .module_dimensions(1, 1)
            .dark_color(Color("#1a237e"))
            .light_color(Color("#ffffff"))
            .build();
        assert_eq!(read_qr_svg(&bare).unwrap(), LINK);
    }

    #[test]
    fn no_qr_code_is_a_clear_error() {
        let blank = encode_png(50, 50, png::ColorType::Grayscale, &[255; 2500]);
        let err = read_qr_png(&blank).unwrap_err().to_string();
        assert!(err.contains("no QR code"), "{err}");
        assert!(matches!(read_qr_png(b"not a png"), Err(Error::Qr(_))));
    }
}
