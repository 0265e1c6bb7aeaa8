//! Turns a feed's raw bytes into clean UTF-8 XML/JSON text: picks the encoding, decodes, rewrites the XML
//! declaration to UTF-8 and removes characters XML forbids. Pure: bytes and header values in, text out.
//!
//! Encoding choice, first match wins: a per-source override; a byte-order mark; otherwise the candidates
//! HTTP `charset`, XML declaration, UTF-8 and GB18030, in that order, skipping any under which the bytes do
//! not decode cleanly (real Chinese sites often send a server default in HTTP and the truth in the XML).
//! GB2312 and GBK decode as GB18030, their superset.

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE};

/// Text ready for the XML/JSON parser, and how it was read.
#[derive(Debug)]
pub struct Decoded {
    /// UTF-8 text whose XML declaration (if any) says UTF-8.
    pub text: String,
    /// The encoding the bytes were read as.
    pub encoding: &'static Encoding,
    /// True when some bytes were invalid under every candidate and were replaced by U+FFFD.
    pub had_errors: bool,
}

/// Decodes `bytes`, using the `charset` of `content_type` and the XML declaration as hints, or `forced`.
pub fn decode(
    bytes: &[u8],
    content_type: Option<&str>,
    forced: Option<&'static Encoding>,
) -> Decoded {
    if let Some(encoding) = forced {
        let (encoding, body) = match Encoding::for_bom(bytes) {
            Some((bom_encoding, bom_length)) if bom_encoding == encoding => {
                (encoding, &bytes[bom_length..])
            }
            _ => (encoding, bytes),
        };
        return finish(encoding, body);
    }
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        return finish(encoding, &bytes[bom_length..]);
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        return finish(encoding, bytes);
    }
    let from_http = content_type
        .and_then(charset_from_content_type)
        .map(superset);
    let from_xml = xml_declared_encoding(bytes).map(superset);
    let (encoding, text, had_errors) = decode_by_hints(bytes, from_http, from_xml);
    finish_text(encoding, text, had_errors)
}

/// Decodes an HTML page: a per-source override; a byte-order mark; else the first of HTTP `charset`,
/// `<meta charset>` / `<meta http-equiv="Content-Type">`, UTF-8 and GB18030 under which the bytes decode
/// cleanly (HTTP's single-byte server default loses to the page's own word, as for feeds). GB2312 and
/// GBK pages decode as GB18030.
pub fn decode_html(
    bytes: &[u8],
    content_type: Option<&str>,
    forced: Option<&'static Encoding>,
) -> Decoded {
    if let Some(encoding) = forced.or_else(|| Encoding::for_bom(bytes).map(|(e, _)| e)) {
        let body = match Encoding::for_bom(bytes) {
            Some((bom_encoding, bom_length)) if bom_encoding == encoding => &bytes[bom_length..],
            _ => bytes,
        };
        let (text, had_errors) = encoding.decode_without_bom_handling(body);
        return Decoded {
            text: text.into_owned(),
            encoding,
            had_errors,
        };
    }
    let from_http = content_type
        .and_then(charset_from_content_type)
        .map(superset);
    let from_meta = html_meta_charset(bytes).map(superset);
    let (encoding, text, had_errors) = decode_by_hints(bytes, from_http, from_meta);
    Decoded {
        text,
        encoding,
        had_errors,
    }
}

/// The charset a page's `<meta>` declares in its first 4 KiB (`<meta charset="gbk">`, `<meta
/// http-equiv="Content-Type" content="text/html; charset=gb2312">`), when it names one we know.
pub fn html_meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    head.match_indices("<meta").find_map(|(at, _)| {
        let tag = &head[at..];
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        let value = &tag[tag.find("charset")? + "charset".len()..];
        let value = value.trim_start().strip_prefix('=')?.trim_start();
        let value = value.trim_start_matches(['"', '\'']);
        let end = value
            .find(|c: char| matches!(c, '"' | '\'' | ';' | '/') || c.is_whitespace())
            .unwrap_or(value.len());
        Encoding::for_label(&value.as_bytes()[..end])
    })
}

/// The encoding and text of `bytes` from the HTTP charset and the document's own declaration: the first
/// candidate under which the bytes decode cleanly, else the first candidate with replacements.
fn decode_by_hints(
    bytes: &[u8],
    from_http: Option<&'static Encoding>,
    from_xml: Option<&'static Encoding>,
) -> (&'static Encoding, String, bool) {
    let mut candidates: Vec<&'static Encoding> = Vec::with_capacity(4);
    // When HTTP and the document disagree, HTTP loses if it names a single-byte charset (usually a server
    // default, not a statement about this document) or if the document says UTF-8 and the bytes are valid
    // UTF-8 (which other encodings' text almost never is).
    let http_is_weak_default = from_http.is_some_and(|http| {
        from_xml.is_some_and(|xml| {
            xml != http
                && (http.is_single_byte() || (xml == UTF_8 && std::str::from_utf8(bytes).is_ok()))
        })
    });
    if !http_is_weak_default {
        candidates.extend(from_http);
    }
    candidates.extend(from_xml);
    if http_is_weak_default {
        candidates.extend(from_http);
    }
    candidates.push(UTF_8);
    candidates.push(GB18030);

    for encoding in &candidates {
        if let Some(text) = decode_cleanly(encoding, bytes) {
            return (encoding, text, false);
        }
    }
    let (text, had_errors) = candidates[0].decode_without_bom_handling(bytes);
    (candidates[0], text.into_owned(), had_errors)
}

/// GB2312 and GBK are subsets of GB18030; reading them as GB18030 loses nothing and decodes more.
fn superset(encoding: &'static Encoding) -> &'static Encoding {
    if encoding == encoding_rs::GBK {
        GB18030
    } else {
        encoding
    }
}

fn decode_cleanly(encoding: &'static Encoding, bytes: &[u8]) -> Option<String> {
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(Cow::into_owned)
}

fn finish(encoding: &'static Encoding, bytes: &[u8]) -> Decoded {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    finish_text(encoding, text.into_owned(), had_errors)
}

fn finish_text(encoding: &'static Encoding, text: String, had_errors: bool) -> Decoded {
    // Control characters go first: removing them can join the letters of a declaration.
    let text = neutralise_misplaced_declarations(rewrite_declaration_to_utf8(
        remove_forbidden_characters(text),
    ));
    Decoded {
        text,
        encoding,
        had_errors,
    }
}

/// UTF-16 without a byte-order mark shows itself by the zero bytes around the first `<?`.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    match bytes {
        [b'<', 0, b'?', 0, ..] => Some(UTF_16LE),
        [0, b'<', 0, b'?', ..] => Some(UTF_16BE),
        _ => None,
    }
}

/// The `charset` parameter of a `Content-Type` value, when it names an encoding we know.
pub fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        Encoding::for_label(value.as_bytes())
    })
}

/// The `encoding` of an XML declaration at the start of `bytes` (read as ASCII), when it names one we know.
pub fn xml_declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(512)];
    let head = String::from_utf8_lossy(head);
    let declaration = declaration_span(&head).map(|range| &head[range])?;
    let value = attribute_value(declaration, "encoding")?;
    Encoding::for_label(value.as_bytes())
}

/// Byte range of the `<?xml … ?>` declaration, if the text starts with one (after white space).
fn declaration_span(text: &str) -> Option<std::ops::Range<usize>> {
    let start = text.len() - text.trim_start().len();
    if !text[start..].starts_with("<?xml") {
        return None;
    }
    let end = text[start..].find("?>")? + start + 2;
    Some(start..end)
}

fn attribute_value<'a>(declaration: &'a str, name: &str) -> Option<&'a str> {
    let position = declaration.find(name)?;
    let rest = declaration[position + name.len()..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value_end = rest[1..].find(quote)? + 1;
    Some(&rest[1..value_end])
}

/// The declaration every decoded document starts with, when it had one.
const UTF8_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

/// Makes the XML declaration say UTF-8, since the text now is UTF-8 whatever the bytes were. The whole
/// declaration is replaced, not just its `encoding` value: quick-xml (under feed-rs) panics when it meets
/// an encoding other than UTF-8 past the first few bytes, and a declaration it reads differently from us
/// (`xencoding="utf-8" encoding="big5"`) must not get through.
fn rewrite_declaration_to_utf8(text: String) -> String {
    let Some(span) = declaration_span(&text) else {
        return text;
    };
    if span.start == 0 && &text[span.clone()] == UTF8_DECLARATION {
        return text;
    }
    let mut result = String::with_capacity(text.len() + UTF8_DECLARATION.len());
    result.push_str(UTF8_DECLARATION);
    result.push_str(&text[span.end..]);
    result
}

/// Turns every XML declaration but one at the start into an ordinary processing instruction
/// (`<?xml-misplaced …?>`, which parsers skip): a `<?xml …?>` anywhere else is not well-formed (it turns up
/// where a server glues two documents, or junk precedes the declaration), and quick-xml, under feed-rs,
/// panics on one that names an encoding once it has read past the start (found by fuzzing). Renaming
/// rather than removing: a removal can join what was around it into a new declaration (`<?<?xml?>xml …`).
/// `<?xml-stylesheet …?>` and other processing instructions stay as they are.
fn neutralise_misplaced_declarations(text: String) -> String {
    let is_declaration_at = |at: usize| {
        text[at..].starts_with("<?xml")
            && text[at + 5..]
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || c == '?')
    };
    let keep_until = declaration_span(&text).map_or(0, |span| span.end);
    let misplaced: Vec<usize> = text[keep_until..]
        .match_indices("<?xml")
        .map(|(at, _)| keep_until + at)
        .filter(|&at| is_declaration_at(at))
        .collect();
    if misplaced.is_empty() {
        return text;
    }
    let mut result = String::with_capacity(text.len() + misplaced.len() * 9);
    let mut rest = 0;
    for at in misplaced {
        result.push_str(&text[rest..at + 5]);
        result.push_str("-misplaced");
        rest = at + 5;
    }
    result.push_str(&text[rest..]);
    result
}

/// Drops the control characters XML 1.0 forbids (everything below U+0020 except tab, LF and CR), which
/// real feeds contain and strict parsers reject.
fn remove_forbidden_characters(text: String) -> String {
    let forbidden = |c: char| c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r');
    if !text.contains(forbidden) {
        return text;
    }
    text.chars().filter(|c| !forbidden(*c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLE: &str = "中新网太原11月25日电 山西晋中迎来初雪";

    fn xml(declared: Option<&str>) -> String {
        let declaration = match declared {
            Some(label) => format!("<?xml version=\"1.0\" encoding=\"{label}\"?>"),
            None => String::new(),
        };
        format!("{declaration}<rss version=\"2.0\"><channel><title>{TITLE}</title></channel></rss>")
    }

    fn encode(encoding: &'static Encoding, text: &str) -> Vec<u8> {
        encoding.encode(text).0.into_owned()
    }

    fn check(bytes: &[u8], content_type: Option<&str>, expect: &'static Encoding) {
        let decoded = decode(bytes, content_type, None);
        assert_eq!(decoded.encoding, expect);
        assert!(decoded.text.contains(TITLE), "{}", decoded.text);
        assert!(!decoded.had_errors);
        if decoded.text.starts_with("<?xml") {
            assert!(
                decoded
                    .text
                    .to_ascii_lowercase()
                    .contains("encoding=\"utf-8\""),
                "{}",
                decoded.text
            );
        }
    }

    #[test]
    fn gbk_with_charset_only_in_http() {
        check(
            &encode(GB18030, &xml(None)),
            Some("text/xml; charset=GBK"),
            GB18030,
        );
    }

    #[test]
    fn gb2312_with_charset_only_in_xml() {
        check(&encode(GB18030, &xml(Some("gb2312"))), None, GB18030);
    }

    #[test]
    fn gbk_with_charset_nowhere_falls_back_to_gb18030() {
        check(
            &encode(GB18030, &xml(None)),
            Some("application/rss+xml"),
            GB18030,
        );
    }

    #[test]
    fn http_and_xml_disagree() {
        // HTTP claims UTF-8, the document (rightly) says GBK.
        check(
            &encode(GB18030, &xml(Some("gbk"))),
            Some("text/xml; charset=utf-8"),
            GB18030,
        );
        // HTTP sends a Latin-1 server default, the document says gb2312.
        check(
            &encode(GB18030, &xml(Some("gb2312"))),
            Some("text/xml; charset=ISO-8859-1"),
            GB18030,
        );
        // HTTP says GBK but the bytes are UTF-8 as the document says.
        check(
            xml(Some("utf-8")).as_bytes(),
            Some("text/xml; charset=gbk"),
            UTF_8,
        );
    }

    #[test]
    fn big5_traditional() {
        let text = xml(Some("big5")).replace(TITLE, "中新網太原11月25日電 山西晉中迎來初雪");
        let bytes = encode(encoding_rs::BIG5, &text);
        let decoded = decode(&bytes, None, None);
        assert_eq!(decoded.encoding, encoding_rs::BIG5);
        assert!(decoded.text.contains("山西晉中迎來初雪"));
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let text = xml(Some("utf-16"));
        let mut little_endian: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        check(&little_endian, None, UTF_16LE);
        little_endian.splice(0..0, [0xFF, 0xFE]);
        check(&little_endian, None, UTF_16LE);
        let big_endian: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        check(&big_endian, None, UTF_16BE);
    }

    #[test]
    fn latin1_feed_with_http_charset() {
        let text = "<rss version=\"2.0\"><channel><title>Café Zürich</title></channel></rss>";
        let bytes = encode(encoding_rs::WINDOWS_1252, text);
        let decoded = decode(
            &bytes,
            Some("application/rss+xml; charset=ISO-8859-1"),
            None,
        );
        assert_eq!(decoded.encoding, encoding_rs::WINDOWS_1252);
        assert!(decoded.text.contains("Café Zürich"), "{}", decoded.text);
        // Declared only in the document.
        let declared = format!("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>{text}");
        let decoded = decode(&encode(encoding_rs::WINDOWS_1252, &declared), None, None);
        assert!(decoded.text.contains("Café Zürich"), "{}", decoded.text);
    }

    #[test]
    fn utf8_bom_is_removed() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(xml(Some("utf-8")).as_bytes());
        let decoded = decode(&bytes, None, None);
        assert!(decoded.text.starts_with("<?xml"));
    }

    #[test]
    fn override_wins() {
        let bytes = encode(GB18030, &xml(Some("utf-8")));
        let decoded = decode(&bytes, Some("text/xml; charset=utf-8"), Some(GB18030));
        assert!(decoded.text.contains(TITLE));
    }

    #[test]
    fn forbidden_control_characters_are_removed() {
        let decoded = decode("<a>x\u{1}y\u{b}z\tq</a>".as_bytes(), None, None);
        assert_eq!(decoded.text, "<a>xyz\tq</a>");
    }

    #[test]
    fn charset_parameter_parsing() {
        assert_eq!(
            charset_from_content_type("text/xml;charset=\"gb2312\""),
            Some(encoding_rs::GBK)
        );
        assert_eq!(charset_from_content_type("text/xml"), None);
        assert_eq!(
            charset_from_content_type("text/xml; charset=nonsense"),
            None
        );
    }

    #[test]
    fn declarations_away_from_the_start_are_neutralised() {
        let glued = "<?xml version=\"1.0\" encoding=\"gbk\"?><rss><channel><?xml version=\"1.0\" encoding=\"gbk\"?><title>t</title></channel></rss><?xml?>";
        assert_eq!(
            decode(glued.as_bytes(), None, None).text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss><channel><?xml-misplaced version=\"1.0\" encoding=\"gbk\"?><title>t</title></channel></rss><?xml-misplaced?>"
        );
        // Junk before the declaration: it is not a declaration then. Renaming never makes a new one.
        assert_eq!(
            neutralise_misplaced_declarations("e<?xml encoding=\"big5\"?><rss/>".into()),
            "e<?xml-misplaced encoding=\"big5\"?><rss/>"
        );
        assert_eq!(
            neutralise_misplaced_declarations("s<?<?xml?>xml encoding=\"gb2312\"?>".into()),
            "s<?<?xml-misplaced?>xml encoding=\"gb2312\"?>"
        );
        // Other processing instructions stay, and a document without stray declarations is not copied.
        let styled = "<?xml version=\"1.0\"?><?xml-stylesheet href=\"a.xsl\"?><rss/>";
        assert_eq!(neutralise_misplaced_declarations(styled.into()), styled);
    }

    #[test]
    fn html_pages_take_their_charset_from_http_then_meta_then_utf8_then_gb18030() {
        let text = "<p>太原迎来今冬初雪</p>";
        let gbk = |head: &str| {
            encoding_rs::GBK
                .encode(&format!(
                    "<html><head>{head}</head><body>{text}</body></html>"
                ))
                .0
                .into_owned()
        };
        let read = |bytes: &[u8], content_type: Option<&str>, forced| {
            let decoded = decode_html(bytes, content_type, forced);
            (decoded.encoding.name(), decoded.text.contains(text))
        };
        // The page's own word, in either meta form, when HTTP says nothing.
        let http_equiv =
            gbk(r#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312">"#);
        assert_eq!(
            read(&http_equiv, Some("text/html"), None),
            ("gb18030", true)
        );
        assert_eq!(
            read(&gbk("<meta charset='GBK'>"), None, None),
            ("gb18030", true)
        );
        // HTTP's charset first when the bytes decode under it.
        let utf8 = format!("<meta charset=\"gbk\"><body>{text}</body>");
        assert_eq!(
            read(utf8.as_bytes(), Some("text/html; charset=utf-8"), None),
            ("UTF-8", true)
        );
        // A wrong HTTP charset (Latin-1 is a server default) loses to the page's word.
        assert_eq!(
            read(&http_equiv, Some("text/html; charset=iso-8859-1"), None),
            ("gb18030", true)
        );
        // No word anywhere: UTF-8 when it decodes, else GB18030, never Latin-1.
        let bare_utf8 = format!("<html><body>{text}</body></html>");
        assert_eq!(read(bare_utf8.as_bytes(), None, None), ("UTF-8", true));
        assert_eq!(read(&gbk(""), None, None), ("gb18030", true));
        // The source's override wins over everything.
        assert_eq!(
            read(&gbk("<meta charset=utf-8>"), None, Some(GB18030)),
            ("gb18030", true)
        );
    }
}
