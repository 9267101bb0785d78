//! Loading the scope catalogue an operator configured (TOML), or the default one.
//!
//! ```toml
//! [[scope]]
//! name = "quote"
//! title = "Market data"
//! description = "Read quotes and prices for symbols."
//! high_risk = false
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::scopes::{Scope, default_catalogue, is_valid_token};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    scope: Vec<Scope>,
}

/// The catalogue from `path`, or the default one when no file is configured.
pub fn load(path: Option<&Path>) -> Result<Vec<Scope>, String> {
    let Some(path) = path else {
        return Ok(default_catalogue());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read scope file {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("scope file {}: {e}", path.display()))
}

/// Parses and checks a catalogue: at least one scope, valid and unique names, titles present.
pub fn parse(text: &str) -> Result<Vec<Scope>, String> {
    let file: CatalogueFile = toml::from_str(text).map_err(|e| e.to_string())?;
    if file.scope.is_empty() {
        return Err("it defines no [[scope]]".into());
    }
    for (i, scope) in file.scope.iter().enumerate() {
        if !is_valid_token(&scope.name) {
            return Err(format!(
                "scope name {:?} is not a valid OAuth scope token",
                scope.name
            ));
        }
        if scope.title.trim().is_empty() {
            return Err(format!("scope {:?} has no title", scope.name));
        }
        if file.scope[..i].iter().any(|other| other.name == scope.name) {
            return Err(format!("scope {:?} is defined twice", scope.name));
        }
    }
    Ok(file.scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_catalogue() {
        let scopes = parse(
            "[[scope]]\nname = \"files.read\"\ntitle = \"Read files\"\ndescription = \"List and read.\"\n\
             [[scope]]\nname = \"files.delete\"\ntitle = \"Delete files\"\ndescription = \"Gone for good.\"\nhigh_risk = true\n",
        )
        .unwrap();
        assert_eq!(scopes.len(), 2);
        assert!(!scopes[0].high_risk && scopes[1].high_risk);
    }

    #[test]
    fn refuses_bad_catalogues() {
        assert!(parse("").is_err());
        assert!(
            parse("[[scope]]\nname = \"a b\"\ntitle = \"x\"\ndescription = \"\"\n")
                .unwrap_err()
                .contains("not a valid")
        );
        assert!(parse("[[scope]]\nname = \"a\"\ntitle = \"x\"\ndescription = \"\"\n[[scope]]\nname = \"a\"\ntitle = \"y\"\ndescription = \"\"\n")
            .unwrap_err()
            .contains("twice"));
        assert!(
            parse("[[scope]]\nname = \"a\"\ntitle = \"x\"\ndescription = \"\"\ncolour = 1\n")
                .is_err()
        );
    }

    #[test]
    fn no_file_means_the_default() {
        assert_eq!(load(None).unwrap(), default_catalogue());
    }
}
