//! The grant types of the token endpoint, one module each, and the request they all read.

pub mod agent_code;
pub mod authorization_code;
pub mod device_code;
pub mod refresh_token;
pub mod request;
