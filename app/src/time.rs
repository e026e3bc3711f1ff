//! Moments as a person reads them: in the browser's time zone and language ("7 Dec 2026,
//! 14:27"), with how far away they are where that matters ("in 14 days"). Server functions send
//! moments as RFC 3339 text in UTC; the server, which does not know the reader's time zone,
//! renders them in UTC, and the browser rewrites them once the page runs.

use leptos::prelude::*;
use tessera_process::Language;

/// A moment, e.g. `<When at=card.created_at/>`; `relative` adds how far away it is.
#[component]
pub fn When(#[prop(into)] at: String, #[prop(optional)] relative: bool) -> impl IntoView {
    let language = crate::language::current();
    let utc = {
        let at = at.clone();
        move || in_utc(&at, language()).unwrap_or_else(|| at.clone())
    };
    let shown = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    {
        let at = at.clone();
        Effect::new(move |_| shown.set(browser::local(&at, relative, language())));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = relative;
    view! { <time datetime=at.clone()>{move || shown.get().unwrap_or_else(&utc)}</time> }
}

/// The months as the medium date style of each language abbreviates them (what `Intl` writes in
/// the browser, so that the server's text and the browser's look alike).
fn months(language: Language) -> [&'static str; 12] {
    match language {
        Language::English => [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ],
        Language::Swedish => [
            "jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.", "nov.",
            "dec.",
        ],
    }
}

/// "2026-12-07T14:27:05Z" as "7 Dec 2026, 14:27 UTC" (Swedish: "7 dec. 2026 14:27 UTC"); `None`
/// for text that is not such a moment.
fn in_utc(at: &str, language: Language) -> Option<String> {
    let (date, time) = at.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let (year, month, day) = (d.next()?, d.next()?, d.next()?);
    let month = months(language)
        .get(month.parse::<usize>().ok()?.checked_sub(1)?)
        .copied()?;
    let day: u32 = day.parse().ok()?;
    let hh_mm = time.get(..5)?;
    Some(match language {
        Language::English => format!("{day} {month} {year}, {hh_mm} UTC"),
        Language::Swedish => format!("{day} {month} {year} {hh_mm} UTC"),
    })
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;
    use tessera_process::Language;
    use wasm_bindgen::JsValue;

    /// The moment in the browser's time zone and the page's language, and (`relative`) how far
    /// from now.
    pub fn local(at: &str, relative: bool, language: Language) -> Option<String> {
        let date = js_sys::Date::new(&JsValue::from_str(at));
        let millis = date.get_time();
        if millis.is_nan() {
            return None;
        }
        let text = with_format(language, |f| f.call1(&JsValue::NULL, &date).ok())?.as_string()?;
        if !relative {
            return Some(text);
        }
        let (amount, unit) = distance(millis - js_sys::Date::now());
        let format =
            js_sys::Intl::RelativeTimeFormat::new(&locales(language), &js_sys::Object::new());
        let away = String::from(format.format(amount, unit));
        Some(format!("{text} ({away})"))
    }

    /// The browser's own forms of the page's language first (`en-GB` writes the day before
    /// the month, `en-US` after), then the language itself.
    fn locales(language: Language) -> js_sys::Array {
        let locales = js_sys::Array::new();
        if let Some(navigator) = web_sys::window().map(|w| w.navigator()) {
            for tag in navigator.languages().iter().filter_map(|t| t.as_string()) {
                if Language::from_code(&tag) == Some(language) {
                    locales.push(&JsValue::from_str(&tag));
                }
            }
        }
        locales.push(&JsValue::from_str(language.code()));
        locales
    }

    thread_local! {
        /// One formatter for every moment of the page (per language): making one is the costly
        /// part (a new one per `toLocaleString` with options made the audit page's hundred rows
        /// 60 ms slower to hydrate).
        static FORMAT: RefCell<Option<(Language, js_sys::Function)>> = const { RefCell::new(None) };
    }

    fn with_format<T>(language: Language, f: impl FnOnce(&js_sys::Function) -> T) -> T {
        FORMAT.with(|cell| {
            let mut cell = cell.borrow_mut();
            let format = match cell.as_ref() {
                Some((l, format)) if *l == language => format.clone(),
                _ => {
                    let options = js_sys::Object::new();
                    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
                    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
                    let format =
                        js_sys::Intl::DateTimeFormat::new(&locales(language), &options).format();
                    *cell = Some((language, format.clone()));
                    format
                }
            };
            f(&format)
        })
    }

    /// A distance in milliseconds as a whole number of the largest unit that fits.
    fn distance(millis: f64) -> (f64, &'static str) {
        let minutes = millis / 60_000.0;
        if minutes.abs() < 60.0 {
            (minutes.round(), "minute")
        } else if minutes.abs() < 48.0 * 60.0 {
            ((minutes / 60.0).round(), "hour")
        } else {
            ((minutes / (24.0 * 60.0)).round(), "day")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::in_utc;
    use tessera_process::Language::{English, Swedish};

    #[test]
    fn a_moment_reads_as_a_date_and_a_time_in_utc() {
        assert_eq!(
            in_utc("2026-12-07T14:27:05Z", English).as_deref(),
            Some("7 Dec 2026, 14:27 UTC")
        );
        assert_eq!(
            in_utc("2027-01-01T00:00:00Z", English).as_deref(),
            Some("1 Jan 2027, 00:00 UTC")
        );
        assert_eq!(in_utc("not a time", English), None);
        assert_eq!(in_utc("2026-13-01T00:00:00Z", English), None);
    }

    #[test]
    fn in_swedish_the_month_is_swedish_and_no_comma_parts_date_and_time() {
        assert_eq!(
            in_utc("2026-03-07T09:05:00Z", Swedish).as_deref(),
            Some("7 mars 2026 09:05 UTC")
        );
    }
}
