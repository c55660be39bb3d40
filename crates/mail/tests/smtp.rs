//! `send_voicemail` against a tiny SMTP sink on 127.0.0.1 (RFC 5321: greeting, EHLO,
//! MAIL, RCPT, DATA, QUIT): the captured message carries the right envelope and headers
//! and an `audio/wav` attachment that decodes to the original bytes; a refused recipient,
//! a closed port and a silent server each fail quickly with a clear error.

use base64::Engine as _;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use vpbx_mail::{send_voicemail, MailError, Security, SmtpConfig, VoicemailMail};

/// What the sink saw of one session.
#[derive(Debug, Default)]
struct Captured {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: String,
}

/// Serves one SMTP session on a loopback port; RCPT gets `rcpt_reply`. Returns the port
/// and the session's capture.
async fn sink(rcpt_reply: &'static str) -> (u16, oneshot::Receiver<Captured>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        let mut got = Captured::default();
        write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await.unwrap() == 0 {
                break;
            }
            let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
            let reply: &str = match verb.as_str() {
                "EHLO" | "HELO" => "250 sink\r\n",
                "MAIL" => {
                    got.mail_from = line.trim_end().to_owned();
                    "250 2.1.0 ok\r\n"
                }
                "RCPT" => {
                    got.rcpt_to.push(line.trim_end().to_owned());
                    rcpt_reply
                }
                "DATA" => {
                    write.write_all(b"354 go ahead\r\n").await.unwrap();
                    let mut data = String::new();
                    while !data.ends_with("\r\n.\r\n") {
                        if lines.read_line(&mut data).await.unwrap() == 0 {
                            break;
                        }
                    }
                    got.data = data;
                    "250 2.0.0 queued\r\n"
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                }
                "RSET" | "NOOP" => "250 ok\r\n",
                _ => "502 5.5.2 unknown command\r\n",
            };
            write.write_all(reply.as_bytes()).await.unwrap();
        }
        let _ = tx.send(got);
    });
    (port, rx)
}

fn config(port: u16) -> SmtpConfig {
    let mut c = SmtpConfig::new(
        "127.0.0.1",
        port,
        Security::None,
        "Voicemail <vm@pbx.example>".parse().unwrap(),
    );
    c.timeout = Duration::from_secs(2);
    c
}

/// A WAV file with every byte value, so a lossy transfer would show.
fn wav() -> Vec<u8> {
    let mut w = b"RIFF\x24\x08\x00\x00WAVEfmt ".to_vec();
    w.extend((0..4096u32).map(|i| (i % 256) as u8));
    w
}

fn mail() -> VoicemailMail {
    VoicemailMail {
        domain: "acme.example".into(),
        extension: "1000".into(),
        caller: "+74951234567".into(),
        received_at_ms: 1_772_359_200_000,
        duration_ms: 17_000,
        wav: wav(),
        file_name: "voicemail-1000.wav".into(),
    }
}

/// The decoded body of the MIME part whose headers contain `content_type`.
fn attachment(data: &str, content_type: &str) -> Vec<u8> {
    let start = data.find(content_type).expect("the attachment part");
    let part = &data[start..];
    let body_at = part.find("\r\n\r\n").expect("part body") + 4;
    let body: String = part[body_at..]
        .lines()
        .take_while(|l| !l.starts_with("--"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .expect("base64 body")
}

#[tokio::test]
async fn the_voicemail_arrives_with_its_wav_attached() {
    let (port, captured) = sink("250 2.1.5 ok\r\n").await;
    send_voicemail(&config(port), "Alice <alice@acme.example>", &mail())
        .await
        .expect("sent");
    let got = captured.await.unwrap();
    assert_eq!(got.mail_from, "MAIL FROM:<vm@pbx.example>");
    assert_eq!(got.rcpt_to, ["RCPT TO:<alice@acme.example>"]);
    let headers = &got.data[..got.data.find("\r\n\r\n").unwrap()];
    assert!(
        headers.contains("From: Voicemail <vm@pbx.example>"),
        "{headers}"
    );
    assert!(
        headers.contains("To: Alice <alice@acme.example>"),
        "{headers}"
    );
    assert!(
        headers.contains("Subject: Voicemail for 1000 from +74951234567 (0:17)"),
        "{headers}"
    );
    assert!(headers.contains("multipart/mixed"), "{headers}");
    assert!(
        got.data
            .contains("New voicemail for 1000 from +74951234567, 0:17, received 2026-03-01"),
        "{}",
        got.data
    );
    assert!(
        got.data.contains("filename=\"voicemail-1000.wav\""),
        "{}",
        got.data
    );
    assert_eq!(attachment(&got.data, "Content-Type: audio/wav"), wav());
}

#[tokio::test]
async fn a_refused_recipient_is_a_permanent_error_with_the_reply() {
    let (port, _captured) = sink("550 5.1.1 <nobody@acme.example>: user unknown\r\n").await;
    let err = send_voicemail(&config(port), "nobody@acme.example", &mail())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MailError::Refused { code: 550, .. }),
        "{err:?}"
    );
    assert!(err.is_permanent());
    let text = err.to_string();
    assert!(
        text.contains("refused the message: 550")
            && text.contains("<nobody@acme.example>: user unknown"),
        "{text}"
    );
}

#[tokio::test]
async fn a_closed_port_is_unreachable_at_once() {
    // Bind and drop to get a port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let err = send_voicemail(&config(port), "alice@acme.example", &mail())
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(&err, MailError::Unreachable { .. }), "{err:?}");
    assert!(!err.is_permanent());
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("cannot reach the SMTP server 127.0.0.1:{port}: ")),
        "{text}"
    );
}

#[tokio::test]
async fn a_silent_server_times_out_within_the_bound() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let silent = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(10)).await;
        drop(stream);
    });
    let mut c = config(port);
    c.timeout = Duration::from_secs(1);
    let started = Instant::now();
    let err = send_voicemail(&c, "alice@acme.example", &mail())
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "{err}");
    assert!(
        matches!(&err, MailError::Timeout { secs: 1, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("the SMTP server 127.0.0.1:{port} did not finish within 1 s")
    );
    silent.abort();
}

#[tokio::test]
async fn bad_settings_and_addresses_fail_before_connecting() {
    let mut remote = config(25);
    remote.host = "mail.example.com".into();
    let err = send_voicemail(&remote, "alice@acme.example", &mail())
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Config(_)), "{err:?}");
    let err = send_voicemail(&config(1), "alice at acme", &mail())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("bad e-mail address \"alice at acme\""),
        "{err}"
    );
}
