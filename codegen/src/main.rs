//! The maintainers' command line: `stats`, `diff` and `generate`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "uc-codegen",
    about = "Cisco UC schemas to typed Rust clients: statistics, diffs, generation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Count operations and types by kind, for an AXL (or IM&P) version directory or a schemas
    /// directory.
    Stats { dir: PathBuf },
    /// What changes between two AXL (or IM&P) toolkit versions (operations added/removed, types
    /// changed).
    Diff { old: PathBuf, new: PathBuf },
    /// Generate the Rust sources for a schemas directory into OUT (as the build does).
    Generate {
        schemas: PathBuf,
        out: PathBuf,
        /// Skip prettyplease formatting (faster, one long line per file).
        #[arg(long)]
        raw: bool,
    },
}

fn load(dir: &std::path::Path) -> Result<Vec<uc_codegen::ir::Service>, uc_codegen::Error> {
    if dir.join("AXLAPI.wsdl").is_file() {
        return Ok(vec![uc_codegen::load_axl_version(dir)?.0]);
    }
    let loaded = uc_codegen::load_dir(dir)?;
    Ok(loaded.axl.into_iter().chain(loaded.imp).chain(loaded.ris).collect())
}

fn run(cli: Cli) -> Result<(), uc_codegen::Error> {
    match cli.command {
        Command::Stats { dir } => {
            for s in load(&dir)? {
                print!("{}", uc_codegen::report::stats(&s));
            }
        }
        Command::Diff { old, new } => {
            let (a, _) = uc_codegen::load_axl_version(&old)?;
            let (b, _) = uc_codegen::load_axl_version(&new)?;
            print!("{}", uc_codegen::report::diff(&a, &b));
        }
        Command::Generate { schemas, out, raw } => {
            let started = Instant::now();
            std::fs::create_dir_all(&out).map_err(|e| uc_codegen::Error::Layout {
                path: out.clone(),
                message: e.to_string(),
            })?;
            let inputs = uc_codegen::generate(&schemas, &out, !raw)?;
            eprintln!("generated from {} files in {:.2?}", inputs.len(), started.elapsed());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
