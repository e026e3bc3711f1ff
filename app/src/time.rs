//! Moments as a person reads them: in the browser's time zone and language ("7 Dec 2026,
//! 14:27"), with how far away they are where that matters ("in 14 days"). Server functions send
//! moments as RFC 3339 text in UTC; the server, which does not know the reader's time zone,
//! renders them in UTC, and the browser rewrites them once the page runs.

use leptos::prelude::*;

/// A moment, e.g. `<When at=card.created_at/>`; `relative` adds how far away it is.
#[component]
pub fn When(#[prop(into)] at: String, #[prop(optional)] relative: bool) -> impl IntoView {
    let shown = RwSignal::new(in_utc(&at).unwrap_or_else(|| at.clone()));
    #[cfg(feature = "hydrate")]
    {
        let at = at.clone();
        Effect::new(move |_| {
            if let Some(local) = browser::local(&at, relative) {
                shown.set(local);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = relative;
    view! { <time datetime=at.clone()>{move || shown.get()}</time> }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "2026-12-07T14:27:05Z" as "7 Dec 2026, 14:27 UTC"; `None` for text that is not such a moment.
fn in_utc(at: &str) -> Option<String> {
    let (date, time) = at.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let (year, month, day) = (d.next()?, d.next()?, d.next()?);
    let month = MONTHS.get(month.parse::<usize>().ok()?.checked_sub(1)?)?;
    let day: u32 = day.parse().ok()?;
    let hh_mm = time.get(..5)?;
    Some(format!("{day} {month} {year}, {hh_mm} UTC"))
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::JsValue;

    /// The moment in the browser's time zone and language, and (`relative`) how far from now.
    pub fn local(at: &str, relative: bool) -> Option<String> {
        let date = js_sys::Date::new(&JsValue::from_str(at));
        let millis = date.get_time();
        if millis.is_nan() {
            return None;
        }
        let text = FORMAT
            .with(|f| f.call1(&JsValue::NULL, &date).ok())?
            .as_string()?;
        if !relative {
            return Some(text);
        }
        let (amount, unit) = distance(millis - js_sys::Date::now());
        let format =
            js_sys::Intl::RelativeTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
        let away = String::from(format.format(amount, unit));
        Some(format!("{text} ({away})"))
    }

    thread_local! {
        /// One formatter for every moment of the page: making one is the costly part (a new
        /// one per `toLocaleString` with options made the audit page's hundred rows 60 ms
        /// slower to hydrate).
        static FORMAT: js_sys::Function = {
            let options = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
            let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options).format()
        };
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

    #[test]
    fn a_moment_reads_as_a_date_and_a_time_in_utc() {
        assert_eq!(
            in_utc("2026-12-07T14:27:05Z").as_deref(),
            Some("7 Dec 2026, 14:27 UTC")
        );
        assert_eq!(
            in_utc("2027-01-01T00:00:00Z").as_deref(),
            Some("1 Jan 2027, 00:00 UTC")
        );
        assert_eq!(in_utc("not a time"), None);
        assert_eq!(in_utc("2026-13-01T00:00:00Z"), None);
    }
}
