//! A CUCM-like platform CLI over SSH (russh): password or keyboard-interactive login, the
//! `admin:` prompt, a few real commands, long output through VOS's pager
//! (`Press <enter> for 1 line, <space> for one page, or <q> to quit`), and VOS's answer to
//! anything else.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::PrivateKey;
use russh::server::{Auth, Msg, Response, Server as _, Session};
use russh::{Channel, ChannelId};

pub const PAGER: &str = "Press <enter> for 1 line, <space> for one page, or <q> to quit";
const PROMPT: &str = "admin:";

/// The running CLI.
pub struct SshCli {
    pub addr: SocketAddr,
    /// `SHA256:...` of the host key, as OpenSSH prints it.
    pub fingerprint: String,
    /// `ssh-ed25519 AAAA...`, for known_hosts.
    pub public_key: String,
    handle: russh::server::RunningServerHandle,
}

impl std::fmt::Debug for SshCli {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshCli")
            .field("addr", &self.addr)
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

impl SshCli {
    pub fn shutdown(&self) {
        self.handle.shutdown("uc-sim stopping".into());
    }
}

fn command_output(cmd: &str, version: &str) -> Option<Vec<String>> {
    let lines: Vec<String> = match cmd {
        "show version active" => vec![
            format!("Active Master Version: {}", version.replace('(', "-").replace(')', "")),
            "Active Version Installed Software Options:".into(),
            "No Installed Software Options Found.".into(),
        ],
        "show status" => vec![
            "Host Name    : cucm-pub".into(),
            "Date         : Thu Dec 3, 2026 17:27:18".into(),
            "Time Zone    : Coordinated Universal Time (Etc/UTC)".into(),
            "Locale       : English, United States".into(),
            format!("Product Ver  : {version}"),
            "Unified OS Version : 8.0.0.0-2".into(),
            "".into(),
            "Uptime:".into(),
            " 17:27:18 up 42 days,  3:14,  1 user,  load average: 0.31, 0.28, 0.25".into(),
            "".into(),
            "CPU Idle:   96.48%  System:   01.26%    User:   02.26%".into(),
            "Memory Total:        8003412K".into(),
            "        Free:         231940K".into(),
        ],
        "show network cluster" => crate::seed::NODES
            .iter()
            .enumerate()
            .map(|(i, n)| {
                format!(
                    "10.10.0.{} {n}.example.com {n} {} callmanager DBPub authenticated",
                    11 + i,
                    if i == 0 { "Publisher" } else { "Subscriber" }
                )
            })
            .chain([
                "".to_string(),
                "Server Table (processnode) Entries".into(),
                "----------------------------------".into(),
            ])
            .chain(crate::seed::NODES.iter().map(|n| format!("{n}.example.com")))
            .collect(),
        "utils service list" => {
            let services = [
                "A Cisco DB",
                "A Cisco DB Replicator",
                "Cisco AMC Service",
                "Cisco AXL Web Service",
                "Cisco Audit Event Service",
                "Cisco Bulk Provisioning Service",
                "Cisco CallManager",
                "Cisco CallManager Admin",
                "Cisco CallManager Cisco IP Phone Services",
                "Cisco CallManager Serviceability",
                "Cisco CallManager Serviceability RTMT",
                "Cisco CAR Scheduler",
                "Cisco CAR Web Service",
                "Cisco CDP",
                "Cisco CDP Agent",
                "Cisco CDR Agent",
                "Cisco CDR Repository Manager",
                "Cisco Certificate Change Notification",
                "Cisco Certificate Expiry Monitor",
                "Cisco CTIManager",
                "Cisco CTL Provider",
                "Cisco DHCP Monitor Service",
                "Cisco Database Layer Monitor",
                "Cisco DirSync",
                "Cisco Extension Mobility",
                "Cisco Location Bandwidth Manager",
                "Cisco Log Partition Monitoring Tool",
                "Cisco RIS Data Collector",
                "Cisco RisBean Library",
                "Cisco Serviceability Reporter",
                "Cisco Tftp",
                "Cisco Tomcat",
                "Cisco Tomcat Stats Servlet",
                "Cisco Trace Collection Service",
                "Cisco Trust Verification Service",
                "Cisco UXL Web Service",
                "Cisco User Data Services",
                "Host Resources Agent",
                "MIB2 Agent",
                "Platform Administrative Web Service",
                "SNMP Master Agent",
                "SOAP -Performance Monitoring APIs",
                "SOAP -Real-Time Service APIs",
            ];
            std::iter::once("Requesting service status, please wait...".to_string())
                .chain(services.iter().map(|s| format!("{s:<48}[STARTED]")))
                .chain(["Primary Node =true".to_string()])
                .collect()
        }
        _ => return None,
    };
    Some(lines)
}

#[derive(Default, Clone)]
struct Shell {
    line: String,
    /// Output still to show, when the pager is waiting.
    pending: Vec<String>,
    page: usize,
}

#[derive(Clone)]
struct Handler {
    username: String,
    password: String,
    version: String,
    shells: HashMap<ChannelId, Shell>,
}

impl Handler {
    /// Shows up to `n` pending lines, then the pager prompt or the shell prompt.
    fn show(&mut self, channel: ChannelId, n: usize, session: &mut Session) -> Result<(), russh::Error> {
        let Some(shell) = self.shells.get_mut(&channel) else {
            return Ok(());
        };
        let take = n.min(shell.pending.len());
        let mut out = String::new();
        for l in shell.pending.drain(..take) {
            out.push_str(&l);
            out.push_str("\r\n");
        }
        if shell.pending.is_empty() {
            out.push_str(PROMPT);
        } else {
            out.push_str(PAGER);
        }
        session.data(channel, out.into_bytes())
    }
}

impl russh::server::Server for Handler {
    type Handler = Self;
    fn new_client(&mut self, _: Option<SocketAddr>) -> Self {
        self.clone()
    }
}

impl russh::server::Handler for Handler {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        Ok(if user == self.username && password == self.password {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        response: Option<Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        match response {
            None => Ok(Auth::Partial {
                name: "".into(),
                instructions: "".into(),
                prompts: vec![("Password: ".into(), false)].into(),
            }),
            Some(mut r) => {
                let given = r
                    .next()
                    .map(|b| String::from_utf8_lossy(&b).to_string())
                    .unwrap_or_default();
                Ok(if user == self.username && given == self.password {
                    Auth::Accept
                } else {
                    Auth::reject()
                })
            }
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.shells.insert(
            channel.id(),
            Shell {
                page: 20,
                ..Default::default()
            },
        );
        reply.accept().await;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _cols: u32,
        rows: u32,
        _pw: u32,
        _ph: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(s) = self.shells.get_mut(&channel) {
            // One page is the terminal less the pager line, capped as VOS does for long output.
            s.page = (rows as usize).saturating_sub(1).clamp(5, 20);
        }
        session.channel_success(channel)
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let banner = "\r\nCommand Line Interface is starting up, please wait ...\r\n\r\n   Welcome to the Platform Command Line Interface\r\n\r\nVMware Installation:\r\n\t2 vCPU: Intel(R) Xeon(R) CPU\r\n\tDisk 1: 110GB\r\n\t8192 Mbytes RAM\r\n\r\n";
        session.data(channel, format!("{banner}{PROMPT}").into_bytes())
    }

    async fn data(&mut self, channel: ChannelId, data: &[u8], session: &mut Session) -> Result<(), Self::Error> {
        let version = self.version.clone();
        let Some(shell) = self.shells.get_mut(&channel) else {
            return Ok(());
        };
        if !shell.pending.is_empty() {
            let page = shell.page;
            return match data.first() {
                Some(b'q') | Some(b'Q') => {
                    shell.pending.clear();
                    session.data(channel, format!("\r\n{PROMPT}").into_bytes())
                }
                Some(b' ') => {
                    session.data(channel, b"\r\n".to_vec())?;
                    self.show(channel, page, session)
                }
                _ => {
                    session.data(channel, b"\r\n".to_vec())?;
                    self.show(channel, 1, session)
                }
            };
        }
        for &b in data {
            match b {
                b'\r' | b'\n' => {
                    let cmd = std::mem::take(&mut shell.line);
                    let cmd = cmd.split_whitespace().collect::<Vec<_>>().join(" ");
                    session.data(channel, b"\r\n".to_vec())?;
                    if cmd == "quit" || cmd == "exit" {
                        session.eof(channel)?;
                        return session.close(channel);
                    }
                    if cmd.is_empty() {
                        return session.data(channel, PROMPT.as_bytes().to_vec());
                    }
                    let lines = command_output(&cmd, &version).unwrap_or_else(|| {
                        vec![
                            "Executed command unsuccessfully".into(),
                            "No valid command entered".into(),
                        ]
                    });
                    shell.pending = lines;
                    let page = shell.page;
                    return self.show(channel, page, session);
                }
                0x7f | 0x08 => {
                    shell.line.pop();
                }
                b => {
                    shell.line.push(b as char);
                    // Echo, as the PTY does.
                    session.data(channel, vec![b])?;
                }
            }
        }
        Ok(())
    }
}

/// Starts the CLI on loopback; `seed` makes the host key stable across restarts.
pub async fn start(seed: u64, username: &str, password: &str, version: &str) -> std::io::Result<SshCli> {
    let mut key_seed = [0u8; 32];
    for (i, b) in key_seed.iter_mut().enumerate() {
        *b = (seed.rotate_left(i as u32 * 7) >> (i % 8)) as u8 ^ (i as u8).wrapping_mul(37);
    }
    let key = PrivateKey::from(Ed25519Keypair::from_seed(&key_seed));
    let fingerprint = key.public_key().fingerprint(russh::keys::HashAlg::Sha256).to_string();
    let public_key = key.public_key().to_openssh().map_err(std::io::Error::other)?;
    let config = Arc::new(russh::server::Config {
        keys: vec![key],
        auth_rejection_time: std::time::Duration::from_millis(200),
        auth_rejection_time_initial: Some(std::time::Duration::ZERO),
        inactivity_timeout: Some(std::time::Duration::from_secs(600)),
        ..Default::default()
    });
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = socket.local_addr()?;
    let mut handler = Handler {
        username: username.into(),
        password: password.into(),
        version: version.into(),
        shells: HashMap::new(),
    };
    // The server borrows the socket, so both live in the task; its handle comes back here.
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let running = handler.run_on_socket(config, &socket);
        let _ = tx.send(running.handle());
        let _ = running.await;
    });
    let handle = rx.await.map_err(std::io::Error::other)?;
    Ok(SshCli {
        addr,
        fingerprint,
        public_key,
        handle,
    })
}
