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
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// A directory checked to be ours alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateDir {
    path: PathBuf,
}

/// The most lines one list file is read for: more is not a list we wrote.
const MAX_LINES: usize = 20_000;
/// The most bytes one list file is read for.
const MAX_BYTES: u64 = 4 << 20;
/// Lines beyond twice the names a list file may hold before it is compacted.
const COMPACT_SLACK: usize = 64;
/// Where `make install` prepares a private directory for each pool user.
pub const SYSTEM_DIR: &str = "/var/lib/wu_runcloud";

fn euid() -> u32 {
    // SAFETY: geteuid() has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The name and home directory of this process's user, from the password
/// database (not $HOME, which PHP-FPM workers often inherit from whoever started them).
fn user_of_euid() -> Option<(String, PathBuf)> {
    let uid = euid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        let (user, home) = (f.first()?, f.get(5)?);
        // A name that could leave /var/lib/wu_runcloud is no user of ours.
        let plain = !user.is_empty() && !user.starts_with('.') && !user.contains('/');
        (plain && f.get(2)?.parse::<u32>().ok()? == uid)
            .then(|| (user.to_string(), PathBuf::from(home)))
    })
}

impl StateDir {
    /// The configured directory, else the first of these that is the PHP
    /// user's own: `~/.wu_runcloud`, or `/var/lib/wu_runcloud/<user>` (made by
    /// `make install` for each pool user, for users such as Debian's `www-data`
    /// whose home belongs to root). `Err` says why nothing is kept on disk.
    pub fn open(configured: Option<&Path>) -> Result<StateDir, String> {
        let path = match configured {
            Some(p) => p.to_path_buf(),
            None => Self::default_path()?,
        };
        if std::fs::symlink_metadata(&path).is_err() {
            // Created 0700 whatever the umask; fails if someone made it meanwhile.
            let _ = DirBuilder::new().mode(0o700).create(&path);
        }
        Self::verify(&path)?;
        Ok(StateDir { path })
    }

    /// Where state lives when `state_dir` is not set (see `open`).
    fn default_path() -> Result<PathBuf, String> {
        let (user, home) = user_of_euid().ok_or(
            "the PHP user is not in /etc/passwd; set wu_runcloud.state_dir to a directory only the PHP user can write",
        )?;
        let shared = Path::new(SYSTEM_DIR).join(&user);
        if std::fs::symlink_metadata(&shared).is_ok() {
            return Ok(shared);
        }
        let owner = std::fs::symlink_metadata(&home).map(|m| m.uid()).ok();
        if owner == Some(euid()) {
            return Ok(home.join(".wu_runcloud"));
        }
        Err(format!(
            "the PHP user {user}'s home {} is not its own and {} does not exist; run `make install` (it prepares it), or set wu_runcloud.state_dir to a directory only the PHP user can write",
            home.display(),
            shared.display()
        ))
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

    /// Opens `name` (created 0600, never through a link) and holds an
    /// exclusive lock on it until the value is dropped. Every writer of a
    /// list file takes it, so appends by several workers and the rewrite of a
    /// settle never lose each other's lines; a list file is never unlinked
    /// (a writer waiting on the lock of an unlinked file would write into nothing).
    fn locked(&self, name: &str) -> Result<Locked, String> {
        Self::verify(&self.path)?;
        let path = self.file(name);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if !owned_regular(&file) {
            return Err(format!("{}: not a file of the PHP user's", path.display()));
        }
        // SAFETY: flock on a descriptor we own; blocks until the lock is ours.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(format!(
                "{}: {}",
                path.display(),
                std::io::Error::last_os_error()
            ));
        }
        Ok(Locked { file })
    }

    /// Appends lines to a list file under its lock.
    pub fn append(&self, name: &str, lines: &[&str]) -> Result<(), String> {
        let mut l = self.locked(name)?;
        let mut body = String::new();
        for line in lines {
            body.push_str(line);
            body.push('\n');
        }
        l.file
            .seek(SeekFrom::End(0))
            .and_then(|_| l.file.write_all(body.as_bytes()))
            .map_err(|e| format!("{}: {e}", self.file(name).display()))
    }

    /// Reads a list file under its lock, lets `change` rewrite it (`Some`
    /// text: the file's new content), and returns what `change` returned
    /// beside. A file that cannot be opened reads as empty and is not written.
    pub fn rewrite<T>(
        &self,
        name: &str,
        change: impl FnOnce(&str) -> (Option<String>, T),
    ) -> Result<T, String> {
        let mut l = self.locked(name)?;
        let mut text = String::new();
        (&l.file)
            .take(MAX_BYTES)
            .read_to_string(&mut text)
            .map_err(|e| format!("{}: {e}", self.file(name).display()))?;
        let (new, out) = change(&text);
        if let Some(new) = new.filter(|n| *n != text) {
            l.file
                .set_len(0)
                .and_then(|()| l.file.seek(SeekFrom::Start(0)))
                .and_then(|_| l.file.write_all(new.as_bytes()))
                .map_err(|e| format!("{}: {e}", self.file(name).display()))?;
        }
        Ok(out)
    }

    /// Whether a list file holds nothing (absent or empty): one `stat`, no
    /// lock, so that the common case of an add with nothing listed costs no more.
    pub fn is_empty(&self, name: &str) -> bool {
        std::fs::symlink_metadata(self.file(name)).map_or(true, |m| m.len() == 0)
    }

    /// The names a list file owes (valid host names written by us; `-name`
    /// lines take a name back). A file with many more lines than names is
    /// rewritten with the names alone, so it stays bounded.
    pub fn read_names(&self, name: &str) -> Vec<String> {
        if std::fs::symlink_metadata(self.file(name)).is_err() {
            return Vec::new();
        }
        self.rewrite(name, |text| {
            let names = parse_names(text);
            let lines = text.lines().count();
            let compact = (lines > 2 * names.len() + COMPACT_SLACK).then(|| join_lines(&names));
            (compact, names)
        })
        .unwrap_or_default()
    }

    /// Names that a redeploy covered leave the file; names appended since
    /// they were read stay owed. Rewritten under the lock, never unlinked.
    pub fn settle_names(&self, name: &str, paid: &[String]) {
        if paid.is_empty() || std::fs::symlink_metadata(self.file(name)).is_err() {
            return;
        }
        let _ = self.rewrite(name, |text| {
            let left: Vec<String> = parse_names(text)
                .into_iter()
                .filter(|n| !paid.contains(n))
                .collect();
            (Some(join_lines(&left)), ())
        });
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

/// Whether what the extension owes survives this worker, in words for the
/// admin (Site Health, `wp runcloud test`): where it is kept, or why it is
/// not. Run as root (WP-CLI from root's cron) beside pool users' directories,
/// it says that their debts are not seen from here.
pub fn describe(configured: Option<&Path>) -> (bool, String) {
    let dir = match StateDir::open(configured) {
        Ok(d) => d,
        Err(why) => {
            return (
                false,
                format!("Owed certificate redeploys and names waiting for DNS are kept in this worker's memory only, and lost when it ends: {why}"),
            )
        }
    };
    let user = user_of_euid().map_or_else(|| euid().to_string(), |(u, _)| u);
    let mut message = format!(
        "Owed certificate redeploys and names waiting for DNS are kept in {}, which only {user} can use",
        dir.path().display()
    );
    let pool_users: Vec<String> = std::fs::read_dir(SYSTEM_DIR)
        .map(|e| {
            e.flatten()
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| *n != user)
                .collect()
        })
        .unwrap_or_default();
    if euid() == 0 && !pool_users.is_empty() {
        message.push_str(&format!(
            ". This runs as root: what the PHP-FPM pool users ({}) owe is kept in their own directories and not seen from here; run WP-CLI as that user (sudo -u {} wp ...)",
            pool_users.join(", "),
            pool_users.first().map_or("www-data", String::as_str)
        ));
    }
    (true, message)
}

/// An open list file whose exclusive lock is held until this is dropped
/// (closing the descriptor releases the lock).
struct Locked {
    file: File,
}

/// The names of a list file's text: canonical host names only, once each,
/// in order; `-name` takes a name back.
fn parse_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in text.lines().take(MAX_LINES) {
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
    names
}

fn join_lines(names: &[String]) -> String {
    names.iter().map(|n| format!("{n}\n")).collect()
}

/// A file name for what is kept about `key` (an app's `Config::memory_key()`):
/// `prefix-` and a SHA-256 digest of it, since the key holds the account's
/// hash, the API's address and ids that have no place in a file name. A
/// digest that is the same from one build to the next (std's hasher may
/// change with the compiler), so that an upgraded extension finds its debts.
pub fn keyed_name(prefix: &str, key: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
    let hex: String = digest
        .as_ref()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{prefix}-{hex}")
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
        let names = d.read_names("owed-x");
        assert_eq!(names, ["a.com", "b.com"], "only canonical names, once each");
        let fmode = std::fs::metadata(p.join("owed-x"))
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(fmode & 0o777, 0o600);
        d.append("owed-x", &["c.com", "-b.com"]).expect("grows");
        assert_eq!(
            d.read_names("owed-x"),
            ["a.com", "c.com"],
            "b.com taken back"
        );
        // A redeploy paid for what was read; d.com came meanwhile and stays owed.
        d.append("owed-x", &["d.com"]).expect("grows");
        d.settle_names("owed-x", &names);
        assert_eq!(d.read_names("owed-x"), ["c.com", "d.com"]);
        d.settle_names("owed-x", &["c.com".into(), "d.com".into()]);
        assert!(d.read_names("owed-x").is_empty());
        assert!(p.join("owed-x").exists(), "emptied, never unlinked");
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
        assert!(d.read_names("owed-y").is_empty());
        let _ = std::fs::remove_dir_all(&p);
        let _ = std::fs::remove_dir_all(&target);
    }

    /// The appender of the test below, in a process of its own: this test binary
    /// run again for this one test, with the directory and its tag in the environment.
    #[test]
    fn appender_child() {
        let (Ok(dir), Ok(tag)) = (
            std::env::var("WU_APPEND_DIR"),
            std::env::var("WU_APPEND_TAG"),
        ) else {
            return;
        };
        let d = StateDir::open(Some(Path::new(&dir))).expect("usable");
        for i in 0..300 {
            d.append("owed-r", &[&format!("{tag}-{i}.example.com")])
                .expect("appended");
        }
    }

    #[test]
    fn appends_from_other_processes_while_one_settles_lose_no_name() {
        let p = scratch("race");
        let d = StateDir::open(Some(&p)).expect("usable");
        // Two processes append 300 names each, one a call, while this one keeps
        // reading and settling what it read (a redeploy that succeeded).
        let exe = std::env::current_exe().expect("test binary");
        let mut children: Vec<std::process::Child> = ["w0", "w1"]
            .iter()
            .map(|tag| {
                std::process::Command::new(&exe)
                    .args(["--exact", "state_dir::tests::appender_child", "--quiet"])
                    .env("WU_APPEND_DIR", &p)
                    .env("WU_APPEND_TAG", tag)
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .expect("child")
            })
            .collect();
        let mut paid = std::collections::BTreeSet::new();
        while children
            .iter_mut()
            .any(|c| c.try_wait().ok().flatten().is_none())
        {
            let names = d.read_names("owed-r");
            d.settle_names("owed-r", &names);
            paid.extend(names);
        }
        for mut c in children {
            assert!(c.wait().expect("waited").success());
        }
        paid.extend(d.read_names("owed-r"));
        assert_eq!(
            paid.len(),
            600,
            "every appended name was paid or is still owed"
        );
        let _ = std::fs::remove_dir_all(&p);
    }

    #[test]
    fn a_list_file_rewritten_again_and_again_stays_bounded() {
        let p = scratch("bounded");
        let d = StateDir::open(Some(&p)).expect("usable");
        for round in 0..500 {
            // The same ten names owed again by every request while redeploys fail.
            let names: Vec<String> = (0..10).map(|i| format!("n{i}.example.com")).collect();
            let lines: Vec<&str> = names.iter().map(String::as_str).collect();
            d.append("owed-b", &lines).expect("appended");
            assert_eq!(d.read_names("owed-b").len(), 10, "round {round}");
        }
        let size = std::fs::metadata(p.join("owed-b")).expect("file").len();
        assert!(size < 4096, "the file holds {size} bytes for 10 names");
        let _ = std::fs::remove_dir_all(&p);
    }

    #[test]
    fn file_names_are_the_same_from_one_build_to_the_next() {
        // SHA-256 of the key: fixed, unlike std's DefaultHasher.
        assert_eq!(keyed_name("owed", "k"), "owed-8254c329a92850f6");
    }
}
