//! The loaded RBAC profiles, kept current while the server runs. A profile that fails
//! validation (strict mode) is not loaded; on hot reload its last good version stays in force
//! and the error is logged. A deleted profile file removes the profile: its clients lose access.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use notify::{RecursiveMode, Watcher};

use crate::config::Config;
use crate::logging::Audit;
use crate::profiles::{self, Profile};

pub struct ProfileStore {
    dir: PathBuf,
    strict: bool,
    profiles: RwLock<HashMap<String, Arc<Profile>>>,
    watcher: Mutex<Option<notify::RecommendedWatcher>>,
}

impl std::fmt::Debug for ProfileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileStore").field("dir", &self.dir).finish()
    }
}

/// The profile name a file stands for: `profiles/<name>.json` (not `_default/`, not hidden).
fn profile_name(path: &Path) -> Option<String> {
    if path.extension()? != "json" {
        return None;
    }
    let stem = path.file_stem()?.to_str()?;
    (!stem.starts_with('.') && !stem.is_empty()).then(|| stem.to_string())
}

impl ProfileStore {
    /// Installs the shipped defaults and loads every profile in PROFILES_DIR.
    pub fn open(config: &Config, audit: &Audit) -> std::io::Result<ProfileStore> {
        let dir = config.path("PROFILES_DIR");
        std::fs::create_dir_all(&dir)?;
        for copied in profiles::install_shipped_defaults(&dir)? {
            tracing::info!("installed default profile {}", copied.display());
        }
        let store = ProfileStore {
            dir,
            strict: config.flag("PROFILE_SCHEMA_STRICT"),
            profiles: RwLock::new(HashMap::new()),
            watcher: Mutex::new(None),
        };
        for entry in std::fs::read_dir(&store.dir)?.flatten() {
            let path = entry.path();
            if path.is_file() {
                store.reload(&path, audit);
            }
        }
        Ok(store)
    }

    pub fn get(&self, name: &str) -> Option<Arc<Profile>> {
        self.profiles
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    pub fn names(&self) -> Vec<String> {
        let mut n: Vec<String> = self
            .profiles
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        n.sort();
        n
    }

    /// Re-reads one file: loads it, keeps the last good version on error, or drops it if gone.
    pub fn reload(&self, path: &Path, audit: &Audit) {
        let Some(name) = profile_name(path) else { return };
        if path.parent() != Some(self.dir.as_path()) {
            return;
        }
        let file = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if self
                    .profiles
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&name)
                    .is_some()
                {
                    tracing::warn!("profile {name} was removed: its clients have no access until it returns");
                    audit.event("profile_removed", serde_json::json!({"profile": name, "file": file}));
                }
                return;
            }
            Err(e) => {
                tracing::error!("profile {file}: cannot read: {e}");
                return;
            }
        };
        let (profile, problems) = profiles::parse(&name, &file, &text);
        let fatal = problems.iter().any(|p| p.path == "$") || (self.strict && !problems.is_empty());
        for p in &problems {
            if fatal {
                tracing::error!("profile rejected: {p}");
            } else {
                tracing::warn!("profile warning (PROFILE_SCHEMA_STRICT=0): {p}");
            }
        }
        if fatal {
            let kept = self.get(&name).is_some();
            audit.event(
                "profile_rejected",
                serde_json::json!({
                    "profile": name, "file": file, "kept_previous": kept,
                    "problems": problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                }),
            );
            return;
        }
        let changed = self
            .profiles
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.clone(), Arc::new(profile.clone()))
            .is_none_or(|old| *old != profile);
        if changed {
            tracing::info!("profile {name} loaded from {file}");
            audit.event("profile_loaded", serde_json::json!({"profile": name, "file": file}));
        }
    }

    /// Watches PROFILES_DIR and reloads changed files until the store is dropped.
    pub fn watch(self: &Arc<Self>, audit: Audit) -> notify::Result<()> {
        let weak = Arc::downgrade(self);
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let Some(store) = weak.upgrade() else { return };
            match event {
                Ok(e) => {
                    for path in e.paths {
                        store.reload(&path, &audit);
                    }
                }
                Err(e) => tracing::error!("watching profiles: {e}"),
            }
        })?;
        watcher.watch(&self.dir, RecursiveMode::NonRecursive)?;
        *self.watcher.lock().unwrap_or_else(|e| e.into_inner()) = Some(watcher);
        Ok(())
    }
}
