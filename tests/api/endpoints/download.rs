//! `/download/agent-connect` and its `.sha256`: the file the CLI tab fetches, and the hash the
//! tab quotes.

use agent_connect::server::app::clock::SystemClock;
use agent_connect::server::app::config::ServeConfig;
use agent_connect::server::build_state;
use sha2::{Digest, Sha256};

use crate::support::TestServer;

#[tokio::test]
async fn the_offered_build_and_its_sha256_agree() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("agent-connect-build");
    std::fs::write(&file, b"#!/bin/sh\necho offered build\n").unwrap();
    let path = file.clone();
    let server = TestServer::start_with(move |config| config.cli_binary = Some(path)).await;

    let res = server
        .http
        .get(server.url("/download/agent-connect"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"agent-connect\""
    );
    let body = res.bytes().await.unwrap();
    assert_eq!(&body[..], b"#!/bin/sh\necho offered build\n");

    let sum = server
        .http
        .get(server.url("/download/agent-connect.sha256"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        sum,
        format!("{}  agent-connect\n", hex::encode(Sha256::digest(&body)))
    );
    let view = server.state.cli_build.describe().await.unwrap();
    assert_eq!(view.sha256, hex::encode(Sha256::digest(&body)));
}

#[tokio::test]
async fn a_configured_build_that_is_missing_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServeConfig::defaults(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("db.sqlite").display()
    ));
    config.cli_binary = Some(dir.path().join("nowhere"));
    let err = build_state(config, std::sync::Arc::new(SystemClock))
        .await
        .err()
        .expect("start-up refused");
    assert!(
        err.to_string().contains("AGENT_CONNECT_CLI_BINARY") && err.to_string().contains("nowhere"),
        "{err}"
    );
}
