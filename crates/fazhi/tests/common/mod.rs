//! Shared by the end-to-end tests: the real `fazhi serve` on a free port.
// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_fazhi");
pub const DEMO_PASSWORD: &str = "fazhi-demo-2008";

/// A running `fazhi serve --demo`, killed when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    /// Start `fazhi serve --demo` on port 0 against `db_url` and wait for the address it prints.
    pub fn start(db_url: &str) -> Server {
        Self::start_with_env(db_url, &[])
    }

    /// The same, with these environment variables set.
    pub fn start_with_env(db_url: &str, env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--db", db_url])
            .env("FAZHI_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start fazhi");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Keep reading to the end, so the server never writes to a closed pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("fazhi listening on ") {
                    let _ = tx.send(addr.to_string());
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the server prints its address");
        Server { child, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP agent signed in as a demo user (it keeps the session cookie).
pub fn signed_in(base: &str, username: &str) -> ureq::Agent {
    let a = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .redirects(0)
        .build();
    a.post(&format!("{base}/api/v1/session"))
        .send_json(ureq::json!({"username": username, "password": DEMO_PASSWORD}))
        .unwrap_or_else(|e| panic!("sign in as {username}: {e}"));
    a
}

/// The CSRF token of the first form on a page.
pub fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 19;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}
