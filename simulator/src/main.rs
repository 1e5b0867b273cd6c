//! `uc-sim`: the simulator on its own, for testing other AXL/RIS clients.

use std::net::SocketAddr;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "uc-sim",
    about = "Cisco UC simulator: AXL (every compiled version), IM&P AXL, RIS and CUPI over HTTPS"
)]
struct Cli {
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    #[arg(long, default_value_t = 8443)]
    port: u16,
    /// Seed for the generated cluster.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long, default_value_t = 500)]
    phones: usize,
    #[arg(long, default_value = "axladmin")]
    username: String,
    #[arg(long, default_value = "sim-password")]
    password: String,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let cli = Cli::parse();
    let addr: SocketAddr = format!("{}:{}", cli.host, cli.port)
        .parse()
        .map_err(std::io::Error::other)?;
    let config = uc_sim::SimConfig {
        seed: cli.seed,
        phones: cli.phones,
        username: cli.username.clone(),
        password: cli.password.clone(),
        ..Default::default()
    };
    let running = uc_sim::start(config, addr).await?;
    println!("uc-sim listening on {}", running.base_url());
    println!(
        "  AXL  {}/axl/  (versions {})",
        running.base_url(),
        cisco_uc::axl::VERSIONS.join(", ")
    );
    println!(
        "  IM&P AXL {}{}  (versions {})",
        running.imp_base_url(),
        cisco_uc::imp::ENDPOINT_PATH,
        cisco_uc::imp::VERSIONS.join(", ")
    );
    println!("  RIS  {}/realtimeservice2/services/RISService70", running.base_url());
    println!("  CUPI {}/vmrest/", running.base_url());
    println!("  user {} / password {}", cli.username, cli.password);
    println!(
        "  SSH  {} (administrator / os-password), host key {}",
        running.ssh.addr, running.ssh.fingerprint
    );
    for p in &running.phones {
        println!(
            "  phone {} ({}) http://{}/CGI/Screenshot (phoneuser / phone-password)",
            p.name, p.model, p.addr
        );
    }
    println!("  certificate (self-signed):\n{}", running.cert_pem);
    tokio::signal::ctrl_c().await?;
    running.shutdown();
    Ok(())
}
