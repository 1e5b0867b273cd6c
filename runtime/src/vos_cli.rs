//! The Cisco VOS platform CLI over SSH (russh). VOS has no exec channel: a session is a PTY
//! and a shell; a command is typed at the `admin:` prompt and its output read until the
//! prompt returns, paging through both pager forms and answering `Continue (y/n)?`.
//! Host keys are pinned in an OpenSSH known_hosts file: unknown keys wait for an admin's
//! decision, changed keys are always refused.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use russh::client::{self, Handle, Msg};
use russh::keys::PublicKey;
use russh::{Channel, ChannelMsg};

use crate::credentials::Credential;
use crate::host_keys::{self, Pinned};
pub use crate::host_keys::{fingerprint, KeyVerdict};

/// The first VOS pager: one key per page.
pub const PAGER_KEYS: &str = "Press <enter> for 1 line, <space> for one page, or <q> to quit";
/// The second VOS pager (file views): `options: q=quit, n=next, ... (lines X - Y of Z) :`.
pub const PAGER_OPTIONS: &str = "options: q=quit, n=next, p=prev, b=begin, e=end";
const CONTINUE: &str = "Continue (y/n)?";
/// Output kept per command; a command printing more is cut (and says so).
const MAX_OUTPUT: usize = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("the SSH host key of {host} is not trusted yet: it presented {fingerprint}. Check it on the server's console (`show ssh host-key`?) and have an admin confirm it with {product}_os_trust_fingerprint")]
    UnknownHostKey {
        product: &'static str,
        host: String,
        fingerprint: String,
        key: Box<PublicKey>,
    },
    #[error("REFUSED: the SSH host key of {host} has changed (trusted {trusted}, presented {presented}). This may be a man-in-the-middle attack; if the server was really re-keyed, remove its line from {file} and trust the new key")]
    HostKeyChanged {
        host: String,
        trusted: String,
        presented: String,
        file: String,
    },
    #[error("{host}: SSH login as '{user}' failed (password and keyboard-interactive refused)")]
    Auth { host: String, user: String },
    #[error("{host}: cannot connect over SSH: {message}")]
    Connect { host: String, message: String },
    #[error("{host}: the command did not finish within {seconds} s; the session was closed after {bytes} bytes of output. Last output: {tail}")]
    Timeout {
        host: String,
        seconds: u64,
        bytes: usize,
        tail: String,
    },
    #[error("{host}: the CLI session ended unexpectedly: {message}")]
    Closed { host: String, message: String },
    #[error("known hosts file {file}: {message}")]
    KnownHosts { file: String, message: String },
}

/// The error for a host key that is not trusted (None when it is).
fn key_error(target: &Target, verdict: Option<KeyVerdict>) -> Option<CliError> {
    let file = target.known_hosts.display().to_string();
    match verdict? {
        KeyVerdict::Trusted => None,
        KeyVerdict::Unknown(k) => Some(CliError::UnknownHostKey {
            product: target.product,
            host: target.host.clone(),
            fingerprint: fingerprint(&k),
            key: Box::new(k),
        }),
        KeyVerdict::Changed { trusted, presented } => Some(CliError::HostKeyChanged {
            host: target.host.clone(),
            trusted: fingerprint(&trusted),
            presented: fingerprint(&presented),
            file,
        }),
        KeyVerdict::Error(message) => Some(CliError::KnownHosts { file, message }),
    }
}

/// Where and how to open a CLI session.
#[derive(Debug, Clone)]
pub struct Target {
    pub product: &'static str,
    pub host: String,
    pub port: u16,
    pub term: String,
    pub width: u32,
    pub height: u32,
    pub timeout: Duration,
    pub known_hosts: PathBuf,
}

/// Connects only far enough to see the host key of a host not trusted yet (nothing is
/// authenticated).
pub async fn fetch_host_key(target: &Target) -> Result<PublicKey, CliError> {
    let (handler, verdict) = Pinned::new(&target.known_hosts, &target.host, target.port);
    let config = Arc::new(client::Config::default());
    let connect = client::connect(config, (target.host.as_str(), target.port), handler);
    let result = tokio::time::timeout(target.timeout.min(Duration::from_secs(15)), connect).await;
    match host_keys::take(&verdict) {
        Some(KeyVerdict::Trusted) => Err(CliError::KnownHosts {
            file: target.known_hosts.display().to_string(),
            message: format!("{} is already trusted", target.host),
        }),
        None => Err(CliError::Connect {
            host: target.host.clone(),
            message: match result {
                Ok(Err(e)) => e.to_string(),
                Err(_) => "no SSH handshake in time".into(),
                Ok(Ok(_)) => "no host key seen".into(),
            },
        }),
        other => match key_error(target, other) {
            Some(CliError::UnknownHostKey { key, .. }) => Ok(*key),
            Some(e) => Err(e),
            None => unreachable!("trusted keys are handled above"),
        },
    }
}

/// An open shell at the prompt.
pub struct CliSession {
    _handle: Handle<Pinned>,
    channel: Channel<Msg>,
    prompt: String,
    host: String,
    pub last_used: Instant,
}

impl std::fmt::Debug for CliSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CliSession")
            .field("host", &self.host)
            .field("prompt", &self.prompt)
            .finish()
    }
}

/// What one command printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    pub output: String,
    /// Pages read through a pager.
    pub pages: u32,
    /// `Continue (y/n)?` questions and how they were answered.
    pub questions: Vec<String>,
    pub truncated: bool,
}

/// Removes ANSI escape sequences (CSI, OSC and two-byte escapes); a carriage return not
/// followed by a newline clears the line, as on a terminal.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                Some('[') => {
                    for n in chars.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    while let Some(n) = chars.next() {
                        if n == '\x07' || (n == '\x1b' && chars.peek() == Some(&'\\')) {
                            if n == '\x1b' {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                _ => {}
            },
            // A lone carriage return rewrites the line (pagers erase their prompt this way).
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' => out.truncate(out.rfind('\n').map_or(0, |i| i + 1)),
            '\x07' | '\x08' => {}
            c => out.push(c),
        }
    }
    out
}

/// The prompt, if the text (after login) ends with one: the last line, a word followed by `:`.
fn trailing_prompt(text: &str) -> Option<String> {
    let last = text.rsplit('\n').next()?.trim_end();
    let word = last.strip_suffix(':')?;
    (!word.is_empty() && !word.contains(char::is_whitespace) && word.len() <= 64).then(|| last.to_string())
}

impl CliSession {
    /// Connects, checks the host key, logs in (password, then keyboard-interactive), opens
    /// a PTY shell and waits for the prompt.
    pub async fn open(target: &Target, credential: &Credential) -> Result<CliSession, CliError> {
        let (handler, verdict) = Pinned::new(&target.known_hosts, &target.host, target.port);
        let host = target.host.clone();
        let config = Arc::new(client::Config {
            inactivity_timeout: None,
            ..Default::default()
        });
        let connect = client::connect(config, (target.host.as_str(), target.port), handler);
        let connected = tokio::time::timeout(target.timeout, connect).await;
        if let Some(e) = key_error(target, host_keys::take(&verdict)) {
            return Err(e);
        }
        let mut handle = match connected {
            Ok(Ok(h)) => h,
            Ok(Err(e)) => {
                return Err(CliError::Connect {
                    host,
                    message: e.to_string(),
                })
            }
            Err(_) => {
                return Err(CliError::Connect {
                    host,
                    message: format!("no SSH handshake within {} s", target.timeout.as_secs()),
                })
            }
        };
        let fail = |e: russh::Error| CliError::Connect {
            host: target.host.clone(),
            message: e.to_string(),
        };
        let mut ok = handle
            .authenticate_password(credential.username.clone(), credential.password.clone())
            .await
            .map_err(fail)?
            .success();
        if !ok {
            // VOS often offers only keyboard-interactive: answer every prompt with the password.
            let mut reply = handle
                .authenticate_keyboard_interactive_start(credential.username.clone(), None)
                .await
                .map_err(fail)?;
            for _ in 0..5 {
                match reply {
                    client::KeyboardInteractiveAuthResponse::Success => {
                        ok = true;
                        break;
                    }
                    client::KeyboardInteractiveAuthResponse::Failure { .. } => break,
                    client::KeyboardInteractiveAuthResponse::InfoRequest { ref prompts, .. } => {
                        let answers = prompts.iter().map(|_| credential.password.clone()).collect();
                        reply = handle
                            .authenticate_keyboard_interactive_respond(answers)
                            .await
                            .map_err(fail)?;
                    }
                }
            }
        }
        if !ok {
            return Err(CliError::Auth {
                host: target.host.clone(),
                user: credential.username.clone(),
            });
        }
        let channel = handle.channel_open_session().await.map_err(fail)?;
        channel
            .request_pty(false, &target.term, target.width, target.height, 0, 0, &[])
            .await
            .map_err(fail)?;
        channel.request_shell(false).await.map_err(fail)?;
        let mut session = CliSession {
            _handle: handle,
            channel,
            prompt: String::new(),
            host: target.host.clone(),
            last_used: Instant::now(),
        };
        let deadline = Instant::now() + target.timeout;
        let mut seen = String::new();
        loop {
            let text = strip_ansi(&seen);
            if let Some(p) = trailing_prompt(&text) {
                session.prompt = p;
                break;
            }
            session.read_some(&mut seen, deadline, target.timeout).await?;
        }
        Ok(session)
    }

    async fn read_some(&mut self, into: &mut String, deadline: Instant, limit: Duration) -> Result<(), CliError> {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, self.channel.wait()).await {
            Err(_) => Err(CliError::Timeout {
                host: self.host.clone(),
                seconds: limit.as_secs(),
                bytes: into.len(),
                tail: strip_ansi(tail(into, 300)),
            }),
            Ok(None) | Ok(Some(ChannelMsg::Close)) | Ok(Some(ChannelMsg::Eof)) => Err(CliError::Closed {
                host: self.host.clone(),
                message: "the server closed the channel".into(),
            }),
            Ok(Some(ChannelMsg::Data { data })) | Ok(Some(ChannelMsg::ExtendedData { data, .. })) => {
                into.push_str(&String::from_utf8_lossy(&data));
                Ok(())
            }
            Ok(Some(ChannelMsg::ExitStatus { exit_status })) => Err(CliError::Closed {
                host: self.host.clone(),
                message: format!("the shell exited with status {exit_status}"),
            }),
            Ok(Some(_)) => Ok(()),
        }
    }

    async fn send(&mut self, text: &str) -> Result<(), CliError> {
        self.channel.data(text.as_bytes()).await.map_err(|e| CliError::Closed {
            host: self.host.clone(),
            message: e.to_string(),
        })
    }

    /// Runs one command (already checked by RBAC) and returns its output without the echo,
    /// the pager prompts or the final prompt.
    pub async fn run(&mut self, command: &str, confirm: bool, timeout: Duration) -> Result<CommandOutput, CliError> {
        self.send(&format!("{command}\r")).await?;
        let deadline = Instant::now() + timeout;
        let mut raw = String::new();
        // Output already consumed (pager prompts answered), so each check looks at new text.
        let mut done = String::new();
        let (mut pages, mut questions, mut truncated) = (0u32, Vec::new(), false);
        loop {
            let text = strip_ansi(&raw);
            let trimmed = text.trim_end();
            if trimmed.ends_with(PAGER_KEYS) {
                done.push_str(&text[..text.rfind(PAGER_KEYS).unwrap_or(text.len())]);
                raw.clear();
                pages += 1;
                self.send(" ").await?;
            } else if let Some(at) = pager_options_at(trimmed) {
                done.push_str(&text[..at]);
                let finished = trimmed.contains("(END)") || last_page(&trimmed[at..]);
                raw.clear();
                pages += 1;
                self.send(if finished { "q" } else { "n" }).await?;
            } else if trimmed.ends_with(CONTINUE) {
                let answer = if confirm { "y" } else { "n" };
                let question = trimmed.rsplit('\n').next().unwrap_or(CONTINUE).trim().to_string();
                questions.push(format!("{question} -> answered '{answer}'"));
                done.push_str(&text);
                done.push('\n');
                raw.clear();
                self.send(&format!("{answer}\r")).await?;
            } else if trimmed.ends_with(&self.prompt) && (text.contains('\n') || !done.is_empty()) {
                let body = &text[..text.rfind(&self.prompt).unwrap_or(text.len())];
                done.push_str(body);
                break;
            }
            if done.len() + raw.len() > MAX_OUTPUT {
                truncated = true;
                // Stop the command the way a user would, then wait for the prompt.
                self.send("q").await?;
                self.send("\x03").await?;
                done.push_str(&strip_ansi(&raw));
                raw.clear();
                done.truncate(MAX_OUTPUT);
            }
            self.read_some(&mut raw, deadline, timeout).await?;
        }
        self.last_used = Instant::now();
        Ok(CommandOutput {
            output: clean_output(&done, command),
            pages,
            questions,
            truncated,
        })
    }
}

/// The last `n` bytes or so of a text, cut at a character boundary.
fn tail(text: &str, n: usize) -> &str {
    let mut at = text.len().saturating_sub(n);
    while !text.is_char_boundary(at) {
        at += 1;
    }
    &text[at..]
}

/// Where the `options: ...` pager line starts, when the text ends with it.
fn pager_options_at(trimmed: &str) -> Option<usize> {
    let at = trimmed.rfind(PAGER_OPTIONS)?;
    trimmed[at..].ends_with(':').then_some(at)
}

/// `(lines X - Y of Z)` with Y >= Z.
fn last_page(pager_line: &str) -> bool {
    let Some(inner) = pager_line.split("(lines ").nth(1).and_then(|s| s.split(')').next()) else {
        return false;
    };
    let nums: Vec<u64> = inner
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    matches!(nums.as_slice(), [_, y, z] if y >= z)
}

/// Drops the echoed command line and surrounding blank lines.
fn clean_output(text: &str, command: &str) -> String {
    let mut lines: Vec<&str> = text.split('\n').collect();
    if let Some(first) = lines.first() {
        if first.trim() == command.trim() || first.trim().ends_with(command.trim()) {
            lines.remove(0);
        }
    }
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    lines.iter().map(|l| l.trim_end()).collect::<Vec<_>>().join("\n")
}

/// Idle sessions per (client, product, host), reused for SERVER_SSH_IDLE_SECONDS and never
/// shared between clients. A session is taken out while a command runs.
#[derive(Debug, Default)]
pub struct SessionPool {
    idle: Mutex<HashMap<(String, &'static str, String), CliSession>>,
    /// Host keys seen on failed first connections, waiting for an admin's decision.
    pub pending_keys: Mutex<HashMap<(String, u16), PublicKey>>,
}

impl SessionPool {
    pub fn take(&self, client: &str, product: &'static str, host: &str, idle: Duration) -> Option<CliSession> {
        let mut map = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, s| s.last_used.elapsed() < idle);
        map.remove(&(client.to_string(), product, host.to_ascii_lowercase()))
    }

    pub fn put_back(&self, client: &str, product: &'static str, host: &str, session: CliSession) {
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((client.to_string(), product, host.to_ascii_lowercase()), session);
    }

    /// Closes a client's sessions to a host (its credentials changed).
    pub fn forget(&self, client: &str, host: &str) {
        let host = host.to_ascii_lowercase();
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|k, _| !(k.0 == client && k.2 == host));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_sequences_and_carriage_returns_are_removed() {
        assert_eq!(
            strip_ansi("\x1b[1;32mgreen\x1b[0m\r\n\x1b]0;title\x07x\x1b=y"),
            "green\nxy"
        );
        assert_eq!(strip_ansi("a\r\nPress q\r       \rnext\r\n"), "a\nnext\n");
    }

    #[test]
    fn prompts_pagers_and_echo_are_recognised() {
        assert_eq!(trailing_prompt("Welcome\nadmin:").as_deref(), Some("admin:"));
        assert_eq!(trailing_prompt("Welcome\nadmin: ").as_deref(), Some("admin:"));
        assert_eq!(trailing_prompt("Password for x: please wait"), None);
        assert_eq!(trailing_prompt("line\nsome text:"), None);
        assert!(last_page(
            "options: q=quit, n=next, p=prev, b=begin, e=end (lines 41 - 52 of 52) :"
        ));
        assert!(!last_page(
            "options: q=quit, n=next, p=prev, b=begin, e=end (lines 1 - 20 of 52) :"
        ));
        assert_eq!(
            clean_output("show status\n\nHost Name : cucm\n\n", "show status"),
            "Host Name : cucm"
        );
    }
}
