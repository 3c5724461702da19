//! One basic-SSL redeploy per PHP request, not one per add.
//!
//! In basic mode one Let's Encrypt certificate covers every name of the app, so
//! an Action Scheduler batch of 200 adds needs one new certificate, not 200
//! (Let's Encrypt allows 5 duplicate certificates a week, 50 per registered
//! domain). Adds record here which app needs a redeploy and for which names;
//! the PHP layer runs the redeploys when the request ends.
//!
//! A request that never got there (the worker was killed) leaves a marker file,
//! so the next add on that app in any worker, or `redeploy_ssl()`, catches up.

use crate::api::decode::SslCert;
use crate::config::Config;
use once_cell::sync::Lazy;
use std::sync::Mutex;

/// One app's redeploy, owed when the request ends.
#[derive(Clone, Debug)]
pub struct Deferred {
    /// The app key of `Config::memory_key()`.
    pub key: String,
    pub config: Config,
    pub cert: SslCert,
    /// Names added in this request (and names caught up from a request that died).
    pub names: Vec<String>,
    /// Whether `cert` came from this worker's memory rather than a fresh answer.
    pub remembered: bool,
}

static PENDING: Lazy<Mutex<Vec<Deferred>>> = Lazy::new(|| Mutex::new(Vec::new()));

/// The most names one batch lists (in its marker and log line); more are still covered.
const MAX_NAMES: usize = 2000;

/// Records that `names` on the app `key` need the certificate `cert` redeployed.
/// True when this is the first redeploy owed in this request (the caller then
/// arranges for `take_all()` at request end).
pub fn defer(
    key: &str,
    config: &Config,
    cert: &SslCert,
    remembered: bool,
    names: &[String],
) -> bool {
    let mut pending = crate::lock(&PENDING);
    let first = pending.is_empty();
    let entry = match pending.iter_mut().position(|d| d.key == key) {
        Some(i) => pending.get_mut(i),
        None => {
            pending.push(Deferred {
                key: key.to_string(),
                config: config.clone(),
                cert: cert.clone(),
                names: Vec::new(),
                remembered,
            });
            pending.last_mut()
        }
    };
    if let Some(d) = entry {
        let mut new = Vec::new();
        for n in names {
            if d.names.len() < MAX_NAMES && !d.names.contains(n) {
                d.names.push(n.clone());
                new.push(n.as_str());
            }
        }
        if !new.is_empty() {
            marker::append(key, &new);
        }
    }
    first
}

/// Whether a redeploy of the app `key` is already owed in this request.
pub fn is_owed(key: &str) -> bool {
    crate::lock(&PENDING).iter().any(|d| d.key == key)
}

/// The redeploys owed, emptied: the request is ending.
pub fn take_all() -> Vec<Deferred> {
    std::mem::take(&mut *crate::lock(&PENDING))
}

/// What is owed for the app `key`, taken out: the caller runs it now.
pub fn take(key: &str) -> Option<Deferred> {
    let mut pending = crate::lock(&PENDING);
    let i = pending.iter().position(|d| d.key == key)?;
    Some(pending.remove(i))
}

/// Drops what is owed for the app `key`: a redeploy just covered it.
pub fn settle(key: &str) {
    crate::lock(&PENDING).retain(|d| d.key != key);
    marker::remove_all(key);
}

/// A new request starts with nothing owed: what an earlier one left is on disk.
pub fn forget_request() {
    crate::lock(&PENDING).clear();
}

/// Marker files: `<tmp>/wu_runcloud-<uid>/<app hash>-<pid>`, holding the names.
pub mod marker {
    use std::hash::{Hash, Hasher};
    use std::os::unix::fs::MetadataExt;
    use std::path::PathBuf;
    use std::time::Duration;

    /// A marker this old is stale whoever wrote it: no request runs this long.
    const STALE_AFTER: Duration = Duration::from_secs(15 * 60);
    const HEADER: &str = "wu_runcloud: basic SSL redeploy owed for";

    fn dir() -> Option<PathBuf> {
        let uid = std::fs::metadata("/proc/self").map(|m| m.uid()).ok()?;
        // Per user: the CLI as root and PHP-FPM as www-data must not share one.
        let dir = std::env::temp_dir().join(format!("wu_runcloud-{uid}"));
        if !dir.is_dir() {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new().mode(0o700).create(&dir).ok()?;
        }
        Some(dir)
    }

    /// The start of every marker name of the app `key` (`<hash>-`, the pid
    /// follows): a hash, since the key holds the account's hash and server/app
    /// ids that have no place in a file name.
    fn prefix(key: &str) -> String {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        format!("{:016x}-", h.finish())
    }

    /// This process's marker of the app `key`.
    fn own_file(dir: &std::path::Path, key: &str) -> PathBuf {
        dir.join(format!("{}{}", prefix(key), std::process::id()))
    }

    /// Adds names to this process's marker of the app `key`, creating it with
    /// its header: one small append per add, not a rewrite of the whole list.
    pub fn append(key: &str, names: &[&str]) {
        use std::io::Write;
        let Some(dir) = dir() else { return };
        let path = own_file(&dir, key);
        let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
        else {
            // Best effort: without the marker only the catch-up after a crash is lost.
            return;
        };
        let fresh = file.metadata().map(|m| m.len() == 0).unwrap_or(false);
        let mut body = String::new();
        if fresh {
            body.push_str(HEADER);
            body.push('\n');
        }
        for n in names {
            body.push_str(n);
            body.push('\n');
        }
        let _ = file.write_all(body.as_bytes());
    }

    fn alive(pid: u32) -> bool {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    }

    /// Names owed by requests on the app `key` that ended without their
    /// redeploy (the process is gone, or it is this worker and nothing is owed
    /// now, or the marker is too old). Their markers are removed: the caller
    /// now owes those names.
    pub fn adopt_stale(key: &str, owed_here: bool) -> Vec<String> {
        let Some(dir) = dir() else { return Vec::new() };
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let tag = prefix(key);
        let me = std::process::id();
        let mut names = Vec::new();
        for entry in entries.flatten() {
            let file = entry.file_name();
            let Some(pid) = file
                .to_str()
                .and_then(|f| f.strip_prefix(&tag))
                .and_then(|pid| pid.parse::<u32>().ok())
            else {
                continue;
            };
            let old = entry
                .metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STALE_AFTER);
            let stale = old || (pid == me && !owed_here) || (pid != me && !alive(pid));
            if !stale {
                continue;
            }
            if let Ok(body) = std::fs::read_to_string(entry.path()) {
                if body.starts_with(HEADER) {
                    names.extend(
                        body.lines()
                            .skip(1)
                            .filter(|l| !l.is_empty())
                            .map(str::to_string),
                    );
                }
            }
            let _ = std::fs::remove_file(entry.path());
        }
        names
    }

    /// Removes this process's marker of the app `key`: its redeploy ran.
    pub fn remove_own(key: &str) {
        let Some(dir) = dir() else { return };
        let _ = std::fs::remove_file(own_file(&dir, key));
    }

    /// Removes every marker of the app `key`: a redeploy covered them all.
    pub fn remove_all(key: &str) {
        let Some(dir) = dir() else { return };
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        let tag = prefix(key);
        for entry in entries.flatten() {
            if entry
                .file_name()
                .to_str()
                .is_some_and(|f| f.starts_with(&tag))
            {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Whether any marker of the app `key` is on disk (tests, status).
    pub fn any(key: &str) -> bool {
        let Some(dir) = dir() else { return false };
        let tag = prefix(key);
        std::fs::read_dir(&dir).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_str().is_some_and(|f| f.starts_with(&tag)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Credentials, Options};
    use crate::secret::Secret;

    fn config() -> Config {
        Config {
            credentials: Credentials::Token(Secret::new("tok-123456")),
            server_id: 1,
            app_id: 2,
            extra_apps: Vec::new(),
            options: Options::default(),
        }
    }

    fn cert() -> SslCert {
        SslCert {
            id: 5,
            method: None,
            valid_until: None,
        }
    }

    #[test]
    fn one_redeploy_is_owed_per_app_whatever_the_number_of_adds() {
        let key = format!("test-batch-{}", std::process::id());
        forget_request();
        assert!(defer(&key, &config(), &cert(), false, &["a.com".into()]));
        assert!(!defer(
            &key,
            &config(),
            &cert(),
            false,
            &["b.com".into(), "a.com".into()]
        ));
        assert!(is_owed(&key));
        assert!(marker::any(&key), "a marker is on disk while it is owed");
        // This worker still owes it: its own marker is not stale.
        assert!(marker::adopt_stale(&key, true).is_empty());
        let owed: Vec<Deferred> = take_all().into_iter().filter(|d| d.key == key).collect();
        assert_eq!(owed.len(), 1);
        assert_eq!(owed[0].names, ["a.com", "b.com"]);
        // The request ended without the redeploy (nothing owed now): the next add adopts the names.
        assert_eq!(marker::adopt_stale(&key, false), ["a.com", "b.com"]);
        assert!(!marker::any(&key));

        // Settling (an on-demand redeploy) removes what was owed and its marker.
        let key = format!("test-settle-{}", std::process::id());
        defer(&key, &config(), &cert(), true, &["c.com".into()]);
        settle(&key);
        assert!(!is_owed(&key));
        assert!(!marker::any(&key));
    }
}
