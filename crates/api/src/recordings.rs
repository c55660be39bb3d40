//! Call recordings as the API and the web cabinet serve them (issue 6 item 4): who may
//! play or download a recording, where its file may lie, and the link to it.
//!
//! Invariants: the tenant's `allow_download` media option governs every account of the
//! tenant (admins and users alike); the platform admin, who runs the server and owns its
//! disk anyway, is not bound by it; a tenant user reaches only recordings of calls from or
//! to its own extension (the rule of [`crate::cdr_search`]); a file is opened only when
//! the path stored in the CDR is relative, made of plain names (no `..`, `.`, empty or
//! absolute parts, no backslash or control character), lies under
//! `recordings/<tenant id>/` and names a `.wav` file, and when its real path (symlinks
//! resolved) is still a regular file under the real `DATA/recordings/<tenant id>/`.

use crate::auth::Caller;
use std::path::{Path, PathBuf};
use vpbx_model::TenantId;
use vpbx_store::{CdrRow, MediaOptions, Role};

/// Whether `caller` may play and download the recordings of a tenant with `options`.
pub fn may_play(caller: &Caller, options: &MediaOptions) -> bool {
    caller.is_platform() || options.allow_download
}

/// Whether `caller` may see the call `row` of a tenant it reaches: a tenant user only
/// calls from or to its own extension (none without one), everyone else every call.
pub fn sees_call(caller: &Caller, row: &CdrRow) -> bool {
    if caller.0.role != Role::User {
        return true;
    }
    caller
        .0
        .extension
        .as_ref()
        .is_some_and(|e| row.caller == e.as_str() || row.callee == e.as_str())
}

/// `DATA/<stored>` if `stored` (a CDR's recording path, relative to the data directory)
/// is a path tenant `tenant`'s recordings may have; `None` otherwise.
pub fn checked_path(data: &Path, tenant: TenantId, stored: &str) -> Option<PathBuf> {
    checked_path_in(data, "recordings", tenant, stored)
}

/// `DATA/<stored>` if `stored` (relative to the data directory) is a plain path to a
/// `.wav` file under `<folder>/<tenant id>/`; `None` otherwise.
pub fn checked_path_in(
    data: &Path,
    folder: &str,
    tenant: TenantId,
    stored: &str,
) -> Option<PathBuf> {
    let tenant = tenant.to_string();
    let parts: Vec<&str> = stored.split('/').collect();
    let plain = |p: &&str| {
        !p.is_empty()
            && *p != "."
            && *p != ".."
            && !p.bytes().any(|b| b == b'\\' || b.is_ascii_control())
    };
    let ok = parts.len() >= 3
        && parts[0] == folder
        && parts[1] == tenant
        && parts.iter().all(plain)
        && parts.last().is_some_and(|name| name.ends_with(".wav"));
    ok.then(|| data.join(stored))
}

/// The real path of `file` (from [`checked_path`]) if it is a regular file under the
/// real `DATA/recordings/<tenant>/`; `None` when it is gone or lies elsewhere.
pub async fn locate(data: &Path, tenant: TenantId, file: &Path) -> Option<PathBuf> {
    locate_in(data, "recordings", tenant, file).await
}

/// The real path of `file` (from [`checked_path_in`]) if it is a regular file under the
/// real `DATA/<folder>/<tenant>/`; `None` when it is gone or lies elsewhere.
pub async fn locate_in(
    data: &Path,
    folder: &str,
    tenant: TenantId,
    file: &Path,
) -> Option<PathBuf> {
    let root = data.join(folder).join(tenant.to_string());
    let root = tokio::fs::canonicalize(root).await.ok()?;
    let real = tokio::fs::canonicalize(file).await.ok()?;
    let is_file = tokio::fs::metadata(&real).await.ok()?.is_file();
    (is_file && real.starts_with(&root)).then_some(real)
}

/// The API path of the recording of call `call_id` of tenant `domain` (the Call-ID
/// percent-encoded as one path segment).
pub fn url(domain: &str, call_id: &str) -> String {
    let mut segment = String::with_capacity(call_id.len());
    for b in call_id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            segment.push(char::from(b));
        } else {
            segment.push_str(&format!("%{b:02X}"));
        }
    }
    format!("/api/v1/tenants/{domain}/cdrs/{segment}/recording")
}

/// `call_id` made safe for a quoted `filename` of `Content-Disposition`: characters other
/// than ASCII letters, digits, `-`, `.`, `_` and `@` become `_`.
pub fn file_stem(call_id: &str) -> String {
    call_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_tenants_own_wav_paths_pass() {
        let data = Path::new("/data");
        let t = TenantId(7);
        assert_eq!(
            checked_path(data, t, "recordings/7/2024/01/31/ab-12.wav"),
            Some(PathBuf::from("/data/recordings/7/2024/01/31/ab-12.wav"))
        );
        for bad in [
            "recordings/7/../8/x.wav",
            "recordings/7/2024/../../8/x.wav",
            "/etc/passwd",
            "/data/recordings/7/x.wav",
            "recordings/8/x.wav",
            "recordings/70/x.wav",
            "recordings/7/x.txt",
            "recordings/7/./x.wav",
            "recordings/7//x.wav",
            "recordings/7/a\\..\\x.wav",
            "recordings/7/x.wav\n",
            "recordings/7",
            "recordings/7/",
            "tenants/7/x.wav",
            "",
        ] {
            assert_eq!(checked_path(data, t, bad), None, "{bad:?}");
        }
    }

    #[test]
    fn urls_and_file_names_are_escaped() {
        assert_eq!(
            url("a.example", "ab/c d@h"),
            "/api/v1/tenants/a.example/cdrs/ab%2Fc%20d%40h/recording"
        );
        assert_eq!(file_stem("a\"b;c@h.x"), "a_b_c@h.x");
    }

    #[tokio::test]
    async fn located_files_stay_under_the_tenants_folder() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        let mine = data.join("recordings/7/2024");
        let other = data.join("recordings/8");
        std::fs::create_dir_all(&mine).unwrap();
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(mine.join("a.wav"), b"RIFF").unwrap();
        std::fs::write(other.join("b.wav"), b"RIFF").unwrap();
        let t = TenantId(7);
        let a = checked_path(data, t, "recordings/7/2024/a.wav").unwrap();
        assert!(locate(data, t, &a).await.is_some());
        let gone = checked_path(data, t, "recordings/7/2024/gone.wav").unwrap();
        assert!(locate(data, t, &gone).await.is_none());
        // A symlink out of the tenant's folder passes the path check but is not followed.
        std::os::unix::fs::symlink(other.join("b.wav"), mine.join("link.wav")).unwrap();
        let link = checked_path(data, t, "recordings/7/2024/link.wav").unwrap();
        assert!(locate(data, t, &link).await.is_none());
        // A folder is not a recording.
        std::fs::create_dir_all(mine.join("d.wav")).unwrap();
        let folder = checked_path(data, t, "recordings/7/2024/d.wav").unwrap();
        assert!(locate(data, t, &folder).await.is_none());
    }
}
