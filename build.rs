//! Compiles the translations in `locales/` into the `i18n` module that `src/language.rs`
//! includes: one TOML file per language and part of the portal, checked at build time (a key
//! missing in one language, or an interpolation that does not match, fails the build).

use std::path::PathBuf;

use leptos_i18n_build::{Config, FileFormat, TranslationsInfos};

/// The languages, the first being the one used when nothing else fits.
const LOCALES: [&str; 3] = ["en", "zh-Hans", "zh-Hant-HK"];

/// One file per part of the portal; the code panel island uses only `panel`, so the wasm
/// bundle carries only that part's strings.
const NAMESPACES: [&str; 7] = [
    "common",
    "auth",
    "connect",
    "panel",
    "instructions",
    "security",
    "oauth",
];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let mut config = Config::new(LOCALES[0])
        .and_then(|c| c.add_locales(&LOCALES[1..]))
        .and_then(|c| c.add_namespaces(NAMESPACES))
        .expect("the locale and namespace names are valid");
    config.options.file_format = FileFormat::Toml;
    config.options.interpolate_display = true;
    let translations =
        TranslationsInfos::parse(config).expect("the translations in locales/ parse");
    translations.rerun_if_locales_changed();
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    translations
        .generate_i18n_module(out.join("i18n"))
        .expect("the i18n module is written");
}
