//! Generates the `i18n` module (leptos_i18n) from `locales/<locale>/<namespace>.json`: every key
//! is checked at compile time in both languages. A namespace is a file of `locales/en/`, one per
//! part of the UI, so that adding one needs no change here.
use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=locales");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").ok_or("no manifest dir")?);
    let mut namespaces: Vec<String> = std::fs::read_dir(dir.join("locales/en"))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_suffix(".json").map(str::to_string)
        })
        .collect();
    namespaces.sort();
    let cfg = Config::new("en")?
        .add_locale("sv")?
        .add_namespaces(&namespaces)?
        // `t_string!` with values (a confirmation question, an aria-label with a name in it).
        .parse_options(ParseOptions::new().interpolate_display(true));
    let translations = TranslationsInfos::parse(cfg)?;
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("no OUT_DIR")?).join("i18n");
    translations.generate_i18n_module(out)?;
    Ok(())
}
