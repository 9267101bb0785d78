//! Seeds agent auth codes for the redemption benchmark (`make bench-backends`): creates an
//! account on the database `DATABASE_URL` names (migrating it first) and issues `COUNT` codes
//! for `quote`, written one per line to standard output, as the portal would issue them.
//!
//! ```sh
//! DATABASE_URL=sqlite://bench.db?mode=rwc cargo run --release --features ssr --example seed_codes -- 20000 > codes.txt
//! ```

use std::io::Write;
use std::sync::Arc;

use agent_connect::scopes::Scopes;
use agent_connect::server::clock::SystemClock;
use agent_connect::server::config::ServeConfig;
use agent_connect::server::oauth::grants::agent_code;
use agent_connect::server::{accounts, build_state};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(10_000);
    let url = std::env::var("DATABASE_URL")?;
    let state = build_state(ServeConfig::defaults(&url), Arc::new(SystemClock)).await?;
    let email = format!("bench-{}@example.com", rand::random::<u32>());
    let user = accounts::create(&state, &email, "correct horse battery", None).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for _ in 0..count {
        let (code, _) = agent_code::issue(
            &state,
            &user.id,
            Scopes::parse("quote"),
            Some("Bench".into()),
            [127, 0, 0, 1].into(),
        )
        .await?;
        writeln!(out, "{}", code.display())?;
    }
    out.flush()?;
    Ok(())
}
