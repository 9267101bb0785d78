//! The scope catalogue: what a person can grant, as RFC 6749 section 3.3 scope tokens with a
//! title and a one-line description for the pages.

use serde::{Deserialize, Serialize};

use crate::language::{Locale, td_string};

/// One grantable permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// The scope token, e.g. `trade.read`.
    pub name: String,
    /// Short label for a checkbox, e.g. "Order history".
    pub title: String,
    /// One sentence on what the agent can do with it.
    pub description: String,
    /// High-risk scopes are shown with a warning and need an explicit confirmation.
    #[serde(default)]
    pub high_risk: bool,
}

impl Scope {
    /// The title in the visitor's language. The default catalogue's scopes are translated; an
    /// operator's own wording is shown as written.
    pub fn title_in(&self, locale: Locale) -> String {
        match translated(&self.name, locale) {
            Some((title, _)) if self.is_default_wording() => title.to_owned(),
            _ => self.title.clone(),
        }
    }

    /// The description in the visitor's language, as [`Scope::title_in`].
    pub fn description_in(&self, locale: Locale) -> String {
        match translated(&self.name, locale) {
            Some((_, description)) if self.is_default_wording() => description.to_owned(),
            _ => self.description.clone(),
        }
    }

    /// Whether the scope reads as in the default catalogue (an operator may reword it).
    fn is_default_wording(&self) -> bool {
        translated(&self.name, Locale::en).is_some_and(|(title, description)| {
            self.title == title && self.description == description
        })
    }
}

/// The default catalogue's title and description of `name` in `locale`.
fn translated(name: &str, locale: Locale) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "quote" => (
            td_string!(locale, connect.scope_quote_title),
            td_string!(locale, connect.scope_quote_description),
        ),
        "account.read" => (
            td_string!(locale, connect.scope_account_read_title),
            td_string!(locale, connect.scope_account_read_description),
        ),
        "trade.read" => (
            td_string!(locale, connect.scope_trade_read_title),
            td_string!(locale, connect.scope_trade_read_description),
        ),
        "trade.write" => (
            td_string!(locale, connect.scope_trade_write_title),
            td_string!(locale, connect.scope_trade_write_description),
        ),
        _ => return None,
    })
}

/// The default catalogue, modelled on a brokerage API.
pub fn default_catalogue() -> Vec<Scope> {
    let scope = |name: &str, title: &str, description: &str, high_risk| Scope {
        name: name.into(),
        title: title.into(),
        description: description.into(),
        high_risk,
    };
    vec![
        scope(
            "quote",
            "Market data",
            "Read quotes and prices for symbols.",
            false,
        ),
        scope(
            "account.read",
            "Account details",
            "See balances, positions and account settings.",
            false,
        ),
        scope(
            "trade.read",
            "Order history",
            "See open orders and past trades.",
            false,
        ),
        scope(
            "trade.write",
            "Place and cancel orders",
            "Place new orders and cancel open ones with your money.",
            true,
        ),
    ]
}

/// Scope tokens (RFC 6749 section 3.3) in order, as a request, a code or a grant carries
/// them. Parsed once from the space-separated form and written back in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Reads a space-separated scope string; extra whitespace is ignored.
    pub fn parse(text: &str) -> Self {
        Self(text.split_ascii_whitespace().map(str::to_owned).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|s| s == name)
    }

    /// Whether every scope of `other` is one of these.
    pub fn covers(&self, other: &Scopes) -> bool {
        other.0.iter().all(|s| self.contains(s))
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<String> {
        self.0
    }
}

impl From<Vec<String>> for Scopes {
    fn from(names: Vec<String>) -> Self {
        Self(names)
    }
}

impl std::fmt::Display for Scopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

/// Checks requested scope names against the catalogue and returns them in catalogue order,
/// without duplicates. Unknown names are an error that names them.
pub fn normalize(catalogue: &[Scope], requested: &Scopes) -> Result<Scopes, UnknownScope> {
    if let Some(unknown) = requested
        .0
        .iter()
        .find(|name| !catalogue.iter().any(|scope| &scope.name == *name))
    {
        return Err(UnknownScope(unknown.clone()));
    }
    Ok(Scopes(
        catalogue
            .iter()
            .filter(|scope| requested.contains(&scope.name))
            .map(|scope| scope.name.clone())
            .collect(),
    ))
}

/// A requested scope the catalogue does not offer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a permission this server offers.")]
pub struct UnknownScope(pub String);

/// The catalogue entries of `scopes`, in catalogue order, for a page that lists them.
pub fn described(catalogue: &[Scope], scopes: &Scopes) -> Vec<Scope> {
    catalogue
        .iter()
        .filter(|s| scopes.contains(&s.name))
        .cloned()
        .collect()
}

/// The titles of the high-risk scopes among `scopes` in `locale`, which need an explicit
/// confirmation.
pub fn high_risk_titles(catalogue: &[Scope], scopes: &Scopes, locale: Locale) -> Vec<String> {
    catalogue
        .iter()
        .filter(|s| s.high_risk && scopes.contains(&s.name))
        .map(|s| s.title_in(locale))
        .collect()
}

/// Whether `name` is one of the catalogue's high-risk scopes.
pub fn is_high_risk(catalogue: &[Scope], name: &str) -> bool {
    catalogue.iter().any(|s| s.high_risk && s.name == name)
}

/// `scopes` without the catalogue's high-risk ones.
pub fn without_high_risk(catalogue: &[Scope], scopes: &Scopes) -> Scopes {
    scopes
        .as_slice()
        .iter()
        .filter(|name| !is_high_risk(catalogue, name))
        .cloned()
        .collect::<Vec<_>>()
        .into()
}

/// Whether a scope token is well formed per RFC 6749 section 3.3
/// (printable ASCII except space, double quote and backslash).
pub fn is_valid_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_catalogue_has_one_high_risk_scope() {
        let catalogue = default_catalogue();
        let names: Vec<_> = catalogue.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["quote", "account.read", "trade.read", "trade.write"]
        );
        let risky: Vec<_> = catalogue
            .iter()
            .filter(|s| s.high_risk)
            .map(|s| &s.name)
            .collect();
        assert_eq!(risky, ["trade.write"]);
        assert!(catalogue.iter().all(|s| is_valid_token(&s.name)));
    }

    #[test]
    fn normalize_orders_and_deduplicates() {
        let catalogue = default_catalogue();
        let requested = Scopes::parse("trade.read quote  trade.read");
        assert_eq!(
            normalize(&catalogue, &requested).unwrap().as_slice(),
            ["quote", "trade.read"]
        );
    }

    #[test]
    fn normalize_names_the_unknown_scope() {
        let err = normalize(&default_catalogue(), &Scopes::parse("quote admin")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"admin\" is not a permission this server offers."
        );
    }

    #[test]
    fn scope_tokens_follow_rfc_6749() {
        assert!(is_valid_token("trade.write"));
        assert!(!is_valid_token(""));
        assert!(!is_valid_token("a b"));
        assert!(!is_valid_token("quo\"te"));
        assert!(!is_valid_token("back\\slash"));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// RFC 6749 section 3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
    fn model_is_token(name: &str) -> bool {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
    }

    proptest! {
        #[test]
        fn token_verdict_matches_the_grammar(name in any::<String>()) {
            prop_assert_eq!(is_valid_token(&name), model_is_token(&name));
        }

        #[test]
        fn split_and_join_round_trip(tokens in proptest::collection::vec("[!#-\\[\\]-~]{1,8}", 0..6)) {
            prop_assert_eq!(Scopes::parse(&tokens.join(" ")).into_vec(), tokens.clone());
            prop_assert_eq!(Scopes::parse(&format!("  {}\t", tokens.join("  "))).into_vec(), tokens.clone());
            prop_assert_eq!(Scopes::parse(&tokens.join(" ")).to_string(), tokens.join(" "));
        }

        #[test]
        fn normalize_keeps_only_catalogue_scopes_in_order(requested in proptest::collection::vec(
            prop_oneof![Just("quote".to_owned()), Just("trade.write".to_owned()), Just("trade.read".to_owned()), any::<String>()], 0..6)) {
            let catalogue = default_catalogue();
            match normalize(&catalogue, &Scopes::from(requested.clone())) {
                Ok(names) => {
                    let names = names.into_vec();
                    let expected: Vec<String> = catalogue
                        .iter()
                        .map(|s| s.name.clone())
                        .filter(|n| requested.contains(n))
                        .collect();
                    prop_assert_eq!(names, expected);
                }
                Err(_) => prop_assert!(requested.iter().any(|r| !catalogue.iter().any(|s| &s.name == r))),
            }
        }
    }
}
