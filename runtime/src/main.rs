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
