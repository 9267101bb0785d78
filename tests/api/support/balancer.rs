//! nginx in front of test instances, with the shipped configuration
//! (`deploy/nginx.conf.template`), as the reference deployment runs it.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::TestServer;

/// An nginx master process balancing round-robin over some instances; stopped when dropped.
pub struct Balancer {
    pub base: String,
    conf: std::path::PathBuf,
    prefix: std::path::PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

fn nginx() -> Option<&'static str> {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|path| std::path::Path::new(path).exists())
}

impl Balancer {
    /// Starts nginx in front of `instances`. `make test` installs nginx; a developer without
    /// it gets `None` and the test says it was skipped.
    pub async fn start(instances: &[&TestServer]) -> Option<Self> {
        let Some(nginx) = nginx() else {
            println!("nginx is not installed: skipping the load-balancer part of this test");
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let prefix = dir.path().to_path_buf();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let servers: String = instances
            .iter()
            .map(|i| {
                let addr = i.base.trim_start_matches("http://");
                format!("        server {addr} max_fails=3 fail_timeout=10s;\n")
            })
            .collect();
        let template = include_str!("../../../deploy/nginx.conf.template");
        let root = running_as_root();
        let conf = template
            .replace("@LISTEN@", &format!("127.0.0.1:{port}"))
            .replace("@PREFIX@", &prefix.display().to_string())
            .replace("@USER@", if root { "user root;" } else { "" })
            .replace("@INSTANCES@\n", &servers);
        let conf_path = prefix.join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("write nginx.conf");
        let mut child = Command::new(nginx)
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(&conf_path)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let base = format!("http://127.0.0.1:{port}");
        let mut ready = false;
        for _ in 0..100 {
            let live = reqwest::get(format!("{base}/healthz/live")).await;
            if live.is_ok_and(|r| r.status().is_success()) {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if !ready {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "nginx did not start; see {}",
                prefix.join("error.log").display()
            );
        }
        Some(Self {
            base,
            conf: conf_path,
            prefix,
            child,
            _dir: dir,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Whether this process runs as root (nginx's workers then need `user root;` to use the
/// temporary folder), read from /proc without unsafe code.
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().next().map(|id| id == "0"))
        })
        .unwrap_or(false)
}

impl Drop for Balancer {
    fn drop(&mut self) {
        if let Some(nginx) = nginx() {
            let _ = Command::new(nginx)
                .arg("-p")
                .arg(&self.prefix)
                .arg("-c")
                .arg(&self.conf)
                .args(["-s", "stop"])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
