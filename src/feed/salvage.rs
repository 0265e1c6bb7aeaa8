//! One unreadable entry must not cost a feed its other entries. When feed-rs refuses a document, it is
//! split into its entries and each is read on its own; an entry that still fails is read again without
//! its content and summary, then with only its title, links, id, dates and author; what fails even then
//! is left out and counted. Pure.

use feed_rs::model::Feed;

use crate::feed::xml_tree::{self, Element, Node};

/// What salvaging a document kept.
pub struct Salvaged {
    /// The feed with the entries that could be read.
    pub feed: Feed,
    /// Entries that could not be read at all.
    pub unreadable: usize,
}

/// Reads `text` entry by entry with `parse` (feed-rs as configured). `None` when the document is not a
/// well-formed RSS 2.0 or Atom tree, or when even its shell (everything but the entries) fails.
pub fn salvage<E>(text: &str, parse: impl Fn(&str) -> Result<Feed, E>) -> Option<Salvaged> {
    let root = xml_tree::parse(text)?;
    let (shell, entries) = split(root)?;
    let mut feed = parse(&xml_tree::write_document(&shell.root)).ok()?;
    let mut unreadable = 0;
    for entry in entries {
        let attempts = [entry.clone(), without_text(&entry), essentials(&entry)];
        let read = attempts.iter().find_map(|attempt| {
            let document = shell.with_entry(attempt.clone());
            parse(&xml_tree::write_document(&document))
                .ok()
                .and_then(|mut one| one.entries.pop())
        });
        match read {
            Some(read) => feed.entries.push(read),
            None => unreadable += 1,
        }
    }
    Some(Salvaged { feed, unreadable })
}

/// A document without its entries, and where one goes back in.
struct Shell {
    root: Element,
    /// Index path from the root to the element that holds the entries (`[]`: the root, Atom; `[i]`: the
    /// RSS channel at child `i`).
    holder: Vec<usize>,
}

impl Shell {
    fn with_entry(&self, entry: Element) -> Element {
        let mut root = self.root.clone();
        let mut holder = &mut root;
        for &index in &self.holder {
            let Node::Element(child) = &mut holder.children[index] else {
                unreachable!("the holder path leads through elements")
            };
            holder = child;
        }
        holder.children.push(Node::Element(entry));
        root
    }
}

/// The shell and the entries of an RSS 2.0 (`rss/channel/item`) or Atom (`feed/entry`) document.
fn split(mut root: Element) -> Option<(Shell, Vec<Element>)> {
    let (holder, entry_name) = match root.local_name() {
        "feed" => (Vec::new(), "entry"),
        "rss" => {
            let channel = root
                .children
                .iter()
                .position(|node| matches!(node, Node::Element(e) if e.local_name() == "channel"))?;
            (vec![channel], "item")
        }
        _ => return None,
    };
    let holder_element = match holder.first() {
        Some(&index) => match &mut root.children[index] {
            Node::Element(channel) => channel,
            _ => return None,
        },
        None => &mut root,
    };
    let mut entries = Vec::new();
    holder_element.children.retain(|node| match node {
        Node::Element(element) if element.local_name() == entry_name => {
            entries.push(element.clone());
            false
        }
        _ => true,
    });
    Some((Shell { root, holder }, entries))
}

/// The entry without its content and summary (the parts feeds get wrong most: types, encodings).
fn without_text(entry: &Element) -> Element {
    keep_children(entry, |element| {
        !matches!(
            element.local_name(),
            "content" | "summary" | "description" | "encoded"
        )
    })
}

/// Only what identifies and dates the entry; a title keeps no `type` feed-rs could refuse.
fn essentials(entry: &Element) -> Element {
    let mut kept = keep_children(entry, |element| {
        matches!(
            element.local_name(),
            "title"
                | "link"
                | "id"
                | "guid"
                | "published"
                | "updated"
                | "pubDate"
                | "date"
                | "author"
        )
    });
    for node in &mut kept.children {
        if let Node::Element(element) = node
            && element.local_name() == "title"
        {
            element.attributes.retain(|(key, _)| key != "type");
            if element.elements().next().is_some() {
                let text = element.text();
                element.set_text(&text);
            }
        }
    }
    kept
}

fn keep_children(entry: &Element, keep: impl Fn(&Element) -> bool) -> Element {
    Element {
        name: entry.name.clone(),
        attributes: entry.attributes.clone(),
        children: entry
            .children
            .iter()
            .filter(|node| match node {
                Node::Element(element) => keep(element),
                _ => true,
            })
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Feed, feed_rs::parser::ParseFeedError> {
        feed_rs::parser::parse(text.as_bytes())
    }

    #[test]
    fn a_bad_entry_loses_only_what_is_unreadable() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id>
<updated>2024-01-01T00:00:00Z</updated>
<entry><title>good</title><id>urn:1</id><updated>2024-01-01T00:00:00Z</updated></entry>
<entry><title type="text/plain">odd title</title><id>urn:2</id><updated>2024-01-01T00:00:00Z</updated>
  <content type="application/octet-stream" mode="base64"/></entry>
<entry><title>also good</title><id>urn:3</id><updated>2024-01-01T00:00:00Z</updated></entry>
</feed>"#;
        assert!(parse(atom).is_err(), "feed-rs refuses the whole document");
        let salvaged = salvage(atom, parse).unwrap();
        let titles: Vec<String> = salvaged
            .feed
            .entries
            .iter()
            .map(|e| e.title.as_ref().unwrap().content.clone())
            .collect();
        assert_eq!(titles, ["good", "odd title", "also good"]);
        assert_eq!(salvaged.unreadable, 0);
        assert_eq!(salvaged.feed.title.unwrap().content, "T");
    }

    #[test]
    fn what_no_attempt_reads_is_counted() {
        let rss = "<rss version=\"2.0\"><channel><title>T</title>\
            <item><title>one</title></item><item><title>poison</title></item>\
            <item><title>three</title></item></channel></rss>";
        // A parser that refuses any document holding the poisoned entry, however it is cut down.
        let picky = |text: &str| {
            if text.contains("poison") {
                Err("refused")
            } else {
                parse(text).map_err(|_| "failed")
            }
        };
        let salvaged = salvage(rss, picky).unwrap();
        assert_eq!(salvaged.feed.entries.len(), 2);
        assert_eq!(salvaged.unreadable, 1);
    }

    #[test]
    fn only_rss_and_atom_trees_are_salvaged() {
        assert!(salvage("<html><body/></html>", parse).is_none());
        assert!(salvage("<rss><channel>", parse).is_none());
    }
}
