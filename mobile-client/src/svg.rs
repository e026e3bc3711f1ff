//! Rasterising an SVG QR code so that rqrr can read it, with resvg: whatever SVG the server's
//! renderer (or a re-saved copy) draws, at a size where every module is several pixels.

use crate::grey::{luma, Grey};
use crate::Error;
use resvg::tiny_skia::{Color, Pixmap, Transform};
use resvg::usvg::{Options, Tree};

/// Longest side of the drawing in pixels: a few pixels per module for any QR version.
const TARGET: f64 = 1000.0;
/// White border added around the drawing, for SVGs rendered without a quiet zone.
const MARGIN: usize = 100;

/// The drawing, fitted to [`TARGET`] by what it draws (not by its declared size, which a
/// re-saved SVG may give as 100%), on white, as grey levels.
pub(crate) fn rasterise(svg: &str) -> Result<Grey, Error> {
    let tree = Tree::from_str(svg, &Options::default())
        .map_err(|e| Error::Qr(format!("the SVG cannot be read: {e}")))?;
    let drawn = tree.root().abs_bounding_box();
    let (width, height) = (f64::from(drawn.width()), f64::from(drawn.height()));
    if !tree.root().has_children() || width <= 0.0 || height <= 0.0 {
        return Err(Error::Qr("the SVG draws nothing".into()));
    }
    let scale = TARGET / width.max(height);
    let pixel_w = (width * scale).round() as usize + 2 * MARGIN;
    let pixel_h = (height * scale).round() as usize + 2 * MARGIN;
    let mut pixmap = Pixmap::new(pixel_w as u32, pixel_h as u32)
        .ok_or_else(|| Error::Qr("the SVG has no usable size".into()))?;
    pixmap.fill(Color::WHITE);
    let to_pixels = Transform::from_translate(-drawn.x(), -drawn.y())
        .post_scale(scale as f32, scale as f32)
        .post_translate(MARGIN as f32, MARGIN as f32);
    resvg::render(&tree, to_pixels, &mut pixmap.as_mut());
    // Drawn over opaque white, so every pixel is opaque and its colour is not premultiplied.
    let pixels = pixmap
        .pixels()
        .iter()
        .map(|p| luma(p.red(), p.green(), p.blue()) as u8)
        .collect();
    Ok(Grey {
        width: pixel_w,
        height: pixel_h,
        pixels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(image: &Grey, x: usize, y: usize) -> u8 {
        image.pixels[y * image.width + x]
    }

    #[test]
    fn draws_the_renderer_output() {
        // Two dark modules on a 4x4 canvas, as qrcode writes them.
        let svg = r##"<?xml version="1.0" standalone="yes"?><svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="4" height="4" viewBox="0 0 4 4" shape-rendering="crispEdges"><rect x="0" y="0" width="4" height="4" fill="#fff"/><path fill="#000" d="M1 1h1v1H1V1M2 2h1v1H2V2"/></svg>"##;
        let image = rasterise(svg).unwrap();
        let module = TARGET / 4.0;
        let centre = |m: usize| MARGIN + (m as f64 * module + module / 2.0) as usize;
        assert_eq!(at(&image, centre(1), centre(1)), 0);
        assert_eq!(at(&image, centre(2), centre(2)), 0);
        assert_eq!(at(&image, centre(2), centre(1)), 255);
        assert_eq!(at(&image, centre(0), centre(3)), 255);
    }

    #[test]
    fn fills_from_style_groups_and_transforms() {
        let svg = r##"<svg:svg xmlns:svg="http://www.w3.org/2000/svg" width="100%" height="100%">
            <!-- no viewBox: the drawing's bounding box is used -->
            <defs><rect width="9" height="9" fill="red"/></defs>
            <g style="fill: rgb(0, 0, 0)" transform="translate(10, 10) scale(2)">
              <rect x='0' y='0' width='2' height='2' style="fill:#ffffff"/>
              <path d="m1,1 l1,0 0,1 -1,0 z"/>
            </g>
        </svg:svg>"##;
        let image = rasterise(svg).unwrap();
        let half = TARGET / 2.0;
        let centre = |m: usize| MARGIN + (m as f64 * half + half / 2.0) as usize;
        assert_eq!(at(&image, centre(1), centre(1)), 0);
        assert_eq!(at(&image, centre(0), centre(0)), 255);
        assert_eq!(at(&image, centre(1), centre(0)), 255);
    }

    #[test]
    fn even_odd_leaves_a_hole() {
        let svg = r##"<svg viewBox="0 0 3 3"><path fill-rule="evenodd" d="M0 0H3V3H0Z M1 1H2V2H1Z"/></svg>"##;
        let image = rasterise(svg).unwrap();
        let third = TARGET / 3.0;
        let centre = |m: usize| MARGIN + (m as f64 * third + third / 2.0) as usize;
        assert_eq!(at(&image, centre(0), centre(0)), 0);
        assert_eq!(at(&image, centre(1), centre(1)), 255);
    }

    #[test]
    fn refuses_what_is_not_an_svg() {
        assert!(rasterise("<html><body/></html>").is_err());
        assert!(rasterise("<svg viewBox='0 0 1 1'></svg>").is_err());
        assert!(rasterise("<svg><path d='M0 0 X 1'/></svg>").is_err());
    }
}
