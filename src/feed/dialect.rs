//! Older feed dialects rewritten into ones feed-rs reads whole: RSS 0.90 and RSS 1.0 (RDF) into RSS 2.0,
//! Atom 0.3 into Atom 1.0. Pure: text in, text out.
//!
//! feed-rs drops RSS 1.0 items that have no `<link>` (many have only `rdf:about`), reads no item of
//! RSS 0.90, and no entry of Atom 0.3. The rewrite keeps every item:
//! - RDF: the items move into the channel; `rdf:about` becomes the guid, and the link when the item has
//!   none (RSS 1.0 says `rdf:about` is the item's URI; feedparser leaves such items without a link).
//! - Atom 0.3: `issued` → `published` (else `created`), `modified` → `updated`, `tagline` → `subtitle`,
//!   `copyright` → `rights`, `url` → `uri`; text constructs' `mode` (`escaped`, `base64`, `xml`) and MIME
//!   `type` become Atom 1.0's `text`/`html`; base64 content is decoded when it is text, dropped when not.

use base64::Engine;

use crate::feed::xml_tree::{self, Element, Node};

const ATOM_03: &str = "http://purl.org/atom/ns#";
const ATOM_10: &str = "http://www.w3.org/2005/Atom";

/// `text` in a dialect feed-rs reads whole, when it is RSS 0.90/1.0 or Atom 0.3; `None` otherwise (or
/// when it is not a well-formed tree: then feed-rs reads it as it is, or reports why not).
pub fn modernise(text: &str) -> Option<String> {
    let head = &text[..text.floor_char_boundary(text.len().min(4096))];
    let rdf = head.contains(":RDF") || head.contains("<RDF");
    let atom_03 = head.contains(ATOM_03);
    if !rdf && !atom_03 {
        return None;
    }
    let root = xml_tree::parse(text)?;
    let rewritten = match root.local_name() {
        "RDF" => rdf_to_rss(&root),
        "feed" if atom_03 => atom_03_to_atom(&root),
        _ => return None,
    };
    Some(xml_tree::write_document(&rewritten))
}

/// RSS 0.90/1.0 as RSS 2.0: one channel holding the channel's elements and every item.
fn rdf_to_rss(root: &Element) -> Element {
    let mut rss = Element::new("rss");
    rss.set_attribute("version", "2.0");
    // Namespaces the elements use (dc:, content:, …); the RSS default namespace is dropped.
    for (key, value) in &root.attributes {
        if key.starts_with("xmlns:") {
            rss.attributes.push((key.clone(), value.clone()));
        }
    }
    let mut channel = Element::new("channel");
    for element in root.elements() {
        match element.local_name() {
            "channel" => channel.children.extend(
                element
                    .children
                    .iter()
                    .filter(|node| !matches!(node, Node::Element(e) if matches!(e.local_name(), "items" | "image" | "textinput")))
                    .cloned(),
            ),
            "item" => channel.children.push(Node::Element(rdf_item(element))),
            _ => {}
        }
    }
    rss.children.push(Node::Element(channel));
    rss
}

fn rdf_item(item: &Element) -> Element {
    let mut rewritten = Element::new("item");
    rewritten.children = item.children.clone();
    if let Some(about) = item
        .attribute("rdf:about")
        .map(|about| about.trim().to_string())
        .filter(|about| !about.is_empty())
    {
        if item.child("link").is_none() && names_a_page(&about) {
            let mut link = Element::new("link");
            link.set_text(&about);
            rewritten.children.push(Node::Element(link));
        }
        if item.child("guid").is_none() {
            let mut guid = Element::new("guid");
            guid.set_attribute("isPermaLink", "false");
            guid.set_text(&about);
            rewritten.children.push(Node::Element(guid));
        }
    }
    rewritten
}

/// Whether an `rdf:about` can stand for the item's link: an http(s) URL or a path, not a `urn:`/`tag:`.
fn names_a_page(about: &str) -> bool {
    let lower = about.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with('/')
}

/// Atom 0.3 as Atom 1.0.
fn atom_03_to_atom(root: &Element) -> Element {
    let mut feed = Element::new("feed");
    for (key, value) in &root.attributes {
        if key != "xmlns" && key != "version" {
            feed.attributes.push((key.clone(), value.clone()));
        }
    }
    feed.attributes.insert(0, ("xmlns".into(), ATOM_10.into()));
    feed.children = atom_children(&root.children, false);
    feed
}

/// Children of a feed, entry or person, renamed and converted; `in_entry` decides what `created` means.
fn atom_children(children: &[Node], in_entry: bool) -> Vec<Node> {
    let has_issued = children
        .iter()
        .any(|node| matches!(node, Node::Element(e) if e.name == "issued"));
    let mut converted = Vec::new();
    for node in children {
        let Node::Element(element) = node else {
            converted.push(node.clone());
            continue;
        };
        // Only the Atom 0.3 vocabulary (unprefixed) changes; other namespaces pass through.
        if element.name.contains(':') {
            converted.push(node.clone());
            continue;
        }
        let renamed = match element.name.as_str() {
            "tagline" => "subtitle",
            "modified" => "updated",
            "issued" => "published",
            "created" if in_entry && !has_issued => "published",
            "created" | "info" => continue,
            "copyright" => "rights",
            "url" => "uri",
            other => other,
        };
        let converted_element = match renamed {
            "title" | "subtitle" | "summary" | "content" | "rights" => {
                text_construct(element, renamed)
            }
            "entry" | "author" | "contributor" => Some(Element {
                name: renamed.to_string(),
                attributes: without_old_namespace(&element.attributes),
                children: atom_children(&element.children, renamed == "entry" || in_entry),
            }),
            _ => Some(Element {
                name: renamed.to_string(),
                attributes: without_old_namespace(&element.attributes),
                children: element.children.clone(),
            }),
        };
        if let Some(element) = converted_element {
            converted.push(Node::Element(element));
        }
    }
    converted
}

/// Attributes without a (re)declaration of the Atom 0.3 namespace, which Blogger repeats on every entry.
fn without_old_namespace(attributes: &[(String, String)]) -> Vec<(String, String)> {
    attributes
        .iter()
        .filter(|(key, value)| !(key == "xmlns" && value == ATOM_03))
        .cloned()
        .collect()
}

/// An Atom 0.3 text construct as Atom 1.0's: `type` becomes `text` or `html`, the body follows its
/// `mode`. `None` when the body is not text (base64 of an image).
fn text_construct(element: &Element, name: &str) -> Option<Element> {
    let mime = element
        .attribute("type")
        .unwrap_or_else(|| "text/plain".into())
        .to_ascii_lowercase();
    let html = mime.contains("html") || mime.contains("xml");
    let mode = element.attribute("mode").unwrap_or_else(|| "xml".into());
    let mut converted = Element::new(name);
    for (key, value) in without_old_namespace(&element.attributes) {
        if key != "type" && key != "mode" {
            converted.attributes.push((key, value));
        }
    }
    let has_markup = element.elements().next().is_some();
    match mode.as_str() {
        "base64" => {
            if !(mime.starts_with("text/") || html) {
                return None;
            }
            let encoded: String = element.text().split_whitespace().collect();
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()?;
            converted.set_text(&String::from_utf8_lossy(&decoded));
        }
        // Inline markup (mode="xml"): kept as HTML text.
        _ if has_markup => converted.set_text(&element.inner_xml()),
        _ => converted.children = element.children.clone(),
    }
    let kind = if html || has_markup { "html" } else { "text" };
    converted.set_attribute("type", kind);
    Some(converted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rdf_items_move_into_the_channel_with_their_about() {
        let rss10 = r#"<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
 <channel rdf:about="http://e.cn/"><title>T</title><link>http://e.cn/</link>
  <items><rdf:Seq><rdf:li rdf:resource="http://e.cn/1"/></rdf:Seq></items></channel>
 <item rdf:about="http://e.cn/1"><title>一</title><dc:date>2024-04-07</dc:date></item>
 <item rdf:about="urn:x:2"><title>二</title><link>http://e.cn/2</link></item>
</rdf:RDF>"#;
        let rewritten = modernise(rss10).unwrap();
        let root = xml_tree::parse(&rewritten).unwrap();
        assert_eq!(root.name, "rss");
        assert!(root.attribute("xmlns").is_none());
        assert_eq!(
            root.attribute("xmlns:dc").as_deref(),
            Some("http://purl.org/dc/elements/1.1/")
        );
        let channel = root.child("channel").unwrap();
        assert!(channel.child("items").is_none());
        let items: Vec<&Element> = channel.elements().filter(|e| e.name == "item").collect();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].child("link").unwrap().text(), "http://e.cn/1");
        assert_eq!(items[0].child("guid").unwrap().text(), "http://e.cn/1");
        // A urn: names no page: the item keeps its own link only.
        assert_eq!(items[1].child("link").unwrap().text(), "http://e.cn/2");
    }

    #[test]
    fn atom_03_becomes_atom_10() {
        let atom03 = r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title>
<tagline mode="escaped" type="text/html">&lt;b&gt;t&lt;/b&gt;</tagline>
<entry><title mode="escaped" type="text/html">A &amp;amp; B</title><created>2024-01-01T00:00:00Z</created>
<modified>2024-01-02T00:00:00Z</modified><content type="text/html" mode="base64">PHA+aGk8L3A+</content>
<author><name>N</name><url>http://e.cn/</url></author></entry>
<entry><title>X</title><issued>2024-01-03T00:00:00Z</issued><created>2024-01-01T00:00:00Z</created>
<content type="image/png" mode="base64">iVBORw0K</content><summary type="application/xhtml+xml"><div>a<b>b</b></div></summary></entry></feed>"#;
        let root = xml_tree::parse(&modernise(atom03).unwrap()).unwrap();
        assert_eq!(root.attribute("xmlns").as_deref(), Some(ATOM_10));
        assert!(root.attribute("version").is_none());
        assert_eq!(
            root.child("subtitle").unwrap().attribute("type").as_deref(),
            Some("html")
        );
        let entries: Vec<&Element> = root.elements().filter(|e| e.name == "entry").collect();
        let first = entries[0];
        assert_eq!(
            first.child("title").unwrap().attribute("type").as_deref(),
            Some("html")
        );
        assert_eq!(
            first.child("published").unwrap().text(),
            "2024-01-01T00:00:00Z"
        );
        assert_eq!(
            first.child("updated").unwrap().text(),
            "2024-01-02T00:00:00Z"
        );
        assert_eq!(first.child("content").unwrap().text(), "<p>hi</p>");
        assert!(first.child("author").unwrap().child("uri").is_some());
        let second = entries[1];
        assert_eq!(
            second.child("published").unwrap().text(),
            "2024-01-03T00:00:00Z"
        );
        assert!(second.child("content").is_none(), "an image is no text");
        assert_eq!(
            second.child("summary").unwrap().text(),
            "<div>a<b>b</b></div>"
        );
    }

    #[test]
    fn other_documents_are_left_alone() {
        assert_eq!(modernise("<rss version=\"2.0\"><channel/></rss>"), None);
        assert_eq!(
            modernise("<feed xmlns=\"http://www.w3.org/2005/Atom\"/>"),
            None
        );
    }
}
