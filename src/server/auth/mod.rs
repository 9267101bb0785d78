//! Who is signed in to the portal, and how they proved it.

pub mod logout;
pub mod password;
pub mod portal;
pub mod portal_session;
