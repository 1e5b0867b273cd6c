//! Connects to a CUCM (or uc-sim), prints its version and pages through every phone.
//!
//! ```text
//! CUCM_URL=https://cucm.example.com:8443 CUCM_USER=axl CUCM_PASSWORD=secret \
//!     cargo run -p cisco-uc --example list_phones
//! ```
//! Set `CUCM_INSECURE=1` only for a lab server with a self-signed certificate, or
//! `CUCM_CA_BUNDLE=/path/ca.pem` to trust its CA.

use cisco_uc::axl::v15_0::{AxlClient, GetCCMVersionReq, LPhone, ListPhoneReq, ListPhoneReqSearchCriteria};
use cisco_uc::ClientConfig;

const PAGE: u64 = 200;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |k: &str| std::env::var(k).map_err(|_| format!("set {k}"));
    let mut config = ClientConfig::new(env("CUCM_URL")?, env("CUCM_USER")?, env("CUCM_PASSWORD")?);
    config.accept_invalid_certs = std::env::var("CUCM_INSECURE").is_ok_and(|v| v == "1");
    if let Ok(path) = std::env::var("CUCM_CA_BUNDLE") {
        config.ca_bundle_pem = Some(std::fs::read(path)?);
    }
    let axl = AxlClient::new(&config)?;

    let version = axl.get_ccm_version(GetCCMVersionReq::default()).await?;
    println!("CUCM version {}", version.r#return.component_version.version);

    let mut skip = 0;
    loop {
        let page = axl
            .list_phone(ListPhoneReq {
                search_criteria: ListPhoneReqSearchCriteria {
                    name: Some("%".into()),
                    ..Default::default()
                },
                returned_tags: LPhone {
                    name: Some(String::new()),
                    description: Some(String::new()),
                    ..Default::default()
                },
                skip: Some(skip),
                first: Some(PAGE),
                ..Default::default()
            })
            .await?;
        let phones = page.r#return.phone;
        for p in &phones {
            println!(
                "{:<20} {}",
                p.name.as_deref().unwrap_or("?"),
                p.description.as_deref().unwrap_or("")
            );
        }
        if (phones.len() as u64) < PAGE {
            break;
        }
        skip += PAGE;
    }
    Ok(())
}
