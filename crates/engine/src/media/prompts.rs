//! Decoded prompts shared by every call playing them: a prompt file is read and converted
//! to 8 kHz mono once (on a blocking thread, never on a session task) and the samples are
//! handed out as one `Arc<[i16]>`, so a thousand callers hearing the same music on hold or
//! menu hold one copy of it instead of a thousand.
//!
//! Invariants: an entry is used only while the file's length and modification time are
//! those it was decoded from, so a prompt uploaded again is heard from the next playback;
//! the cache keeps at most [`PromptCache::budget`] samples of prompts no call is playing
//! (entries in use are never dropped, only no longer counted once evicted); a file that
//! cannot be read or converted is never cached and is reported to the caller.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// Samples kept of prompts no call plays (64 Mi samples of 16 bits: 128 MiB, about 2.3 h
/// of 8 kHz audio).
const DEFAULT_BUDGET: usize = 64 * 1024 * 1024;

/// What a cached prompt was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

#[derive(Debug)]
struct Entry {
    stamp: Stamp,
    samples: Arc<[i16]>,
    /// Use counter value at the last hit, for least-recently-used eviction.
    used: u64,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<PathBuf, Entry>,
    /// Samples of all entries, in use or not.
    total: usize,
    clock: u64,
}

/// Prompt files decoded once and shared.
#[derive(Debug)]
pub struct PromptCache {
    inner: Mutex<Inner>,
    budget: usize,
    longest: Duration,
}

impl PromptCache {
    /// An empty cache of prompts up to `longest` each, keeping up to
    /// [`DEFAULT_BUDGET`] samples of prompts not in use.
    pub fn new(longest: Duration) -> PromptCache {
        PromptCache::with_budget(longest, DEFAULT_BUDGET)
    }

    /// An empty cache keeping up to `budget` samples of prompts not in use.
    pub fn with_budget(longest: Duration, budget: usize) -> PromptCache {
        PromptCache {
            inner: Mutex::new(Inner::default()),
            budget,
            longest,
        }
    }

    /// The most samples kept of prompts no call is playing.
    pub fn budget(&self) -> usize {
        self.budget
    }

    /// The samples of `file` as 8 kHz mono, decoded now or shared from an earlier call;
    /// `Err` says why the file cannot be played. Blocking: call it off the async runtime.
    pub fn get(&self, file: &Path) -> Result<Arc<[i16]>, String> {
        let meta = std::fs::metadata(file).map_err(|e| e.to_string())?;
        let stamp = Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        };
        if let Some(samples) = self.hit(file, stamp) {
            return Ok(samples);
        }
        let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
        let samples: Arc<[i16]> = vpbx_codec::read_8k_mono(&bytes, self.longest)
            .map_err(|e| e.to_string())?
            .into();
        self.insert(file, stamp, samples.clone());
        Ok(samples)
    }

    /// Samples cached for `file` decoded from the same `stamp`.
    fn hit(&self, file: &Path, stamp: Stamp) -> Option<Arc<[i16]>> {
        let mut inner = lock(&self.inner);
        self.evict(&mut inner);
        inner.clock += 1;
        let clock = inner.clock;
        let entry = inner.entries.get_mut(file)?;
        if entry.stamp != stamp {
            return None;
        }
        entry.used = clock;
        Some(entry.samples.clone())
    }

    fn insert(&self, file: &Path, stamp: Stamp, samples: Arc<[i16]>) {
        let mut inner = lock(&self.inner);
        inner.clock += 1;
        let used = inner.clock;
        inner.total += samples.len();
        let old = inner.entries.insert(
            file.to_owned(),
            Entry {
                stamp,
                samples,
                used,
            },
        );
        if let Some(old) = old {
            inner.total -= old.samples.len();
        }
        self.evict(&mut inner);
    }

    /// Drops least recently used prompts no call plays until those left fit the budget
    /// (run on every lookup, so prompts calls stopped playing are counted then).
    fn evict(&self, inner: &mut Inner) {
        if inner.total <= self.budget {
            return;
        }
        let idle = |e: &Entry| Arc::strong_count(&e.samples) == 1;
        let mut idle_samples: usize = inner
            .entries
            .values()
            .filter(|e| idle(e))
            .map(|e| e.samples.len())
            .sum();
        while idle_samples > self.budget {
            let oldest = inner
                .entries
                .iter()
                .filter(|(_, e)| idle(e))
                .min_by_key(|(_, e)| e.used)
                .map(|(path, _)| path.clone());
            let Some(path) = oldest else {
                break;
            };
            if let Some(e) = inner.entries.remove(&path) {
                idle_samples -= e.samples.len();
                inner.total -= e.samples.len();
            }
        }
    }

    /// How many prompts are cached now.
    pub fn len(&self) -> usize {
        lock(&self.inner).entries.len()
    }

    /// Whether no prompt is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn lock(m: &Mutex<Inner>) -> std::sync::MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `seconds` of 8 kHz mono 16-bit silence-with-a-ramp to `path`.
    fn wav(path: &Path, seconds: u32, level: i16) {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for _ in 0..seconds * 8000 {
            w.write_sample(level).unwrap();
        }
        w.finalize().unwrap();
    }

    #[test]
    fn one_copy_is_shared_and_a_new_upload_is_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("music.wav");
        wav(&file, 1, 100);
        let cache = PromptCache::new(Duration::from_secs(600));
        let a = cache.get(&file).unwrap();
        let b = cache.get(&file).unwrap();
        assert!(
            Arc::ptr_eq(&a, &b),
            "the second call shares the first decode"
        );
        assert_eq!(a.len(), 8000);

        wav(&file, 2, 200);
        let c = cache.get(&file).unwrap();
        assert_eq!(c.len(), 16_000, "a file written again is decoded again");
        assert_eq!(c[0], 200);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn broken_and_missing_files_are_reported_not_cached() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.wav");
        std::fs::write(&junk, b"not a wav at all").unwrap();
        let cache = PromptCache::new(Duration::from_secs(600));
        assert!(cache.get(&junk).is_err());
        assert!(cache.get(&dir.path().join("missing.wav")).is_err());
        assert!(cache.is_empty());
    }

    #[test]
    fn idle_prompts_beyond_the_budget_go_least_recent_first_and_playing_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<_> = (0..3)
            .map(|i| {
                let p = dir.path().join(format!("p{i}.wav"));
                wav(&p, 1, i);
                p
            })
            .collect();
        let cache = PromptCache::with_budget(Duration::from_secs(600), 16_000);
        let playing = cache.get(&paths[0]).unwrap();
        drop(cache.get(&paths[1]).unwrap());
        drop(cache.get(&paths[2]).unwrap());
        assert_eq!(cache.len(), 3, "two idle seconds fit the budget");
        let p3 = dir.path().join("p3.wav");
        wav(&p3, 1, 3);
        drop(cache.get(&p3).unwrap());
        let again = cache.get(&paths[0]).unwrap();
        assert_eq!(cache.len(), 3, "the least recently used idle prompt went");
        assert!(
            Arc::ptr_eq(&playing, &again),
            "a prompt in use is never dropped"
        );
        assert!(cache.hit(&paths[1], stamp_of(&paths[1])).is_none());
    }

    fn stamp_of(path: &Path) -> Stamp {
        let meta = std::fs::metadata(path).unwrap();
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}
