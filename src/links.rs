//! Links the portal hands out and the agents follow, built the same way everywhere.

pub mod return_path;

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through, a space is
/// `%20`).
pub fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where an agent's page lives: `/security/agents/{grant id}`.
pub fn agent_path(grant_id: &str) -> String {
    format!("/security/agents/{}", encode_query_value(grant_id))
}

/// A path with its raw query string (as the router gives it, without `?`), if any.
pub fn with_query(path: &str, search: &str) -> String {
    if search.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{search}")
    }
}

/// The step-up link: `/connect` pre-filled with `scopes` and the agent's name, for the person
/// to grant what an agent found missing.
pub fn step_up(public_base: &str, scopes: &[String], agent_name: &str) -> String {
    format!(
        "{}/connect?scope={}&agent={}",
        public_base.trim_end_matches('/'),
        encode_query_value(&scopes.join(" ")),
        encode_query_value(agent_name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode_query_value("/connect?scope=a b&x=1"),
            "%2Fconnect%3Fscope%3Da%20b%26x%3D1"
        );
        assert_eq!(encode_query_value("plain-text_1.0~"), "plain-text_1.0~");
        assert_eq!(encode_query_value("A+B & C/é"), "A%2BB%20%26%20C%2F%C3%A9");
    }

    #[test]
    fn step_up_links_prefill_the_portal() {
        let scopes = vec!["quote".to_owned(), "trade.write".to_owned()];
        assert_eq!(
            step_up("https://ac.example/", &scopes, "Claude Code"),
            "https://ac.example/connect?scope=quote%20trade.write&agent=Claude%20Code"
        );
    }
}
