//! Compiles the translations in `locales/` into the `i18n` module that `src/language.rs`
//! includes: one TOML file per language and part of the portal. Every language must have the
//! same keys as English, each with the same `{{ placeholders }}`, or the build fails (on its
//! own, leptos_i18n would fall back to English without a word). The build also fails when a
//! text uses a wrong variant of a term listed in `locales/<language>/banned.txt` (the terms
//! to use are in `locales/<language>/GLOSSARY.md`).

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

/// In each language's folder but English's: the wrong variants of its terms.
const BANNED: &str = "banned.txt";

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    for locale in &LOCALES[1..] {
        println!("cargo::rerun-if-changed=locales/{locale}/{BANNED}");
    }
    let dir = Path::new("locales");
    let mut problems = check_locales(dir);
    problems.extend(check_banned(dir));
    if !problems.is_empty() {
        panic!(
            "the translations in locales/ have problems:\n{}",
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

/// Every key of `locales/<language>/<part>.toml` with its text.
type Texts = BTreeMap<String, String>;

/// What each language lacks, adds or words with other placeholders than English does.
fn check_locales(dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for part in NAMESPACES {
        let english = texts(&dir.join(LOCALES[0]).join(format!("{part}.toml")));
        for locale in &LOCALES[1..] {
            let file = format!("{locale}/{part}.toml");
            let other = texts(&dir.join(locale).join(format!("{part}.toml")));
            for (key, text) in &english {
                let wanted = placeholders(text);
                match other.get(key).map(|theirs| placeholders(theirs)) {
                    None => problems.push(format!("{file}: `{key}` is missing")),
                    Some(theirs) if theirs != wanted => problems.push(format!(
                        "{file}: `{key}` has placeholders {theirs:?}, English has {wanted:?}"
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

/// Every text of a language but English that contains a wrong variant from its `banned.txt`,
/// and every line of a `banned.txt` that cannot be used.
fn check_banned(dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for locale in &LOCALES[1..] {
        let banned = banned(&dir.join(locale).join(BANNED), locale, &mut problems);
        for part in NAMESPACES {
            let file = format!("{locale}/{part}.toml");
            for (key, text) in texts(&dir.join(locale).join(format!("{part}.toml"))) {
                for (wrong, right) in banned
                    .iter()
                    .filter(|(wrong, _)| text.contains(wrong.as_str()))
                {
                    problems.push(format!(
                        "{file}: `{key}` contains the wrong term \"{wrong}\"; use \"{right}\" \
                         (locales/{locale}/{BANNED}, locales/{locale}/GLOSSARY.md)"
                    ));
                }
            }
        }
    }
    problems
}

/// The `wrong => right` lines of a `banned.txt`; blank lines and lines starting with `#` are
/// skipped.
fn banned(file: &Path, locale: &str, problems: &mut Vec<String>) -> Vec<(String, String)> {
    let source = std::fs::read_to_string(file)
        .unwrap_or_else(|err| panic!("{} cannot be read: {err}", file.display()));
    let mut terms: Vec<(String, String)> = Vec::new();
    for (number, line) in source.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("{locale}/{BANNED}:{}", number + 1);
        let Some((wrong, right)) = line.split_once("=>") else {
            problems.push(format!("{at}: `{line}` is not `wrong => right`"));
            continue;
        };
        let (wrong, right) = (wrong.trim(), right.trim());
        if wrong.is_empty() || right.is_empty() {
            problems.push(format!("{at}: `{line}` is not `wrong => right`"));
        } else if right.contains(wrong) {
            problems.push(format!(
                "{at}: the right term \"{right}\" contains the wrong one \"{wrong}\""
            ));
        } else if terms.iter().any(|(seen, _)| seen == wrong) {
            problems.push(format!("{at}: \"{wrong}\" is listed twice"));
        } else {
            terms.push((wrong.to_owned(), right.to_owned()));
        }
    }
    terms
}

fn texts(file: &Path) -> Texts {
    let source = std::fs::read_to_string(file)
        .unwrap_or_else(|err| panic!("{} cannot be read: {err}", file.display()));
    let table: toml::Table = source
        .parse()
        .unwrap_or_else(|err| panic!("{} is not TOML: {err}", file.display()));
    table
        .into_iter()
        .map(|(key, value)| (key, value.as_str().unwrap_or_default().to_owned()))
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
