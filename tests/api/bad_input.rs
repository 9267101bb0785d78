//! Malformed bodies, headers and parameters on every endpoint: never a panic, never a 5xx.

use crate::support::TestServer;

fn nasty_bodies() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("application/x-www-form-urlencoded", b"".to_vec()),
        ("application/x-www-form-urlencoded", b"%%%%".to_vec()),
        (
            "application/x-www-form-urlencoded",
            b"grant_type=%FF%FE&code=%00".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            b"token=a&token=b".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            "code=".repeat(3000).into_bytes(),
        ),
        ("application/x-www-form-urlencoded", vec![b'a'; 40_000]),
        ("application/json", b"{\"grant_type\":".to_vec()),
        ("text/plain", b"\x00\x01\x02".to_vec()),
        (
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            b"scopes[]=quote&scopes[0]=x&agent_name[a]=1".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            b"email=a&password=".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            b"grant_id=%27%3B%20DROP%20TABLE%20grants%3B--".to_vec(),
        ),
    ]
}

#[tokio::test]
async fn no_endpoint_answers_malformed_input_with_a_server_error() {
    let server = TestServer::start().await;
    let signed_in = server.sign_up("fuzz@example.com").await;
    let anonymous = server.browser();
    let posts = [
        "/oauth2/token",
        "/oauth2/introspect",
        "/oauth2/revoke",
        "/api/sign_in",
        "/api/sign_up",
        "/api/generate_code",
        "/api/new_code_form",
        "/api/revoke_grant",
        "/api/revoke_all",
        "/api/page",
        "/api/connect",
        "/api/code_status",
        "/api/security",
        "/api/nonexistent",
        "/logout",
    ];
    let mut checked = 0;
    for client in [&signed_in, &anonymous] {
        for path in posts {
            for (content_type, body) in nasty_bodies() {
                let res = client
                    .post(server.url(path))
                    .header("content-type", content_type)
                    .header("authorization", "Basic !!!notbase64")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert!(
                    res.status().as_u16() < 500,
                    "{path} {content_type}: {}",
                    res.status()
                );
                checked += 1;
            }
        }
    }
    let gets = [
        "/login?next=%00%FF",
        "/connect?scope=%FF&agent=%00",
        "/security?confirm=%27&done=x",
        "/signup?next=https://evil.example",
        "/nowhere/../../etc/passwd",
        "/pkg/../../Cargo.toml",
        "/healthz",
    ];
    for client in [&signed_in, &anonymous] {
        for path in gets {
            let res = client
                .get(server.url(path))
                .header("accept", "text/html")
                .send()
                .await
                .unwrap();
            assert!(res.status().as_u16() < 500, "GET {path}: {}", res.status());
            checked += 1;
        }
    }
    println!("bad input: {checked} requests, 0 server errors");
}
