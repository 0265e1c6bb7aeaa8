//! Item HTML made safe to publish: ammonia removes scripts, styles, frames, objects, forms, event
//! handlers and `javascript:`/`data:` URLs and resolves relative URLs against the item's link; markup
//! nested too deep for the sanitiser's tree builder is shown as its text. Pure.

use crate::text::{escape, plain_text};

/// Deepest element nesting handed to the HTML sanitiser. html5ever's tree builder takes time that grows with
/// the square of the depth (measured: 20,000 nested `<div>` take 2 s, 60,000 take 40 s, on one request);
/// real articles nest a few dozen deep.
pub const MAX_HTML_DEPTH: usize = 256;

/// Sanitised HTML of an item: no scripts, styles, frames, objects, forms, event handlers or
/// `javascript:`/`data:` URLs; relative URLs resolved against the item's link. HTML nested deeper than
/// [`MAX_HTML_DEPTH`] is shown as its text only.
pub fn sanitise_html(html: &str, item_link: Option<&str>) -> String {
    if nests_deeper_than(html, MAX_HTML_DEPTH) {
        return format!("<p>{}</p>", escape(&plain_text(html)));
    }
    let mut builder = ammonia::Builder::default();
    builder.link_rel(Some("noopener noreferrer"));
    let base = item_link.and_then(|link| url::Url::parse(link).ok());
    if let Some(base) = base {
        builder.url_relative(ammonia::UrlRelative::RewriteWithBase(base));
    } else {
        builder.url_relative(ammonia::UrlRelative::Deny);
    }
    builder.clean(html).to_string().trim().to_string()
}

/// Whether `html` opens more than `max` elements without closing them, by a linear scan of its tags. Void
/// elements (`<br>`), self-closed tags and elements that a sibling closes implicitly (`<p>`, `<li>`, `<td>`…)
/// are not counted, so sloppy but flat markup passes; the count errs high only on odd markup, which is then
/// shown as text.
fn nests_deeper_than(html: &str, max: usize) -> bool {
    const NOT_COUNTED: &[&str] = &[
        // Void elements.
        "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
        "keygen", "link", "meta", "param", "source", "track", "wbr",
        // Closed by their next sibling.
        "p", "li", "dt", "dd", "option", "optgroup", "rb", "rp", "rt", "rtc", "tr", "td", "th",
        "tbody", "thead", "tfoot", "caption", "colgroup",
    ];
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(offset) = html[at..].find('<') {
        let start = at + offset + 1;
        let Some(&first) = bytes.get(start) else {
            break;
        };
        if html[start..].starts_with("!--") {
            at = html[start..]
                .find("-->")
                .map_or(html.len(), |end| start + end + 3);
            continue;
        }
        let closing = first == b'/';
        let name_start = if closing { start + 1 } else { start };
        let name_end = bytes[name_start..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b':'))
            .map_or(bytes.len(), |length| name_start + length);
        let tag_end = html[name_start..]
            .find('>')
            .map_or(html.len(), |end| name_start + end);
        at = (tag_end + 1).min(html.len());
        let name = &html[name_start..name_end];
        if name.is_empty() || !name.as_bytes()[0].is_ascii_alphabetic() {
            continue;
        }
        let counted = !NOT_COUNTED
            .iter()
            .any(|void| name.eq_ignore_ascii_case(void));
        if !counted {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else if !html[..tag_end].ends_with('/') {
            depth += 1;
            if depth > max {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_resolve_against_the_item_link() {
        let html = sanitise_html(
            "<a href=\"/a.html\">x</a><img src=\"pic.jpg\">",
            Some("https://example.cn/news/1.shtml"),
        );
        assert!(
            html.contains("href=\"https://example.cn/a.html\""),
            "{html}"
        );
        assert!(
            html.contains("src=\"https://example.cn/news/pic.jpg\""),
            "{html}"
        );
    }

    #[test]
    fn deeply_nested_html_is_shown_as_text() {
        let deep = format!(
            "{}晋中<script>x</script>{}",
            "<div>".repeat(300),
            "</div>".repeat(300)
        );
        assert!(nests_deeper_than(&deep, MAX_HTML_DEPTH));
        assert_eq!(sanitise_html(&deep, None), "<p>晋中x</p>");
        // Unclosed: the same.
        assert!(nests_deeper_than(
            &"<b>".repeat(MAX_HTML_DEPTH + 1),
            MAX_HTML_DEPTH
        ));
        assert!(!nests_deeper_than(
            &"<b>".repeat(MAX_HTML_DEPTH),
            MAX_HTML_DEPTH
        ));
    }

    #[test]
    fn flat_sloppy_html_is_not_deep() {
        for flat in [
            "<p>一".repeat(1000),
            "<br>".repeat(1000),
            "<img src=x/>".repeat(1000),
            "<li>项".repeat(1000),
            "<div>段</div>".repeat(1000),
            "<!-- <div><div><div> -->".repeat(1000),
            "1 < 2 and <3".repeat(1000),
        ] {
            assert!(!nests_deeper_than(&flat, 4), "{}", &flat[..40]);
        }
        let article = "<div class=\"art\"><p>中新网太原11月25日电 <a href=\"/x\">晋中</a></p><p><img src=\"a.jpg\"><br/></p></div>";
        assert!(!nests_deeper_than(article, 3));
        assert_eq!(
            sanitise_html(article, None),
            "<div><p>中新网太原11月25日电 <a rel=\"noopener noreferrer\">晋中</a></p><p><img><br></p></div>"
        );
    }
}
