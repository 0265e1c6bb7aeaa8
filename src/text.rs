//! Text helpers every stage shares, pure: [`escape`] for HTML and XML output, [`plain_text`] for markup
//! turned into one line of text.

/// Escapes text for HTML and XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Folds white space (titles from Chinese feeds carry `\n　　` indents) and drops markup tags from titles.
/// Only what looks like a tag (`<` then an ASCII letter, `/` or `!`, up to `>`) is dropped, so a title that
/// really says `<&>` or `<初雪>` keeps it.
pub fn plain_text(text: &str) -> String {
    let mut without_tags = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        without_tags.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let looks_like_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match after.find('>') {
            Some(end) if looks_like_tag => rest = &after[end + 1..],
            _ => {
                without_tags.push('<');
                rest = after;
            }
        }
    }
    without_tags.push_str(rest);
    without_tags
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
