//! Which regions an item belongs to, and why: from its source (config) and from its text — the dateline
//! (`中新网太原11月25日电`), the title, the body — in either script. Pure.
//!
//! Rules (ARCHITECTURE.md, "Province tagging"):
//! - A regional source's item keeps its source regions and gains another only from its dateline or title.
//! - A national source's item takes the dateline's region and the title's; only when both are silent does
//!   the body count, with a stricter bar: a region needs a full name (晋中市) or two mentions, and a body
//!   naming more than three regions is a round-up that tags none.
//! - A name several regions share (朝阳区: Beijing and Changchun) counts only when the item names exactly
//!   one of them unambiguously elsewhere (北京市朝阳区).
//! - A name right before 路/街/大道/巷 is a street (上海的北京路), not the place; bylines (`（记者 王海南）`) are
//!   dropped before matching; a short name between a surname and a verb of saying (`王海南表示`) is a person.
//! - `bingtuan` implies `xinjiang`.

use std::sync::OnceLock;

use regex::Regex;

use crate::classify::gazetteer::{Form, Gazetteer, Mention};
use crate::classify::script::fold;

/// Characters of body text read for tags (the lead; datelines and the main subject are at the start).
pub const BODY_CHARS: usize = 600;
/// A body naming more regions than this is a national round-up: its body tags nothing.
pub const MAX_BODY_REGIONS: usize = 3;

/// Why an item has a region, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// The source's configured region.
    Source,
    /// The place in the dateline.
    Dateline,
    /// A name in the title.
    Title,
    /// Names in the body.
    Body,
}

impl Origin {
    /// Every origin, strongest first; `origin as usize` indexes this array.
    pub const ALL: [Origin; 4] = [
        Origin::Source,
        Origin::Dateline,
        Origin::Title,
        Origin::Body,
    ];

    /// The word stored, shown and accepted in queries (`?origin=dateline`) for this origin.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Source => "source",
            Origin::Dateline => "dateline",
            Origin::Title => "title",
            Origin::Body => "body",
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A word that names no [`Origin`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown tag origin \"{0}\"")]
pub struct UnknownOrigin(pub String);

impl std::str::FromStr for Origin {
    type Err = UnknownOrigin;

    fn from_str(word: &str) -> Result<Origin, UnknownOrigin> {
        Origin::ALL
            .into_iter()
            .find(|origin| origin.as_str() == word)
            .ok_or_else(|| UnknownOrigin(word.to_string()))
    }
}

/// One region an item belongs to, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionTag {
    /// Region slug.
    pub region: String,
    /// What put the item in the region.
    pub origin: Origin,
    /// The text that matched (a place name), if any.
    pub evidence: Option<String>,
}

/// What tagging needs to know about one item.
#[derive(Debug, Clone, Copy)]
pub struct TagInput<'a> {
    /// The title as published (either script).
    pub title: &'a str,
    /// Plain text of the summary or content (markup removed).
    pub body: &'a str,
    /// The source's regions from the config; empty for a national source.
    pub source_regions: &'a [&'static str],
    /// False when the config switched text tagging off for this source.
    pub text_tagging: bool,
}

/// The item's regions, one tag per region, strongest origin first.
pub fn tag_item(gazetteer: &Gazetteer, input: TagInput<'_>) -> Vec<RegionTag> {
    let mut found: Vec<(&'static str, Origin, Option<String>)> = input
        .source_regions
        .iter()
        .map(|&region| (region, Origin::Source, None))
        .collect();
    if input.text_tagging {
        let title = fold(input.title);
        let body_lead: String = input.body.chars().take(BODY_CHARS).collect();
        let body = without_bylines(&fold(&body_lead));
        let (dateline, body_after_dateline) = match find_dateline(&body) {
            Some((head, rest)) => (gazetteer.place_ending(head), rest),
            None => (None, body.as_str()),
        };
        let title_mentions = place_mentions(gazetteer, &title);
        let body_mentions = place_mentions(gazetteer, body_after_dateline);

        // Regions the item names without doubt: what ambiguous names are resolved against.
        let mut context: Vec<&'static str> = input.source_regions.to_vec();
        context.extend(
            dateline
                .iter()
                .filter(|place| place.is_unambiguous())
                .map(|place| place.regions[0]),
        );
        context.extend(
            title_mentions
                .iter()
                .chain(&body_mentions)
                .filter(|mention| mention.place.is_unambiguous())
                .map(|mention| mention.place.regions[0]),
        );
        let resolve = |candidates: &[&'static str]| -> Option<&'static str> {
            let mut in_context = candidates.iter().filter(|c| context.contains(c));
            match (in_context.next(), in_context.next()) {
                (Some(&only), None) => Some(only),
                _ => None,
            }
        };

        let mut text_found = Vec::new();
        if let Some(place) = dateline
            && let Some(region) = resolve(&place.regions)
        {
            text_found.push((region, Origin::Dateline, Some(place.name.to_string())));
        }
        for mention in &title_mentions {
            if let Some(region) = resolve(&mention.place.regions) {
                text_found.push((region, Origin::Title, Some(mention.place.name.to_string())));
            }
        }
        let national = input.source_regions.is_empty();
        if national && text_found.is_empty() {
            text_found.extend(body_regions(&body_mentions, resolve));
        }
        found.extend(text_found);
    }
    // `bingtuan` belongs to `xinjiang`.
    let corps: Vec<_> = found
        .iter()
        .filter(|(region, _, _)| *region == "bingtuan")
        .map(|(_, origin, evidence)| ("xinjiang", *origin, evidence.clone()))
        .collect();
    found.extend(corps);
    found.sort_by_key(|(_, origin, _)| *origin);
    let mut tags: Vec<RegionTag> = Vec::new();
    for (region, origin, evidence) in found {
        if !tags.iter().any(|tag| tag.region == region) {
            tags.push(RegionTag {
                region: region.to_string(),
                origin,
                evidence,
            });
        }
    }
    tags
}

/// Body regions under the stricter bar: a full name or two mentions; nothing from a round-up.
fn body_regions<'g>(
    mentions: &[Mention<'g>],
    resolve: impl Fn(&[&'static str]) -> Option<&'static str>,
) -> Vec<(&'static str, Origin, Option<String>)> {
    let mut counted: Vec<(&'static str, usize, bool, &'static str)> = Vec::new();
    for mention in mentions {
        let Some(region) = resolve(&mention.place.regions) else {
            continue;
        };
        let full = mention.place.form == Form::Full;
        match counted.iter_mut().find(|(r, ..)| *r == region) {
            Some(entry) => {
                entry.1 += 1;
                entry.2 |= full;
            }
            None => counted.push((region, 1, full, mention.place.name)),
        }
    }
    let accepted: Vec<_> = counted
        .into_iter()
        .filter(|&(_, count, full, _)| full || count >= 2)
        .collect();
    if accepted.len() > MAX_BODY_REGIONS {
        return Vec::new();
    }
    accepted
        .into_iter()
        .map(|(region, _, _, name)| (region, Origin::Body, Some(name.to_string())))
        .collect()
}

/// Mentions of real places: blockers, streets and people left out.
fn place_mentions<'g>(gazetteer: &'g Gazetteer, folded: &str) -> Vec<Mention<'g>> {
    gazetteer
        .mentions(folded)
        .into_iter()
        .filter(|mention| !mention.place.regions.is_empty())
        .filter(|mention| !is_street(&folded[mention.end..]))
        .filter(|mention| mention.place.form == Form::Full || !is_person(folded, mention))
        .collect()
}

fn is_street(after: &str) -> bool {
    ["路", "街", "大道", "巷", "胡同"]
        .iter()
        .any(|suffix| after.starts_with(suffix))
}

/// `王海南表示`: a short name right after a common surname and right before a verb of saying.
fn is_person(folded: &str, mention: &Mention<'_>) -> bool {
    const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
    const SAYING: [&str; 9] = [
        "表示", "说", "指出", "介绍", "认为", "称", "告诉", "坦言", "透露",
    ];
    let before_is_surname = folded[..mention.start]
        .chars()
        .next_back()
        .is_some_and(|c| SURNAMES.contains(c));
    let after = &folded[mention.end..];
    before_is_surname && SAYING.iter().any(|verb| after.starts_with(verb))
}

/// Splits a dateline off the start of folded `body`: (`中新网太原`, rest after `11月25日电`).
pub fn find_dateline(body: &str) -> Option<(&str, &str)> {
    static DATELINE: OnceLock<Regex> = OnceLock::new();
    let dateline = DATELINE.get_or_init(|| {
        Regex::new(
            r"^[\s\p{P}]*(?:【[^】]{0,30}】)?[\s\p{P}]*(?P<head>[^\s\d\p{P}]{2,24}?)\s*(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:\d{1,2}时)?\s*(?:电|讯)",
        )
        .expect("valid dateline pattern")
    });
    let found = dateline.captures(body)?;
    let head = found.name("head")?.as_str();
    let end = found.get(0)?.end();
    Some((head, &body[end..]))
}

/// `text` without reporter bylines: `（记者 王海南 李四）`, `记者：王海南`.
fn without_bylines(text: &str) -> String {
    static BYLINE: OnceLock<Regex> = OnceLock::new();
    let byline = BYLINE.get_or_init(|| {
        Regex::new(
            r"[（(\[【]\s*(?:记者|通讯员|实习生|编辑|摄影|作者|责编)[^）)\]】]{0,40}[）)\]】]|(?:记者|通讯员|实习生|责任编辑|编辑|摄影|作者|责编)\s*[:：]?\s*\p{Han}{2,3}(?:\s+\p{Han}{2,3}){0,3}",
        )
        .expect("valid byline pattern")
    });
    byline.replace_all(text, " ").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(title: &str, body: &str, source_regions: &[&'static str]) -> Vec<(String, Origin)> {
        tag_item(
            Gazetteer::builtin(),
            TagInput {
                title,
                body,
                source_regions,
                text_tagging: true,
            },
        )
        .into_iter()
        .map(|tag| (tag.region, tag.origin))
        .collect()
    }

    fn regions(title: &str, body: &str, source_regions: &[&'static str]) -> Vec<String> {
        let mut regions: Vec<String> = tags(title, body, source_regions)
            .into_iter()
            .map(|(region, _)| region)
            .collect();
        regions.sort();
        regions
    }

    #[test]
    fn the_seed_case_is_shanxi_never_shaanxi() {
        assert_eq!(
            regions("一圖速覽2024年晉中市政府工作報告", "", &[]),
            vec!["shanxi"]
        );
        assert_eq!(regions("陜西西安舉行燈會", "", &[]), vec!["shaanxi"]);
        assert_eq!(regions("陝西西安舉行燈會", "", &[]), vec!["shaanxi"]);
    }

    #[test]
    fn the_dateline_names_the_place() {
        assert_eq!(
            tags(
                "秋收忙",
                "中新网太原11月25日电（记者 李庭耀）连日来，农民抢收玉米。",
                &[]
            ),
            vec![("shanxi".to_string(), Origin::Dateline)]
        );
        assert_eq!(
            regions("一地举办活动", "新华社平遥11月25日电 古城迎来游客。", &[]),
            vec!["shanxi"]
        );
        assert!(regions("会议召开", "新华社华盛顿11月25日电 会议召开。", &[]).is_empty());
    }

    #[test]
    fn a_regional_source_gains_regions_only_from_strong_evidence() {
        assert_eq!(
            regions("山西代表团赴陕西考察", "", &["shanxi"]),
            vec!["shaanxi", "shanxi"]
        );
        assert_eq!(
            regions(
                "本地新闻",
                "会上，来自广东省和四川省的代表发言。",
                &["shanxi"]
            ),
            vec!["shanxi"]
        );
    }

    #[test]
    fn ambiguous_names_need_context() {
        assert!(regions("朝阳区开展垃圾分类", "", &[]).is_empty());
        assert_eq!(
            regions("北京市朝阳区开展垃圾分类", "", &[]),
            vec!["beijing"]
        );
        assert_eq!(
            regions("朝阳区开展垃圾分类", "", &["beijing"]),
            vec!["beijing"]
        );
    }

    #[test]
    fn streets_people_and_bylines_are_not_places() {
        assert_eq!(regions("上海北京路商圈焕新", "", &[]), vec!["shanghai"]);
        assert!(regions("专家王海南表示", "", &[]).is_empty());
        assert!(regions("本市新闻", "（记者 王海南）本市举行活动。", &[]).is_empty());
    }

    #[test]
    fn the_body_needs_a_full_name_or_two_mentions_and_round_ups_tag_nothing() {
        assert_eq!(
            regions("一场会议", "会议在晋中市召开。", &[]),
            vec!["shanxi"]
        );
        assert!(regions("一场会议", "来自晋中的代表发言。", &[]).is_empty());
        assert_eq!(
            regions("一场会议", "来自晋中的代表发言，晋中将扩大开放。", &[]),
            vec!["shanxi"]
        );
        assert!(
            regions(
                "全国多地降温",
                "山西省、河北省、河南省、山东省和陕西省气温下降。",
                &[]
            )
            .is_empty()
        );
    }

    #[test]
    fn corps_items_belong_to_xinjiang_too() {
        assert_eq!(
            regions("石河子市棉花丰收", "", &[]),
            vec!["bingtuan", "xinjiang"]
        );
    }

    #[test]
    fn text_tagging_can_be_switched_off() {
        let tags = tag_item(
            Gazetteer::builtin(),
            TagInput {
                title: "山西新闻",
                body: "",
                source_regions: &["shaanxi"],
                text_tagging: false,
            },
        );
        assert_eq!(tags.len(), 1);
        assert_eq!(tags[0].region, "shaanxi");
    }
}
