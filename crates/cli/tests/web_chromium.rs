//! The web cabinet end to end in headless Chromium (WebDriver via chromedriver): a real
//! `vpbx serve` with `--http`, a tenant and its admin made with the CLI, one CDR left by a
//! real sipp call, then in the browser: log in through the form, add a user on the users
//! page and see it listed, search the calls by number and find the CDR.
//!
//! Everything runs on 127.0.0.1; every wait is bounded; chromedriver and the browser are
//! killed when the test ends.

mod common;

use common::{eventually, free_port, rtp_range, vpbx_ok, Server, Sipp};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The tenant the test works in.
const DOMAIN: &str = "web.example";
/// The cabinet login of its admin.
const ADMIN: (&str, &str) = ("webadmin", "admin-pass-1");
/// Longest any page element is waited for.
const WAIT: Duration = Duration::from_secs(15);
/// An SDP offer for call_uac_fail.xml.
const PCMA_OFFER: &str = "v=0\n\
    o=caller 1 1 IN IP4 127.0.0.1\n\
    s=-\n\
    c=IN IP4 127.0.0.1\n\
    t=0 0\n\
    m=audio [media_port] RTP/AVP 8\n\
    a=rtpmap:8 PCMA/8000\n";

/// Whether chromium and chromedriver are installed; this test needs both.
fn require_chromium() {
    let runs = |cmd: &str| {
        Command::new(cmd)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    assert!(
        runs("chromium") && runs("chromedriver"),
        "chromium or chromedriver is missing: run scripts/test.sh (it installs chromium and \
         chromium-driver) or apt-get install chromium chromium-driver"
    );
}

/// A chromedriver child process on a loopback port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    /// Starts chromedriver and waits (bounded) until it listens.
    fn start() -> Driver {
        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn chromedriver");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let driver = Driver {
            child,
            url: format!("http://{addr}"),
        };
        eventually("chromedriver listening", || {
            TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
        });
        driver
    }

    /// A headless Chromium session with its own profile in `profile`.
    async fn browser(&self, profile: &Path) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }),
        );
        tokio::time::timeout(
            Duration::from_secs(60),
            ClientBuilder::new(HttpConnector::new())
                .capabilities(caps)
                .connect(&self.url),
        )
        .await
        .expect("chromium did not start within 60 s")
        .expect("WebDriver session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Fills the field `name` of the page's form `form` (a CSS selector) with `value`.
async fn fill(c: &Client, form: &str, name: &str, value: &str) {
    c.find(Locator::Css(&format!("{form} [name={name}]")))
        .await
        .unwrap_or_else(|e| panic!("field {name} in {form}: {e}"))
        .send_keys(value)
        .await
        .expect("type");
}

/// Waits (bounded by [`WAIT`]) until an element matching `css` exists and its text
/// satisfies `ok`, and returns that text (or the last text seen, empty if none). After a
/// click the page changes under the test: an element found on the old page can go stale
/// or still show the old content, so the element is looked up again on every try.
async fn text_until(c: &Client, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + WAIT;
    let mut last = String::new();
    loop {
        if let Ok(element) = c.find(Locator::Css(css)).await {
            if let Ok(text) = element.text().await {
                if ok(&text) {
                    return text;
                }
                last = text;
            }
        }
        if std::time::Instant::now() >= deadline {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (bounded by [`WAIT`]) until the browser's URL satisfies `ok`; returns it.
async fn url_until(c: &Client, ok: impl Fn(&str) -> bool) -> Result<String, String> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let url = c
            .current_url()
            .await
            .map_err(|e| e.to_string())?
            .to_string();
        if ok(&url) || std::time::Instant::now() >= deadline {
            return Ok(url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cabinet_in_chromium_logs_in_adds_a_user_and_finds_a_call() {
    require_chromium();
    let data = tempfile::tempdir().expect("tempdir");
    for cmd in [
        &["tenant", "create", DOMAIN][..],
        &["user", "add", DOMAIN, "1000", "--password", "p1000web"],
        &["user", "add", DOMAIN, "1001", "--password", "p1001web"],
        &[
            "account",
            "add",
            ADMIN.0,
            "--tenant",
            DOMAIN,
            "--role",
            "admin",
            "--password",
            ADMIN.1,
        ],
    ] {
        vpbx_ok(data.path(), cmd);
    }
    let range = rtp_range();
    let (server, http) = Server::start_with_http(data.path(), &["--rtp-ports", &range]);

    // One CDR: 1000 calls 1001, which is not registered: 480, a FAILED record.
    let (ok, out) = Sipp::new("call_uac_fail.xml", 480)
        .call("1000", DOMAIN, "p1000web", "1001")
        .body(PCMA_OFFER)
        .run(server.addr());
    assert!(
        ok,
        "call to unregistered 1001 must get 480:\n{out}\n{}",
        server.log_text()
    );
    eventually("the call's CDR", || {
        let rows: Value =
            serde_json::from_str(&vpbx_ok(&server.data, &["cdr", "list", DOMAIN, "--json"]))
                .expect("cdr list --json");
        rows.as_array().is_some_and(|r| !r.is_empty())
    });

    let driver = Driver::start();
    let profile = tempfile::tempdir().expect("profile dir");
    let c = driver.browser(profile.path()).await;
    let result = drive(&c, &format!("http://{http}")).await;
    let _ = c.close().await;
    drop(driver);
    if let Err(e) = result {
        panic!("{e}\n--- server log:\n{}", server.log_text());
    }
}

/// The browser part; an error says which step failed.
async fn drive(c: &Client, base: &str) -> Result<(), String> {
    // Logged out, a page leads to the login form, which leads back to it.
    let users = format!("{base}/t/{DOMAIN}/users");
    c.goto(&users)
        .await
        .map_err(|e| format!("open {users}: {e}"))?;
    let login = "form[action='/login']";
    text_until(c, login, |_| true).await;
    fill(c, login, "username", ADMIN.0).await;
    fill(c, login, "password", ADMIN.1).await;
    c.find(Locator::Css(&format!("{login} button[type=submit]")))
        .await
        .map_err(|e| format!("login button: {e}"))?
        .click()
        .await
        .map_err(|e| format!("log in: {e}"))?;
    let who = text_until(c, "nav .who", |t| t.contains(ADMIN.0)).await;
    if !who.contains(ADMIN.0) {
        return Err(format!("after login the page shows {who:?}"));
    }
    let users_path = format!("/t/{DOMAIN}/users");
    let url = url_until(c, |u| u.ends_with(&users_path)).await?;
    if !url.ends_with(&users_path) {
        return Err(format!("login returned to {url}, not the users page"));
    }

    // Add a user through the form and see it in the list.
    let add = format!("form[action='/t/{DOMAIN}/users']");
    fill(c, &add, "extension", "1002").await;
    fill(c, &add, "password", "sip-pass-1002").await;
    fill(c, &add, "name", "Web User").await;
    c.find(Locator::Css(&format!("{add} button[type=submit]")))
        .await
        .map_err(|e| format!("add button: {e}"))?
        .click()
        .await
        .map_err(|e| format!("add user: {e}"))?;
    let row = text_until(c, "tr#user-1002", |t| t.contains("Web User")).await;
    if !row.contains("Web User") {
        return Err(format!("the new user's row reads {row:?}"));
    }

    // Search the calls by number and find the CDR.
    let cdrs = format!("{base}/t/{DOMAIN}/cdrs");
    c.goto(&cdrs)
        .await
        .map_err(|e| format!("open {cdrs}: {e}"))?;
    let search = format!("form[action='/t/{DOMAIN}/cdrs']");
    fill(c, &search, "number", "1001").await;
    c.find(Locator::Css(&format!("{search} button[type=submit]")))
        .await
        .map_err(|e| format!("search button: {e}"))?
        .click()
        .await
        .map_err(|e| format!("search: {e}"))?;
    let url = url_until(c, |u| u.contains("number=1001")).await?;
    if !url.contains("number=1001") {
        return Err(format!("the search went to {url}"));
    }
    let table = text_until(c, "table.calls tbody", |t| t.contains("FAILED")).await;
    if !(table.contains("1000") && table.contains("1001") && table.contains("FAILED")) {
        return Err(format!("the CDR is not in the results: {table:?}"));
    }
    Ok(())
}
