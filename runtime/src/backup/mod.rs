//! Encrypted backups of the installation: create (tar.gz, AES-256-GCM chunks, the key wrapped
//! with the server's RSA public key), list, verify, restore, prune, a schedule while the
//! server runs, and export to SFTP. See `format.rs` for the file layout.

pub mod archive;
pub mod format;
pub mod password;
pub mod progress;
pub mod schedule;
pub mod sftp;

use std::fs;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::config::Config;
use crate::logging::Audit;
use format::{ChunkReader, ChunkWriter, FormatError, Opener, Sealer, Sha512Tee};

pub const PREFIX: &str = "ai-bridge-backup-";
pub const SUFFIX: &str = ".aibk";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{path}: {source}")]
    Format {
        path: String,
        #[source]
        source: FormatError,
    },
    #[error("{path}: the .sha512 sidecar is missing: the archive is incomplete or was copied without it")]
    NoSidecar { path: String },
    #[error("{path}: SHA-512 mismatch (sidecar {expected}, file {actual}): the archive was modified")]
    Checksum {
        path: String,
        expected: String,
        actual: String,
    },
    #[error("{path}: the sidecar is not in sha512sum format for this file")]
    BadSidecar { path: String },
    #[error("restore target {0} is not empty; it looks like a live installation (use --force to replace it; the old files are kept aside)")]
    TargetNotEmpty(String),
    #[error("{0}")]
    Config(String),
    #[error("SFTP: {0}")]
    Sftp(String),
}

fn io_err(path: &Path) -> impl Fn(io::Error) -> BackupError + '_ {
    move |source| {
        // Format errors surface through io::Read as InvalidData; keep their message.
        BackupError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// What the backup commands need from `.env`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub root: PathBuf,
    pub dir: PathBuf,
    pub retention: usize,
    pub excluded: Vec<PathBuf>,
    pub public_key: PathBuf,
    pub private_key: PathBuf,
}

impl Settings {
    pub fn from_config(config: &Config) -> Settings {
        let root = config.root.clone();
        let dir = config.path("BACKUP_DIR");
        let mut excluded: Vec<PathBuf> = config
            .get("BACKUP_EXCLUDE_DIRS")
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| root.join(d.trim_end_matches('/')))
            .collect();
        excluded.push(dir.clone());
        Settings {
            root,
            dir,
            retention: config.int("BACKUP_RETENTION") as usize,
            excluded,
            public_key: config.path("AUTH_RSA_PUBLIC_KEY_FILE"),
            private_key: config.path("AUTH_RSA_PRIVATE_KEY_FILE"),
        }
    }

    fn sealer(&self) -> Result<Sealer, BackupError> {
        let pem = fs::read_to_string(&self.public_key).map_err(io_err(&self.public_key))?;
        Sealer::from_public_pem(&pem).map_err(|source| BackupError::Format {
            path: self.public_key.display().to_string(),
            source,
        })
    }

    pub fn opener(&self) -> Result<Opener, BackupError> {
        let private = fs::read_to_string(&self.private_key).map_err(io_err(&self.private_key))?;
        let public = fs::read_to_string(&self.public_key).map_err(io_err(&self.public_key))?;
        Opener::from_private_pem(&private, &public).map_err(|source| BackupError::Format {
            path: self.private_key.display().to_string(),
            source,
        })
    }
}

/// Reports progress: a bar on a terminal, log lines otherwise.
pub trait Progress {
    fn start(&mut self, what: &str, total: u64);
    fn advance(&mut self, bytes: u64);
    fn finish(&mut self);
}

/// No output (scheduled runs log their result instead).
pub struct Quiet;

impl Progress for Quiet {
    fn start(&mut self, _: &str, _: u64) {}
    fn advance(&mut self, _: u64) {}
    fn finish(&mut self) {}
}

/// A finished archive.
#[derive(Debug, Clone)]
pub struct Created {
    pub path: PathBuf,
    pub sidecar: PathBuf,
    pub sha512: String,
    pub entries: u64,
    pub source_bytes: u64,
    pub archive_bytes: u64,
}

pub fn sidecar_of(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".sha512");
    PathBuf::from(s)
}

fn tree_size(root: &Path, excluded: &[PathBuf]) -> u64 {
    let mut total = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if excluded.iter().any(|x| p.starts_with(x)) {
                continue;
            }
            match fs::symlink_metadata(&p) {
                Ok(m) if m.is_dir() => stack.push(p),
                Ok(m) if m.is_file() => total += m.len(),
                _ => {}
            }
        }
    }
    total
}

fn fsync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Archives the installation into BACKUP_DIR: written under a temporary name, synced, the
/// sidecar put in place, then the archive renamed, so an interrupted run leaves nothing that
/// looks complete.
pub fn create(s: &Settings, progress: &mut dyn Progress) -> Result<Created, BackupError> {
    fs::create_dir_all(&s.dir).map_err(io_err(&s.dir))?;
    let sealer = s.sealer()?;
    let stamp = time::OffsetDateTime::now_utc();
    let name = format!(
        "{PREFIX}{:04}{:02}{:02}T{:02}{:02}{:02}{:03}Z{SUFFIX}",
        stamp.year(),
        stamp.month() as u8,
        stamp.day(),
        stamp.hour(),
        stamp.minute(),
        stamp.second(),
        stamp.millisecond()
    );
    let path = s.dir.join(&name);
    let tmp = s.dir.join(format!(".{name}.partial"));
    let sidecar = sidecar_of(&path);
    let sidecar_tmp = s.dir.join(format!(".{name}.sha512.partial"));
    let result = (|| {
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(io_err(&tmp))?;
        let tee = Sha512Tee::new(BufWriter::with_capacity(256 * 1024, file));
        let writer = ChunkWriter::new(tee, &sealer).map_err(|source| BackupError::Format {
            path: tmp.display().to_string(),
            source,
        })?;
        progress.start("backup", tree_size(&s.root, &s.excluded));
        let (writer, entries, source_bytes) =
            archive::write_tree(&s.root, &s.excluded, writer, |n| progress.advance(n)).map_err(io_err(&s.root))?;
        progress.finish();
        let tee = writer.finish().map_err(|source| BackupError::Format {
            path: tmp.display().to_string(),
            source,
        })?;
        let (buffered, sha512, archive_bytes) = tee.hex();
        let file = buffered.into_inner().map_err(|e| io_err(&tmp)(e.into_error()))?;
        file.sync_all().map_err(io_err(&tmp))?;
        let line = format!("{sha512}  {name}\n");
        let mut sc = fs::File::create(&sidecar_tmp).map_err(io_err(&sidecar_tmp))?;
        sc.write_all(line.as_bytes()).map_err(io_err(&sidecar_tmp))?;
        sc.sync_all().map_err(io_err(&sidecar_tmp))?;
        fs::rename(&sidecar_tmp, &sidecar).map_err(io_err(&sidecar))?;
        fs::rename(&tmp, &path).map_err(io_err(&path))?;
        fsync_dir(&s.dir);
        Ok(Created {
            path: path.clone(),
            sidecar: sidecar.clone(),
            sha512,
            entries,
            source_bytes,
            archive_bytes,
        })
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
        let _ = fs::remove_file(&sidecar_tmp);
    }
    result
}

/// One archive in BACKUP_DIR.
#[derive(Debug, Clone)]
pub struct Listed {
    pub path: PathBuf,
    pub bytes: u64,
    pub has_sidecar: bool,
}

/// Archives, oldest first (names sort by time). Temporary files are not listed.
pub fn list(s: &Settings) -> Result<Vec<Listed>, BackupError> {
    let mut out = Vec::new();
    let rd = match fs::read_dir(&s.dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io_err(&s.dir)(e)),
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with(PREFIX) && name.ends_with(SUFFIX) {
            let path = e.path();
            out.push(Listed {
                bytes: e.metadata().map(|m| m.len()).unwrap_or(0),
                has_sidecar: sidecar_of(&path).is_file(),
                path,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Result of a verification.
#[derive(Debug, Clone)]
pub struct Verified {
    pub entries: u64,
    pub bytes: u64,
}

fn read_sidecar(path: &Path) -> Result<String, BackupError> {
    let sidecar = sidecar_of(path);
    let text = match fs::read_to_string(&sidecar) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(BackupError::NoSidecar {
                path: path.display().to_string(),
            })
        }
        Err(e) => return Err(io_err(&sidecar)(e)),
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let mut parts = text.trim_end().splitn(2, "  ");
    let (Some(hash), Some(file)) = (parts.next(), parts.next()) else {
        return Err(BackupError::BadSidecar {
            path: sidecar.display().to_string(),
        });
    };
    if hash.len() != 128 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) || file.trim_start_matches('*') != name {
        return Err(BackupError::BadSidecar {
            path: sidecar.display().to_string(),
        });
    }
    Ok(hash.to_ascii_lowercase())
}

/// Turns a read error from the decrypting pipeline back into the format error it carries.
fn read_error(path: &Path, e: io::Error) -> BackupError {
    let shown = path.display().to_string();
    if e.kind() == io::ErrorKind::InvalidData {
        if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<FormatError>()) {
            return BackupError::Format {
                path: shown,
                source: match inner {
                    FormatError::Chunk(i) => FormatError::Chunk(*i),
                    FormatError::Truncated => FormatError::Truncated,
                    other => FormatError::Header(other.to_string()),
                },
            };
        }
    }
    BackupError::Io { path: shown, source: e }
}

/// Checks the sidecar, every chunk's tag and every tar entry; writes nothing.
pub fn verify(s: &Settings, path: &Path, progress: &mut dyn Progress) -> Result<Verified, BackupError> {
    let expected = read_sidecar(path)?;
    let opener = s.opener()?;
    let file = fs::File::open(path).map_err(io_err(path))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    progress.start("verify", total);
    let mut tee = Sha512Tee::new(Counting::new(BufReader::with_capacity(256 * 1024, file), progress));
    let checked = (|| {
        let mut reader = ChunkReader::new(&mut tee, &opener).map_err(|source| BackupError::Format {
            path: path.display().to_string(),
            source,
        })?;
        let (entries, bytes) = archive::check_tree(&mut reader).map_err(|e| read_error(path, e))?;
        // Whatever follows the tar end must still authenticate, up to the final chunk.
        io::copy(&mut reader, &mut io::sink()).map_err(|e| read_error(path, e))?;
        Ok::<_, BackupError>(Verified { entries, bytes })
    })();
    // Hash the whole file even when decryption stopped early, to report the checksum first.
    let _ = io::copy(&mut tee, &mut io::sink());
    let (counting, actual, _) = tee.hex();
    counting.progress.finish();
    if actual != expected {
        return Err(BackupError::Checksum {
            path: path.display().to_string(),
            expected,
            actual,
        });
    }
    checked
}

struct Counting<'p, R> {
    inner: R,
    progress: &'p mut dyn Progress,
}

impl<'p, R> Counting<'p, R> {
    fn new(inner: R, progress: &'p mut dyn Progress) -> Self {
        Counting { inner, progress }
    }
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub entries: u64,
    /// Where the replaced files were moved (with --force on a non-empty target).
    pub kept_aside: Option<PathBuf>,
}

fn is_empty_dir(p: &Path) -> io::Result<bool> {
    Ok(fs::read_dir(p)?.next().is_none())
}

/// Verifies the whole archive, then extracts it into a staging directory beside `target`
/// and moves it into place; nothing is written when anything fails.
pub fn restore(
    s: &Settings,
    path: &Path,
    target: &Path,
    force: bool,
    progress: &mut dyn Progress,
) -> Result<Restored, BackupError> {
    let target_exists = target.exists();
    if target_exists && !is_empty_dir(target).map_err(io_err(target))? && !force {
        return Err(BackupError::TargetNotEmpty(target.display().to_string()));
    }
    let verified = verify(s, path, progress)?;
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io_err(parent))?;
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("restore");
    let staging = parent.join(format!(".{name}.restoring-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir(&staging).map_err(io_err(&staging))?;
    let unpacked = (|| {
        let opener = s.opener()?;
        let file = fs::File::open(path).map_err(io_err(path))?;
        progress.start("restore", verified.bytes);
        let reader = ChunkReader::new(BufReader::with_capacity(256 * 1024, file), &opener).map_err(|source| {
            BackupError::Format {
                path: path.display().to_string(),
                source,
            }
        })?;
        let entries = archive::unpack_tree(reader, &staging).map_err(|e| read_error(path, e))?;
        progress.finish();
        Ok::<_, BackupError>(entries)
    })();
    let entries = match unpacked {
        Ok(n) => n,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let mut kept_aside = None;
    if target_exists {
        if is_empty_dir(target).map_err(io_err(target))? {
            fs::remove_dir(target).map_err(io_err(target))?;
        } else {
            let stamp = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or(Duration::ZERO)
                .as_secs();
            let aside = parent.join(format!("{name}.replaced-{stamp}"));
            fs::rename(target, &aside).map_err(io_err(target))?;
            kept_aside = Some(aside);
        }
    }
    fs::rename(&staging, target).map_err(io_err(target))?;
    fsync_dir(parent);
    Ok(Restored { entries, kept_aside })
}

/// Deletes all but the newest BACKUP_RETENTION archives (with their sidecars), never `keep`,
/// and temporary files of runs that died more than a day ago.
pub fn prune(s: &Settings, keep: Option<&Path>) -> Result<Vec<PathBuf>, BackupError> {
    if let Ok(rd) = fs::read_dir(&s.dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let stale = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(86_400));
            if name.starts_with(&format!(".{PREFIX}")) && name.ends_with(".partial") && stale {
                let _ = fs::remove_file(e.path());
            }
        }
    }
    let all = list(s)?;
    let excess = all.len().saturating_sub(s.retention.max(1));
    let mut removed = Vec::new();
    for old in all.iter().take(excess) {
        if Some(old.path.as_path()) == keep {
            continue;
        }
        fs::remove_file(&old.path).map_err(io_err(&old.path))?;
        let _ = fs::remove_file(sidecar_of(&old.path));
        removed.push(old.path.clone());
    }
    Ok(removed)
}

/// A finished backup run: the archive, what was pruned, and the SFTP export.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub created: Created,
    pub pruned: Vec<PathBuf>,
    pub exported: Option<sftp::Exported>,
}

impl std::fmt::Display for RunReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({} entries, {:.1} MB of files, {:.1} MB archive), {} old archive(s) pruned",
            self.created.path.display(),
            self.created.entries,
            self.created.source_bytes as f64 / 1_048_576.0,
            self.created.archive_bytes as f64 / 1_048_576.0,
            self.pruned.len()
        )?;
        if let Some(e) = &self.exported {
            write!(
                f,
                "; uploaded {}, {} remote archive file(s) deleted",
                e.uploaded.join(", "),
                e.deleted.len()
            )?;
        }
        Ok(())
    }
}

/// Create, prune and (when configured) export: what `backup create` and the schedule run.
/// The archive stays even when the export fails; the error says so.
pub async fn run_backup(
    config: &Config,
    audit: &Audit,
    mut progress: Box<dyn Progress + Send>,
) -> Result<RunReport, BackupError> {
    let settings = Settings::from_config(config);
    let sftp_target = sftp::Target::from_config(config)?;
    let s = settings.clone();
    let created = tokio::task::spawn_blocking(move || {
        let created = create(&s, progress.as_mut())?;
        let pruned = prune(&s, Some(&created.path))?;
        Ok::<_, BackupError>((created, pruned))
    })
    .await
    .map_err(|e| BackupError::Config(format!("backup task: {e}")))?;
    let (created, pruned) = match created {
        Ok(c) => c,
        Err(e) => {
            audit.event("backup_failed", serde_json::json!({"error": e.to_string()}));
            return Err(e);
        }
    };
    audit.event(
        "backup_created",
        serde_json::json!({"file": created.path.display().to_string(), "sha512": created.sha512,
                           "entries": created.entries, "bytes": created.archive_bytes,
                           "pruned": pruned.iter().map(|p| p.display().to_string()).collect::<Vec<_>>()}),
    );
    let exported = match sftp_target {
        None => None,
        Some(t) => {
            // The private key is read only to decrypt a stored SFTP password.
            let opener = match t.auth {
                sftp::SftpAuth::Password(_) => Some(settings.opener()?),
                sftp::SftpAuth::Key(_) => None,
            };
            match sftp::export(&t, &created.path, opener.as_ref()).await {
                Ok(e) => {
                    audit.event(
                        "backup_exported",
                        serde_json::json!({"host": t.host, "port": t.port, "uploaded": e.uploaded, "deleted": e.deleted}),
                    );
                    Some(e)
                }
                Err(e) => {
                    audit.event(
                        "backup_export_failed",
                        serde_json::json!({"host": t.host, "port": t.port, "error": e.to_string()}),
                    );
                    return Err(BackupError::Sftp(format!(
                        "{} was created, but the export failed: {e}",
                        created.path.display()
                    )));
                }
            }
        }
    };
    Ok(RunReport {
        created,
        pruned,
        exported,
    })
}
