//! Items to identity, regions and stories, pure: [`identity`] (which stored item an entry is), [`script`]
//! (folding Traditional to Simplified), [`gazetteer`] (place names), [`tag`] (an item's regions and why),
//! [`syndication`] (the fingerprint that finds one story across sources).
//!
//! Nothing here touches the network, the database or the clock.

pub mod gazetteer;
pub mod identity;
pub(crate) mod script;
pub mod syndication;
pub mod tag;
