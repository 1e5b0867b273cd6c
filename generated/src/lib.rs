//! Typed Cisco Unified Communications clients, generated at build time from the Cisco
//! toolkits: AXL (one module per CUCM version found), IM and Presence AXL, RIS (RisPort70) and
//! CUPI (Unity Connection, from ai-bridge's own description).
//!
//! # Getting started
//!
//! ```no_run
//! use cisco_uc::axl::v15_0::{AxlClient, GetCCMVersionReq};
//! use cisco_uc::ClientConfig;
//!
//! # async fn run() -> Result<(), cisco_uc::Error> {
//! let config = ClientConfig::new("https://cucm.example.com:8443", "axl-user", "secret");
//! let axl = AxlClient::new(&config)?;
//! let version = axl.get_ccm_version(GetCCMVersionReq::default()).await?;
//! println!("{:?}", version);
//! # Ok(()) }
//! ```
//!
//! Where the schemas come from: the build reads `UC_SCHEMAS_DIR` (layout `axl/<version>/AXLAPI.wsdl`
//! with `AXLSoap.xsd`, and `ris/RISService70.wsdl`), else the small project-written samples in
//! the workspace's `schemas/`. Each AXL version becomes `axl::v<version>` (`15.0` -> `v15_0`);
//! types identical across versions are generated once and re-exported.
//!
//! Every operation also has a static [`OperationDescriptor`] (`axl::v15_0::OPERATIONS`) and all
//! calls pass through one [`CallHook`], where a server adds authorisation, limits and audit.
//! Requests can be built from JSON and responses written as JSON with [`json`], using the
//! schema's element names.

pub use uc_wire::json;
pub use uc_wire::{
    AnyElement, AnyElements, CallHook, ClientConfig, Effect, Error, Fault, Nillable, OperationDescriptor, Typed, Value,
    Wire, XInteger,
};

/// AXL (CUCM Administrative XML), one module per version.
pub mod axl {
    include!(concat!(env!("OUT_DIR"), "/axl.rs"));
}

/// IM and Presence AXL (the IM&P node's own toolkit), one module per version: from
/// `imp/<version>/AXLAPI.wsdl` in the schemas directory, else the project-written sample.
pub mod imp {
    include!(concat!(env!("OUT_DIR"), "/imp.rs"));
}

/// RIS (RisPort70 real-time device status).
pub mod ris {
    include!(concat!(env!("OUT_DIR"), "/ris.rs"));
}

/// CUPI (Unity Connection's REST API under `/vmrest/`), from ai-bridge's own description.
pub mod cupi {
    include!(concat!(env!("OUT_DIR"), "/cupi.rs"));
}
