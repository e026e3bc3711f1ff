#![recursion_limit = "256"]
//! The WASM entry point: the script that HydrationScripts emits calls `hydrate()`.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(tessera_app::App);
}
