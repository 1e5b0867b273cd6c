//! The `ai-bridge` command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "ai-bridge", version, about = "MCP server for Cisco Unified Communications")]
struct Cli {
    /// The installation root (holds .env; relative paths in .env start here).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the MCP server until SIGTERM or SIGINT.
    Serve,
    /// Start a throwaway installation with the simulator and print how to connect.
    Demo {
        /// Port for the MCP server (default: a free one).
        #[arg(long)]
        port: Option<u16>,
        /// Keep the installation here instead of a temporary directory.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Encrypted backups of the installation (BACKUP_* in .env).
    Backup {
        #[command(subcommand)]
        action: BackupAction,
    },
    /// Read the SFTP password without echo, encrypt it with the server's public key and write
    /// BACKUP_SFTP_PASSWORD_ENC into .env (everything else in the file is left as it is).
    EncryptSftpPassword {
        /// Instead: check that TOKEN decrypts with the private key (the password is not shown).
        #[arg(long, value_name = "TOKEN")]
        verify: Option<String>,
    },
}

#[derive(Subcommand)]
enum BackupAction {
    /// Archive the installation into BACKUP_DIR (then prune, then export to SFTP if set).
    Create,
    /// The archives in BACKUP_DIR, oldest first.
    List,
    /// Check the sidecar checksum, every chunk and every entry; writes nothing.
    Verify { file: PathBuf },
    /// Verify, then extract into an empty or new directory.
    Restore {
        file: PathBuf,
        #[arg(long)]
        target: PathBuf,
        /// Replace a non-empty target (its files are moved aside, not deleted).
        #[arg(long)]
        force: bool,
    },
    /// Delete all but the newest BACKUP_RETENTION archives.
    Prune,
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("ai-bridge: {e}");
    ExitCode::FAILURE
}

async fn backup_command(root: &std::path::Path, action: BackupAction) -> ExitCode {
    use ai_bridge::backup::{self, progress::Reporter};
    let config = match ai_bridge::config::Config::load(root) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let audit = match ai_bridge::logging::Audit::open(&config) {
        Ok(a) => a,
        Err(e) => return fail(format!("audit.log: {e}")),
    };
    let settings = backup::Settings::from_config(&config);
    match action {
        BackupAction::Create => match backup::run_backup(&config, &audit, Box::new(Reporter::new())).await {
            Ok(report) => {
                println!("created {report}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        BackupAction::List => match backup::list(&settings) {
            Ok(all) => {
                for a in &all {
                    println!(
                        "{}  {:>12} bytes  {}",
                        a.path.display(),
                        a.bytes,
                        if a.has_sidecar {
                            "complete"
                        } else {
                            "NO SIDECAR (incomplete?)"
                        }
                    );
                }
                if all.is_empty() {
                    println!("no archives in {}", settings.dir.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        BackupAction::Verify { file } => {
            let s = settings.clone();
            let f = file.clone();
            match tokio::task::spawn_blocking(move || backup::verify(&s, &f, &mut Reporter::new())).await {
                Ok(Ok(v)) => {
                    println!(
                        "{}: OK ({} entries, {} bytes of files)",
                        file.display(),
                        v.entries,
                        v.bytes
                    );
                    ExitCode::SUCCESS
                }
                Ok(Err(e)) => fail(e),
                Err(e) => fail(e),
            }
        }
        BackupAction::Restore { file, target, force } => {
            let s = settings.clone();
            let (f, t) = (file.clone(), target.clone());
            match tokio::task::spawn_blocking(move || backup::restore(&s, &f, &t, force, &mut Reporter::new())).await {
                Ok(Ok(r)) => {
                    audit.event(
                        "backup_restored",
                        serde_json::json!({"file": file.display().to_string(), "target": target.display().to_string()}),
                    );
                    println!("restored {} entries into {}", r.entries, target.display());
                    if let Some(aside) = r.kept_aside {
                        println!("the previous files are in {}", aside.display());
                    }
                    ExitCode::SUCCESS
                }
                Ok(Err(e)) => fail(e),
                Err(e) => fail(e),
            }
        }
        BackupAction::Prune => match backup::prune(&settings, None) {
            Ok(removed) => {
                for r in &removed {
                    println!("removed {}", r.display());
                }
                println!("{} archive(s) removed", removed.len());
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
    }
}

fn encrypt_sftp_password(root: &std::path::Path, verify: Option<String>) -> ExitCode {
    use ai_bridge::backup::{format, password, Settings};
    use std::io::IsTerminal;
    let config = match ai_bridge::config::Config::load(root) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let settings = Settings::from_config(&config);
    if let Some(token) = verify {
        return match settings.opener().and_then(|o| password::decrypt(&o, &token)) {
            Ok(p) => {
                println!(
                    "valid: the token decrypts with this server's private key ({} characters)",
                    p.chars().count()
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        };
    }
    let pem = match std::fs::read_to_string(&settings.public_key) {
        Ok(p) => p,
        Err(e) => return fail(format!("{}: {e}", settings.public_key.display())),
    };
    let sealer = match format::Sealer::from_public_pem(&pem) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    // Without echo on a terminal; from standard input otherwise (scripts).
    let secret = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("SFTP password: ")
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map(|_| line.trim_end_matches(['\r', '\n']).to_string())
    };
    let secret = match secret {
        Ok(s) if !s.is_empty() => s,
        Ok(_) => return fail("no password given"),
        Err(e) => return fail(e),
    };
    match password::encrypt(&sealer, &secret)
        .and_then(|t| password::set_env_key(&root.join(".env"), "BACKUP_SFTP_PASSWORD_ENC", &t))
    {
        Ok(()) => {
            println!("BACKUP_SFTP_PASSWORD_ENC written to {}", root.join(".env").display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve => match ai_bridge::serve::start(&cli.root).await {
            Ok(running) => {
                for (client, secret) in &running.new_secrets {
                    println!("new OAuth client secret for {client} (shown once): {secret}");
                }
                ai_bridge::serve::signal().await;
                tracing::info!("shutting down");
                running.shutdown.cancel();
                let _ = running.done.await;
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("ai-bridge: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Backup { action } => backup_command(&cli.root, action).await,
        Command::EncryptSftpPassword { verify } => encrypt_sftp_password(&cli.root, verify),
        Command::Demo { port, dir } => {
            let temp = match &dir {
                Some(_) => None,
                None => match tempfile::Builder::new().prefix("ai-bridge-demo-").tempdir() {
                    Ok(t) => Some(t),
                    Err(e) => {
                        eprintln!("ai-bridge: cannot create a temporary directory: {e}");
                        return ExitCode::FAILURE;
                    }
                },
            };
            let root = dir.unwrap_or_else(|| temp.as_ref().map(|t| t.path().to_path_buf()).unwrap_or_default());
            match ai_bridge::demo::start(&root, port).await {
                Ok(demo) => {
                    use std::io::Write;
                    print!("{}", demo.banner());
                    let _ = std::io::stdout().flush();
                    ai_bridge::serve::signal().await;
                    println!("stopping the demo");
                    demo.stop().await;
                    drop(temp);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("ai-bridge demo: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
