//! Polling: [`scheduler`] decides when each source is polled (by cron, or by the pace [`pace`] learns),
//! [`fetch`] gets its bytes over HTTP(S) or from a file, [`ingest`] runs one poll end to end (fetch →
//! feed → classify → store) and asks without validators when [`trust`] says they may lie; [`articles`]
//! reads new items' own pages for list-page sources; `memory` keeps pace and trust in the store.

pub mod articles;
pub mod fetch;
pub mod ingest;
mod memory;
pub mod pace;
mod report;
pub(crate) mod scheduler;
pub mod trust;

pub use report::{PollFailureInfo, PollOutcome, PollReport};
