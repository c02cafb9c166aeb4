//! Atomic output folders: everything is written into a staging folder
//! beside the target, which is renamed into place only when complete, so a
//! reader never sees a mix of old and new files and an interrupted run
//! leaves the previous results untouched.
//!
//! Beside a target `out/` live three hidden siblings, named from a bounded
//! prefix of the folder name and a hash of the whole name (so a long name
//! never makes them too long): `.<prefix>.<hash>.lock`, an advisory lock
//! held for the whole run (and removed at its end), which refuses a second concurrent run into the
//! same folder; `.<prefix>.<hash>.partial`, the staging folder; and
//! `.<prefix>.<hash>.old`, the previous results between the two renames of
//! a commit. A run killed between those renames leaves `out/` missing and
//! `.old` present: the next run into the same folder puts `.old` back
//! before anything else.

#![deny(clippy::indexing_slicing)]

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Longest folder name (in bytes) that [`folder_name`] keeps unchanged.
pub const MAX_FOLDER_NAME: usize = 100;

/// Bytes of the folder name kept at the start of a sibling's name.
const SIBLING_PREFIX: usize = 32;

/// A folder being written; [`StagedDir::commit`] moves it into place. The
/// lock on the target is held until the value is dropped.
#[derive(Debug)]
pub struct StagedDir {
    target: PathBuf,
    siblings: Siblings,
    committed: bool,
    recovered: bool,
    _lock: File,
}

/// The hidden paths kept beside an output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Siblings {
    /// Advisory lock file, removed by its holder (on Unix) just before the
    /// lock is released.
    pub lock: PathBuf,
    /// Staging folder, where a run writes.
    pub staging: PathBuf,
    /// Previous results, only between the two renames of a commit.
    pub old: PathBuf,
}

/// Cuts `s` to at most `max` bytes at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn short_hash(s: &str, hex_digits: usize) -> String {
    let digest = Sha256::digest(s.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex[..hex_digits].to_string()
}

/// A folder name for `name` of at most [`MAX_FOLDER_NAME`] bytes: `name`
/// itself when short enough, otherwise its start, `-` and a hash of the
/// whole name (so two long names sharing a start still differ).
pub fn folder_name(name: &str) -> String {
    if name.len() <= MAX_FOLDER_NAME {
        return name.to_string();
    }
    let hash = short_hash(name, 12);
    format!("{}-{hash}", cut(name, MAX_FOLDER_NAME - hash.len() - 1))
}

/// The hidden sibling paths of the output folder `target`.
pub fn siblings(target: &Path) -> Result<Siblings> {
    let name = target
        .file_name()
        .with_context(|| format!("output path '{}' has no folder name", target.display()))?
        .to_string_lossy()
        .to_string();
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let stem = format!(".{}.{}", cut(&name, SIBLING_PREFIX), short_hash(&name, 12));
    Ok(Siblings {
        lock: parent.join(format!("{stem}.lock")),
        staging: parent.join(format!("{stem}.partial")),
        old: parent.join(format!("{stem}.old")),
    })
}

/// Takes the advisory lock of `target`, or says which process holds it.
/// The holder removes the lock file before releasing it, so a lock taken
/// on a file that is no longer at `path` is retried on a new one.
fn lock(target: &Path, path: &Path) -> Result<File> {
    let busy = |who: &str| {
        format!(
            "'{}' is being written by another ddrsim run ({who}, lock file '{}'); \
             wait for it to finish or choose another output folder with --out",
            target.display(),
            path.display()
        )
    };
    loop {
        let file = lock_file(path, &busy)?;
        if same_file(&file, path) {
            return Ok(file);
        }
    }
}

/// Whether `path` still names the open `file`.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Elsewhere the lock file is never removed, so it is always the same.
#[cfg(not(unix))]
fn same_file(_file: &File, _path: &Path) -> bool {
    true
}

/// Takes an advisory lock on the file at `path` (created if missing) and
/// writes this process's id into it. When another process holds it, the
/// error is `busy(who)`, `who` naming that process as read from the file.
pub fn lock_file(path: &Path, busy: &dyn Fn(&str) -> String) -> Result<File> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .with_context(|| format!("cannot create the lock file '{}'", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            file.read_to_string(&mut holder).ok();
            let who = match holder.trim().parse::<u32>() {
                Ok(pid) => format!("process {pid}"),
                Err(_) => "another process".to_string(),
            };
            bail!("{}", busy(&who));
        }
        Err(TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("cannot lock '{}'", path.display()));
        }
    }
    // The holder's process id, for the message of a refused run.
    file.set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| writeln!(file, "{}", std::process::id()))
        .with_context(|| format!("cannot write the lock file '{}'", path.display()))?;
    Ok(file)
}

fn remove_dir(path: &Path) -> Result<()> {
    if path.exists() {
        fs::remove_dir_all(path)
            .with_context(|| format!("cannot remove the leftover folder '{}'", path.display()))?;
    }
    Ok(())
}

impl StagedDir {
    /// Creates an empty staging folder for `target` (parents are created),
    /// holding the target's lock. With the lock held, what an earlier run
    /// left beside the target is settled first: previous results left
    /// aside by a run killed in the middle of its commit are put back if
    /// the target is missing (removed otherwise), and a leftover staging
    /// folder is removed. An existing `target` is only ever replaced if it
    /// is empty or holds a previous output (a `marker` file), so a mistyped
    /// path can never wipe an unrelated folder.
    pub fn new(target: &Path, marker: &str) -> Result<Self> {
        let siblings = siblings(target)?;
        if let Some(parent) = siblings.lock.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create folder '{}'", parent.display()))?;
        }
        let lock = lock(target, &siblings.lock)?;
        let mut recovered = false;
        if siblings.old.is_dir() {
            if target.exists() {
                remove_dir(&siblings.old)?;
            } else {
                fs::rename(&siblings.old, target).with_context(|| {
                    format!(
                        "cannot put the previous results '{}' back into '{}'",
                        siblings.old.display(),
                        target.display()
                    )
                })?;
                recovered = true;
            }
        }
        if target.exists() {
            if !target.is_dir() {
                bail!(
                    "'{}' exists and is not a folder; choose another output path",
                    target.display()
                );
            }
            let empty = fs::read_dir(target)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !empty && !target.join(marker).is_file() {
                bail!(
                    "'{}' exists and is not a ddrsim output folder (it has no {marker}); \
                     it would be replaced as a whole, so choose another output path or remove it",
                    target.display()
                );
            }
        }
        remove_dir(&siblings.staging)?;
        fs::create_dir(&siblings.staging).with_context(|| {
            format!(
                "cannot create the staging folder '{}'",
                siblings.staging.display()
            )
        })?;
        Ok(StagedDir {
            target: target.to_path_buf(),
            siblings,
            committed: false,
            recovered,
            _lock: lock,
        })
    }

    /// Path of the staging folder, where files are written.
    pub fn path(&self) -> &Path {
        &self.siblings.staging
    }

    /// The output folder this staging folder will replace.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Whether [`StagedDir::new`] put back previous results that a run
    /// killed in the middle of its commit had left aside.
    pub fn recovered(&self) -> bool {
        self.recovered
    }

    /// Replaces the target folder with the staging folder. If the second
    /// rename fails, the previous results are put back.
    pub fn commit(mut self) -> Result<PathBuf> {
        let old = &self.siblings.old;
        let had_old = self.target.exists();
        if had_old {
            remove_dir(old)?;
            fs::rename(&self.target, old).with_context(|| {
                format!("cannot move the previous '{}' aside", self.target.display())
            })?;
        }
        if let Err(e) = fs::rename(&self.siblings.staging, &self.target) {
            if had_old {
                fs::rename(old, &self.target).ok();
            }
            return Err(e)
                .with_context(|| format!("cannot move results into '{}'", self.target.display()));
        }
        self.committed = true;
        if had_old {
            // Left in place if this fails: the next run removes it.
            fs::remove_dir_all(old).ok();
        }
        Ok(self.target.clone())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            fs::remove_dir_all(&self.siblings.staging).ok();
        }
        // Removed while still locked; the lock itself goes with the file
        // handle, after this.
        #[cfg(unix)]
        fs::remove_file(&self.siblings.lock).ok();
    }
}

/// Writes a file atomically: to a temporary name beside it, then renamed.
/// Errors name the file and its folder.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("partial-{}", std::process::id()));
    let what = || {
        let file = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().to_string(),
        );
        let folder = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        format!("cannot write {file} in '{}'", folder.display())
    };
    if let Err(e) = fs::write(&tmp, bytes) {
        fs::remove_file(&tmp).ok();
        return Err(e).with_context(what);
    }
    fs::rename(&tmp, path).with_context(what)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_are_bounded_and_distinct() {
        assert_eq!(folder_name("liberia"), "liberia");
        let a = "a".repeat(300);
        let b = format!("{}b", "a".repeat(299));
        let (fa, fb) = (folder_name(&a), folder_name(&b));
        assert!(fa.len() <= MAX_FOLDER_NAME && fb.len() <= MAX_FOLDER_NAME);
        assert_ne!(fa, fb);
        let wide = "é".repeat(200);
        assert!(folder_name(&wide).len() <= MAX_FOLDER_NAME);
    }

    #[test]
    fn sibling_names_are_bounded() {
        let long = format!("out/{}", "x".repeat(250));
        let s = siblings(Path::new(&long)).expect("siblings");
        for p in [&s.lock, &s.staging, &s.old] {
            let n = p.file_name().expect("name").len();
            assert!(n <= 1 + SIBLING_PREFIX + 1 + 12 + 8, "{} bytes", n);
            assert_eq!(p.parent(), Some(Path::new("out")));
        }
        assert_ne!(s.staging, siblings(Path::new("out/y")).expect("y").staging);
    }
}
