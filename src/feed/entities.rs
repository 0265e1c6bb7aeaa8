//! Entity references as real feeds write them. Pure: text in, text out.
//!
//! XML knows five named entities; feeds use HTML's (`&nbsp;`, `&eacute;`, `&hellip;`) without declaring
//! them, declare their own in an internal DTD (`<!ENTITY site "河东日报">`), write a bare `&` in links, or
//! carry references nobody defines (`&lol9;` once the DTD's nested declarations are, rightly, not
//! expanded). Here:
//! - [`expand_declared`]: a DTD's plain-text entities are expanded in the document (never nested ones,
//!   and never more than [`MAX_EXPANSION_BYTES`] in all: no expansion bombs);
//! - [`repair_ampersands`]: a `&` that starts no reference becomes `&amp;` (for a document that does not
//!   parse);
//! - [`decode_text`]: a plain-text field (title, author) with every reference resolved to its character
//!   and undefined ones dropped;
//! - [`drop_undefined`]: an HTML field with undefined references dropped (the others are HTML's own).

use std::borrow::Cow;

/// Most bytes that expanding declared entities may add to a document.
pub const MAX_EXPANSION_BYTES: usize = 1 << 20;
/// Longest entity value expanded.
const MAX_ENTITY_VALUE: usize = 1024;

/// What `&name;` means.
enum Reference {
    /// A character (or characters, for a few HTML entities).
    Text(String),
    /// A name nobody defines.
    Undefined,
}

/// The meaning of the reference whose name (or `#123`, `#x7b`) is `name`.
fn resolve(name: &str) -> Reference {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => number.parse::<u32>().ok(),
        };
        return match code.and_then(char::from_u32) {
            Some(c) => Reference::Text(c.to_string()),
            None => Reference::Undefined,
        };
    }
    match quick_xml::escape::resolve_html5_entity(name) {
        Some(text) => Reference::Text(text.to_string()),
        None => Reference::Undefined,
    }
}

/// The reference at the start of `text` (which starts with `&`): its name and length, if it is one.
fn reference_at(text: &str) -> Option<(&str, usize)> {
    let rest = &text[1..];
    let end = rest.find(';')?;
    let name = &rest[..end];
    let valid = if let Some(number) = name.strip_prefix('#') {
        !number.is_empty()
            && (number.bytes().all(|b| b.is_ascii_digit())
                || number.strip_prefix(['x', 'X']).is_some_and(|hex| {
                    !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit())
                }))
    } else {
        name.len() <= 32
            && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    };
    valid.then_some((name, end + 2))
}

/// A plain-text field with references resolved: known ones to their characters, undefined ones dropped.
pub fn decode_text(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match reference_at(rest) {
            Some((name, length)) => {
                if let Reference::Text(resolved) = resolve(name) {
                    out.push_str(&resolved);
                }
                rest = &rest[length..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// An HTML field with undefined named references dropped; HTML's own and numeric ones stay.
pub fn drop_undefined(html: &str) -> Cow<'_, str> {
    if !html.contains('&') {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut dropped = false;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match reference_at(rest) {
            Some((name, length)) if matches!(resolve(name), Reference::Undefined) => {
                dropped = true;
                rest = &rest[length..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    if dropped {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(html)
    }
}

/// The parts of a document where references mean something: outside CDATA sections, comments and the
/// DOCTYPE. Calls `each` with (text, is_markup_free) for every stretch, in order.
fn for_each_stretch(text: &str, mut each: impl FnMut(&str, bool)) {
    let mut rest = text;
    while !rest.is_empty() {
        let next = [("<![CDATA[", "]]>"), ("<!--", "-->"), ("<!DOCTYPE", "]>")]
            .iter()
            .filter_map(|(open, close)| rest.find(open).map(|at| (at, *open, *close)))
            .min_by_key(|(at, ..)| *at);
        match next {
            Some((at, open, close)) => {
                each(&rest[..at], true);
                let after = &rest[at + open.len()..];
                // A DOCTYPE without an internal subset ends at its first `>`.
                let end = match (open, after.find(close), after.find('>')) {
                    ("<!DOCTYPE", Some(subset), Some(gt)) if after[..gt].contains('[') => {
                        subset + close.len()
                    }
                    ("<!DOCTYPE", _, Some(gt)) => gt + 1,
                    (_, Some(end), _) => end + close.len(),
                    _ => after.len(),
                };
                each(&rest[at..at + open.len() + end], false);
                rest = &after[end..];
            }
            None => {
                each(rest, true);
                break;
            }
        }
    }
}

/// `text` with every `&` that starts no reference written `&amp;`; `None` when there was none.
pub fn repair_ampersands(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut repaired = false;
    for_each_stretch(text, |stretch, outside| {
        if !outside {
            out.push_str(stretch);
            return;
        }
        let mut rest = stretch;
        while let Some(at) = rest.find('&') {
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            if reference_at(rest).is_none() {
                out.push_str("&amp;");
                repaired = true;
            } else {
                out.push('&');
            }
            rest = &rest[1..];
        }
        out.push_str(rest);
    });
    repaired.then_some(out)
}

/// The plain-text entities an internal DTD declares: `<!ENTITY name "value">` whose value holds no
/// markup and no reference (so expanding them cannot expand further).
fn declared_entities(text: &str) -> Vec<(String, String)> {
    let mut declared = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("<!ENTITY") {
        rest = &rest[at + "<!ENTITY".len()..];
        let Some(end) = rest.find('>') else { break };
        let declaration = rest[..end].trim();
        rest = &rest[end..];
        // Parameter entities (`<!ENTITY % x …>`) and external ones (`SYSTEM`, `PUBLIC`) are not ours.
        let Some((name, value)) = declaration.split_once(char::is_whitespace) else {
            continue;
        };
        let value = value.trim();
        let quote = value.chars().next();
        let Some(quote @ ('"' | '\'')) = quote else {
            continue;
        };
        let Some(inner) = value[1..].strip_suffix(quote) else {
            continue;
        };
        if name != "%"
            && inner.len() <= MAX_ENTITY_VALUE
            && !inner.contains(['&', '<', '%'])
            && reference_at(&format!("&{name};")).is_some()
        {
            declared.push((name.to_string(), inner.to_string()));
        }
        if declared.len() >= 64 {
            break;
        }
    }
    declared
}

/// `text` with the plain-text entities its DTD declares expanded (escaped), `None` when it declares none.
/// Expansion stops adding once [`MAX_EXPANSION_BYTES`] were added; the rest stay references.
pub fn expand_declared(text: &str) -> Option<String> {
    if !text.contains("<!ENTITY") {
        return None;
    }
    let declared = declared_entities(text);
    if declared.is_empty() {
        return None;
    }
    let mut added = 0usize;
    let mut out = String::with_capacity(text.len());
    for_each_stretch(text, |stretch, outside| {
        if !outside {
            out.push_str(stretch);
            return;
        }
        let mut rest = stretch;
        while let Some(at) = rest.find('&') {
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            let value = reference_at(rest).and_then(|(name, length)| {
                declared
                    .iter()
                    .find(|(declared_name, _)| declared_name == name)
                    .map(|(_, value)| (value, length))
            });
            match value {
                Some((value, length)) if added + value.len() <= MAX_EXPANSION_BYTES => {
                    let escaped = quick_xml::escape::escape(value.as_str());
                    added += escaped.len();
                    out.push_str(&escaped);
                    rest = &rest[length..];
                }
                _ => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(rest);
    });
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_resolve_references_and_drop_undefined_ones() {
        let check = |input: &str, expect: &str| assert_eq!(decode_text(input), expect, "{input}");
        check("Caf&eacute; &mdash; 20%", "Café — 20%");
        check("&ldquo;冰雪节&rdquo; &copy;", "“冰雪节” ©");
        check("第一条 &lol9;", "第一条 ");
        check(
            "Tips &amp; tricks &foo; &#x4e2d;&#25991;",
            "Tips & tricks  中文",
        );
        check("A & B &nbsp", "A & B &nbsp");
        check("no references", "no references");
    }

    #[test]
    fn html_fields_keep_their_own_references() {
        assert_eq!(
            drop_undefined("<p>a&nbsp;b &lol9; &amp;x;</p>"),
            "<p>a&nbsp;b  &amp;x;</p>"
        );
        assert!(matches!(
            drop_undefined("<p>plain &amp; fine</p>"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn bare_ampersands_are_escaped_outside_cdata() {
        let text = "<link>show.php?id=1&lang=zh&amp;x=2</link><d><![CDATA[a & b]]></d><!-- & -->";
        assert_eq!(
            repair_ampersands(text).unwrap(),
            "<link>show.php?id=1&amp;lang=zh&amp;x=2</link><d><![CDATA[a & b]]></d><!-- & -->"
        );
        assert_eq!(repair_ampersands("<a>&amp; &#38; &x;</a>"), None);
    }

    #[test]
    fn plain_declarations_expand_and_nested_ones_do_not() {
        let text = r#"<!DOCTYPE rss [
<!ENTITY site "河东日报">
<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;">
<!ENTITY % param "x">
<!ENTITY ext SYSTEM "file:///etc/passwd">
]><rss><t>&site;：&lol2; &lol; &ext;</t><d><![CDATA[&site;]]></d></rss>"#;
        let expanded = expand_declared(text).unwrap();
        assert!(
            expanded
                .ends_with("<rss><t>河东日报：&lol2; lol &ext;</t><d><![CDATA[&site;]]></d></rss>"),
            "{expanded}"
        );
        assert!(
            expanded.contains("<!ENTITY site \"河东日报\">"),
            "the DTD itself is untouched"
        );
        assert_eq!(expand_declared("<rss/>"), None);
    }

    #[test]
    fn expansion_is_bounded() {
        let value = "x".repeat(MAX_ENTITY_VALUE);
        let uses = "&big;".repeat(2 * MAX_EXPANSION_BYTES / MAX_ENTITY_VALUE);
        let text = format!("<!DOCTYPE r [<!ENTITY big \"{value}\">]><r>{uses}</r>");
        let expanded = expand_declared(&text).unwrap();
        assert!(expanded.len() <= text.len() + MAX_EXPANSION_BYTES);
        assert!(
            expanded.contains("&big;"),
            "what exceeds the budget stays a reference"
        );
    }
}
