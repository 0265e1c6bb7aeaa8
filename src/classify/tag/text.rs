//! The parts of an item's text that tagging weighs differently: the folded title, the dateline's place, the
//! lead (the first sentence after the dateline) and the rest of the body. Bylines are dropped first.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;

use crate::classify::gazetteer::{Gazetteer, Place};
use crate::classify::script::fold_noting_script;

/// Characters of body text read for tags (the lead and what follows; the subject comes early).
pub const BODY_CHARS: usize = 600;
/// Most characters of the lead: the first sentence, or this many when it runs on.
const LEAD_CHARS: usize = 120;

/// Where a dateline may end: after a 【…】 tag of 30 characters, a head of 24 and a date.
const DATELINE_WINDOW_CHARS: usize = 100;

/// An item's text, folded to Simplified script and cut into the parts tagging weighs.
pub struct ItemText<'g> {
    /// The title.
    pub title: String,
    /// The place the dateline names (`中新网太原11月25日电` → 太原), if there is one.
    pub dateline: Option<&'g Place>,
    /// The first sentence after the dateline.
    pub lead: String,
    /// The rest of the body's first [`BODY_CHARS`] characters.
    pub rest: String,
    /// True when the title as published uses Traditional characters.
    pub traditional: bool,
}

impl<'g> ItemText<'g> {
    /// Splits `title` and `body` (plain text) into their parts.
    pub fn new(gazetteer: &'g Gazetteer, title: &str, body: &str) -> ItemText<'g> {
        let body_start = first_chars(body, BODY_CHARS);
        let (body, body_traditional) = fold_noting_script(body_start);
        let body = without_bylines(body);
        let (dateline, after) = match find_dateline(&body) {
            Some((head, rest)) => (gazetteer.place_ending(head), rest),
            None => (None, body.as_str()),
        };
        let (lead, rest) = split_lead(after);
        let (folded_title, title_traditional) = fold_noting_script(title);
        ItemText {
            title: folded_title,
            dateline,
            lead: lead.to_string(),
            rest: rest.to_string(),
            traditional: title_traditional || body_traditional,
        }
    }
}

/// The first sentence of `text` (up to and with its `。！？`, at most [`LEAD_CHARS`] characters) and the rest.
fn split_lead(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    let mut end = text.len();
    for (count, (at, c)) in text.char_indices().enumerate() {
        if matches!(c, '。' | '！' | '？' | '!' | '?') {
            end = at + c.len_utf8();
            break;
        }
        if count >= LEAD_CHARS {
            end = at;
            break;
        }
    }
    text.split_at(end)
}

/// Splits a dateline off the start of folded `body`: (`中新网太原`, rest after `11月25日电`).
pub fn find_dateline(body: &str) -> Option<(&str, &str)> {
    static DATELINE: OnceLock<Regex> = OnceLock::new();
    let dateline = DATELINE.get_or_init(|| {
        Regex::new(
            r"^[\s\p{P}]*(?:【[^】]{0,30}】)?[\s\p{P}]*(?P<head>[^\s\d\p{P}]{2,24}?)\s*(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:\d{1,2}时)?\s*(?:电|讯|消息)",
        )
        .expect("valid dateline pattern")
    });
    // A dateline is short: the search never needs more than the body's first characters.
    let window = first_chars(body, DATELINE_WINDOW_CHARS);
    let found = dateline.captures(window)?;
    let head = found.name("head")?.as_str();
    let end = found.get(0)?.end();
    Some((head, &body[end..]))
}

/// The first `count` characters of `text` (all of it when shorter).
fn first_chars(text: &str, count: usize) -> &str {
    text.char_indices()
        .nth(count)
        .map_or(text, |(end, _)| &text[..end])
}

/// `text` without reporter bylines: `（记者 王海南 李四）`, `记者：王海南`.
fn without_bylines(text: String) -> String {
    // Most text has no byline word at all: a plain search rules it out before the pattern runs.
    const WORDS: [&str; 7] = ["记者", "通讯员", "实习生", "编辑", "摄影", "作者", "责编"];
    if !WORDS.iter().any(|word| text.contains(word)) {
        return text;
    }
    static BYLINE: OnceLock<Regex> = OnceLock::new();
    let byline = BYLINE.get_or_init(|| {
        Regex::new(
            r"[（(\[【]\s*(?:记者|通讯员|实习生|编辑|摄影|作者|责编)[^）)\]】]{0,40}[）)\]】]|(?:记者|通讯员|实习生|责任编辑|编辑|摄影|作者|责编)\s*[:：]?\s*\p{Han}{2,3}(?:\s+\p{Han}{2,3}){0,3}",
        )
        .expect("valid byline pattern")
    });
    match byline.replace_all(&text, " ") {
        Cow::Borrowed(_) => text,
        Cow::Owned(without) => without,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::script::fold;

    #[test]
    fn the_text_is_cut_into_dateline_lead_and_rest() {
        let text = ItemText::new(
            Gazetteer::builtin(),
            "標題",
            "中新网太原11月25日电（记者 李庭耀）连日来，农民抢收玉米。晋中也在收。",
        );
        assert_eq!(text.dateline.unwrap().regions, vec!["shanxi"]);
        assert_eq!(
            text.lead, "连日来,农民抢收玉米。",
            "NFKC folds the full-width comma"
        );
        assert_eq!(text.rest, "晋中也在收。");
        assert_eq!(text.title, "标题");
        assert!(text.traditional);
    }

    #[test]
    fn a_broadcast_dateline_counts_too() {
        // Full-width digits are folded first (fold applies NFKC).
        let folded = fold("中广网唐山６月１２日消息 据报道");
        let (head, _) = find_dateline(&folded).unwrap();
        assert_eq!(head, "中广网唐山");
    }
}
