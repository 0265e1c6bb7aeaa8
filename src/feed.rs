//! Bytes to items, pure: [`decode`] finds the character encoding and yields UTF-8, [`dates`] reads the
//! date forms real Chinese feeds use, [`parse`] turns a feed document into our [`parse::ParsedItem`]s.
//!
//! Nothing here touches the network, the database or the clock: the fetch time comes in as `now`.

pub mod dates;
mod decode;
pub mod parse;
