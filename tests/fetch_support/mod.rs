//! Support for tests/fetch.rs: a local HTTP server and a zip writer that stores raw name bytes.
pub mod server;
pub mod zip_writer;
