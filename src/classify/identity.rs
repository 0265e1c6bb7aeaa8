//! Decides which stored item an incoming entry is: the keys an entry is known by, canonical links, and our
//! own stable item id. Pure: items in, strings out.
//!
//! An entry is matched by its keys in order — upstream guid, canonical link, then normalised title plus the
//! feed's own date — and every key an item was ever seen under stays attached to it, so an upstream change
//! of guid, URL or title still lands on the same item. Our id is derived once, from the source and the first
//! key the item was seen with, and never changes.

use sha2::{Digest, Sha256};
use url::Url;

use crate::feed::parse::ParsedItem;

/// Query parameters that only track who shared a link; they never change which article it is.
fn is_tracking_parameter(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_")
        || name.starts_with("share")
        || matches!(
            name.as_str(),
            "spm" | "from" | "fbclid" | "gclid" | "isappinstalled" | "wfr" | "scene" | "srcid"
        )
}

/// Canonical form of a link, for matching only (output keeps the link as published): scheme, `www.`/`m.`
/// host prefixes, default ports, fragments and tracking parameters are dropped; the rest of the query is sorted.
/// Only http(s) links have one: an article link in any other scheme identifies nothing.
pub fn canonical_link(link: &str) -> Option<String> {
    let url = Url::parse(link.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host
        .strip_prefix("www.")
        .or_else(|| host.strip_prefix("m."))
        .unwrap_or(&host)
        .to_string();
    let mut parameters: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| !is_tracking_parameter(name))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    parameters.sort();
    let mut canonical = host;
    if let Some(port) = url.port() {
        canonical.push_str(&format!(":{port}"));
    }
    canonical.push_str(url.path());
    if !parameters.is_empty() {
        let query: Vec<String> = parameters
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        canonical.push('?');
        canonical.push_str(&query.join("&"));
    }
    Some(canonical)
}

/// The keys an entry is known by, strongest first. `guid_is_trustworthy` is false when the feed repeats
/// the entry's guid for other entries too, which makes it useless for identity.
pub fn item_keys(item: &ParsedItem, guid_is_trustworthy: bool) -> Vec<String> {
    let mut keys = Vec::with_capacity(3);
    if guid_is_trustworthy && let Some(guid) = &item.guid {
        keys.push(format!("guid:{guid}"));
    }
    if let Some(link) = item.link.as_deref().and_then(canonical_link) {
        keys.push(format!("link:{link}"));
    }
    // Title alone is too weak (重复的"图片新闻"); with the feed's own date it identifies a guid-less,
    // link-churning entry. A first-seen date would change every poll, so it never forms a key.
    if item.date_source.is_upstream() {
        let title = normalised_title(&item.title);
        if !title.is_empty() {
            keys.push(format!(
                "title:{}",
                short_hash(&format!("{title}\u{1f}{}", item.published.timestamp()))
            ));
        }
    }
    // Last resort for an entry with no guid, no link and no date: its text. Without this it would come
    // back as new on every poll.
    if keys.is_empty() {
        let summary = item.summary.as_deref().unwrap_or("");
        keys.push(format!(
            "text:{}",
            short_hash(&format!(
                "{}\u{1f}{}",
                normalised_title(&item.title),
                normalised_title(summary)
            ))
        ));
    }
    keys
}

/// Title with white space and punctuation removed and Latin letters lowercased.
fn normalised_title(title: &str) -> String {
    title
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Our stable item id: a UUID-shaped digest of the source id and the item's first key, so it can be used
/// as `urn:uuid:` in output and never depends on later upstream edits.
pub fn stable_item_id(source_id: &str, first_key: &str) -> String {
    let digest = Sha256::digest(format!("{source_id}\u{1f}{first_key}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    // RFC 9562 version 8 (custom) and the RFC variant bits.
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Digest of the parts of an item a reader sees; a change means the item was edited upstream.
pub fn content_hash(item: &ParsedItem) -> String {
    let mut hasher = Sha256::new();
    for part in [
        Some(item.title.as_str()),
        item.link.as_deref(),
        item.summary.as_deref(),
        item.content.as_deref(),
        item.author.as_deref(),
    ] {
        hasher.update(part.unwrap_or("").as_bytes());
        hasher.update([0x1f]);
    }
    // A date we estimated (first seen, clamped, 3小时前) moves from fetch to fetch: no edit of the item.
    if item.date_source.is_upstream() {
        hasher.update(item.published.timestamp().to_le_bytes());
    }
    hex::encode(&hasher.finalize()[..16])
}

fn short_hash(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..16])
}

/// The stored form of an identity key: scoped to its source, hashed to 16 bytes.
pub type KeyHash = [u8; 16];

/// Everything the store needs to know which stored item an entry is, computed before the store sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Our id for the item if it is new: derived from the source and the first key, never changed.
    pub uid: String,
    /// The keys the entry is known by, strongest first, in their stored form; never empty.
    pub key_hashes: Vec<KeyHash>,
    /// Hash of what output shows of the entry: a different hash means an upstream edit.
    pub content_hash: String,
}

/// The identity of `item`, an entry of source `source_id` (`guid_is_trustworthy` from
/// [`trustworthy_guids`]).
pub fn identify(source_id: &str, item: &ParsedItem, guid_is_trustworthy: bool) -> Identity {
    let keys = item_keys(item, guid_is_trustworthy);
    let first_key = keys.first().map(String::as_str).unwrap_or("");
    Identity {
        uid: stable_item_id(source_id, first_key),
        key_hashes: keys.iter().map(|key| key_hash(source_id, key)).collect(),
        content_hash: content_hash(item),
    }
}

/// The stored form of `key`, an identity key of an entry of `source_id`.
pub fn key_hash(source_id: &str, key: &str) -> KeyHash {
    let digest = Sha256::new()
        .chain_update(source_id.as_bytes())
        .chain_update([0x1f])
        .chain_update(key.as_bytes())
        .finalize();
    let mut hash = [0u8; 16];
    hash.copy_from_slice(&digest[..16]);
    hash
}

/// For each item of one fetched feed, whether its guid is unique within the feed.
pub fn trustworthy_guids(items: &[ParsedItem]) -> Vec<bool> {
    let mut counts = std::collections::HashMap::new();
    for guid in items.iter().filter_map(|item| item.guid.as_deref()) {
        *counts.entry(guid).or_insert(0usize) += 1;
    }
    items
        .iter()
        .map(|item| item.guid.as_deref().is_some_and(|guid| counts[guid] == 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::parse::DateSource;

    /// Inputs found by `cargo fuzz run canonical_link` (fuzz/), kept as regressions.
    #[test]
    fn fuzz_findings_stay_fixed() {
        // An opaque non-http URL used to yield the key `"`: only http(s) links have a canonical form.
        assert_eq!(canonical_link("AA://\""), None);
        assert_eq!(canonical_link("javascript:alert(1)"), None);
        for link in [
            "http://www.Example.cn:80/a/b.shtml?b=2&a=1&utm_source=x#top",
            "https://m.example.cn/a/b.shtml?a=1&b=2&spm=3",
            "https://example.cn/a/b.shtml?a=1&b=2",
        ] {
            assert_eq!(
                canonical_link(link).as_deref(),
                Some("example.cn/a/b.shtml?a=1&b=2"),
                "{link}"
            );
        }
    }
    use chrono::{TimeZone, Utc};

    fn item(
        guid: Option<&str>,
        link: Option<&str>,
        title: &str,
        date_source: DateSource,
    ) -> ParsedItem {
        ParsedItem {
            guid: guid.map(str::to_string),
            link: link.map(str::to_string),
            title: title.to_string(),
            summary: None,
            content: None,
            author: None,
            published: Utc.with_ymd_and_hms(2026, 11, 25, 2, 52, 0).unwrap(),
            date_source,
        }
    }

    #[test]
    fn canonical_links_fold_variants() {
        let table = [
            (
                "https://www.chinanews.com.cn/sh/2026/11-25/1.shtml",
                "chinanews.com.cn/sh/2026/11-25/1.shtml",
            ),
            (
                "http://m.chinanews.com.cn/sh/2026/11-25/1.shtml#top",
                "chinanews.com.cn/sh/2026/11-25/1.shtml",
            ),
            (
                "HTTPS://WWW.Example.COM:443/a?utm_source=x&b=2&a=1&spm=9",
                "example.com/a?a=1&b=2",
            ),
            (
                "http://example.com:8080/a?share_token=1&from=timeline",
                "example.com:8080/a",
            ),
        ];
        for (input, expect) in table {
            assert_eq!(canonical_link(input).as_deref(), Some(expect), "{input}");
        }
        assert_eq!(canonical_link("not a url"), None);
    }

    #[test]
    fn keys_in_order_of_strength() {
        let full = item(
            Some("g1"),
            Some("https://x.cn/1"),
            "山西 初雪！",
            DateSource::Feed,
        );
        let keys = item_keys(&full, true);
        assert_eq!(keys.len(), 3);
        assert_eq!(keys[0], "guid:g1");
        assert_eq!(keys[1], "link:x.cn/1");
        assert!(keys[2].starts_with("title:"));
        // Punctuation and spacing edits keep the title key.
        let edited = item(None, None, "山西初雪", DateSource::Feed);
        assert_eq!(item_keys(&edited, true), vec![keys[2].clone()]);
        // An untrusted guid and a first-seen date form no key; the text is the last resort.
        let weak = item(Some("g1"), None, "山西初雪", DateSource::FirstSeen);
        let weak_keys = item_keys(&weak, false);
        assert_eq!(weak_keys.len(), 1);
        assert!(weak_keys[0].starts_with("text:"));
    }

    #[test]
    fn repeated_guids_are_not_trusted() {
        let items = vec![
            item(Some("same"), None, "a", DateSource::Feed),
            item(Some("same"), None, "b", DateSource::Feed),
            item(Some("other"), None, "c", DateSource::Feed),
            item(None, None, "d", DateSource::Feed),
        ];
        assert_eq!(trustworthy_guids(&items), vec![false, false, true, false]);
    }

    #[test]
    fn stable_id_is_a_uuid_and_deterministic() {
        let id = stable_item_id("sx", "guid:g1");
        assert_eq!(id, stable_item_id("sx", "guid:g1"));
        assert_ne!(id, stable_item_id("sn", "guid:g1"));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "8");
    }

    #[test]
    fn content_hash_sees_edits() {
        let a = item(None, Some("https://x.cn/1"), "山西初雪", DateSource::Feed);
        let mut b = a.clone();
        assert_eq!(content_hash(&a), content_hash(&b));
        b.title = "山西晋中初雪".into();
        assert_ne!(content_hash(&a), content_hash(&b));
    }
}
