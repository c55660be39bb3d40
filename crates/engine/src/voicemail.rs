//! Delivery of voicemail messages left in the SIP core: each is stored (`voicemail_messages`)
//! and, when SMTP is configured and the box or its user has an e-mail address, mailed with
//! the WAV attached (seed 001), then deleted if the box says so. The box's new counts then
//! go to the phones subscribed to it (RFC 3842, through [`MailboxFeed`]).
//!
//! Invariants: a message is stored before it is mailed, so a mail failure never loses it
//! (the failure is logged with its reason); the WAV is read only once the recorder has
//! finished it (its header declares its samples), waiting at most [`FINISH_WAIT`].

use crate::core::VoicemailDone;
use crate::mailbox::MailboxFeed;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;
use vpbx_mail::{send_voicemail, SmtpConfig, VoicemailMail};
use vpbx_model::Extension;
use vpbx_store::{NewVoicemail, Store};

/// Longest wait for the recorder to finish a message file.
pub const FINISH_WAIT: Duration = Duration::from_secs(10);

/// Runs until the channel closes: stores and mails every message received, then refreshes
/// its box's message counts in `mwi` (whether or not the mail went out).
pub async fn deliver(
    store: Store,
    data_dir: PathBuf,
    smtp: Option<SmtpConfig>,
    mut messages: UnboundedReceiver<VoicemailDone>,
    mwi: MailboxFeed,
) {
    while let Some(message) = messages.recv().await {
        if let Err(e) = deliver_one(&store, &data_dir, smtp.as_ref(), &message).await {
            tracing::warn!(call = %message.call_id, extension = %message.extension, error = %e, "voicemail not delivered");
        }
        if let Ok(extension) = message.extension.parse::<Extension>() {
            mwi.refresh_box(&store, message.tenant, &extension).await;
        }
    }
}

/// Why a message was not stored or mailed.
#[derive(Debug, thiserror::Error)]
enum DeliveryError {
    #[error("store: {0}")]
    Store(#[from] vpbx_store::StoreError),
    #[error("mail: {0}")]
    Mail(#[from] vpbx_mail::MailError),
    #[error("file {0}: {1}")]
    File(String, std::io::Error),
    #[error("extension {0:?}: {1}")]
    Extension(String, vpbx_model::ModelError),
}

async fn deliver_one(
    store: &Store,
    data_dir: &Path,
    smtp: Option<&SmtpConfig>,
    m: &VoicemailDone,
) -> Result<(), DeliveryError> {
    let extension: Extension = m
        .extension
        .parse()
        .map_err(|e| DeliveryError::Extension(m.extension.clone(), e))?;
    let file = data_dir.join(&m.path);
    let wav = finished_wav(&file).await;
    let ts = store.tenant(m.tenant);
    let row = ts
        .add_voicemail(&NewVoicemail {
            extension: extension.clone(),
            caller: m.caller.clone(),
            call_id: m.call_id.clone(),
            path: m.path.clone(),
            duration_ms: m.duration_ms,
            bytes: wav.as_ref().map_or(0, |w| w.len() as u64),
            created_at: m.created_at,
        })
        .await?;
    tracing::info!(call = %m.call_id, extension = %m.extension, duration_ms = m.duration_ms, "voicemail stored");
    let Some(smtp) = smtp else {
        return Ok(());
    };
    let Some(vbox) = ts.voicemail_box(&extension).await? else {
        return Ok(());
    };
    let email = match vbox.email {
        Some(e) => Some(e),
        None => ts.get_user(&extension).await?.and_then(|u| u.email),
    };
    let Some(email) = email else {
        return Ok(());
    };
    let wav = wav.map_err(|e| DeliveryError::File(m.path.clone(), e))?;
    let mail = VoicemailMail {
        domain: m.domain.clone(),
        extension: m.extension.clone(),
        caller: m.caller.clone(),
        received_at_ms: m.created_at,
        duration_ms: m.duration_ms,
        wav,
        file_name: format!("voicemail-{}.wav", m.call_id),
    };
    send_voicemail(smtp, email.as_str(), &mail).await?;
    let now_ms = crate::server::unix_now_ms();
    tracing::info!(call = %m.call_id, to = %email, "voicemail mailed");
    if let Some(path) = ts
        .voicemail_emailed(row.id, now_ms, vbox.delete_after_send)
        .await?
    {
        if let Err(e) = tokio::fs::remove_file(data_dir.join(&path)).await {
            tracing::warn!(%path, error = %e, "mailed voicemail could not be deleted");
        }
    }
    Ok(())
}

/// The bytes of the WAV at `path` once its header declares its samples (the recorder
/// finalizes it shortly after the call ends), or what is there after [`FINISH_WAIT`].
async fn finished_wav(path: &Path) -> Result<Vec<u8>, std::io::Error> {
    let deadline = tokio::time::Instant::now() + FINISH_WAIT;
    loop {
        let bytes = tokio::fs::read(path).await;
        let done = bytes
            .as_ref()
            .is_ok_and(|b| vpbx_codec::wav::probe(b).is_ok_and(|i| i.frames > 0));
        if done || tokio::time::Instant::now() >= deadline {
            return bytes;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
