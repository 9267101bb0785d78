//! The portal's languages: English, Simplified Chinese and Traditional Chinese (Hong Kong).
//!
//! The texts live in `locales/<language>/<part>.toml` and are compiled in by `build.rs`
//! (leptos_i18n): a key missing in one language fails the build. Views translate with
//! [`td_string!`] and the visitor's [`Locale`], which [`current`] reads: on the server from the
//! request (the remembered choice in the [`COOKIE`] cookie, else `Accept-Language`), in the
//! code panel island from the locale the server rendered it with.
//!
//! Commands, codes, addresses and scope names are never translated.

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

use leptos::prelude::*;

pub use i18n::{Locale, td_display, td_string};

/// The cookie that remembers the language a visitor picked with the switcher.
pub const COOKIE: &str = "lang";

/// The visitor's language: the one the page is rendered in (provided by the app shell and by
/// the code panel), else the request's, else English.
pub fn current() -> Locale {
    if let Some(locale) = use_context::<Locale>() {
        return locale;
    }
    #[cfg(feature = "ssr")]
    if let Some(parts) = use_context::<http::request::Parts>() {
        return from_headers(&parts.headers);
    }
    Locale::default()
}

/// The language a request asks for: the remembered choice, else the best match of its
/// `Accept-Language`, else English.
#[cfg(feature = "ssr")]
pub fn from_headers(headers: &http::HeaderMap) -> Locale {
    let remembered = headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| parse(value));
    remembered.unwrap_or_else(|| {
        headers
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .map(negotiate)
            .unwrap_or_default()
    })
}

/// Every language, in the switcher's order.
pub const ALL: [Locale; 3] = [Locale::en, Locale::zh_Hans, Locale::zh_Hant_HK];

/// The language's tag (`en`, `zh-Hans`, `zh-Hant-HK`), as `lang` attributes, the switcher and
/// the cookie spell it.
pub fn tag(locale: Locale) -> &'static str {
    leptos_i18n::Locale::as_str(locale)
}

/// A language by its [`tag`]; nothing else.
pub fn parse(tag: &str) -> Option<Locale> {
    ALL.into_iter().find(|&locale| self::tag(locale) == tag)
}

/// The name of each language in itself, for the switcher.
pub fn endonym(locale: Locale) -> &'static str {
    match locale {
        Locale::en => "English",
        Locale::zh_Hans => "简体中文",
        Locale::zh_Hant_HK => "繁體中文",
    }
}

/// The best of our languages for an `Accept-Language` value (RFC 9110 section 12.5.4): ranges
/// in order of weight, the first that one of ours serves wins; English when none does.
///
/// Chinese is matched by script first and by region after, as browsers send either:
/// `zh-Hant`, `zh-TW`, `zh-HK` and `zh-MO` read Traditional; `zh`, `zh-Hans`, `zh-CN` and
/// `zh-SG` read Simplified.
pub fn negotiate(accept_language: &str) -> Locale {
    let mut ranges: Vec<(u16, usize, &str)> = accept_language
        .split(',')
        .enumerate()
        .filter_map(|(position, item)| {
            let mut parts = item.split(';');
            let range = parts.next()?.trim();
            let weight = parts
                .find_map(|param| param.trim().strip_prefix("q="))
                .map_or(Some(1000), parse_weight)?;
            (!range.is_empty() && weight > 0).then_some((weight, position, range))
        })
        .collect();
    ranges.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges
        .into_iter()
        .find_map(|(_, _, range)| serving(range))
        .unwrap_or_default()
}

/// Which of our languages serves one language range, if any.
fn serving(range: &str) -> Option<Locale> {
    let lowered = range.to_ascii_lowercase();
    let mut subtags = lowered.split(['-', '_']);
    match subtags.next()? {
        "en" => Some(Locale::en),
        "zh" => {
            let rest: Vec<&str> = subtags.collect();
            let traditional = rest.contains(&"hant")
                || (!rest.contains(&"hans")
                    && rest.iter().any(|t| matches!(*t, "tw" | "hk" | "mo")));
            Some(if traditional {
                Locale::zh_Hant_HK
            } else {
                Locale::zh_Hans
            })
        }
        _ => None,
    }
}

/// A `q` value in thousandths; `None` when it is not one.
fn parse_weight(value: &str) -> Option<u16> {
    let value = value.trim();
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{Locale, negotiate, parse};

    #[test]
    fn chinese_is_matched_by_script_then_region() {
        for simplified in ["zh", "zh-CN", "zh-Hans", "zh-SG", "zh-hans-cn", "zh_CN"] {
            assert_eq!(negotiate(simplified), Locale::zh_Hans, "{simplified}");
        }
        for traditional in ["zh-TW", "zh-HK", "zh-MO", "zh-Hant", "zh-Hant-TW", "zh-hk"] {
            assert_eq!(negotiate(traditional), Locale::zh_Hant_HK, "{traditional}");
        }
    }

    #[test]
    fn weights_decide_and_ties_keep_the_sent_order() {
        assert_eq!(negotiate("en;q=0.5, zh-TW;q=0.8"), Locale::zh_Hant_HK);
        assert_eq!(negotiate("zh-CN, en"), Locale::zh_Hans);
        assert_eq!(negotiate("en-GB, zh-CN"), Locale::en);
        assert_eq!(
            negotiate("fr-FR, de;q=0.9, zh-HK;q=0.1"),
            Locale::zh_Hant_HK
        );
    }

    #[test]
    fn nothing_we_serve_means_english() {
        for header in [
            "",
            "fr",
            "*",
            "de-DE, ja;q=0.5",
            "zh;q=0",
            "zh;q=2",
            "zh;q=0.1234",
        ] {
            assert_eq!(negotiate(header), Locale::en, "{header:?}");
        }
    }

    #[test]
    fn only_our_own_tags_parse() {
        assert_eq!(parse("zh-Hant-HK"), Some(Locale::zh_Hant_HK));
        assert_eq!(parse("zh-Hans"), Some(Locale::zh_Hans));
        assert_eq!(parse("en"), Some(Locale::en));
        assert_eq!(parse("zh-CN"), None);
        assert_eq!(parse("EN"), None);
    }
}
