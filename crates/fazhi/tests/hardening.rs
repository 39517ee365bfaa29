//! End-to-end: the holes a black-box review of `fazhi serve --demo` found, each closed and kept
//! closed: open redirects, text input the database cannot hold, bodiless error answers, personal
//! data in caches, and a login rate limit that one proxy could trip for everyone or a forged
//! `X-Forwarded-For` could dodge. SQLite always, PostgreSQL when `FAZHI_TEST_PG` is set.

use fazhi_store::testing::{fresh_databases, TestDb};
use std::time::Duration;

mod common;
use common::{Server, DEMO_PASSWORD};

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .redirects(0)
        .build()
}

async fn each_backend(tag: &str, f: impl Fn(&TestDb)) {
    for t in fresh_databases(tag).await {
        f(&t);
        t.remove().await;
    }
}

/// Where a redirect sends the browser.
fn location(r: Result<ureq::Response, ureq::Error>) -> (u16, String) {
    let res = match r {
        Ok(res) => res,
        Err(ureq::Error::Status(_, res)) => res,
        Err(e) => panic!("transport error: {e}"),
    };
    (
        res.status(),
        res.header("location").unwrap_or_default().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn redirects_stay_on_this_site() {
    each_backend("e2e_redirect", |t| {
        let server = Server::start(&t.url);
        let go = |next: &str| {
            location(
                agent()
                    .get(&server.url(&format!("/lang/en?next={next}")))
                    .call(),
            )
        };
        for hostile in [
            "/%5Cevil.example/",
            "/%09/evil.example/",
            "/%0A/evil.example/",
            "//evil.example/",
            "/%2F/evil.example/",
            "https://evil.example/",
            "/home%5C..%5C%5Cevil.example",
            "%20/evil.example",
            "evil.example",
        ] {
            assert_eq!(
                go(hostile),
                (303, "/".into()),
                "{}: next={hostile}",
                t.label
            );
        }
        for local in ["/", "/home", "/cases?status=open", "/plans/1/items/2"] {
            assert_eq!(go(local), (303, local.into()), "{}: next={local}", t.label);
        }
        // Sign-in takes no `next`: it always lands on the workbench, whatever a link adds.
        let a = agent();
        let html = a
            .get(&server.url("/login?next=//evil.example/"))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        assert!(!html.contains("evil.example"), "{}", t.label);
        let res = a
            .post(&server.url("/login?next=//evil.example/"))
            .send_form(&[
                ("username", "bangongshi"),
                ("password", DEMO_PASSWORD),
                ("csrf", &common::csrf_of(&html)),
            ]);
        assert_eq!(location(res), (303, "/home".into()), "{}", t.label);
    })
    .await;
}
