//! The installation as a gzip-compressed tar stream, and its safe extraction. Everything
//! streams: memory stays flat however large the installation is.

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

/// Writes `root` (minus `excluded`, absolute paths) as tar.gz into `out`; returns the number
/// of entries and file bytes.
pub fn write_tree<W: Write>(
    root: &Path,
    excluded: &[PathBuf],
    out: W,
    mut progress: impl FnMut(u64),
) -> io::Result<(W, u64, u64)> {
    let gz = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.follow_symlinks(false);
    tar.mode(tar::HeaderMode::Complete);
    let (mut entries, mut bytes) = (0u64, 0u64);
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut children: Vec<_> = fs::read_dir(&dir)?.collect::<Result<_, _>>()?;
        children.sort_by_key(|e| e.file_name());
        for child in children {
            let path = child.path();
            if excluded.iter().any(|x| path.starts_with(x)) || is_own_temp(&path) {
                continue;
            }
            let meta = fs::symlink_metadata(&path)?;
            let rel = path.strip_prefix(root).map_err(io::Error::other)?;
            let ft = meta.file_type();
            if ft.is_dir() {
                tar.append_path_with_name(&path, rel)?;
                stack.push(path);
            } else if ft.is_file() || ft.is_symlink() {
                tar.append_path_with_name(&path, rel)?;
                if ft.is_file() {
                    bytes += meta.len();
                    progress(meta.len());
                }
            } else {
                // Sockets, FIFOs and devices are not installation data.
                continue;
            }
            entries += 1;
        }
    }
    let gz = tar.into_inner()?;
    Ok((gz.finish()?, entries, bytes))
}

/// Temporary files of a backup or restore in progress.
fn is_own_temp(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(".ai-bridge-backup-") && n.ends_with(".partial"))
}

#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    #[error("entry '{0}' has an absolute path")]
    Absolute(String),
    #[error("entry '{0}' contains '..'")]
    Parent(String),
    #[error("link '{name}' points outside the target ({target})")]
    LinkOutside { name: String, target: String },
    #[error("entry '{0}' is a device, FIFO or other special file")]
    Special(String),
}

/// The entry's path as safe relative components.
fn safe_relative(path: &Path) -> Result<PathBuf, EntryError> {
    let shown = path.display().to_string();
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => return Err(EntryError::Parent(shown)),
            Component::RootDir | Component::Prefix(_) => return Err(EntryError::Absolute(shown)),
        }
    }
    Ok(out)
}

/// Whether `target`, resolved from the directory holding `link`, stays within the root.
fn link_stays_inside(link: &Path, target: &Path) -> bool {
    if target.is_absolute() {
        return false;
    }
    let mut depth: i64 = link.components().count() as i64 - 1;
    for c in target.components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            _ => return false,
        }
        if depth < 0 {
            return false;
        }
    }
    true
}

/// One checked entry.
pub enum Checked {
    Dir(PathBuf, u32),
    File(PathBuf, u32),
    Symlink(PathBuf, PathBuf),
    HardLink(PathBuf, PathBuf),
}

fn check(entry: &tar::Entry<impl Read>) -> Result<Checked, io::Error> {
    let bad = |e: EntryError| io::Error::new(io::ErrorKind::InvalidData, e);
    let path = entry.path()?.into_owned();
    let rel = safe_relative(&path).map_err(bad)?;
    let mode = entry.header().mode().unwrap_or(0o644) & 0o7777;
    Ok(match entry.header().entry_type() {
        tar::EntryType::Directory => Checked::Dir(rel, mode),
        tar::EntryType::Regular | tar::EntryType::Continuous => Checked::File(rel, mode),
        tar::EntryType::Symlink => {
            let target = entry.link_name()?.map(|t| t.into_owned()).unwrap_or_default();
            if !link_stays_inside(&rel, &target) {
                return Err(bad(EntryError::LinkOutside {
                    name: rel.display().to_string(),
                    target: target.display().to_string(),
                }));
            }
            Checked::Symlink(rel, target)
        }
        tar::EntryType::Link => {
            let target = entry.link_name()?.map(|t| t.into_owned()).unwrap_or_default();
            let target = safe_relative(&target).map_err(|_| {
                bad(EntryError::LinkOutside {
                    name: rel.display().to_string(),
                    target: target.display().to_string(),
                })
            })?;
            Checked::HardLink(rel, target)
        }
        _ => return Err(bad(EntryError::Special(rel.display().to_string()))),
    })
}

/// Reads the whole tar.gz stream, checking every entry; writes nothing. Returns entries and
/// file bytes.
pub fn check_tree<R: Read>(input: R) -> io::Result<(u64, u64)> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(input));
    let (mut entries, mut bytes) = (0u64, 0u64);
    for entry in archive.entries()? {
        let mut entry = entry?;
        check(&entry)?;
        bytes += io::copy(&mut entry, &mut io::sink())?;
        entries += 1;
    }
    Ok((entries, bytes))
}

/// Extracts a checked tar.gz stream into `dest` (an empty directory).
pub fn unpack_tree<R: Read>(input: R, dest: &Path) -> io::Result<u64> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(input));
    let mut dir_modes = Vec::new();
    let mut entries = 0u64;
    for entry in archive.entries()? {
        let mut entry = entry?;
        match check(&entry)? {
            Checked::Dir(rel, mode) => {
                fs::create_dir_all(dest.join(&rel))?;
                // Directory modes last: a read-only directory must still receive its files.
                dir_modes.push((dest.join(rel), mode));
            }
            Checked::File(rel, mode) => {
                let path = dest.join(&rel);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent)?;
                }
                let mut f = fs::OpenOptions::new().write(true).create_new(true).open(&path)?;
                io::copy(&mut entry, &mut f)?;
                f.sync_all()?;
                fs::set_permissions(&path, fs::Permissions::from_mode(mode))?;
            }
            Checked::Symlink(rel, target) => {
                let path = dest.join(&rel);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent)?;
                }
                std::os::unix::fs::symlink(target, path)?;
            }
            Checked::HardLink(rel, target) => {
                let path = dest.join(&rel);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent)?;
                }
                fs::hard_link(dest.join(target), path)?;
            }
        }
        entries += 1;
    }
    for (path, mode) in dir_modes.into_iter().rev() {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_paths_must_stay_inside() {
        assert!(link_stays_inside(Path::new("a/b"), Path::new("c")));
        assert!(link_stays_inside(Path::new("a/b"), Path::new("../c")));
        assert!(!link_stays_inside(Path::new("a/b"), Path::new("../../c")));
        assert!(!link_stays_inside(Path::new("b"), Path::new("/etc/passwd")));
        assert!(!link_stays_inside(Path::new("a/b"), Path::new("x/../../../c")));
        assert!(safe_relative(Path::new("a/./b")).is_ok());
        assert!(safe_relative(Path::new("a/../../b")).is_err());
        assert!(safe_relative(Path::new("/etc/passwd")).is_err());
    }

    fn tar_gz(build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        build(&mut b);
        let raw = b.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&raw).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn hostile_archives_are_refused_before_anything_is_written() {
        let raw_header = |name: &[u8], kind: tar::EntryType, link: Option<&str>| {
            let mut h = tar::Header::new_gnu();
            h.as_old_mut().name[..name.len()].copy_from_slice(name);
            h.set_entry_type(kind);
            h.set_size(0);
            h.set_mode(0o644);
            if let Some(l) = link {
                h.set_link_name(l).unwrap();
            }
            h.set_cksum();
            h
        };
        let cases = [
            raw_header(b"../escape", tar::EntryType::Regular, None),
            raw_header(b"/etc/evil", tar::EntryType::Regular, None),
            raw_header(b"link", tar::EntryType::Symlink, Some("/etc")),
            raw_header(b"dir/link", tar::EntryType::Symlink, Some("../../x")),
            raw_header(b"hard", tar::EntryType::Link, Some("../x")),
            raw_header(b"fifo", tar::EntryType::Fifo, None),
        ];
        for h in cases {
            let data = tar_gz(|b| b.append(&h, &[][..]).unwrap());
            let e = check_tree(&data[..]).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
        }
    }
}
