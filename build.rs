//! Compiles the translations in `locales/` into the `i18n` module that `src/language.rs`
//! includes: one TOML file per language and part of the portal. Every language must have the
//! same keys as English, each with the same `{{ placeholders }}`, or the build fails (on its
//! own, leptos_i18n would fall back to English without a word).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

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
    let problems = check_locales(Path::new("locales"));
    if !problems.is_empty() {
        panic!(
            "the translations in locales/ disagree:\n{}",
            problems.join("\n")
        );
    }
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

/// Every key of `locales/<language>/<part>.toml` with its placeholders.
type Texts = BTreeMap<String, BTreeSet<String>>;

/// What each language lacks, adds or words with other placeholders than English does.
fn check_locales(dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for part in NAMESPACES {
        let english = texts(&dir.join(LOCALES[0]).join(format!("{part}.toml")));
        for locale in &LOCALES[1..] {
            let file = format!("{locale}/{part}.toml");
            let other = texts(&dir.join(locale).join(format!("{part}.toml")));
            for (key, placeholders) in &english {
                match other.get(key) {
                    None => problems.push(format!("{file}: `{key}` is missing")),
                    Some(theirs) if theirs != placeholders => problems.push(format!(
                        "{file}: `{key}` has placeholders {theirs:?}, English has {placeholders:?}"
                    )),
                    Some(_) => {}
                }
            }
            for key in other.keys().filter(|key| !english.contains_key(*key)) {
                problems.push(format!("{file}: `{key}` is not in English"));
            }
        }
    }
    problems
}

fn texts(file: &Path) -> Texts {
    let source = std::fs::read_to_string(file)
        .unwrap_or_else(|err| panic!("{} cannot be read: {err}", file.display()));
    let table: toml::Table = source
        .parse()
        .unwrap_or_else(|err| panic!("{} is not TOML: {err}", file.display()));
    table
        .into_iter()
        .map(|(key, value)| {
            let text = value.as_str().unwrap_or_default().to_owned();
            (key, placeholders(&text))
        })
        .collect()
}

/// The names inside `{{ ... }}` in a text.
fn placeholders(text: &str) -> BTreeSet<String> {
    text.split("{{")
        .skip(1)
        .filter_map(|rest| rest.split_once("}}"))
        .map(|(name, _)| name.trim().to_owned())
        .collect()
}
