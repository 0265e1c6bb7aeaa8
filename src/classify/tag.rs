//! Which regions an item belongs to, and why: from its source (config) and from its text — the dateline
//! (`中新网太原11月25日电`), the title, the lead, the rest of the body — in either script. Pure.
//!
//! Rules (ARCHITECTURE.md, "Province tagging"; the labelling rules they aim at: tests/fixtures/tagging/RULES.md):
//! - A regional source's item keeps its source regions and gains another only from strong evidence.
//! - Strong evidence: the dateline's place, a name in the title or in the lead (the first sentence), a line
//!   named by province or city abbreviations (杭温高铁). The rest of the body counts only when all of those
//!   are silent, with a stricter bar: a full name (晋中市) or two mentions.
//! - Weak evidence counts only beside other evidence of the same region: a capital's dateline (新华社北京…电
//!   on ministry news is national news; the same for 台北), a name many governments use (内政部), a
//!   university (news of a university is often not news of its city).
//! - A list of more than six provinces, or of several in a story that calls itself national (全国, 多地), is a
//!   round-up: none of the listed provinces is tagged.
//! - A name several regions share (朝阳区: Beijing and Changchun) counts only when the item names exactly
//!   one of them unambiguously elsewhere (北京市朝阳区); a grouping (川渝, 京津冀) counts for all its regions.
//! - What only looks like a place is left out (`tag/evidence.rs`): streets (北京路), ships (哈尔滨舰), where
//!   people come from (来自广东, 台籍), people (王海南表示), short names inside common words (幸福安康),
//!   foreign places and cross-region features (吉隆坡, 太行山: blockers in the gazetteer).
//! - `bingtuan` implies `xinjiang`.

mod evidence;
mod text;

use crate::classify::gazetteer::{Form, Gazetteer, Level, Mention};
use evidence::{
    Reach, compound_regions, is_round_up, left_out_because, line_ends, line_regions,
    place_mentions, reach_of,
};
use text::ItemText;
pub use text::{BODY_CHARS, find_dateline};

/// Why an item has a region, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// The source's configured region.
    Source,
    /// The place in the dateline.
    Dateline,
    /// A name in the title.
    Title,
    /// Names in the body (the lead, or the rest of it).
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
    let mut found: Vec<Found> = input
        .source_regions
        .iter()
        .map(|&region| Found::strong(region, Origin::Source, None))
        .collect();
    if input.text_tagging {
        let text = ItemText::new(gazetteer, input.title, input.body);
        found.extend(text_regions(gazetteer, &text, input.source_regions));
    }
    into_tags(found)
}

/// Why an item gets its regions: the tags, and every place name found in its text with what became of it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Explanation {
    /// The tags, as `tag_item` gives them.
    pub tags: Vec<ExplainedTag>,
    /// Every name the gazetteer found, part by part.
    pub names: Vec<FoundName>,
}

/// A tag, in words.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExplainedTag {
    /// Region slug.
    pub region: String,
    /// `source`, `dateline`, `title` or `body`.
    pub origin: &'static str,
    /// The name that matched.
    pub evidence: Option<String>,
}

/// A place name found in the item's text.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FoundName {
    /// `dateline`, `title`, `lead` or `body`.
    pub part: &'static str,
    /// The name as matched (Simplified script).
    pub name: String,
    /// The regions it may mean (none for a blocker).
    pub regions: Vec<String>,
    /// `counted`, or why it was left out.
    pub note: &'static str,
}

/// [`tag_item`]'s result with the names it weighed: what `regionfeed tag` prints.
pub fn explain(gazetteer: &Gazetteer, input: TagInput<'_>) -> Explanation {
    let tags = tag_item(gazetteer, input)
        .into_iter()
        .map(|tag| ExplainedTag {
            region: tag.region,
            origin: tag.origin.as_str(),
            evidence: tag.evidence,
        })
        .collect();
    let text = ItemText::new(gazetteer, input.title, input.body);
    let mut names = Vec::new();
    if let Some(place) = text.dateline {
        names.push(FoundName {
            part: "dateline",
            name: place.name.to_string(),
            regions: place.regions.iter().map(|r| r.to_string()).collect(),
            note: "counted",
        });
    }
    for (part, folded) in [
        ("title", &text.title),
        ("lead", &text.lead),
        ("body", &text.rest),
    ] {
        let found = gazetteer.mentions(folded);
        names.extend(abbreviation_names(gazetteer, part, folded, &found));
        for (index, mention) in found.iter().enumerate() {
            names.push(FoundName {
                part,
                name: mention.place.name.to_string(),
                regions: mention
                    .place
                    .regions
                    .iter()
                    .map(|r| r.to_string())
                    .collect(),
                note: left_out_because(gazetteer, folded, &found, index).unwrap_or("counted"),
            });
        }
    }
    Explanation { tags, names }
}

/// The names made of abbreviations in one part: lines (杭温高铁) and compounds the gazetteer does not list
/// (渝黔两地).
fn abbreviation_names(
    gazetteer: &Gazetteer,
    part: &'static str,
    folded: &str,
    found: &[Mention<'_>],
) -> Vec<FoundName> {
    let lines = line_regions(gazetteer, folded)
        .into_iter()
        .map(|found| (found, "a line's name"));
    let compounds = compound_regions(gazetteer, folded, found)
        .into_iter()
        .map(|found| (found, "a compound of abbreviations"));
    let mut names: Vec<FoundName> = Vec::new();
    for ((region, name), note) in lines.chain(compounds) {
        match names.iter_mut().find(|n| n.name == name) {
            Some(entry) => entry.regions.push(region.to_string()),
            None => names.push(FoundName {
                part,
                name,
                regions: vec![region.to_string()],
                note,
            }),
        }
    }
    names
}

/// One region the text points at, and how firmly.
#[derive(Debug, Clone)]
struct Found {
    region: &'static str,
    origin: Origin,
    evidence: Option<String>,
    /// False for weak evidence, which counts only beside other evidence of the same region.
    strong: bool,
}

impl Found {
    fn strong(region: &'static str, origin: Origin, evidence: Option<String>) -> Found {
        Found {
            region,
            origin,
            evidence,
            strong: true,
        }
    }
}

/// The regions the text gives: strong ones from the dateline, title, lead and line names; the rest of the
/// body only when those are silent; weak ones only beside other evidence of their region.
fn text_regions(
    gazetteer: &Gazetteer,
    text: &ItemText<'_>,
    source_regions: &[&'static str],
) -> Vec<Found> {
    let parts = Parts::of(gazetteer, text);
    let context = Context::of(
        source_regions,
        text,
        [&parts.title, &parts.lead, &parts.rest],
    );
    let reach = reach_of(&text.title).max(reach_of(&text.lead));
    let national = source_regions.is_empty();
    let mut found = Vec::new();
    if let Some(place) = text.dateline
        && let Some(region) = context.resolve(place)
    {
        let capital = matches!(place.name, "北京" | "台北" | "北京市" | "台北市");
        found.push(Found {
            strong: !capital,
            ..Found::strong(region, Origin::Dateline, Some(place.name.to_string()))
        });
    }
    let title_found = mention_regions(
        &parts.title,
        &context,
        Origin::Title,
        reach,
        text.traditional,
    );
    // A regional source's lead often names partners elsewhere; only a national source's lead tags.
    if national {
        found.extend(lead_regions(&parts, &context, reach, text, &title_found));
    }
    found.extend(title_found);
    found.extend(line_found(gazetteer, text, national, &found));
    found.extend(compound_found(gazetteer, text, &parts, national, &found));
    // The rest of the body speaks only when everything before it is silent, and never in a story that
    // calls itself national.
    if national && reach == Reach::Unsaid && !found.iter().any(|f| f.strong) {
        found.extend(body_regions(&parts.rest, &context, reach));
    }
    keep_supported(found)
}

/// The place mentions of each part of the text; in an item that names a foreign place, Chinese names
/// that are also foreign names (德州: Texas) are left out.
struct Parts<'g> {
    title: Vec<Mention<'g>>,
    lead: Vec<Mention<'g>>,
    rest: Vec<Mention<'g>>,
    /// Every name the gazetteer found in the title and in the lead, left out or not.
    title_names: Vec<Mention<'g>>,
    lead_names: Vec<Mention<'g>>,
}

impl<'g> Parts<'g> {
    fn of(gazetteer: &'g Gazetteer, text: &ItemText<'_>) -> Parts<'g> {
        let parts = [&text.title, &text.lead, &text.rest];
        let names = parts.map(|part| gazetteer.mentions(part));
        let names_foreign = names
            .iter()
            .flatten()
            .any(|m| m.place.level == Level::Foreign);
        let [title, lead, rest] = [0, 1, 2].map(|at| {
            let mut found = place_mentions(gazetteer, parts[at], &names[at]);
            if names_foreign {
                found.retain(|m| !gazetteer.is_foreign_homonym(m.place.name));
            }
            found
        });
        let [title_names, lead_names, _] = names;
        Parts {
            title,
            lead,
            rest,
            title_names,
            lead_names,
        }
    }
}

/// The lead's regions. Weak: Beijing as a bare venue (national news held there), a line's far ends
/// (`贵州省都匀市至云南省香格里拉市高速公路云南昭通段`), and, when the title names a region, a list of three or
/// more others (context, such as other provinces' cases).
fn lead_regions(
    parts: &Parts<'_>,
    context: &Context,
    reach: Reach,
    text: &ItemText<'_>,
    title_found: &[Found],
) -> Vec<Found> {
    let ends = line_ends(&text.lead);
    let at_an_end: Vec<bool> = parts
        .lead
        .iter()
        .map(|m| ends.iter().any(|range| range.contains(&m.start)))
        .collect();
    let mut found = Vec::new();
    for (mention, at_end) in parts.lead.iter().zip(at_an_end) {
        let venue = is_venue_of_national_news(mention, &text.lead);
        for f in mention_regions(
            std::slice::from_ref(mention),
            context,
            Origin::Body,
            reach,
            text.traditional,
        ) {
            found.push(Found {
                strong: f.strong && !at_end && !venue,
                ..f
            });
        }
    }
    if is_round_up(&parts.lead, reach) {
        return Vec::new();
    }
    let in_title = |region: &str| title_found.iter().any(|t| t.strong && t.region == region);
    let mut others: Vec<&str> = found
        .iter()
        .filter(|f| f.strong && !in_title(f.region))
        .map(|f| f.region)
        .collect();
    others.sort_unstable();
    others.dedup();
    // An item of Hong Kong's, Macau's or Taiwan's own press (Traditional script, its title about the
    // region) names mainland places as context: a case's origin, a suspect's home.
    let home_press = text.traditional
        && title_found
            .iter()
            .any(|t| t.strong && matches!(t.region, "xianggang" | "aomen" | "taiwan"));
    if home_press {
        for f in &mut found {
            if !in_title(f.region) && !matches!(f.region, "xianggang" | "aomen" | "taiwan") {
                f.strong = false;
            }
        }
    }
    if title_found.iter().any(|t| t.strong) && others.len() >= 3 {
        found.retain(|f| in_title(f.region));
    }
    found
}

/// Regions of lines named by abbreviations (杭温高铁): strong unless the text names where the work is
/// (西十高铁湖北段), then they only support.
fn line_found(
    gazetteer: &Gazetteer,
    text: &ItemText<'_>,
    national: bool,
    found: &[Found],
) -> Vec<Found> {
    let mut lines = line_regions(gazetteer, &text.title);
    if national {
        lines.extend(line_regions(gazetteer, &text.lead));
    }
    // A grouping inside the line's own name (沪苏 in 沪苏湖高铁) names no other place.
    let part_of_a_line = |f: &Found| {
        f.evidence
            .as_deref()
            .is_some_and(|evidence| lines.iter().any(|(_, name)| name.contains(evidence)))
    };
    // A section named (西十高铁湖北段, 都香高速昭通段, 首个标段在甘肃): the line's ends are not the news.
    let section_named = [&text.title, &text.lead]
        .iter()
        .any(|part| part.contains('段'));
    let named_elsewhere = section_named
        && found
            .iter()
            .any(|f| f.strong && f.origin != Origin::Dateline && !part_of_a_line(f));
    lines
        .iter()
        .map(|(region, name)| Found {
            strong: !named_elsewhere,
            ..Found::strong(region, Origin::Title, Some(name.clone()))
        })
        .collect()
}

/// Regions of compounds of province abbreviations the gazetteer does not list (渝黔两地, 晋冀鲁豫边区),
/// in the title, and in a national source's lead: there only supporting when the title names a place
/// (`都香高速昭通段` … `连接滇川黔三省`: the compound is the line's reach, not the news).
fn compound_found(
    gazetteer: &Gazetteer,
    text: &ItemText<'_>,
    parts: &Parts<'_>,
    national: bool,
    found: &[Found],
) -> Vec<Found> {
    let title_names_a_place = found.iter().any(|f| f.strong && f.origin == Origin::Title);
    let in_title = compound_regions(gazetteer, &text.title, &parts.title_names)
        .into_iter()
        .map(|(region, name)| Found::strong(region, Origin::Title, Some(name)));
    let in_lead = compound_regions(gazetteer, &text.lead, &parts.lead_names)
        .into_iter()
        .filter(|_| national)
        .map(|(region, name)| Found {
            strong: !title_names_a_place,
            ..Found::strong(region, Origin::Body, Some(name))
        });
    in_title.chain(in_lead).collect()
}

/// Regions of `mentions` in one part of the text, unless that part is a round-up. A name many
/// governments use (内政部) counts on its own only in an item written in Traditional script (Taiwan's
/// ministries, in its own press); a university never does.
fn mention_regions(
    mentions: &[Mention<'_>],
    context: &Context,
    origin: Origin,
    reach: Reach,
    traditional: bool,
) -> Vec<Found> {
    if is_round_up(mentions, reach) {
        return Vec::new();
    }
    mentions
        .iter()
        .flat_map(|mention| {
            let place = mention.place;
            let strong = place.form != Form::Contextual
                || (traditional && place.level == Level::Institution);
            let evidence = Some(place.name.to_string());
            context
                .regions_of(place)
                .into_iter()
                .map(move |region| Found {
                    strong,
                    ..Found::strong(region, origin, evidence.clone())
                })
        })
        .collect()
}

/// Body regions under the stricter bar: a full name or two mentions; nothing from a round-up.
fn body_regions(mentions: &[Mention<'_>], context: &Context, reach: Reach) -> Vec<Found> {
    if is_round_up(mentions, reach) {
        return Vec::new();
    }
    let mut counted: Vec<(&'static str, usize, bool, &'static str)> = Vec::new();
    for mention in mentions.iter().filter(|m| m.place.form != Form::Contextual) {
        for region in context.regions_of(mention.place) {
            let full = mention.place.form == Form::Full;
            match counted.iter_mut().find(|(r, ..)| *r == region) {
                Some(entry) => {
                    entry.1 += 1;
                    entry.2 |= full;
                }
                None => counted.push((region, 1, full, mention.place.name)),
            }
        }
    }
    counted
        .into_iter()
        .filter(|&(_, count, full, _)| full || count >= 2)
        .map(|(region, _, _, name)| Found::strong(region, Origin::Body, Some(name.to_string())))
        .collect()
}

/// `在北京举行`, `访问北京`: Beijing named as the venue in a lead is most often the venue of national news (a
/// ministry's conference, a national forum), which is no Beijing news; the city's own news names 北京市,
/// a district, or Beijing as more than where a meeting sat.
fn is_venue_of_national_news(mention: &Mention<'_>, lead: &str) -> bool {
    mention.place.name == "北京"
        && (lead[..mention.start].ends_with('在') || lead[..mention.start].ends_with('于'))
}

/// Weak evidence counts only where strong evidence of the same region exists.
fn keep_supported(found: Vec<Found>) -> Vec<Found> {
    let supported: Vec<&'static str> = found
        .iter()
        .filter(|f| f.strong)
        .map(|f| f.region)
        .collect();
    found
        .into_iter()
        .filter(|f| f.strong || supported.contains(&f.region))
        .collect()
}

/// Regions the item names without doubt: what ambiguous names are resolved against.
struct Context {
    regions: Vec<&'static str>,
}

impl Context {
    fn of(
        source_regions: &[&'static str],
        text: &ItemText<'_>,
        parts: [&Vec<Mention<'_>>; 3],
    ) -> Context {
        let mut regions: Vec<&'static str> = source_regions.to_vec();
        regions.extend(
            text.dateline
                .iter()
                .filter(|place| place.regions.len() == 1)
                .map(|place| place.regions[0]),
        );
        for mention in parts.into_iter().flatten() {
            if mention.place.regions.len() == 1 {
                regions.push(mention.place.regions[0]);
            }
        }
        Context { regions }
    }

    /// The one region of an ambiguous place the rest of the item names; the region of a plain one.
    fn resolve(&self, place: &crate::classify::gazetteer::Place) -> Option<&'static str> {
        let mut in_context = place.regions.iter().filter(|c| self.regions.contains(c));
        match (place.regions.len(), in_context.next(), in_context.next()) {
            (1, _, _) => Some(place.regions[0]),
            (_, Some(&only), None) => Some(only),
            _ => None,
        }
    }

    /// Every region a grouping names; the resolved region of any other place.
    fn regions_of(&self, place: &crate::classify::gazetteer::Place) -> Vec<&'static str> {
        if place.level == Level::Grouping {
            place.regions.clone()
        } else {
            self.resolve(place).into_iter().collect()
        }
    }
}

/// One tag per region, strongest origin first; `bingtuan` brings `xinjiang`.
fn into_tags(mut found: Vec<Found>) -> Vec<RegionTag> {
    let corps: Vec<Found> = found
        .iter()
        .filter(|f| f.region == "bingtuan")
        .map(|f| Found {
            region: "xinjiang",
            ..f.clone()
        })
        .collect();
    found.extend(corps);
    found.sort_by_key(|f| f.origin);
    let mut tags: Vec<RegionTag> = Vec::new();
    for f in found {
        if !tags.iter().any(|tag| tag.region == f.region) {
            tags.push(RegionTag {
                region: f.region.to_string(),
                origin: f.origin,
                evidence: f.evidence,
            });
        }
    }
    tags
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
