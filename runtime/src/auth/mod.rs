//! Authentication: tokens, brute-force guard, client registry and the OAuth 2.1 endpoints.

pub mod guard;
pub mod oauth;
pub mod tokens;
