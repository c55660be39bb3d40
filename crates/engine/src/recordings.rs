//! Call recording at run time: which calls are recorded (the tenant's option, its quota and
//! the disk), where each file goes, and the sweeper that applies retention and watches the
//! free disk space — the seeds' "recordings filled the disk" problem handled by default.
//!
//! Invariants: a call is recorded only if its tenant records calls, the tenant's kept
//! recordings are below its quota and the data disk has at least the configured free space
//! (`vpbx serve --recording-min-free`, default [`MIN_FREE_BYTES`]); a refusal never affects
//! the call itself, and a recording in progress goes on when the disk gets low; files are
//! named by tenant id and call id under `recordings/`, so no tenant's file can land in
//! another's folder.

use crate::core::date::civil_from_days;
use crate::media::recorder::{Recorder, BYTES_PER_SECOND, HEADER_BYTES};
use crate::registry::TenantView;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use vpbx_model::TenantId;
use vpbx_store::Store;

/// Below this much free space on the data disk no new call is recorded, unless the
/// operator sets another threshold (`EngineConfig::recording_min_free`).
pub const MIN_FREE_BYTES: u64 = 256 * 1024 * 1024;
/// How often free space is checked.
const DISK_CHECK: Duration = Duration::from_secs(10);
/// How often retention is applied and quota use re-read from the store.
const SWEEP: Duration = Duration::from_secs(60);

/// Bytes of kept recordings per tenant, as of the last sweep plus calls recorded since.
#[derive(Debug, Default)]
pub struct RecordingBook {
    usage: RwLock<HashMap<TenantId, u64>>,
}

impl RecordingBook {
    /// Whether a new call of `tenant` is to be recorded (option on, under quota).
    pub fn may_record(&self, tenant: &TenantView) -> bool {
        if !tenant.media.record_calls {
            return false;
        }
        let used = self
            .usage
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&tenant.id)
            .copied()
            .unwrap_or(0);
        let under = used < tenant.media.quota_bytes();
        if !under {
            tracing::warn!(tenant = %tenant.domain, used, quota = tenant.media.quota_bytes(), "recording quota reached: the call is not recorded");
        }
        under
    }

    /// Counts a finished recording of `bytes` against `tenant`.
    pub fn add(&self, tenant: TenantId, bytes: u64) {
        let mut usage = self.usage.write().unwrap_or_else(PoisonError::into_inner);
        let used = usage.entry(tenant).or_default();
        *used = used.saturating_add(bytes);
    }

    /// Replaces the tenants' use with the store's figures.
    fn set_all(&self, figures: HashMap<TenantId, u64>) {
        *self.usage.write().unwrap_or_else(PoisonError::into_inner) = figures;
    }
}

/// Where the recording of call `uuid` of `tenant` started at `started_unix_ms` goes,
/// relative to the data directory: `recordings/<tenant id>/<yyyy>/<mm>/<dd>/<uuid>.wav`.
pub fn relative_path(tenant: TenantId, started_unix_ms: i64, uuid: &str) -> String {
    let (y, m, d) = civil_from_days(started_unix_ms.div_euclid(86_400_000));
    let uuid: String = uuid
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!("recordings/{tenant}/{y:04}/{m:02}/{d:02}/{uuid}.wav")
}

/// Size of the recording of `talk_ms` of conversation.
pub fn estimated_bytes(talk_ms: i64) -> i64 {
    HEADER_BYTES + talk_ms.max(0).saturating_mul(BYTES_PER_SECOND) / 1000
}

/// Free bytes for unprivileged users on the file system holding `path`.
fn free_bytes(path: &Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    // SAFETY: statvfs only writes into the zeroed struct we pass; the path is a valid
    // NUL-terminated string that outlives the call.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// Runs forever: every [`DISK_CHECK`] turns recording off while the data disk has less
/// than `min_free` bytes free (and back on), every [`SWEEP`] deletes recordings past their
/// tenant's retention and re-reads each tenant's use for the quota.
pub async fn sweeper(
    store: Store,
    data_dir: PathBuf,
    recorder: Arc<Recorder>,
    book: Arc<RecordingBook>,
    min_free: u64,
) {
    let mut ticks: u64 = 0;
    let sweep_every = SWEEP.as_secs() / DISK_CHECK.as_secs();
    loop {
        check_disk(&data_dir, &recorder, min_free);
        if ticks.is_multiple_of(sweep_every) {
            if let Err(e) = sweep(&store, &data_dir, &book).await {
                tracing::warn!(error = %e, "recording retention sweep failed; retrying later");
            }
        }
        ticks += 1;
        tokio::time::sleep(DISK_CHECK).await;
    }
}

fn check_disk(data_dir: &Path, recorder: &Recorder, min_free: u64) {
    let (low, free) = match free_bytes(data_dir) {
        Ok(free) => (free < min_free, free),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the free disk space");
            return;
        }
    };
    if low != recorder.disk_low() {
        if low {
            tracing::error!(data = %data_dir.display(), free, min_free, "ALARM: data disk nearly full: new calls are not recorded (calls in progress go on)");
        } else {
            tracing::info!("data disk has room again: calls are recorded again");
        }
        recorder.set_disk_low(low);
    }
}

/// Applies every tenant's retention and re-reads its use.
async fn sweep(
    store: &Store,
    data_dir: &Path,
    book: &RecordingBook,
) -> Result<(), vpbx_store::StoreError> {
    let now_ms = crate::server::unix_now_ms();
    let mut figures = HashMap::new();
    for tenant in store.tenants_with_recordings().await? {
        let ts = store.tenant(tenant);
        let options = ts.media_options().await?;
        let keep_ms = i64::from(options.retention_days) * 86_400_000;
        for path in ts.expire_recordings(now_ms.saturating_sub(keep_ms)).await? {
            match tokio::fs::remove_file(data_dir.join(&path)).await {
                Ok(()) => tracing::info!(%path, "recording past retention deleted"),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!(%path, error = %e, "cannot delete an expired recording"),
            }
        }
        figures.insert(tenant, ts.recording_bytes().await?);
    }
    book.set_all(figures);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_per_tenant_and_day_and_sanitized() {
        assert_eq!(
            relative_path(TenantId(7), 1_289_690_940_000, "ab-12"),
            "recordings/7/2010/11/13/ab-12.wav"
        );
        assert_eq!(
            relative_path(TenantId(7), 0, "../../etc/x"),
            "recordings/7/1970/01/01/etcx.wav"
        );
        assert_eq!(estimated_bytes(1000), 44 + 32_000);
    }

    #[test]
    fn quota_and_option_decide() {
        let book = RecordingBook::default();
        let mut tenant = TenantView::from_rows(
            &vpbx_store::Tenant {
                id: TenantId(1),
                domain: "a.example".parse().unwrap(),
                enabled: true,
                created_at: 0,
            },
            &[],
        );
        assert!(!book.may_record(&tenant));
        tenant.media.record_calls = true;
        tenant.media.quota_mb = 1;
        assert!(book.may_record(&tenant));
        book.add(TenantId(1), 1024 * 1024);
        assert!(!book.may_record(&tenant));
        book.add(TenantId(2), 5);
        book.set_all(HashMap::new());
        assert!(book.may_record(&tenant));
    }

    #[test]
    fn threshold_turns_new_recordings_off_and_on_but_never_stops_one_in_progress() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::start(dir.path().to_path_buf()).unwrap();
        let mut tap = recorder
            .open("in-progress.wav", vpbx_codec::Channels::Mono)
            .unwrap();
        let packet = |i: u32| {
            let mut p = vec![0x80, 8];
            p.extend_from_slice(&(i as u16).to_be_bytes());
            p.extend_from_slice(&(i * 160).to_be_bytes());
            p.extend_from_slice(&7u32.to_be_bytes());
            p.extend_from_slice(&[0x55; 160]);
            p
        };
        for i in 0..25 {
            tap.packet(0, &packet(i));
        }
        check_disk(dir.path(), &recorder, u64::MAX);
        assert!(recorder.disk_low(), "no disk has u64::MAX bytes free");
        assert!(recorder
            .open("new.wav", vpbx_codec::Channels::Mono)
            .is_none());
        for i in 25..50 {
            tap.packet(0, &packet(i));
        }
        drop(tap);
        let path = dir.path().join("in-progress.wav");
        let mut frames = 0;
        for _ in 0..100 {
            frames = hound::WavReader::open(&path).map_or(0, |r| r.duration());
            if frames >= 7000 {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            frames >= 7000,
            "the recording in progress kept both halves (50 packets, 8000 frames): {frames}"
        );
        assert!(!dir.path().join("new.wav").exists());
        check_disk(dir.path(), &recorder, 0);
        assert!(!recorder.disk_low(), "room again: recording back on");
        assert!(recorder
            .open("later.wav", vpbx_codec::Channels::Mono)
            .is_some());
    }

    #[test]
    fn free_space_is_readable() {
        assert!(free_bytes(Path::new("/")).unwrap() > 0);
        assert!(free_bytes(Path::new("/no/such/dir")).is_err());
    }
}
