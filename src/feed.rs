//! Bytes to items, pure: `decode` finds the character encoding and yields UTF-8, [`dates`] reads the
//! date forms real feeds and pages use ([`date_search`] finds them inside page text), [`parse`] turns a
//! feed document into our [`parse::ParsedItem`]s, [`listing`] an HTML or JSON list page, and [`article`]
//! reads an item's own page.
//! Before feed-rs reads a document, `entities` expands what its DTD declares, `dialect` rewrites RSS
//! 0.90/1.0 and Atom 0.3 into RSS 2.0 and Atom 1.0; when feed-rs refuses a document, bare ampersands are
//! repaired and `salvage` reads it entry by entry (`xml_tree` is their small XML tree). [`hints`] reads
//! what a feed says about how often to poll it (`<ttl>`, `sy:updatePeriod`, `<skipHours>`, `<skipDays>`);
//! [`discover`] finds the feeds a web page links to (`regionfeed add-source`).
//!
//! Nothing here touches the network, the database or the clock: the fetch time comes in as `now`.

pub mod article;
pub mod date_search;
pub mod dates;
mod decode;
mod dialect;
pub mod discover;
mod entities;
pub mod hints;
pub mod listing;
pub mod parse;
mod salvage;
mod xml_tree;
