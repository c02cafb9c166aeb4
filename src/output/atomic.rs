//! Atomic output folders: everything is written into a temporary folder
//! beside the target, which is renamed into place only when complete, so a
//! reader never sees a mix of old and new files and an interrupted run
//! leaves the previous results untouched.

use anyhow::{bail, Context, Result};
use std::fs;
use std::path::{Path, PathBuf};

/// A folder being written; [`StagedDir::commit`] moves it into place.
#[derive(Debug)]
pub struct StagedDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

fn sibling(target: &Path, tag: &str) -> Result<PathBuf> {
    let name = target
        .file_name()
        .with_context(|| format!("output path '{}' has no folder name", target.display()))?
        .to_string_lossy()
        .to_string();
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Ok(parent.join(format!(".{name}.{tag}-{}", std::process::id())))
}

impl StagedDir {
    /// Creates an empty staging folder for `target` (parents are created).
    /// Staging folders left beside it by interrupted runs whose process is
    /// gone are removed first. An existing `target` is only ever replaced
    /// if it is empty or holds a previous output (a `marker` file), so a
    /// mistyped path can never wipe an unrelated folder.
    pub fn new(target: &Path, marker: &str) -> Result<Self> {
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
        let staging = sibling(target, "partial")?;
        if let Some(parent) = staging.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create folder '{}'", parent.display()))?;
            remove_stale(parent, target);
        }
        if staging.exists() {
            fs::remove_dir_all(&staging)
                .with_context(|| format!("cannot clear '{}'", staging.display()))?;
        }
        fs::create_dir(&staging)
            .with_context(|| format!("cannot create folder '{}'", staging.display()))?;
        Ok(StagedDir {
            target: target.to_path_buf(),
            staging,
            committed: false,
        })
    }

    /// Path of the staging folder, where files are written.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Replaces the target folder with the staging folder.
    pub fn commit(mut self) -> Result<PathBuf> {
        let old = sibling(&self.target, "old")?;
        let had_old = self.target.exists();
        if had_old {
            if old.exists() {
                fs::remove_dir_all(&old).ok();
            }
            fs::rename(&self.target, &old).with_context(|| {
                format!("cannot move the previous '{}' aside", self.target.display())
            })?;
        }
        fs::rename(&self.staging, &self.target)
            .with_context(|| format!("cannot move results into '{}'", self.target.display()))?;
        self.committed = true;
        if had_old {
            fs::remove_dir_all(&old).ok();
        }
        Ok(self.target.clone())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            fs::remove_dir_all(&self.staging).ok();
        }
    }
}

/// Removes `.<name>.partial-<pid>` and `.<name>.old-<pid>` folders left by
/// processes that no longer run (checked through `/proc`; elsewhere nothing
/// is removed).
fn remove_stale(parent: &Path, target: &Path) {
    let Some(name) = target.file_name().map(|n| n.to_string_lossy().to_string()) else {
        return;
    };
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().to_string();
        let pid = [".partial-", ".old-"]
            .iter()
            .find_map(|tag| file.strip_prefix(&format!(".{name}{tag}")))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                fs::remove_dir_all(e.path()).ok();
            }
        }
    }
}

/// Writes a file atomically: to a temporary name beside it, then renamed.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("partial-{}", std::process::id()));
    fs::write(&tmp, bytes).with_context(|| format!("cannot write '{}'", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot write '{}'", path.display()))?;
    Ok(())
}
