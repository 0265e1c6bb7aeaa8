//! What a piece of folded text says about places: the names it mentions (blockers, streets, ships, people,
//! origins and names inside common words left out), the provinces a line name stands for (杭温高铁), and
//! whether a list of provinces is a national round-up.

use std::sync::OnceLock;

use regex::Regex;

use crate::classify::gazetteer::{Form, Gazetteer, Level, Mention};

/// A list naming more provinces than this is a national round-up: none of them is the subject.
pub const MAX_LISTED_REGIONS: usize = 6;

/// Mentions of real places in `folded`, given the gazetteer's `found` names in it: those names minus
/// what only looks like a place.
pub fn place_mentions<'g>(
    gazetteer: &Gazetteer,
    folded: &str,
    found: &[Mention<'g>],
) -> Vec<Mention<'g>> {
    found
        .iter()
        .enumerate()
        .filter(|(index, _)| left_out_because(gazetteer, folded, found, *index).is_none())
        .map(|(_, mention)| *mention)
        .collect()
}

/// Why the `index`th of the gazetteer's `found` names in `folded` is not a mention of its place, if it
/// is not: a blocker, a street, a ship, where people come from, a person, inside common words, or a
/// Chinese name right after a foreign one (美国德州).
pub fn left_out_because(
    gazetteer: &Gazetteer,
    folded: &str,
    found: &[Mention<'_>],
    index: usize,
) -> Option<&'static str> {
    let mention = &found[index];
    let before = &folded[..mention.start];
    let after = &folded[mention.end..];
    let place = mention.place;
    let after_foreign = index > 0
        && found[index - 1].end == mention.start
        && found[index - 1].place.level == Level::Foreign;
    if place.is_blocker() {
        Some("no region (blocker)")
    } else if after_foreign {
        Some("after a foreign place")
    } else if place.level == Level::Grouping && starts_with_line_word(after) {
        Some("part of a line's name")
    } else if is_street(after) {
        Some("a street")
    } else if is_ship(after) {
        Some("a ship")
    } else if is_origin(before, after) {
        Some("where people come from")
    } else if place.form != Form::Full
        && place.level != Level::Institution
        && is_person(before, after)
    {
        Some("a person")
    } else if inside_common_word(gazetteer, mention, before, after) {
        Some("inside common words")
    } else {
        None
    }
}

/// `上海的北京路`: a name right before a street word names the street.
fn is_street(after: &str) -> bool {
    // 香港中路, 南京东路: a direction between the name and the street word.
    let after = after
        .strip_prefix(['东', '西', '南', '北', '中'])
        .filter(|rest| rest.starts_with(['路', '街']))
        .unwrap_or(after);
    ["路", "街", "大道", "巷", "胡同", "大街"]
        .iter()
        .any(|suffix| after.starts_with(suffix))
        // 天津's and Hong Kong's streets end in 道 (南京道, 广东道); 道县 and 道路 are no streets.
        || (after.starts_with('道') && !after.starts_with("道县") && !after.starts_with("道路"))
}

/// `哈尔滨舰`, `山东号`: a ship named after a place.
fn is_ship(after: &str) -> bool {
    ["舰", "号", "轮"]
        .iter()
        .any(|suffix| after.starts_with(suffix))
        && !after.starts_with("号线")
}

/// `来自广东省和四川省的代表`, `台籍教师`, `香港游客`, `湖南女子`, `飞往上海`: where people come from or
/// go to, not where the news happens.
fn is_origin(before: &str, after: &str) -> bool {
    let from_list = before.rfind("来自").is_some_and(|at| {
        let between = &before[at + "来自".len()..];
        between.chars().count() <= 12 && !between.contains(['，', ',', '。', '的', '在'])
    });
    from_list
        || ["飞往", "飞抵"].iter().any(|verb| before.ends_with(verb))
        || [
            "籍",
            "代表团",
            "客商",
            "游客",
            "旅客",
            "老乡",
            "同乡",
            "男子",
            "女子",
            "男孩",
            "女孩",
        ]
        .iter()
        .any(|suffix| after.starts_with(suffix))
}

/// `王海南表示`: a short name right after a common surname and right before a verb of saying.
fn is_person(before: &str, after: &str) -> bool {
    const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
    const SAYING: [&str; 9] = [
        "表示", "说", "指出", "介绍", "认为", "称", "告诉", "坦言", "透露",
    ];
    let before_is_surname = before
        .chars()
        .next_back()
        .is_some_and(|c| SURNAMES.contains(c));
    before_is_surname && SAYING.iter().any(|verb| after.starts_with(verb))
}

/// `福安` in `幸福安康`, `农业部` in `农业部门`: a short name whose first character ends a common word
/// before it, or whose last character starts one after it, is inside other words.
fn inside_common_word(
    gazetteer: &Gazetteer,
    mention: &Mention<'_>,
    before: &str,
    after: &str,
) -> bool {
    let place = mention.place;
    // Provincial and prefecture names were vetted against common words when the gazetteer was made;
    // county, district, landmark and institution short forms are many, and short.
    let many_and_short = matches!(
        place.level,
        Level::County | Level::Landmark | Level::Institution
    ) && (place.form != Form::Full || place.name.chars().count() == 2);
    if !many_and_short {
        return false;
    }
    let (Some(first), Some(last)) = (place.name.chars().next(), place.name.chars().next_back())
    else {
        return false;
    };
    let straddles_before = before
        .chars()
        .next_back()
        .is_some_and(|c| gazetteer.is_common_word(c, first));
    let straddles_after = after
        .chars()
        .next()
        .is_some_and(|c| gazetteer.is_common_word(last, c));
    straddles_before || straddles_after
}

/// Words that end a line's name (杭温高铁, 京沪高速, 川藏铁路).
const LINE_WORDS: [&str; 13] = [
    "高速铁路",
    "高铁",
    "城际铁路",
    "城际",
    "铁路",
    "客专",
    "高速公路",
    "高速",
    "动车",
    "特高压",
    "输电工程",
    "直流",
    "公路",
];

/// True when `after` begins with a word that ends a line's name.
fn starts_with_line_word(after: &str) -> bool {
    LINE_WORDS.iter().any(|word| after.starts_with(word))
}

/// Words after a compound of abbreviations that make it a grouping of provinces: `渝黔两地`, `甘青交界`,
/// `川黔合作`.
const GROUPING_WORDS: [&str; 24] = [
    "两地",
    "两省",
    "两市",
    "三地",
    "三省",
    "四省",
    "交界",
    "边界",
    "接壤",
    "毗邻",
    "合作",
    "协作",
    "一体化",
    "协同",
    "联合",
    "共建",
    "携手",
    "地区",
    "区域",
    "之间",
    "联动",
    "边区",
    "结合部",
    "省际",
];

/// Regions of compounds of province abbreviations the gazetteer does not list (渝黔两地, 甘青交界,
/// 晋冀鲁豫边区): a run of two abbreviations of different provinces followed by a grouping word, or of
/// three or more, that no name in `found` covers and that is neither a common word nor a line's name.
pub fn compound_regions(
    gazetteer: &Gazetteer,
    folded: &str,
    found: &[Mention<'_>],
) -> Vec<(&'static str, String)> {
    let mut regions: Vec<(&'static str, String)> = Vec::new();
    let mut run: Vec<(usize, char, &'static str)> = Vec::new();
    let mut flush = |run: &mut Vec<(usize, char, &'static str)>, end: usize| {
        if let Some(&(start, ..)) = run.first()
            && is_grouping_compound(gazetteer, run, &folded[end..])
            && !found.iter().any(|m| m.start < end && start < m.end)
        {
            let name: String = run.iter().map(|&(_, c, _)| c).collect();
            for &(_, _, region) in run.iter() {
                if !regions.iter().any(|(r, _)| *r == region) {
                    regions.push((region, name.clone()));
                }
            }
        }
        run.clear();
    };
    for (at, c) in folded.char_indices() {
        match gazetteer.province_abbreviation(c) {
            Some(region) => run.push((at, c, region)),
            None => flush(&mut run, at),
        }
    }
    flush(&mut run, folded.len());
    regions
}

/// True when `run` (abbreviations, with `after` the text after them) names a grouping of provinces.
fn is_grouping_compound(
    gazetteer: &Gazetteer,
    run: &[(usize, char, &'static str)],
    after: &str,
) -> bool {
    let mut provinces: Vec<&str> = run.iter().map(|&(_, _, region)| region).collect();
    provinces.sort_unstable();
    provinces.dedup();
    let common = run
        .windows(2)
        .any(|pair| gazetteer.is_common_word(pair[0].1, pair[1].1));
    provinces.len() == run.len()
        && (2..=5).contains(&run.len())
        && !common
        && !starts_with_line_word(after)
        && (run.len() >= 3 || GROUPING_WORDS.iter().any(|word| after.starts_with(word)))
}

/// The provinces a line or corridor name stands for: `杭温高铁` → zhejiang, `成达万高铁` → sichuan and
/// chongqing, `京唐城际` → beijing and hebei. Each character before the line word must be a province's or
/// city's one-character abbreviation, and there must be two or more.
pub fn line_regions(gazetteer: &Gazetteer, folded: &str) -> Vec<(&'static str, String)> {
    static LINE: OnceLock<Regex> = OnceLock::new();
    let line = LINE.get_or_init(|| {
        Regex::new(&format!(r"(\p{{Han}}{{2,5}}?)(?:{})", LINE_WORDS.join("|")))
            .expect("valid line pattern")
    });
    let mut found = Vec::new();
    for captures in line.captures_iter(folded) {
        let Some(prefix) = captures.get(1) else {
            continue;
        };
        // The longest run of abbreviations that ends right before the line word.
        let chars: Vec<char> = prefix.as_str().chars().collect();
        let run: Vec<&'static str> = chars
            .iter()
            .rev()
            .map_while(|c| gazetteer.abbreviation(*c))
            .collect();
        let start = chars.len() - run.len();
        let name: String = chars[start..].iter().collect();
        // `六枝至安龙高速`: a place named in full (安龙 is a county), not a line of abbreviations.
        let names_a_place = gazetteer.place(&name).is_some_and(|place| {
            !matches!(
                place.level,
                Level::Grouping | Level::Phrase | Level::Foreign
            )
        }) || (start > 0 && matches!(chars[start - 1], '至' | '到' | '经'));
        if run.len() < 2 || names_a_place {
            continue;
        }
        for region in run {
            if !found.iter().any(|(r, _): &(&str, String)| *r == region) {
                found.push((region, name.clone()));
            }
        }
    }
    found
}

/// What a story says of its own reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    /// Nothing: a list of places is a list of subjects.
    Unsaid,
    /// It calls itself national (`全国`, `多地`, `各地`): a list of three or more is examples.
    National,
    /// It counts more provinces than a list of targets would (`31个省`, `13省`): any list is a round-up.
    Counted,
}

/// The reach `folded` claims.
pub fn reach_of(folded: &str) -> Reach {
    static COUNTED: OnceLock<Regex> = OnceLock::new();
    let counted = COUNTED.get_or_init(|| Regex::new(r"(\d+)个?省").expect("valid pattern"));
    let counts_many = counted.captures_iter(folded).any(|c| {
        c.get(1)
            .and_then(|n| n.as_str().parse::<usize>().ok())
            .is_some_and(|n| n > MAX_LISTED_REGIONS)
    });
    if counts_many {
        Reach::Counted
    } else if ["全国", "多地", "多省", "各地", "多个省"]
        .iter()
        .any(|word| folded.contains(word))
    {
        Reach::National
    } else {
        Reach::Unsaid
    }
}

/// True when `mentions` list more than [`MAX_LISTED_REGIONS`] provinces, or several in a story of
/// national `reach`: a round-up whose listed places are not its subject.
pub fn is_round_up(mentions: &[Mention<'_>], reach: Reach) -> bool {
    let mut provinces: Vec<&str> = mentions
        .iter()
        .filter(|m| matches!(m.place.level, Level::Province | Level::Corps))
        .flat_map(|m| m.place.regions.iter().copied())
        .collect();
    provinces.sort_unstable();
    provinces.dedup();
    match reach {
        Reach::Counted => !provinces.is_empty(),
        Reach::National => provinces.len() >= 3,
        Reach::Unsaid => provinces.len() > MAX_LISTED_REGIONS,
    }
}

/// Byte ranges of `A至B高速` spans in `folded`: the ends of a line, which the line's news (a section, a
/// bridge) often lies between, not at.
pub fn line_ends(folded: &str) -> Vec<std::ops::Range<usize>> {
    static ENDS: OnceLock<Regex> = OnceLock::new();
    let ends = ENDS.get_or_init(|| {
        Regex::new(r"\p{Han}{2,12}?(?:至|到|—|－|-)\p{Han}{2,12}?(?:高速铁路|高铁|城际|铁路|高速公路|高速|公路|动车|线路|航线)")
            .expect("valid pattern")
    });
    ends.find_iter(folded).map(|m| m.range()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&'static str> {
        let gazetteer = Gazetteer::builtin();
        place_mentions(gazetteer, text, &gazetteer.mentions(text))
            .into_iter()
            .map(|m| m.place.name)
            .collect()
    }

    #[test]
    fn look_alikes_are_not_mentions() {
        assert_eq!(names("上海北京路商圈"), ["上海"]);
        assert!(names("哈尔滨舰访问").is_empty());
        assert_eq!(names("北京地铁6号线"), ["北京"]);
        assert!(names("广东籍教师").is_empty());
        assert!(names("来自广东省和四川省的代表").is_empty());
        assert!(names("祝愿大家幸福安康").is_empty());
    }

    #[test]
    fn line_names_stand_for_their_provinces() {
        let regions = |text: &str| -> Vec<&str> {
            line_regions(Gazetteer::builtin(), text)
                .into_iter()
                .map(|(r, _)| r)
                .collect()
        };
        assert_eq!(regions("杭温高铁开通"), ["zhejiang"]);
        assert_eq!(regions("京唐城际铁路"), ["hebei", "beijing"]);
        assert!(regions("高铁开通").is_empty());
    }

    #[test]
    fn compounds_of_province_abbreviations_name_each_province() {
        let regions = |text: &str| -> Vec<&str> {
            let gazetteer = Gazetteer::builtin();
            let mut regions: Vec<&str> =
                compound_regions(gazetteer, text, &gazetteer.mentions(text))
                    .into_iter()
                    .map(|(r, _)| r)
                    .collect();
            regions.sort_unstable();
            regions
        };
        assert_eq!(regions("渝黔两地签署协议"), ["chongqing", "guizhou"]);
        assert_eq!(regions("滇川黔三省"), ["guizhou", "sichuan", "yunnan"]);
        assert_eq!(
            regions("蒙晋冀长城金三角"),
            ["hebei", "neimenggu", "shanxi"]
        );
        // A listed compound is the gazetteer's name, not this rule's.
        assert!(regions("晋冀鲁豫边区").is_empty());
        // Two abbreviations need a grouping word; lines are left to line_regions; names win.
        assert!(regions("平步青云").is_empty());
        assert!(regions("澳新两国").is_empty());
        assert!(regions("新藏公路").is_empty());
        assert!(regions("辽宁合作").is_empty());
    }
}
