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
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve => match ai_bridge::serve::start(&cli.root, Vec::new()).await {
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
    }
}
