//! The one place the extension keeps anything on disk: which names still owe a
//! certificate redeploy, so that a worker killed mid-request or a redeploy that
//! failed leaves the debt for the next worker to pay.
//!
//! On a RunCloud server every web app runs as its own user and all of them
//! share /tmp, so the directory is never a shared temporary one by default
//! (`~/.wu_runcloud` of the PHP user, or `wu_runcloud.state_dir`), and is used
//! only when it is a real directory (not a link), owned by this process's user,
//! with no access for anyone else. Files are opened without following links,
//! created 0600, and every line read back must be a valid host name.

use crate::domain::DomainName;
use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// A directory checked to be ours alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateDir {
    path: PathBuf,
}

/// The most names one owed file is read for: more is not a list we wrote.
const MAX_LINES: usize = 20_000;

fn euid() -> u32 {
    // SAFETY: geteuid() has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The home directory of this process's user, from the password database
/// (not $HOME, which PHP-FPM workers often inherit from whoever started them).
fn home_of_euid() -> Option<PathBuf> {
    let uid = euid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        let home = f.get(5)?;
        (f.get(2)?.parse::<u32>().ok()? == uid).then(|| PathBuf::from(home))
    })
}

impl StateDir {
    /// The configured directory, or `~/.wu_runcloud` of the PHP user when the
    /// home directory is the user's own. `Err` says why nothing is kept on disk.
    pub fn open(configured: Option<&Path>) -> Result<StateDir, String> {
        let path = match configured {
            Some(p) => p.to_path_buf(),
            None => {
                let home = home_of_euid()
                    .ok_or("the PHP user has no home directory; set wu_runcloud.state_dir")?;
                let owner = std::fs::symlink_metadata(&home).map(|m| m.uid()).ok();
                if owner != Some(euid()) {
                    return Err(format!(
                        "the PHP user's home {} is not its own; set wu_runcloud.state_dir to a directory only the PHP user can write",
                        home.display()
                    ));
                }
                home.join(".wu_runcloud")
            }
        };
        if std::fs::symlink_metadata(&path).is_err() {
            // Created 0700 whatever the umask; fails if someone made it meanwhile.
            let _ = DirBuilder::new().mode(0o700).create(&path);
        }
        Self::verify(&path)?;
        Ok(StateDir { path })
    }

    /// A real directory (a link is refused, not followed), owned by us, 0700 at most.
    fn verify(path: &Path) -> Result<(), String> {
        let m = std::fs::symlink_metadata(path)
            .map_err(|e| format!("state directory {}: {e}", path.display()))?;
        if m.file_type().is_symlink() || !m.is_dir() {
            return Err(format!(
                "state directory {} is not a directory (a link or a file): refused, nothing written there",
                path.display()
            ));
        }
        if m.uid() != euid() {
            return Err(format!(
                "state directory {} belongs to user {}, not to the PHP user {}: refused, nothing written there",
                path.display(),
                m.uid(),
                euid()
            ));
        }
        if m.mode() & 0o077 != 0 {
            return Err(format!(
                "state directory {} has mode {:o}: others may write or read it; refused, nothing written there (chmod 700 it)",
                path.display(),
                m.mode() & 0o7777
            ));
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Appends names, one a line, creating the file 0600; never through a link.
    pub fn append(&self, name: &str, lines: &[&str]) -> Result<(), String> {
        Self::verify(&self.path)?;
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(self.file(name))
            .map_err(|e| format!("{}: {e}", self.file(name).display()))?;
        let mut body = String::new();
        for l in lines {
            body.push_str(l);
            body.push('\n');
        }
        file.write_all(body.as_bytes())
            .map_err(|e| format!("{}: {e}", self.file(name).display()))
    }

    /// The valid host names in a file (others are skipped), and the size read,
    /// for `remove_if_unchanged`. An absent file is empty.
    pub fn read_names(&self, name: &str) -> (Vec<String>, u64) {
        if Self::verify(&self.path).is_err() {
            return (Vec::new(), 0);
        }
        let Ok(mut file) = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(self.file(name))
        else {
            return (Vec::new(), 0);
        };
        if !owned_regular(&file) {
            return (Vec::new(), 0);
        }
        let mut text = String::new();
        if file.read_to_string(&mut text).is_err() {
            return (Vec::new(), 0);
        }
        let mut names: Vec<String> = Vec::new();
        for line in text.lines().take(MAX_LINES) {
            // `-name`: taken back (removed since it was written).
            if let Some(gone) = line.strip_prefix('-') {
                names.retain(|n| n != gone);
                continue;
            }
            if let Ok(n) = DomainName::parse(line) {
                // Only what we would have written ourselves: the canonical form.
                if n.as_str() == line && !names.iter().any(|k| k == line) {
                    names.push(line.to_string());
                }
            }
        }
        (names, text.len() as u64)
    }

    /// Removes a file that has not grown since `size` bytes were read: names
    /// appended meanwhile by another worker stay owed.
    pub fn remove_if_unchanged(&self, name: &str, size: u64) {
        let path = self.file(name);
        let same = std::fs::symlink_metadata(&path)
            .is_ok_and(|m| m.is_file() && m.len() <= size && m.uid() == euid());
        if same {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Replaces a small file whole: written beside it (0600, never through a
    /// link), then renamed over it, so a reader sees the old text or the new.
    pub fn replace(&self, name: &str, text: &str) -> Result<(), String> {
        Self::verify(&self.path)?;
        let tmp = self.file(&format!(".{name}.{}", std::process::id()));
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&tmp)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        let done = written.and_then(|()| std::fs::rename(&tmp, self.file(name)));
        if done.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        done.map_err(|e| format!("{}: {e}", self.file(name).display()))
    }

    /// A small file's text (at most 4 KiB) and how long ago it was written;
    /// `None` when absent, not ours, or not a regular file.
    pub fn read_text(&self, name: &str) -> Option<(String, std::time::Duration)> {
        Self::verify(&self.path).ok()?;
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(self.file(name))
            .ok()?;
        if !owned_regular(&file) {
            return None;
        }
        let age = file
            .metadata()
            .ok()?
            .modified()
            .ok()?
            .elapsed()
            .unwrap_or_default();
        let mut text = String::new();
        file.take(4096).read_to_string(&mut text).ok()?;
        Some((text, age))
    }

    /// File names in the directory that start with `prefix`.
    pub fn list(&self, prefix: &str) -> Vec<String> {
        std::fs::read_dir(&self.path)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| e.file_name().to_str().map(str::to_string))
                    .filter(|n| n.starts_with(prefix))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A file name for what is kept about `key` (an app's `Config::memory_key()`):
/// `prefix-` and a hash, since the key holds the account's hash, the API's
/// address and ids that have no place in a file name.
pub fn keyed_name(prefix: &str, key: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    format!("{prefix}-{:016x}", h.finish())
}

fn owned_regular(file: &File) -> bool {
    file.metadata()
        .is_ok_and(|m| m.is_file() && m.uid() == euid())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn scratch(tag: &str) -> PathBuf {
        crate::test_dir(&format!("state-{tag}"))
    }

    #[test]
    fn a_new_directory_is_made_private_and_names_round_trip() {
        let p = scratch("new");
        let d = StateDir::open(Some(&p)).expect("usable");
        let mode = std::fs::metadata(&p).expect("made").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        d.append("owed-x", &["a.com", "b.com"]).expect("written");
        std::fs::OpenOptions::new()
            .append(true)
            .open(p.join("owed-x"))
            .and_then(|mut f| f.write_all(b"not a name!\n../../etc\nA.COM\na.com\n"))
            .expect("planted lines");
        let (names, size) = d.read_names("owed-x");
        assert_eq!(names, ["a.com", "b.com"], "only canonical names, once each");
        let fmode = std::fs::metadata(p.join("owed-x"))
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(fmode & 0o777, 0o600);
        d.append("owed-x", &["c.com", "-b.com"]).expect("grows");
        assert_eq!(
            d.read_names("owed-x").0,
            ["a.com", "c.com"],
            "b.com taken back"
        );
        d.remove_if_unchanged("owed-x", size);
        assert!(p.join("owed-x").exists(), "grown since read: kept");
        let (_, size) = d.read_names("owed-x");
        d.remove_if_unchanged("owed-x", size);
        assert!(!p.join("owed-x").exists());
        let _ = std::fs::remove_dir_all(&p);
    }

    #[test]
    fn a_directory_others_can_write_is_refused_and_left_alone() {
        let p = scratch("open");
        std::fs::create_dir(&p).expect("dir");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let e = StateDir::open(Some(&p)).expect_err("refused");
        assert!(e.contains("mode 777") && e.contains("refused"), "{e}");
        assert_eq!(std::fs::read_dir(&p).expect("list").count(), 0);
        let _ = std::fs::remove_dir_all(&p);
    }

    #[test]
    fn links_are_never_followed() {
        let p = scratch("link");
        let target = scratch("link-target");
        std::fs::create_dir(&target).expect("dir");
        std::os::unix::fs::symlink(&target, &p).expect("link");
        assert!(
            StateDir::open(Some(&p)).is_err(),
            "a linked directory is refused"
        );
        let _ = std::fs::remove_file(&p);

        let d = StateDir::open(Some(&p)).expect("a real one");
        let victim = target.join("victim");
        std::fs::write(&victim, "keep\n").expect("victim");
        std::os::unix::fs::symlink(&victim, p.join("owed-y")).expect("planted link");
        assert!(
            d.append("owed-y", &["a.com"]).is_err(),
            "not written through a link"
        );
        assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep\n");
        assert!(d.read_names("owed-y").0.is_empty());
        let _ = std::fs::remove_dir_all(&p);
        let _ = std::fs::remove_dir_all(&target);
    }
}
