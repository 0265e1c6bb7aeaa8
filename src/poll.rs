//! Polling: [`scheduler`] decides when each source is polled, [`fetch`] gets its bytes over HTTP(S) or from
//! a file, [`ingest`] runs one poll end to end (fetch → feed → classify → store), [`articles`] reads new
//! items' own pages for list-page sources.

pub mod articles;
pub mod fetch;
pub mod ingest;
mod report;
pub(crate) mod scheduler;

pub use report::{PollFailureInfo, PollOutcome, PollReport};
