//! Seeds agent auth codes for the benchmarks (`make bench`, `make bench-backends`): creates an
//! account on the database `DATABASE_URL` names (migrating it first) and issues `COUNT` codes
//! for `quote`, written one per line to standard output. The rows are the portal's own (the
//! same hashing and insert), a thousand to a transaction so that seeding stays quick.
//!
//! The account's email is `BENCH_EMAIL` when set (a random one otherwise); its password is
//! `correct horse battery`.
//!
//! ```sh
//! DATABASE_URL=sqlite://bench.db?mode=rwc cargo run --release --features ssr --example seed_codes -- 20000 > codes.txt
//! ```

use std::io::Write;
use std::sync::Arc;

use agent_connect::scopes::Scopes;
use agent_connect::server::app::clock::SystemClock;
use agent_connect::server::app::config::ServeConfig;
use agent_connect::server::build_state;
use agent_connect::server::db::agent_codes::{self, AgentCodeRow};
use agent_connect::server::domain::accounts;
use agent_connect::server::domain::agent_code::CODE_TTL;
use agent_connect::server::domain::agent_code::format::AgentCode;

const PER_TRANSACTION: usize = 1_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(10_000);
    let url = std::env::var("DATABASE_URL")?;
    let state = build_state(ServeConfig::defaults(&url), Arc::new(SystemClock)).await?;
    let email = std::env::var("BENCH_EMAIL")
        .unwrap_or_else(|_| format!("bench-{}@example.com", rand::random::<u32>()));
    let user = accounts::create(
        &state.db,
        &state.passwords,
        accounts::NewAccount {
            email: &email,
            password: "correct horse battery",
            addr: None,
            at: state.now(),
        },
    )
    .await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut left = count;
    while left > 0 {
        let batch = left.min(PER_TRANSACTION);
        let mut tx = state.db.begin().await?;
        for _ in 0..batch {
            let code = AgentCode::generate();
            let now = state.now();
            let row = AgentCodeRow {
                code_hash: code.hash(),
                user_id: user.id.to_string(),
                scopes: Scopes::parse("quote"),
                agent_name: Some("Bench".into()),
                created_at: now,
                expires_at: now + CODE_TTL,
                // As /connect issues them by default: 30 days, high-risk for an hour.
                lifetime: Some(30 * 24 * 3_600),
                high_risk_lifetime: Some(3_600),
                confirm_within: None,
                guard_network: 0,
            };
            agent_codes::insert(&mut *tx, &row).await?;
            writeln!(out, "{}", code.display())?;
        }
        tx.commit().await?;
        left -= batch;
    }
    out.flush()?;
    Ok(())
}
