//! A small owned XML tree, for the rare documents that are rewritten before feed-rs reads them (older
//! dialects, feeds with an unreadable entry). Pure. Text and attribute values are kept as written
//! (escaped), so writing a tree back changes nothing that was not changed on purpose.

use quick_xml::Reader;
use quick_xml::events::Event;

/// Deepest nesting read into a tree; a deeper document is not rewritten (feed-rs then reports it).
pub const MAX_DEPTH: usize = 128;

/// A node of the tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// An element.
    Element(Element),
    /// Character data as written: escaped, entity references included.
    Text(String),
    /// The inside of a `<![CDATA[…]]>` section.
    CData(String),
}

/// An element: its name as written (`dc:date`), attributes as written, children.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    /// Qualified name as written.
    pub name: String,
    /// (qualified name, escaped value) in document order.
    pub attributes: Vec<(String, String)>,
    /// Child nodes in document order.
    pub children: Vec<Node>,
}

impl Element {
    /// An element with no attributes or children.
    pub fn new(name: &str) -> Element {
        Element {
            name: name.to_string(),
            ..Element::default()
        }
    }

    /// The name without its prefix (`date` for `dc:date`).
    pub fn local_name(&self) -> &str {
        self.name.rsplit(':').next().unwrap_or(&self.name)
    }

    /// An attribute's value, unescaped.
    pub fn attribute(&self, name: &str) -> Option<String> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| unescape(value))
    }

    /// Sets (or adds) an attribute; `value` is escaped here.
    pub fn set_attribute(&mut self, name: &str, value: &str) {
        let escaped = quick_xml::escape::escape(value).into_owned();
        match self.attributes.iter_mut().find(|(key, _)| key == name) {
            Some(slot) => slot.1 = escaped,
            None => self.attributes.push((name.to_string(), escaped)),
        }
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|node| match node {
            Node::Element(element) => Some(element),
            _ => None,
        })
    }

    /// The first child element with this local name.
    pub fn child(&self, local_name: &str) -> Option<&Element> {
        self.elements().find(|e| e.local_name() == local_name)
    }

    /// The element's text (text and CDATA children, entities of XML resolved; others kept as written).
    pub fn text(&self) -> String {
        let mut text = String::new();
        for node in &self.children {
            match node {
                Node::Text(raw) => text.push_str(&unescape(raw)),
                Node::CData(data) => text.push_str(data),
                Node::Element(element) => text.push_str(&element.text()),
            }
        }
        text
    }

    /// Replaces the children with one escaped text node.
    pub fn set_text(&mut self, text: &str) {
        self.children = vec![Node::Text(quick_xml::escape::escape(text).into_owned())];
    }

    /// The children written back as XML (the element's inner markup).
    pub fn inner_xml(&self) -> String {
        let mut out = String::new();
        for node in &self.children {
            write_node(node, &mut out);
        }
        out
    }
}

/// XML's own escapes resolved; any other reference is kept as written (undefined in XML).
fn unescape(raw: &str) -> String {
    quick_xml::escape::unescape_with(raw, quick_xml::escape::resolve_predefined_entity)
        .map(|text| text.into_owned())
        .unwrap_or_else(|_| raw.to_string())
}

/// Reads `text` into a tree: the root element, or `None` when the document is not well-formed or nests
/// deeper than [`MAX_DEPTH`].
pub fn parse(text: &str) -> Option<Element> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return None;
                }
                stack.push(element_of(&start)?);
            }
            Event::Empty(start) => {
                attach(&mut stack, &mut root, Node::Element(element_of(&start)?))?
            }
            Event::End(_) => {
                let element = stack.pop()?;
                attach(&mut stack, &mut root, Node::Element(element))?;
            }
            Event::Text(text) => {
                let raw = std::str::from_utf8(&text).ok()?.to_string();
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(Node::Text(raw));
                }
            }
            Event::GeneralRef(reference) => {
                let name = std::str::from_utf8(&reference).ok()?;
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(Node::Text(format!("&{name};")));
                }
            }
            Event::CData(data) => {
                let data = std::str::from_utf8(&data).ok()?.to_string();
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(Node::CData(data));
                }
            }
            Event::Eof => break,
            // Declaration, comments, processing instructions, the DOCTYPE: not part of the tree.
            _ => {}
        }
    }
    if stack.is_empty() { root } else { None }
}

fn element_of(start: &quick_xml::events::BytesStart<'_>) -> Option<Element> {
    let name = std::str::from_utf8(start.name().as_ref()).ok()?.to_string();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.ok()?;
        let key = std::str::from_utf8(attribute.key.as_ref())
            .ok()?
            .to_string();
        let value = std::str::from_utf8(&attribute.value).ok()?.to_string();
        attributes.push((key, value));
    }
    Some(Element {
        name,
        attributes,
        children: Vec::new(),
    })
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, node: Node) -> Option<()> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => match node {
            Node::Element(element) if root.is_none() => *root = Some(element),
            _ => return None,
        },
    }
    Some(())
}

/// A document: an XML declaration and the root element.
pub fn write_document(root: &Element) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    write_element(root, &mut out);
    out
}

fn write_element(element: &Element, out: &mut String) {
    out.push('<');
    out.push_str(&element.name);
    for (key, value) in &element.attributes {
        out.push(' ');
        out.push_str(key);
        out.push_str("=\"");
        // Values were read from either quote style; a raw `"` must be escaped in ours.
        out.push_str(&value.replace('"', "&quot;"));
        out.push('"');
    }
    if element.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for node in &element.children {
        write_node(node, out);
    }
    out.push_str("</");
    out.push_str(&element.name);
    out.push('>');
}

fn write_node(node: &Node, out: &mut String) {
    match node {
        Node::Element(element) => write_element(element, out),
        Node::Text(raw) => out.push_str(raw),
        Node::CData(data) => {
            // `]]>` cannot appear inside one section: split it across two.
            out.push_str("<![CDATA[");
            out.push_str(&data.replace("]]>", "]]]]><![CDATA[>"));
            out.push_str("]]>");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_reads_and_writes_back() {
        let text = r#"<?xml version="1.0"?><rss a='x"y' b="1 &amp; 2"><item><title>A &amp; B &lol;</title><description><![CDATA[<p>x</p>]]></description><empty/></item></rss>"#;
        let root = parse(text).unwrap();
        assert_eq!(root.local_name(), "rss");
        assert_eq!(root.attribute("a").as_deref(), Some("x\"y"));
        assert_eq!(root.attribute("b").as_deref(), Some("1 & 2"));
        let item = root.child("item").unwrap();
        assert_eq!(item.child("title").unwrap().text(), "A & B &lol;");
        assert_eq!(item.child("description").unwrap().text(), "<p>x</p>");
        let written = write_document(&root);
        let again = parse(&written).unwrap();
        assert_eq!(again.children, root.children);
        assert_eq!(again.attribute("a").as_deref(), Some("x\"y"));
        assert_eq!(write_document(&again), written);
    }

    #[test]
    fn broken_or_deep_documents_are_not_trees() {
        assert_eq!(parse("<a><b></a>"), None);
        assert_eq!(parse("<a>&</a>"), None);
        let deep = format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(parse(&deep), None);
    }
}
