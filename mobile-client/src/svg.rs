//! Rasterising an SVG QR code so that rqrr can read it.
//!
//! The server's renderer (qrcode 0.14, `render::svg`) writes one background `<rect>` and one
//! `<path>` of `M x y h w v h H x V y` squares. This reads somewhat more than that (any
//! straight-edged path, rects, fills from attributes, `style` or a parent `<g>`, simple
//! transforms, hex/rgb()/named colours) so that a re-saved or hand-made SVG still works, but it
//! is no general SVG renderer: curves become straight lines, gradient fills count as dark, and
//! text and images are ignored.

use crate::qr::Grey;
use crate::Error;

/// Longest side of the drawing in pixels: a few pixels per module for any QR version.
const TARGET: f64 = 1000.0;
/// White border added around the drawing, for SVGs rendered without a quiet zone.
const MARGIN: usize = 100;

pub(crate) fn rasterise(svg: &str) -> Result<Grey, Error> {
    let drawing = parse(svg)?;
    let shapes: Vec<&Shape> = drawing.shapes.iter().filter(|s| !s.is_empty()).collect();
    if shapes.is_empty() {
        return Err(Error::Qr("the SVG draws nothing".into()));
    }
    let (min_x, min_y, width, height) = match drawing.view {
        Some(view) => view,
        None => bounding_box(&shapes),
    };
    if !(width.is_finite() && height.is_finite()) || width <= 0.0 || height <= 0.0 {
        return Err(Error::Qr("the SVG has no usable size".into()));
    }
    let scale = TARGET / width.max(height);
    let pixel_w = (width * scale).round() as usize + 2 * MARGIN;
    let pixel_h = (height * scale).round() as usize + 2 * MARGIN;
    let to_pixels = Affine([
        scale,
        0.0,
        0.0,
        scale,
        MARGIN as f64 - min_x * scale,
        MARGIN as f64 - min_y * scale,
    ]);
    let mut pixels = vec![255u8; pixel_w * pixel_h];
    for shape in shapes {
        fill(&mut pixels, pixel_w, pixel_h, shape, &to_pixels);
    }
    Ok(Grey {
        width: pixel_w,
        height: pixel_h,
        pixels,
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Affine([f64; 6]);

impl Affine {
    const IDENTITY: Affine = Affine([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    fn apply(&self, (x, y): (f64, f64)) -> (f64, f64) {
        let [a, b, c, d, e, f] = self.0;
        (a * x + c * y + e, b * x + d * y + f)
    }

    /// `self` after `inner`, as an SVG transform on a parent applies after its child's.
    fn then(&self, inner: &Affine) -> Affine {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = inner.0;
        Affine([
            a * a2 + c * b2,
            b * a2 + d * b2,
            a * c2 + c * d2,
            b * c2 + d * d2,
            a * e2 + c * f2 + e,
            b * e2 + d * f2 + f,
        ])
    }
}

/// Closed polygons in user space, painted with one grey.
struct Shape {
    polygons: Vec<Vec<(f64, f64)>>,
    grey: u8,
    even_odd: bool,
}

impl Shape {
    fn is_empty(&self) -> bool {
        self.polygons.iter().all(|p| p.len() < 3)
    }
}

struct Drawing {
    /// min x, min y, width, height of the root viewport in user units.
    view: Option<(f64, f64, f64, f64)>,
    shapes: Vec<Shape>,
}

/// What an element passes on to its children.
#[derive(Clone)]
struct Inherited {
    fill: Option<String>,
    fill_rule: Option<String>,
    transform: Affine,
    /// Inside `<defs>` and the like, where shapes are templates, not drawn.
    hidden: bool,
}

fn parse(svg: &str) -> Result<Drawing, Error> {
    let mut drawing = Drawing {
        view: None,
        shapes: Vec::new(),
    };
    let mut stack = vec![Inherited {
        fill: None,
        fill_rule: None,
        transform: Affine::IDENTITY,
        hidden: false,
    }];
    let mut seen_svg = false;
    let mut rest = svg;
    while let Some(open) = rest.find('<') {
        rest = &rest[open..];
        let skip_to = |end: &str| {
            rest.find(end)
                .map(|at| at + end.len())
                .unwrap_or(rest.len())
        };
        if rest.starts_with("<!--") {
            rest = &rest[skip_to("-->")..];
        } else if rest.starts_with("<![CDATA[") {
            rest = &rest[skip_to("]]>")..];
        } else if rest.starts_with("<?") {
            rest = &rest[skip_to("?>")..];
        } else if rest.starts_with("<!") || rest.starts_with("</") {
            if rest.starts_with("</") && stack.len() > 1 {
                stack.pop();
            }
            rest = &rest[skip_to(">")..];
        } else {
            let (tag, used) = read_tag(rest)?;
            rest = &rest[used..];
            let parent = stack[stack.len() - 1].clone();
            let own = inherit(&parent, &tag)?;
            match tag.name.as_str() {
                "svg" if !seen_svg => {
                    seen_svg = true;
                    drawing.view = viewport(&tag);
                }
                "rect" if !own.hidden => {
                    if let Some(shape) = rect(&tag, &own, drawing.view)? {
                        drawing.shapes.push(shape);
                    }
                }
                "path" | "polygon" if !own.hidden => {
                    if let Some(shape) = path(&tag, &own)? {
                        drawing.shapes.push(shape);
                    }
                }
                _ => {}
            }
            if !tag.self_closing {
                stack.push(own);
            }
        }
    }
    if !seen_svg {
        return Err(Error::Qr("not an SVG document (no <svg> element)".into()));
    }
    Ok(drawing)
}

struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
    self_closing: bool,
}

impl Tag {
    /// Presentation attribute or `style` property; `style` wins, as in CSS.
    fn get(&self, name: &str) -> Option<String> {
        let from_style = self.raw("style").and_then(|style| {
            style
                .split(';')
                .filter_map(|decl| decl.split_once(':'))
                .find(|(prop, _)| prop.trim() == name)
                .map(|(_, value)| value.trim().to_string())
        });
        from_style.or_else(|| self.raw(name).map(|v| v.trim().to_string()))
    }

    fn raw(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads `<name attr="value" ...>` from the start of `text`; returns it and the bytes used.
fn read_tag(text: &str) -> Result<(Tag, usize), Error> {
    let bad = || Error::Qr("the SVG has a malformed tag".into());
    let bytes = text.as_bytes();
    let mut at = 1;
    let name_end = text[at..]
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .map(|n| n + at)
        .ok_or_else(bad)?;
    // Namespace prefixes (`svg:path`) do not change what is drawn.
    let name = text[at..name_end]
        .rsplit(':')
        .next()
        .unwrap_or("")
        .to_string();
    at = name_end;
    let mut attributes = Vec::new();
    loop {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        match bytes.get(at) {
            None => return Err(bad()),
            Some(b'>') => {
                return Ok((
                    Tag {
                        name,
                        attributes,
                        self_closing: false,
                    },
                    at + 1,
                ))
            }
            Some(b'/') if bytes.get(at + 1) == Some(&b'>') => {
                return Ok((
                    Tag {
                        name,
                        attributes,
                        self_closing: true,
                    },
                    at + 2,
                ))
            }
            Some(_) => {}
        }
        let key_end = text[at..]
            .find(|c: char| c == '=' || c.is_whitespace() || c == '>' || c == '/')
            .map(|n| n + at)
            .ok_or_else(bad)?;
        if key_end == at {
            return Err(bad());
        }
        let key = text[at..key_end].to_string();
        at = key_end;
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if bytes.get(at) != Some(&b'=') {
            // A bare attribute (HTML style): present, empty.
            attributes.push((key, String::new()));
            continue;
        }
        at += 1;
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let quote = *bytes.get(at).ok_or_else(bad)?;
        if quote != b'"' && quote != b'\'' {
            return Err(bad());
        }
        let value_end = text[at + 1..]
            .find(quote as char)
            .map(|n| n + at + 1)
            .ok_or_else(bad)?;
        attributes.push((key, unescape(&text[at + 1..value_end])));
        at = value_end + 1;
    }
}

fn unescape(value: &str) -> String {
    value
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn inherit(parent: &Inherited, tag: &Tag) -> Result<Inherited, Error> {
    let transform = match tag.raw("transform") {
        Some(list) => parent.transform.then(&transform(list)?),
        None => parent.transform,
    };
    let template = matches!(
        tag.name.as_str(),
        "defs" | "clipPath" | "mask" | "symbol" | "pattern" | "marker" | "title" | "desc"
    );
    let display_none = tag.get("display").as_deref() == Some("none");
    Ok(Inherited {
        fill: tag.get("fill").or_else(|| parent.fill.clone()),
        fill_rule: tag.get("fill-rule").or_else(|| parent.fill_rule.clone()),
        transform,
        hidden: parent.hidden || template || display_none,
    })
}

fn transform(list: &str) -> Result<Affine, Error> {
    let mut result = Affine::IDENTITY;
    for item in list.split_inclusive(')') {
        let Some((name, args)) = item.split_once('(') else {
            continue;
        };
        let args = numbers(args.trim_end_matches(')'))?;
        let step = match (name.trim().trim_start_matches(',').trim(), args.as_slice()) {
            ("translate", [x]) => Affine([1.0, 0.0, 0.0, 1.0, *x, 0.0]),
            ("translate", [x, y]) => Affine([1.0, 0.0, 0.0, 1.0, *x, *y]),
            ("scale", [s]) => Affine([*s, 0.0, 0.0, *s, 0.0, 0.0]),
            ("scale", [sx, sy]) => Affine([*sx, 0.0, 0.0, *sy, 0.0, 0.0]),
            ("matrix", [a, b, c, d, e, f]) => Affine([*a, *b, *c, *d, *e, *f]),
            ("rotate", [degrees]) => {
                let (sin, cos) = degrees.to_radians().sin_cos();
                Affine([cos, sin, -sin, cos, 0.0, 0.0])
            }
            _ => {
                return Err(Error::Qr(format!(
                    "the SVG uses a transform this reader does not know: {}",
                    item.trim()
                )))
            }
        };
        result = result.then(&step);
    }
    Ok(result)
}

fn viewport(tag: &Tag) -> Option<(f64, f64, f64, f64)> {
    if let Some(view_box) = tag.raw("viewBox") {
        if let Ok(&[x, y, w, h]) = numbers(view_box).as_deref() {
            return Some((x, y, w, h));
        }
    }
    // A percentage size says nothing about user units: fall back to the bounding box.
    let absolute = |name: &str| {
        let value = tag.raw(name)?;
        if value.contains('%') {
            None
        } else {
            length(value, 0.0)
        }
    };
    Some((0.0, 0.0, absolute("width")?, absolute("height")?))
}

/// A length in user units; `%` is relative to `reference`, unit suffixes are dropped (this
/// reader only needs proportions).
fn length(value: &str, reference: f64) -> Option<f64> {
    let value = value.trim();
    if let Some(percent) = value.strip_suffix('%') {
        return percent
            .trim()
            .parse::<f64>()
            .ok()
            .map(|p| p * reference / 100.0);
    }
    let number = value.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    number.trim().parse().ok()
}

fn rect(
    tag: &Tag,
    own: &Inherited,
    view: Option<(f64, f64, f64, f64)>,
) -> Result<Option<Shape>, Error> {
    let Some(grey) = paint(own.fill.as_deref()) else {
        return Ok(None);
    };
    let (view_w, view_h) = view.map(|v| (v.2, v.3)).unwrap_or((0.0, 0.0));
    let get = |name: &str, reference: f64| {
        tag.raw(name)
            .and_then(|v| length(v, reference))
            .unwrap_or(0.0)
    };
    let (x, y) = (get("x", view_w), get("y", view_h));
    let (w, h) = (get("width", view_w), get("height", view_h));
    if w <= 0.0 || h <= 0.0 {
        return Ok(None);
    }
    let corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)];
    Ok(Some(Shape {
        polygons: vec![corners.iter().map(|p| own.transform.apply(*p)).collect()],
        grey,
        even_odd: false,
    }))
}

fn path(tag: &Tag, own: &Inherited) -> Result<Option<Shape>, Error> {
    let Some(grey) = paint(own.fill.as_deref()) else {
        return Ok(None);
    };
    let polygons = if tag.name == "polygon" {
        let points = numbers(tag.raw("points").unwrap_or(""))?;
        vec![points.chunks_exact(2).map(|p| (p[0], p[1])).collect()]
    } else {
        path_polygons(tag.raw("d").unwrap_or(""))?
    };
    Ok(Some(Shape {
        polygons: polygons
            .into_iter()
            .map(|polygon| {
                polygon
                    .into_iter()
                    .map(|p| own.transform.apply(p))
                    .collect()
            })
            .collect(),
        grey,
        even_odd: own.fill_rule.as_deref() == Some("evenodd"),
    }))
}

/// Path data as closed polygons, one per subpath.
fn path_polygons(d: &str) -> Result<Vec<Vec<(f64, f64)>>, Error> {
    let mut polygons: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    let (mut x, mut y) = (0.0, 0.0);
    let mut start = (0.0, 0.0);
    let mut tokens = PathTokens { rest: d };
    let mut command = None;
    while !tokens.at_end() {
        let letter = match tokens.command() {
            Some(c) => {
                command = Some(c);
                c
            }
            // More numbers repeat the last command (a moveto's extra pairs are linetos).
            None => match command {
                Some('M') => 'L',
                Some('m') => 'l',
                Some(c) if c != 'Z' && c != 'z' => c,
                _ => return Err(Error::Qr("the SVG path data is malformed".into())),
            },
        };
        let relative = letter.is_ascii_lowercase();
        let (base_x, base_y) = if relative { (x, y) } else { (0.0, 0.0) };
        // Curves keep only their end point: QR modules are straight-edged, and a rounded
        // module drawn as its corners' polygon still reads.
        let arity = match letter.to_ascii_uppercase() {
            'M' | 'L' | 'T' => 2,
            'H' | 'V' => 1,
            'Z' => 0,
            'C' => 6,
            'S' | 'Q' => 4,
            'A' => 7,
            other => {
                return Err(Error::Qr(format!(
                    "the SVG path uses an unknown command {other:?}"
                )))
            }
        };
        let mut args = [0.0; 7];
        for arg in args.iter_mut().take(arity) {
            *arg = tokens.number()?;
        }
        match letter.to_ascii_uppercase() {
            'M' => {
                if current.len() > 1 {
                    polygons.push(std::mem::take(&mut current));
                }
                current.clear();
                (x, y) = (base_x + args[0], base_y + args[1]);
                start = (x, y);
                current.push(start);
            }
            'Z' => {
                if current.len() > 1 {
                    polygons.push(std::mem::take(&mut current));
                }
                (x, y) = start;
                current.push(start);
            }
            'H' => {
                x = base_x + args[0];
                current.push((x, y));
            }
            'V' => {
                y = base_y + args[0];
                current.push((x, y));
            }
            _ => {
                (x, y) = (base_x + args[arity - 2], base_y + args[arity - 1]);
                current.push((x, y));
            }
        }
    }
    if current.len() > 1 {
        polygons.push(current);
    }
    Ok(polygons)
}

/// Path data and number lists: command letters and numbers, with optional separators.
struct PathTokens<'a> {
    rest: &'a str,
}

impl PathTokens<'_> {
    fn skip_separators(&mut self) {
        self.rest = self
            .rest
            .trim_start_matches(|c: char| c.is_whitespace() || c == ',');
    }

    fn at_end(&mut self) -> bool {
        self.skip_separators();
        self.rest.is_empty()
    }

    /// The next command letter, if the next token is one.
    fn command(&mut self) -> Option<char> {
        self.skip_separators();
        let first = self.rest.chars().next()?;
        if first.is_ascii_alphabetic() {
            self.rest = &self.rest[1..];
            Some(first)
        } else {
            None
        }
    }

    fn number(&mut self) -> Result<f64, Error> {
        self.skip_separators();
        let bytes = self.rest.as_bytes();
        let mut end = 0;
        if matches!(bytes.first(), Some(b'+' | b'-')) {
            end += 1;
        }
        let mut seen_dot = false;
        while let Some(&b) = bytes.get(end) {
            match b {
                b'0'..=b'9' => end += 1,
                // `1.5.5` is two numbers, 1.5 and .5.
                b'.' if !seen_dot => {
                    seen_dot = true;
                    end += 1;
                }
                b'e' | b'E' => {
                    end += 1;
                    if matches!(bytes.get(end), Some(b'+' | b'-')) {
                        end += 1;
                    }
                }
                _ => break,
            }
        }
        let number = self.rest[..end].parse().map_err(|_| {
            Error::Qr(format!(
                "the SVG has a bad or missing number at {:?}",
                self.rest.chars().take(12).collect::<String>()
            ))
        })?;
        self.rest = &self.rest[end..];
        Ok(number)
    }
}

fn numbers(text: &str) -> Result<Vec<f64>, Error> {
    let mut tokens = PathTokens { rest: text };
    let mut out = Vec::new();
    while !tokens.at_end() {
        out.push(tokens.number()?);
    }
    Ok(out)
}

/// The grey a fill paints, or `None` for no paint.
fn paint(fill: Option<&str>) -> Option<u8> {
    let Some(fill) = fill.map(|f| f.trim().to_ascii_lowercase()) else {
        // SVG's initial fill is black.
        return Some(0);
    };
    let rgb = match fill.as_str() {
        "none" | "transparent" => return None,
        "white" => [255, 255, 255],
        "black" | "currentcolor" => [0, 0, 0],
        hex if hex.starts_with('#') => {
            let digits: Vec<u8> = hex[1..]
                .chars()
                .filter_map(|c| c.to_digit(16).map(|d| d as u8))
                .collect();
            match digits.len() {
                3 | 4 => [digits[0] * 17, digits[1] * 17, digits[2] * 17],
                6 | 8 => [
                    digits[0] * 16 + digits[1],
                    digits[2] * 16 + digits[3],
                    digits[4] * 16 + digits[5],
                ],
                _ => [0, 0, 0],
            }
        }
        function if function.starts_with("rgb") => {
            let inner = function
                .trim_start_matches(|c: char| c != '(')
                .trim_matches(|c| c == '(' || c == ')');
            let mut channels = [0u8; 3];
            for (channel, part) in channels
                .iter_mut()
                .zip(inner.split([',', ' ', '/']).filter(|p| !p.is_empty()))
            {
                let value = match part.strip_suffix('%') {
                    Some(p) => p.trim().parse::<f64>().unwrap_or(0.0) * 2.55,
                    None => part.trim().parse::<f64>().unwrap_or(0.0),
                };
                *channel = value.clamp(0.0, 255.0) as u8;
            }
            channels
        }
        // An unknown colour name is far more likely a dark foreground than a light background.
        _ => [0, 0, 0],
    };
    let [r, g, b] = rgb.map(u32::from);
    Some(((299 * r + 587 * g + 114 * b) / 1000) as u8)
}

fn bounding_box(shapes: &[&Shape]) -> (f64, f64, f64, f64) {
    let points = shapes.iter().flat_map(|s| s.polygons.iter().flatten());
    let (mut min_x, mut min_y) = (f64::INFINITY, f64::INFINITY);
    let (mut max_x, mut max_y) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for &(x, y) in points {
        min_x = min_x.min(x);
        min_y = min_y.min(y);
        max_x = max_x.max(x);
        max_y = max_y.max(y);
    }
    (min_x, min_y, max_x - min_x, max_y - min_y)
}

/// Scanline fill, sampling each pixel at its centre (crisp edges, as `shape-rendering=
/// "crispEdges"` asks).
fn fill(pixels: &mut [u8], width: usize, height: usize, shape: &Shape, to_pixels: &Affine) {
    let mut edges = Vec::new();
    for polygon in &shape.polygons {
        let points: Vec<(f64, f64)> = polygon.iter().map(|p| to_pixels.apply(*p)).collect();
        for (i, &from) in points.iter().enumerate() {
            let to = points[(i + 1) % points.len()];
            if from.1 != to.1 {
                edges.push((from, to));
            }
        }
    }
    let mut crossings: Vec<(f64, i32)> = Vec::new();
    for row in 0..height {
        let y = row as f64 + 0.5;
        crossings.clear();
        for &((x0, y0), (x1, y1)) in &edges {
            let (low, high, direction) = if y0 < y1 { (y0, y1, 1) } else { (y1, y0, -1) };
            if low <= y && y < high {
                let x = x0 + (y - y0) * (x1 - x0) / (y1 - y0);
                crossings.push((x, direction));
            }
        }
        crossings.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut winding = 0;
        for pair in crossings.windows(2) {
            winding += if shape.even_odd { 1 } else { pair[0].1 };
            let inside = if shape.even_odd {
                winding % 2 == 1
            } else {
                winding != 0
            };
            if !inside {
                continue;
            }
            // Pixels whose centre lies in [from, to).
            let from = (pair[0].0 - 0.5).ceil().max(0.0) as usize;
            let to = ((pair[1].0 - 0.5).ceil().max(0.0) as usize).min(width);
            let line = &mut pixels[row * width..(row + 1) * width];
            for pixel in line.iter_mut().take(to).skip(from) {
                *pixel = shape.grey;
            }
        }
    }
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
