//! Voice prompts of a tenant (issue 5 item 2), shared by the REST API and the `vpbx
//! prompt` commands: check an uploaded WAV file or synthesize text with `espeak-ng`,
//! convert it to 8 kHz mono 16-bit PCM (`vpbx_codec::wav`), and store it as
//! `DATA/tenants/<tenant id>/prompts/<name>.wav` with its metadata in the store.
//!
//! Invariants:
//! - Nothing is stored for input that fails a check: over [`MAX_PROMPT_BYTES`], longer than
//!   [`MAX_PROMPT_DURATION`], not a usable WAV file (the codec's reason), text outside
//!   1..=[`MAX_SAY_CHARS`] characters, an unknown voice.
//! - A prompt file is never half-written: it is written to a temporary file in the same
//!   directory and renamed over `<name>.wav` while the store's write lock is held, right
//!   before the row is committed (see `TenantStore::put_prompt`); a failure removes the
//!   temporary file and rolls the row back.
//! - `espeak-ng` runs with an argument list (never a shell); the text goes through its
//!   standard input, so no text can be taken for an option.
//! - Deleting a tenant cascades to its prompt rows; whoever deletes it removes
//!   `DATA/tenants/<tenant id>/` with [`remove_tenant_files`]. Tenant ids are never
//!   reused, so a directory left behind by a crash is never served to another tenant.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use tempfile::NamedTempFile;
use vpbx_codec::WavError;
use vpbx_model::{PromptName, TenantId};
use vpbx_store::{NewPrompt, PromptRow, PromptSource, StoreError, TenantStore};

/// Largest WAV file accepted, bytes (20 MiB).
pub const MAX_PROMPT_BYTES: u64 = 20 * 1024 * 1024;
/// Longest prompt accepted.
pub const MAX_PROMPT_DURATION: Duration = Duration::from_secs(10 * 60);
/// Most characters of text to synthesize.
pub const MAX_SAY_CHARS: usize = 2000;
/// The `espeak-ng` voice used when none is given.
pub const DEFAULT_VOICE: &str = "en";
/// Longest voice name accepted.
const MAX_VOICE_CHARS: usize = 40;
/// The speech synthesizer program.
const ESPEAK: &str = "espeak-ng";

/// What a prompt is made from.
#[derive(Clone, Debug)]
pub enum PromptInput {
    /// The bytes of a WAV file (any rate, bit depth and channel count the codec reads).
    Wav(Vec<u8>),
    /// Text for `espeak-ng` to speak.
    Say {
        /// The text, 1..=[`MAX_SAY_CHARS`] characters.
        text: String,
        /// The voice; [`DEFAULT_VOICE`] when `None`.
        voice: Option<String>,
    },
}

/// Why a prompt could not be stored, read or removed.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// The WAV file is over [`MAX_PROMPT_BYTES`].
    #[error(
        "the file is {bytes} bytes; prompts are limited to {} bytes (20 MB)",
        MAX_PROMPT_BYTES
    )]
    TooLarge {
        /// Size of the file, bytes.
        bytes: u64,
    },
    /// Not a usable WAV file, or longer than [`MAX_PROMPT_DURATION`] (the codec's reason).
    #[error("{}", wav_reason(.0))]
    Wav(WavError),
    /// The text to synthesize is empty, too long or has control characters.
    #[error("invalid text: {0}")]
    Text(String),
    /// The voice name is malformed or `espeak-ng` does not know it.
    #[error("unknown voice {0:?} (see espeak-ng --voices)")]
    Voice(String),
    /// `espeak-ng` is not installed on this host.
    #[error("espeak-ng is not installed (apt-get install espeak-ng)")]
    NoSynthesizer,
    /// `espeak-ng` failed for another reason.
    #[error("speech synthesis failed: {0}")]
    Synthesis(String),
    /// The prompt is not this tenant's, or the data directory is not configured.
    #[error("{0} not found")]
    NotFound(String),
    /// The store refused the write or failed.
    #[error(transparent)]
    Store(StoreError),
    /// Reading or writing the prompt file failed.
    #[error("prompt file: {0}")]
    Io(std::io::Error),
}

// The reasons are in the messages above; no `source`, so `{:#}` chains do not repeat them.
impl From<WavError> for PromptError {
    fn from(e: WavError) -> PromptError {
        PromptError::Wav(e)
    }
}

impl From<std::io::Error> for PromptError {
    fn from(e: std::io::Error) -> PromptError {
        PromptError::Io(e)
    }
}

impl From<StoreError> for PromptError {
    fn from(e: StoreError) -> PromptError {
        match e {
            StoreError::NotFound(what) => PromptError::NotFound(what),
            other => PromptError::Store(other),
        }
    }
}

/// The user-facing text of a WAV error: the duration limit in minutes, else the codec's
/// reason.
fn wav_reason(e: &WavError) -> String {
    match e {
        WavError::TooLong { duration_ms, .. } => format!(
            "the audio lasts {:.1} s; prompts are limited to {} minutes",
            *duration_ms as f64 / 1000.0,
            MAX_PROMPT_DURATION.as_secs() / 60
        ),
        other => other.to_string(),
    }
}

/// `DATA/tenants/<tenant id>`: every file a tenant owns outside the database.
pub fn tenant_dir(data: &Path, tenant: TenantId) -> PathBuf {
    data.join("tenants").join(tenant.0.to_string())
}

/// `DATA/tenants/<tenant id>/prompts`.
pub fn prompts_dir(data: &Path, tenant: TenantId) -> PathBuf {
    tenant_dir(data, tenant).join("prompts")
}

/// `DATA/tenants/<tenant id>/prompts/<name>.wav`.
pub fn prompt_path(data: &Path, tenant: TenantId, name: &PromptName) -> PathBuf {
    prompts_dir(data, tenant).join(format!("{name}.wav"))
}

/// `TooLarge` when a WAV file of `bytes` bytes is over [`MAX_PROMPT_BYTES`]; call it on a
/// file's size before reading it.
pub fn check_size(bytes: u64) -> Result<(), PromptError> {
    if bytes > MAX_PROMPT_BYTES {
        return Err(PromptError::TooLarge { bytes });
    }
    Ok(())
}

/// A prompt converted and written to a temporary file, ready to be renamed in place.
struct Converted {
    /// Size of the 8 kHz mono 16-bit PCM WAV file, bytes.
    bytes: u64,
    /// Its length, milliseconds.
    duration_ms: u64,
    /// Upload or synthesized text.
    source: PromptSource,
}

/// Checks and converts `input` (synthesizing text first) and writes the result to a
/// temporary file in `dir` (created owner-only if missing): the slow part of storing a
/// prompt, run on the blocking pool. The temporary file is removed when dropped.
fn stage(input: PromptInput, dir: &Path) -> Result<(NamedTempFile, Converted), PromptError> {
    let (bytes, source) = match input {
        PromptInput::Wav(bytes) => {
            check_size(u64::try_from(bytes.len()).unwrap_or(u64::MAX))?;
            (bytes, PromptSource::Upload)
        }
        PromptInput::Say { text, voice } => {
            let voice = voice.unwrap_or_else(|| DEFAULT_VOICE.to_owned());
            let bytes = synthesize(&text, &voice)?;
            (bytes, PromptSource::Tts { text, voice })
        }
    };
    let samples = vpbx_codec::wav::read_8k_mono(&bytes, MAX_PROMPT_DURATION)?;
    drop(bytes);
    let mut wav = Cursor::new(Vec::with_capacity(44 + samples.len() * 2));
    vpbx_codec::wav::write_mono(&mut wav, &samples)?;
    let wav = wav.into_inner();
    create_private_dir(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".upload-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(&wav)?;
    tmp.as_file().sync_all()?;
    let converted = Converted {
        bytes: wav.len() as u64,
        duration_ms: samples.len() as u64 * 1000 / u64::from(vpbx_codec::SAMPLE_RATE),
        source,
    };
    Ok((tmp, converted))
}

/// Checks the text and voice of a `say` request, naming what is wrong.
pub fn check_say(text: &str, voice: &str) -> Result<(), PromptError> {
    let chars = text.chars().count();
    if text.trim().is_empty() || chars > MAX_SAY_CHARS {
        return Err(PromptError::Text(format!(
            "must be 1 to {MAX_SAY_CHARS} characters"
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(PromptError::Text(
            "must not contain control characters".into(),
        ));
    }
    let voice_ok = |b: u8| b.is_ascii_alphanumeric() || b"_-+/".contains(&b);
    if voice.is_empty()
        || voice.len() > MAX_VOICE_CHARS
        || voice.starts_with('-')
        || !voice.bytes().all(voice_ok)
    {
        return Err(PromptError::Voice(voice.to_owned()));
    }
    Ok(())
}

/// Speaks `text` with `espeak-ng -v VOICE -w TMP --stdin` and returns the WAV file it
/// wrote (22.05 kHz mono 16-bit).
fn synthesize(text: &str, voice: &str) -> Result<Vec<u8>, PromptError> {
    check_say(text, voice)?;
    let out = tempfile::Builder::new()
        .prefix("vpbx-tts-")
        .suffix(".wav")
        .tempfile()?;
    let mut child = Command::new(ESPEAK)
        .arg("-v")
        .arg(voice)
        .arg("-w")
        .arg(out.path())
        .arg("--stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => PromptError::NoSynthesizer,
            _ => PromptError::Synthesis(format!("cannot run {ESPEAK}: {e}")),
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A broken pipe means espeak-ng exited early (e.g. unknown voice): its status
        // and stderr below say why.
        let _ = stdin.write_all(text.as_bytes());
    }
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    let status = child.wait()?;
    if !status.success() {
        if stderr.contains("voice does not exist") {
            return Err(PromptError::Voice(voice.to_owned()));
        }
        let reason = stderr.lines().next().unwrap_or("").trim();
        return Err(PromptError::Synthesis(format!(
            "{ESPEAK} {status}: {reason}"
        )));
    }
    let bytes = std::fs::read(out.path())?;
    if bytes.is_empty() {
        return Err(PromptError::Synthesis(format!("{ESPEAK} wrote no audio")));
    }
    Ok(bytes)
}

/// Checks and converts `input`, then stores it as prompt `name` of `tenant` under the data
/// directory `data`: the file first (temporary file renamed in place inside the store's
/// write transaction), then the row. An existing prompt is replaced only with `replace`
/// (else `Store(AlreadyExists)`). Returns the row and whether it was created.
pub async fn save(
    tenant: &TenantStore,
    data: &Path,
    name: &PromptName,
    input: PromptInput,
    replace: bool,
    now: i64,
) -> Result<(PromptRow, bool), PromptError> {
    let dir = prompts_dir(data, tenant.id());
    let (tmp, converted) = tokio::task::spawn_blocking(move || stage(input, &dir))
        .await
        .map_err(|e| PromptError::Io(std::io::Error::other(format!("conversion task: {e}"))))??;
    let prompt = NewPrompt {
        name: name.clone(),
        duration_ms: converted.duration_ms,
        bytes: converted.bytes,
        source: converted.source,
    };
    let path = prompt_path(data, tenant.id(), name);
    let saved = tenant
        .put_prompt(&prompt, replace, now, move || {
            tmp.persist(&path).map(drop).map_err(|e| e.error)
        })
        .await?;
    Ok(saved)
}

/// Removes prompt `name` of `tenant`, its file with its row. A file already gone is not an
/// error.
pub async fn remove(
    tenant: &TenantStore,
    data: &Path,
    name: &PromptName,
) -> Result<(), PromptError> {
    let path = prompt_path(data, tenant.id(), name);
    tenant
        .remove_prompt(name, || match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        })
        .await?;
    Ok(())
}

/// The stored WAV file of prompt `name` of `tenant`, with its row; `NotFound("prompt
/// NAME")` if the tenant has no such prompt.
pub async fn read(
    tenant: &TenantStore,
    data: &Path,
    name: &PromptName,
) -> Result<(PromptRow, Vec<u8>), PromptError> {
    let row = tenant
        .get_prompt(name)
        .await?
        .ok_or_else(|| PromptError::NotFound(format!("prompt {name}")))?;
    // Removed by a concurrent `remove` since the row was read: gone, not an error.
    let bytes = match tokio::fs::read(prompt_path(data, tenant.id(), name)).await {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(PromptError::NotFound(format!("prompt {name}")))
        }
        other => other?,
    };
    Ok((row, bytes))
}

/// Removes every file of a deleted tenant (`DATA/tenants/<tenant id>/`); nothing to remove
/// is not an error. Call after the tenant's row is deleted.
pub fn remove_tenant_files(data: &Path, tenant: TenantId) -> std::io::Result<()> {
    match std::fs::remove_dir_all(tenant_dir(data, tenant)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Creates `dir` and its parents, owner-only (0700) like the data directory.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn say_checks_name_the_problem() {
        assert!(check_say("Hello", "en").is_ok());
        assert!(check_say("Hello", "en-us+f3").is_ok());
        assert!(matches!(check_say("", "en"), Err(PromptError::Text(_))));
        assert!(matches!(check_say("  \n", "en"), Err(PromptError::Text(_))));
        let long = "a".repeat(MAX_SAY_CHARS + 1);
        assert!(matches!(check_say(&long, "en"), Err(PromptError::Text(_))));
        assert!(check_say(&"я".repeat(MAX_SAY_CHARS), "ru").is_ok());
        assert!(matches!(check_say("a\0b", "en"), Err(PromptError::Text(_))));
        for bad in ["", "-w", "en us", "en;rm", "x".repeat(41).as_str()] {
            assert!(
                matches!(check_say("hi", bad), Err(PromptError::Voice(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn limits_are_explained() {
        assert!(check_size(MAX_PROMPT_BYTES).is_ok());
        let e = check_size(MAX_PROMPT_BYTES + 1).unwrap_err();
        assert!(e.to_string().contains("20 MB"), "{e}");
        let e = PromptError::from(WavError::TooLong {
            duration_ms: 660_000,
            limit_ms: 600_000,
        });
        assert_eq!(
            e.to_string(),
            "the audio lasts 660.0 s; prompts are limited to 10 minutes"
        );
        assert_eq!(
            PromptError::from(WavError::NotWav).to_string(),
            "not a WAV file"
        );
    }

    #[test]
    fn layout() {
        let name: PromptName = "welcome".parse().unwrap();
        assert_eq!(
            prompt_path(Path::new("/d"), TenantId(7), &name),
            Path::new("/d/tenants/7/prompts/welcome.wav")
        );
    }
}
