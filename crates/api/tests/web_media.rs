//! The cabinet's media pages in-process: prompts (multipart WAV upload with its CSRF
//! token, text form validation, player, removal), IVR menus (create, view, edit with the
//! store's validation shown on the page, removal), voicemail (set up a box, settings with
//! their errors, messages with a player and delete) and music on hold on the options page;
//! tenant users read only their own mailbox, other tenants get 404.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use common::{Fixture, Reply};
use http_body_util::BodyExt;
use serde_json::Value;
use std::net::SocketAddr;
use tower::ServiceExt;
use vpbx_store::{NewUser, NewVoicemail};

const T: &str = "/t/a.example";

/// `s` percent-encoded for a form body.
fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A 16-bit mono PCM WAV file of `millis` ms of a tone at 16 kHz.
fn wav(millis: u32) -> Vec<u8> {
    let rate = 16_000u32;
    let frames = rate * millis / 1000;
    let data_len = frames * 2;
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * 2).to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..frames {
        let v = ((f64::from(i) / 16.0).sin() * 8000.0) as i16;
        b.extend_from_slice(&v.to_le_bytes());
    }
    b
}

/// POSTs a multipart form with text `fields` and a `file` part, as a browser does.
async fn post_multipart(
    f: &Fixture,
    uri: &str,
    cookie: &str,
    fields: &[(&str, &str)],
    file: &[u8],
) -> Reply {
    let boundary = "----vpbxTestBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\
             Content-Type: audio/wav\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut req = Request::builder()
        .method("POST")
        .uri(uri)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("content-length", body.len())
        .header("cookie", cookie)
        .body(Body::from(body))
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 20], 40000))));
    let res = f.app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: Value::String(String::from_utf8_lossy(&bytes).into_owned()),
    }
}

/// Adds extensions 1000 (with an e-mail address) and 1001 to a.example.
async fn users(f: &Fixture) {
    let ts = f.tenant("a.example").await;
    for (ext, email) in [("1000", Some("carol@a.example")), ("1001", None)] {
        let user = NewUser {
            extension: ext.parse().unwrap(),
            name: None,
            email: email.map(|e| e.parse().unwrap()),
            ha1_md5: "0".repeat(32),
            ha1_sha256: "0".repeat(64),
            call_limit: None,
            busy_level: None,
        };
        ts.add_user(&user, 1).await.unwrap();
    }
}

/// Uploads prompt `name` through the cabinet as `cookie`; asserts it is stored.
async fn upload(f: &Fixture, cookie: &str, name: &str) {
    let token = f.csrf(&format!("{T}/prompts"), cookie).await;
    let r = post_multipart(
        f,
        &format!("{T}/prompts/upload"),
        cookie,
        &[("csrf", &token), ("name", name)],
        &wav(500),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), format!("{T}/prompts"));
}

#[tokio::test]
async fn prompts_are_uploaded_listed_played_and_removed() {
    let f = Fixture::new().await;
    let alice = f.web_login("alice").await;
    let page = f.page(&format!("{T}/prompts"), Some(&alice)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("No prompts yet."), "{}", page.text());
    assert!(page.text().contains(r#"enctype="multipart/form-data""#));
    assert!(
        page.text().contains(&format!(r#"href="{T}/prompts""#)),
        "nav link"
    );

    upload(&f, &alice, "welcome").await;
    let page = f.page(&format!("{T}/prompts"), Some(&alice)).await;
    assert!(
        page.text().contains(r#"id="prompt-welcome""#),
        "{}",
        page.text()
    );
    assert!(page
        .text()
        .contains(r#"src="/api/v1/tenants/a.example/prompts/welcome""#));
    let ts = f.tenant("a.example").await;
    let stored = ts.get_prompt(&"welcome".parse().unwrap()).await.unwrap();
    assert_eq!(stored.unwrap().duration_ms, 500);
    // The player's source is served to the session.
    let audio = f
        .page("/api/v1/tenants/a.example/prompts/welcome", Some(&alice))
        .await;
    assert_eq!(audio.status, StatusCode::OK);
    assert_eq!(audio.headers["content-type"], "audio/wav");

    // Without the session's token nothing is stored.
    let token = f.csrf(&format!("{T}/prompts"), &alice).await;
    let r = post_multipart(
        &f,
        &format!("{T}/prompts/upload"),
        &alice,
        &[("csrf", "00"), ("name", "sneaky")],
        &wav(100),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Bad input is shown next to the form, naming the field.
    for (name, file, field) in [
        ("Bad Name", wav(100), "name"),
        ("noise", b"not a wav file".to_vec(), "file"),
        ("empty", Vec::new(), "file"),
    ] {
        let r = post_multipart(
            &f,
            &format!("{T}/prompts/upload"),
            &alice,
            &[("csrf", &token), ("name", name)],
            &file,
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: {}", r.text());
        assert!(
            r.text().contains(&format!("<strong>{field}</strong>")),
            "{name}: {}",
            r.text()
        );
    }
    assert_eq!(ts.list_prompts().await.unwrap().len(), 1);
    let r = f
        .post_form(
            &format!("{T}/prompts/say"),
            Some(&alice),
            &format!("csrf={token}&name={}&text=Hello", enc("Bad Name")),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains("<strong>name</strong>"), "{}", r.text());
    assert!(r.text().contains("Hello"), "the text is kept: {}", r.text());
    // Spoken by espeak-ng, like the API's `say` (the API tests need it installed too).
    let r = f
        .post_form(
            &format!("{T}/prompts/say"),
            Some(&alice),
            &format!("csrf={token}&name=hello&text={}&voice=", enc("Hello there")),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = f.page(&format!("{T}/prompts"), Some(&alice)).await;
    assert!(page.text().contains("text: Hello there"), "{}", page.text());
    let r = f
        .post_form(
            &format!("{T}/prompts/hello/delete"),
            Some(&alice),
            &format!("csrf={token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    let r = f
        .post_form(
            &format!("{T}/prompts/welcome/delete"),
            Some(&alice),
            &format!("csrf={token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(ts.list_prompts().await.unwrap().is_empty());
}

#[tokio::test]
async fn media_pages_keep_tenants_and_roles_apart() {
    let f = Fixture::new().await;
    users(&f).await;
    let alice = f.web_login("alice").await;
    upload(&f, &alice, "welcome").await;
    let bob = f.web_login("bob").await;
    let carol = f.web_login("carol").await;
    for page in ["prompts", "ivr", "voicemail", "voicemail/1000", "options"] {
        let r = f.page(&format!("{T}/{page}"), Some(&bob)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "bob: {page}");
    }
    for page in ["prompts", "ivr", "options"] {
        let r = f.page(&format!("{T}/{page}"), Some(&carol)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "carol: {page}");
    }
    // Posts of another tenant are 404, of a user 403, even with their own valid token.
    let bob_token = f.csrf("/", &bob).await;
    let carol_token = f.csrf("/", &carol).await;
    for (path, body) in [
        ("prompts/welcome/delete", String::new()),
        (
            "ivr",
            "name=main&timeout_secs=5&repeats=3&on_timeout=hangup".into(),
        ),
        ("voicemail", "extension=1000".into()),
        ("voicemail/1000", "max_seconds=60".into()),
        ("options/moh", "prompt=welcome".into()),
    ] {
        let uri = format!("{T}/{path}");
        let r = f
            .post_form(&uri, Some(&bob), &format!("csrf={bob_token}&{body}"))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "bob: {path}");
        let r = f
            .post_form(&uri, Some(&carol), &format!("csrf={carol_token}&{body}"))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "carol: {path}");
    }
    let r = post_multipart(
        &f,
        &format!("{T}/prompts/upload"),
        &bob,
        &[("csrf", &bob_token), ("name", "x")],
        &wav(100),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Logged out: to the login form.
    let r = f.page(&format!("{T}/voicemail"), None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"));
    let ts = f.tenant("a.example").await;
    assert_eq!(ts.list_prompts().await.unwrap().len(), 1);
    assert!(ts.voicemail_boxes().await.unwrap().is_empty());
}

#[tokio::test]
async fn ivr_menus_are_created_viewed_edited_and_removed() {
    let f = Fixture::new().await;
    users(&f).await;
    let alice = f.web_login("alice").await;
    upload(&f, &alice, "welcome").await;
    let ts = f.tenant("a.example").await;
    let page = f.page(&format!("{T}/ivr"), Some(&alice)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("No menus yet."), "{}", page.text());
    let token = f.csrf(&format!("{T}/ivr"), &alice).await;
    let form = |name: &str, prompts: &str, options: &str| {
        format!(
            "csrf={token}&name={name}&prompts={}&timeout_secs=7&repeats=2&options={}&on_timeout=hangup&invalid_prompt=",
            enc(prompts),
            enc(options)
        )
    };
    let r = f
        .post_form(
            &format!("{T}/ivr"),
            Some(&alice),
            &form("main", "welcome", "1 ext:1001\n2 voicemail:1000\n"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), format!("{T}/ivr/main"));
    let menu = ts
        .get_menu(&"main".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(menu.menu.timeout_secs, 7);
    assert_eq!(menu.menu.options.len(), 2);

    let page = f.page(&format!("{T}/ivr"), Some(&alice)).await;
    assert!(page.text().contains(r#"id="menu-main""#), "{}", page.text());
    let page = f.page(&format!("{T}/ivr/main"), Some(&alice)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("1 ext:1001"), "{}", page.text());
    assert_eq!(
        f.page(&format!("{T}/ivr/nope"), Some(&alice)).await.status,
        StatusCode::NOT_FOUND
    );

    // Malformed fields and the store's checks are shown on the page; nothing changes.
    for (body, shown) in [
        (
            form("main", "welcome", "1 dial:5"),
            "<strong>options</strong>",
        ),
        (form("main", "welcome", "12 hangup"), "line 1"),
        (form("main", "missing", "1 hangup"), "missing"),
        (form("main", "welcome", "1 ext:1999"), "1999"),
        (
            format!(
                "csrf={token}&name=main&prompts=welcome&timeout_secs=x&repeats=2&on_timeout=hangup"
            ),
            "<strong>timeout_secs</strong>",
        ),
        (form("Bad Name", "welcome", ""), "<strong>name</strong>"),
    ] {
        let r = f.post_form(&format!("{T}/ivr"), Some(&alice), &body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text());
        assert!(r.text().contains(shown), "{shown}: {}", r.text());
    }
    assert_eq!(
        ts.get_menu(&"main".parse().unwrap())
            .await
            .unwrap()
            .unwrap(),
        menu
    );

    // An edit keeps the menu's schedule fields and changes the rest.
    let r = f
        .post_form(
            &format!("{T}/ivr"),
            Some(&alice),
            &format!(
                "{}&extension_dialing=on",
                form("main", "welcome welcome", "0 repeat")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let edited = ts
        .get_menu(&"main".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(edited.menu.prompts.len(), 2);
    assert!(edited.menu.extension_dialing);
    assert_eq!(edited.menu.timezone, menu.menu.timezone);
    assert_eq!(edited.created_at, menu.created_at);

    // A menu used by another cannot be removed; the reason is shown.
    let r = f
        .post_form(
            &format!("{T}/ivr"),
            Some(&alice),
            &form("front", "welcome", "9 ivr:main"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = f
        .post_form(
            &format!("{T}/ivr/main/delete"),
            Some(&alice),
            &format!("csrf={token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains("menu front"), "{}", r.text());
    for name in ["front", "main"] {
        let r = f
            .post_form(
                &format!("{T}/ivr/{name}/delete"),
                Some(&alice),
                &format!("csrf={token}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.text());
    }
    assert!(ts.list_menus().await.unwrap().is_empty());
}

#[tokio::test]
async fn voicemail_boxes_are_set_up_changed_and_their_messages_played_and_deleted() {
    let f = Fixture::new().await;
    users(&f).await;
    let alice = f.web_login("alice").await;
    upload(&f, &alice, "greet").await;
    let ts = f.tenant("a.example").await;
    let t = ts.id().0;
    let page = f.page(&format!("{T}/voicemail"), Some(&alice)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("No voicemail boxes yet."),
        "{}",
        page.text()
    );
    assert!(page.text().contains(r#"<option value="1001">"#));
    let token = f.csrf(&format!("{T}/voicemail"), &alice).await;
    for ext in ["1000", "1001"] {
        let r = f
            .post_form(
                &format!("{T}/voicemail"),
                Some(&alice),
                &format!("csrf={token}&extension={ext}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.location(), format!("{T}/voicemail/{ext}"));
    }
    let r = f
        .post_form(
            &format!("{T}/voicemail"),
            Some(&alice),
            &format!("csrf={token}&extension=1000"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("has a box already"), "{}", r.text());
    let page = f.page(&format!("{T}/voicemail"), Some(&alice)).await;
    assert!(page.text().contains(r#"id="box-1000""#) && page.text().contains("carol@a.example"));

    let settings = format!("{T}/voicemail/1000");
    let r = f
        .post_form(
            &settings,
            Some(&alice),
            &format!(
                "csrf={token}&enabled=on&email={}&greeting=greet&max_seconds=60",
                enc("vm@a.example")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let vm = ts
        .voicemail_box(&"1000".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(vm.max_seconds, 60);
    assert_eq!(vm.greeting.unwrap().as_str(), "greet");
    assert!(!vm.delete_after_send);
    for (body, field) in [
        ("max_seconds=9999", "max_seconds"),
        ("max_seconds=soon", "max_seconds"),
        ("max_seconds=60&greeting=nope", "greeting"),
        ("max_seconds=60&email=not-mail", "email"),
    ] {
        let r = f
            .post_form(&settings, Some(&alice), &format!("csrf={token}&{body}"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text());
        assert!(
            r.text().contains(&format!("<strong>{field}</strong>")),
            "{body}: {}",
            r.text()
        );
    }
    assert_eq!(
        ts.voicemail_box(&"1000".parse().unwrap())
            .await
            .unwrap()
            .unwrap()
            .max_seconds,
        60
    );

    // Messages: a player per kept message, delete removes the row and the file.
    let rel = format!("voicemail/{t}/1000/m1.wav");
    let file = f._dir.path().join(&rel);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, wav(200)).unwrap();
    let m = ts
        .add_voicemail(&NewVoicemail {
            extension: "1000".parse().unwrap(),
            caller: "+74951234567".into(),
            call_id: "call-1".into(),
            path: rel,
            duration_ms: 200,
            bytes: 6444,
            created_at: 1_700_000_000_000,
        })
        .await
        .unwrap();
    let audio = format!(
        "/api/v1/tenants/a.example/voicemail/1000/messages/{}/audio",
        m.id
    );
    let page = f.page(&settings, Some(&alice)).await;
    assert!(
        page.text().contains(&format!(r#"src="{audio}""#)),
        "{}",
        page.text()
    );
    assert!(page.text().contains("+74951234567"));
    assert!(
        page.text().contains(r#"<option value="greet" selected>"#),
        "{}",
        page.text()
    );

    // Carol (extension 1000) sees her box and plays her messages, read-only.
    let carol = f.web_login("carol").await;
    let page = f.page(&format!("{T}/voicemail"), Some(&carol)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains(r#"id="box-1000""#));
    assert!(!page.text().contains(r#"id="box-1001""#), "{}", page.text());
    assert!(!page.text().contains("Set up a box"));
    let mine = f.page(&settings, Some(&carol)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.text().contains(&format!(r#"src="{audio}""#)));
    assert!(
        !mine.text().contains("/delete"),
        "no delete for users: {}",
        mine.text()
    );
    assert_eq!(f.page(&audio, Some(&carol)).await.status, StatusCode::OK);
    assert_eq!(
        f.page(&format!("{T}/voicemail/1001"), Some(&carol))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let carol_token = f.csrf(&format!("{T}/voicemail"), &carol).await;
    let r = f
        .post_form(
            &format!("{T}/voicemail/1000/messages/{}/delete", m.id),
            Some(&carol),
            &format!("csrf={carol_token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r = f
        .post_form(
            &format!("{T}/voicemail/1000/messages/{}/delete", m.id),
            Some(&alice),
            &format!("csrf={token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(!file.exists());
    assert!(ts
        .list_voicemail(&"1000".parse().unwrap())
        .await
        .unwrap()
        .is_empty());

    let r = f
        .post_form(
            &format!("{T}/voicemail/1001/delete"),
            Some(&alice),
            &format!("csrf={token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(ts.voicemail_boxes().await.unwrap().len(), 1);
}

#[tokio::test]
async fn music_on_hold_is_chosen_on_the_options_page() {
    let f = Fixture::new().await;
    let alice = f.web_login("alice").await;
    upload(&f, &alice, "music").await;
    let ts = f.tenant("a.example").await;
    let page = f.page(&format!("{T}/options"), Some(&alice)).await;
    assert!(
        page.text().contains("Music on hold is off"),
        "{}",
        page.text()
    );
    assert!(
        page.text().contains(r#"<option value="music">"#),
        "{}",
        page.text()
    );
    let token = f.csrf(&format!("{T}/options"), &alice).await;
    let moh = format!("{T}/options/moh");
    let r = f
        .post_form(&moh, Some(&alice), &format!("csrf={token}&prompt=music"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(ts.moh().await.unwrap().unwrap().as_str(), "music");
    let page = f.page(&format!("{T}/options"), Some(&alice)).await;
    assert!(page.text().contains("Held callers hear the prompt"));
    assert!(page.text().contains(r#"<option value="music" selected>"#));
    let r = f
        .post_form(&moh, Some(&alice), &format!("csrf={token}&prompt=nope"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("<strong>prompt</strong>"), "{}", r.text());
    assert_eq!(ts.moh().await.unwrap().unwrap().as_str(), "music");
    let r = f
        .post_form(&moh, Some(&alice), &format!("csrf={token}&prompt="))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(ts.moh().await.unwrap(), None);
    let r = f.post_form(&moh, Some(&alice), "prompt=music").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
    assert_eq!(ts.moh().await.unwrap(), None);
}
