//! What one page of a feed shows, in every format: the document (titles, its own URL, the reading page,
//! the subscribe and paging links) and each item as shown (script conversion, sanitised HTML, the other
//! sources of its story, a public link for its source). Pure.
//!
//! **No server paths in output:** a `file:` source's URL is a path on this machine; [`ShownItem`] offers
//! only web addresses (the source's feed URL when it is one, else the feed's own home page).

use chrono::{DateTime, TimeZone, Utc};

use super::query::{Format, ScriptConversion};
use super::sanitise::sanitise_html;
use crate::regions;
use crate::store::StoredItem;
use crate::text::{escape, plain_text};

/// Everything a feed document shows besides its items.
#[derive(Debug, Clone)]
pub struct FeedDocument<'a> {
    /// Feed title (Chinese region names).
    pub title: String,
    /// Short description.
    pub description: String,
    /// Stable name of the feed (`shanxi`, `shanxi+shaanxi`, `all`), with its query, for the feed id.
    pub identity: String,
    /// Absolute URL of this document.
    pub self_url: String,
    /// Absolute URL of the reading page (HTML) of the same query: RSS `<link>`, Atom `alternate`, JSON
    /// Feed `home_page_url`.
    pub page_url: String,
    /// Absolute URL of the next (older) page, if there is one.
    pub next_url: Option<String>,
    /// Absolute URL of the first (newest) page of the same query, when this is an older one.
    pub first_url: Option<String>,
    /// The same query's first page in each feed format, for subscribe links.
    pub feed_urls: Vec<(Format, String)>,
    /// The canonical query (filters), shown on the reading page; empty without filters.
    pub query: String,
    /// Base URL of this server, for category links.
    pub base_url: String,
    /// Suggested refresh interval, minutes (RSS `<ttl>`).
    pub ttl_minutes: u64,
    /// When the data last changed (feed-level updated time).
    pub updated: DateTime<Utc>,
    /// The items, newest first.
    pub items: &'a [StoredItem],
    /// Convert the output's script.
    pub opencc: Option<ScriptConversion>,
}

impl FeedDocument<'_> {
    /// Converts `text` to the requested script.
    pub fn convert(&self, text: &str) -> String {
        convert(self.opencc, text)
    }
}

fn convert(opencc: Option<ScriptConversion>, text: &str) -> String {
    match opencc {
        Some(conversion) => conversion.convert(text),
        None => text.to_string(),
    }
}

/// A unix time as a UTC time (the epoch for an impossible one).
pub fn utc(unix_seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(unix_seconds, 0)
        .single()
        .unwrap_or_default()
}

/// Only http(s) links go into output.
pub fn is_web_link(link: &str) -> bool {
    link.starts_with("http://") || link.starts_with("https://")
}

/// Another source's copy of an item's story, as shown.
pub struct ShownCopy {
    /// The source's name (config title, feed title or id), converted.
    pub name: String,
    /// The copy's link, when it is a web address.
    pub link: Option<String>,
}

/// An item's text as shown: converted to the requested script, HTML sanitised.
pub struct ShownItem<'a> {
    /// The stored item.
    pub item: &'a StoredItem,
    /// Title, converted.
    pub title: String,
    /// Sanitised full text (else summary), converted.
    pub html: Option<String>,
    /// The other sources that carried the story.
    pub also: Vec<ShownCopy>,
    /// Author, converted.
    pub author: Option<String>,
    /// The source's name, converted.
    pub source_title: String,
    opencc: Option<ScriptConversion>,
}

impl<'a> ShownItem<'a> {
    /// `item` as shown, converted by `opencc`.
    pub fn new(item: &'a StoredItem, opencc: Option<ScriptConversion>) -> ShownItem<'a> {
        let html = item
            .content
            .as_deref()
            .or(item.summary.as_deref())
            .map(|html| convert(opencc, &sanitise_html(html, item.link.as_deref())))
            .filter(|html| !html.is_empty());
        let also = item
            .also_reported_by
            .iter()
            .map(|copy| ShownCopy {
                name: convert(
                    opencc,
                    copy.source_title.as_deref().unwrap_or(&copy.source_id),
                ),
                link: copy.link.clone().filter(|link| is_web_link(link)),
            })
            .collect();
        ShownItem {
            item,
            title: convert(opencc, &item.title),
            html,
            also,
            author: item.author.as_deref().map(|author| convert(opencc, author)),
            source_title: convert(
                opencc,
                item.source_title.as_deref().unwrap_or(&item.source_id),
            ),
            opencc,
        }
    }

    /// The "also reported by" line as HTML (`也见于：A、B`, names linked to their copies), if any.
    pub fn also_html(&self) -> Option<String> {
        if self.also.is_empty() {
            return None;
        }
        let names: Vec<String> = self
            .also
            .iter()
            .map(|copy| match &copy.link {
                Some(link) => format!("<a href=\"{}\">{}</a>", escape(link), escape(&copy.name)),
                None => escape(&copy.name),
            })
            .collect();
        Some(format!(
            "{}{}",
            convert(self.opencc, "也见于："),
            names.join("、")
        ))
    }

    /// The description feeds carry: the sanitised HTML and, since readers show the description, the
    /// other sources of the story as links.
    pub fn description_html(&self) -> Option<String> {
        match self.also_html() {
            None => self.html.clone(),
            Some(also) => Some(format!(
                "{}<p>{also}</p>",
                self.html.as_deref().unwrap_or_default()
            )),
        }
    }

    /// What a reading page shows of the text: the sanitised summary, or when the feed gave only full
    /// text, its first `max_chars` characters as plain text.
    pub fn summary_html(&self, max_chars: usize) -> Option<String> {
        let link = self.item.link.as_deref();
        if let Some(summary) = self.item.summary.as_deref() {
            let html = convert(self.opencc, &sanitise_html(summary, link));
            if !html.is_empty() {
                return Some(html);
            }
        }
        let text = plain_text(self.item.content.as_deref()?);
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let mut cut: String = text.chars().take(max_chars).collect();
        if cut.len() < text.len() {
            cut.push('…');
        }
        Some(format!("<p>{}</p>", escape(&convert(self.opencc, &cut))))
    }

    /// Our stable id.
    pub fn id(&self) -> String {
        format!("urn:uuid:{}", self.item.uid)
    }

    /// The last upstream edit, never before publication.
    pub fn updated(&self) -> DateTime<Utc> {
        utc(self
            .item
            .updated
            .unwrap_or(self.item.published)
            .max(self.item.published))
    }

    /// The item's regions from the catalog.
    pub fn regions(&self) -> impl Iterator<Item = &'static regions::Region> + '_ {
        self.item.region_slugs().filter_map(regions::by_slug)
    }

    /// The source's feed URL when it is a web address (never a `file:` path).
    pub fn source_feed_url(&self) -> Option<&str> {
        self.item
            .source_url
            .as_deref()
            .filter(|url| is_web_link(url))
    }

    /// The source's home page (its feed's own link), when it gave a web address.
    pub fn source_site(&self) -> Option<&str> {
        self.item
            .source_site
            .as_deref()
            .filter(|url| is_web_link(url))
    }

    /// Where a link to the source should point: its feed when that is on the web, else its home page.
    pub fn source_link(&self) -> Option<&str> {
        self.source_feed_url().or(self.source_site())
    }
}
