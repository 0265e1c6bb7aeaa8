//! One story once across sources: a fingerprint of an item's normalised title and lead, and the rule that
//! says whether two fingerprints are the same wire story. Pure; the store keeps the fingerprints and asks.
//!
//! Normalising: NFKC, Traditional → Simplified, the dateline (`中新网太原11月25日电`) and bylines and bracketed
//! title prefixes (`【视频】`, `一图速览：`) dropped, then only letters and digits kept. The fingerprint is a
//! 64-bit SimHash over character 3-grams of title + lead, the title's *anchors* (the places and numbers
//! it names), and the normalised title and lead. Two items are one story when the SimHashes differ in at
//! most [`MAX_DISTANCE`] bits, the anchors do not contradict each other (two cities' 政府工作报告 share a
//! template but not a city), and the leads contain each other (see [`same_story`]). SimHash alone
//! cannot separate copies from look-alikes on short Chinese news text (precision 0.83 at recall 0.86);
//! the thresholds come from `tests/fixtures/syndication.txt`, whose test prints the sweep.

use crate::classify::gazetteer::Gazetteer;
use crate::classify::script::fold;
use crate::classify::tag::find_dateline;

/// Most differing SimHash bits for two items to be one story: a loose first cut (copies in the labelled
/// set differ by up to 18 bits; unrelated texts by 32 on average), the finer tests follow.
pub const MAX_DISTANCE: u32 = 20;
/// Least share of the shorter lead's 3-grams the other lead must contain.
pub const MIN_LEAD_CONTAINMENT: f64 = 0.84;
/// Leads this alike are one wire text whatever the titles say.
pub const SAME_LEAD_CONTAINMENT: f64 = 0.95;
/// Characters of the lead that go into the fingerprint.
pub const LEAD_CHARS: usize = 160;
/// Stories are merged only when published this close together (hours).
pub const WINDOW_HOURS: i64 = 72;

/// What the store keeps per item to find its story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryPrint {
    /// SimHash of the normalised title + lead.
    pub simhash: u64,
    /// Places and numbers in the title, sorted, space-separated.
    pub anchors: String,
    /// The normalised title (decoration dropped, letters and digits only).
    pub title: String,
    /// The normalised lead, at most [`LEAD_CHARS`] characters.
    pub lead: String,
}

/// The fingerprint of an item with this title and plain-text body.
pub fn story_print(title: &str, body: &str) -> StoryPrint {
    let title = fold(title);
    let lead_raw: String = body.chars().take(LEAD_CHARS * 2).collect();
    let lead = fold(&lead_raw);
    let lead = match find_dateline(&lead) {
        Some((_, rest)) => rest.to_string(),
        None => lead,
    };
    let title_core = strip_title_decoration(&title);
    let title_chars = letters_and_digits(title_core);
    let lead_chars: Vec<char> = letters_and_digits(&lead)
        .into_iter()
        .take(LEAD_CHARS)
        .collect();
    let mut text = title_chars.clone();
    text.extend(&lead_chars);
    StoryPrint {
        simhash: simhash(&text),
        anchors: anchors(title_core),
        title: title_chars.into_iter().collect(),
        lead: lead_chars.into_iter().collect(),
    }
}

/// True when `a` and `b` are the same story: close SimHashes, agreeing anchors, leads that mostly
/// contain each other, and titles that differ by insertions and deletions rather than by swapping a short
/// word for another (黄山 → 庐山, 中美 → 中日, 开幕 → 闭幕: the signature of a look-alike).
pub fn same_story(a: &StoryPrint, b: &StoryPrint) -> bool {
    PreparedPrint::new(a.clone()).same_story(&PreparedPrint::new(b.clone()))
}

/// A title's anchors, hashed: what the cheap first test compares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnchorHashes {
    places: Vec<u64>,
    numbers: Vec<u64>,
}

impl AnchorHashes {
    /// Hashes the words of a [`StoryPrint::anchors`] string.
    pub fn parse(anchors: &str) -> AnchorHashes {
        let (numbers, places): (Vec<&str>, Vec<&str>) = anchors
            .split(' ')
            .filter(|word| !word.is_empty())
            .partition(|word| word.starts_with('#'));
        let hash = |words: Vec<&str>| -> Vec<u64> {
            words
                .into_iter()
                .map(|word| fnv1a(&word.chars().collect::<Vec<_>>()))
                .collect()
        };
        AnchorHashes {
            places: hash(places),
            numbers: hash(numbers),
        }
    }

    /// The hashed places, each once.
    pub fn places(&self) -> &[u64] {
        &self.places
    }

    /// The hashed numbers, each once.
    pub fn numbers(&self) -> &[u64] {
        &self.numbers
    }

    /// False when both name places (or numbers) and share none.
    pub fn agree(&self, other: &AnchorHashes) -> bool {
        overlap_or_empty(&self.places, &other.places)
            && overlap_or_empty(&self.numbers, &other.numbers)
    }
}

/// A fingerprint made ready for many comparisons (a poll compares each new item with every recent
/// story): anchors hashed once, lead 3-grams built on first need.
#[derive(Debug)]
pub struct PreparedPrint {
    /// The fingerprint.
    pub print: StoryPrint,
    /// Its anchors, hashed.
    pub anchors: AnchorHashes,
    grams: std::cell::OnceCell<LeadGrams>,
}

impl PreparedPrint {
    /// Prepares `print`.
    pub fn new(print: StoryPrint) -> PreparedPrint {
        PreparedPrint {
            anchors: AnchorHashes::parse(&print.anchors),
            print,
            grams: std::cell::OnceCell::new(),
        }
    }

    fn grams(&self) -> &LeadGrams {
        self.grams.get_or_init(|| lead_grams(&self.print.lead))
    }

    /// The cheap first test against another story's SimHash and anchors: when false, not the same story.
    pub fn could_be_same(&self, simhash: u64, anchors: &AnchorHashes) -> bool {
        simhash_distance(self.print.simhash, simhash) <= MAX_DISTANCE && self.anchors.agree(anchors)
    }

    /// The text test, for pairs that passed [`PreparedPrint::could_be_same`]: the same wire text under a
    /// rewritten title; or nearly the same text under a title that was edited, not turned into another
    /// story's.
    pub fn same_text(&self, other: &PreparedPrint) -> bool {
        let lead = containment(self.grams(), other.grams());
        lead >= SAME_LEAD_CONTAINMENT
            || (lead >= MIN_LEAD_CONTAINMENT
                && !swaps_a_short_word(&self.print.title, &other.print.title))
    }

    /// True when this and `other` are the same story (see [`same_story`]).
    pub fn same_story(&self, other: &PreparedPrint) -> bool {
        self.could_be_same(other.print.simhash, &other.anchors) && self.same_text(other)
    }
}

fn overlap_or_empty(a: &[u64], b: &[u64]) -> bool {
    a.is_empty() || b.is_empty() || a.iter().any(|word| b.contains(word))
}

/// The distinct character 3-grams of a normalised lead, each packed into one number (a `char` fits in 21
/// bits), sorted: containment is then one merge of two sorted lists, with no hashing.
pub type LeadGrams = Vec<u64>;

/// `lead`'s character 3-grams.
pub fn lead_grams(lead: &str) -> LeadGrams {
    let chars: Vec<u64> = lead.chars().map(u64::from).collect();
    let mut grams: Vec<u64> = chars
        .windows(3)
        .map(|w| w[0] << 42 | w[1] << 21 | w[2])
        .collect();
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// Share of the shorter lead's character 3-grams found in the other lead (1.0 when either is empty).
pub fn lead_containment(a: &str, b: &str) -> f64 {
    containment(&lead_grams(a), &lead_grams(b))
}

fn containment(a: &LeadGrams, b: &LeadGrams) -> f64 {
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let smaller = a.len();
    if smaller == 0 {
        return 1.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared as f64 / smaller as f64
}

/// True when aligning the titles (longest common subsequence) leaves a place where 1–3 characters of one
/// stand where 1–3 different characters of the other stand.
pub fn swaps_a_short_word(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().take(80).collect();
    let b: Vec<char> = b.chars().take(80).collect();
    let (n, m) = (a.len(), b.len());
    // lcs[i][j] = LCS length of a[i..] and b[j..].
    let mut lcs = vec![vec![0u16; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let (mut deleted, mut inserted) = (0usize, 0usize);
    let swapped =
        |deleted: usize, inserted: usize| (1..=3).contains(&deleted) && (1..=3).contains(&inserted);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            if swapped(deleted, inserted) {
                return true;
            }
            deleted = 0;
            inserted = 0;
            i += 1;
            j += 1;
        } else if j == m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1]) {
            deleted += 1;
            i += 1;
        } else {
            inserted += 1;
            j += 1;
        }
    }
    swapped(deleted, inserted)
}

/// Differing bits of two SimHashes: how far apart two texts are.
pub fn simhash_distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Differing SimHash bits of two prints.
pub fn distance(a: &StoryPrint, b: &StoryPrint) -> u32 {
    simhash_distance(a.simhash, b.simhash)
}

/// Anchors contradict when both titles name places (or numbers) and share none of them.
pub fn anchors_agree(a: &str, b: &str) -> bool {
    AnchorHashes::parse(a).agree(&AnchorHashes::parse(b))
}

/// The title without bracketed prefixes (`【视频】`, `（图）`) and label prefixes (`一图速览：`, `快讯｜`).
fn strip_title_decoration(title: &str) -> &str {
    let mut rest = title.trim();
    loop {
        let before = rest;
        for (open, close) in [('【', '】'), ('[', ']'), ('(', ')'), ('（', '）')] {
            if let Some(inner) = rest.strip_prefix(open)
                && let Some(end) = inner.find(close)
                && inner[..end].chars().count() <= 8
            {
                rest = inner[end + close.len_utf8()..].trim_start();
            }
        }
        // A short label before a colon or bar: 快讯：, 视频｜, 一图速览:
        if let Some(position) = rest.find(['：', ':', '｜', '|'])
            && rest[..position].chars().count() <= 6
            && !rest[..position].chars().any(|c| c.is_ascii_digit())
        {
            let separator_len = rest[position..].chars().next().map_or(1, char::len_utf8);
            let label = &rest[..position];
            if [
                "快讯", "视频", "图", "速览", "独家", "直播", "热点", "最新", "现场",
            ]
            .iter()
            .any(|word| label.contains(word))
            {
                rest = rest[position + separator_len..].trim_start();
            }
        }
        if rest == before {
            return rest;
        }
    }
}

fn letters_and_digits(text: &str) -> Vec<char> {
    // CJK ideographs answered without the Unicode tables' slow path (most of a Chinese text).
    text.chars()
        .filter(|&c| matches!(c, '\u{4E00}'..='\u{9FFF}') || c.is_alphanumeric())
        .collect()
}

/// Places named in the title and its numbers (dates left out: reposts rewrite them), as anchors.
fn anchors(title: &str) -> String {
    let gazetteer = Gazetteer::builtin();
    let mut words: Vec<String> = gazetteer
        .mentions_any_form(title)
        .into_iter()
        .filter(|mention| !mention.place.regions.is_empty())
        .map(|mention| place_stem(mention.place.name).to_string())
        .collect();
    let chars: Vec<char> = title.chars().collect();
    let mut index = 0;
    while index < chars.len() {
        if chars[index].is_ascii_digit() {
            let start = index;
            while index < chars.len() && (chars[index].is_ascii_digit() || chars[index] == '.') {
                index += 1;
            }
            let number: String = chars[start..index].iter().collect();
            let unit = chars.get(index).copied();
            let is_date_part = matches!(unit, Some('月' | '日' | '时' | '点' | '年'));
            if !is_date_part {
                words.push(format!("#{number}"));
            }
        } else {
            index += 1;
        }
    }
    words.sort();
    words.dedup();
    words.join(" ")
}

/// 晋中市 and 晋中 are one anchor.
fn place_stem(name: &str) -> &str {
    match name.strip_suffix(['省', '市', '县', '区']) {
        Some(stem) if stem.chars().count() >= 2 => stem,
        _ => name,
    }
}

/// 64-bit SimHash over character 3-grams (or the whole text when shorter).
fn simhash(text: &[char]) -> u64 {
    // How many grams' hashes set each bit; a bit of the result is set when most grams set it.
    let mut ones = [0u32; 64];
    let mut add = |gram: &[char]| {
        let hash = fnv1a(gram);
        for (bit, count) in ones.iter_mut().enumerate() {
            *count += (hash >> bit & 1) as u32;
        }
    };
    let grams = if text.len() < 3 {
        add(text);
        1
    } else {
        text.windows(3).for_each(&mut add);
        text.len() - 2
    };
    ones.iter()
        .enumerate()
        .filter(|(_, ones)| 2 * **ones as usize > grams)
        .fold(0u64, |hash, (bit, _)| hash | 1 << bit)
}

fn fnv1a(chars: &[char]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &c in chars {
        for byte in (c as u32).to_le_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    // FNV's low bits mix poorly on short inputs; finish like splitmix64.
    hash ^= hash >> 31;
    hash = hash.wrapping_mul(0x7fb5_d329_728e_a185);
    hash ^ (hash >> 27)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repost_with_another_dateline_prefix_and_script_is_the_same_story() {
        let original = story_print(
            "晋中市发布2024年政府工作报告",
            "中新网太原2月28日电 晋中市政府28日发布2024年政府工作报告，提出全年经济增长目标。",
        );
        let repost = story_print(
            "【速览】晉中市發布2024年政府工作報告",
            "（記者 王某）晉中市政府28日發布2024年政府工作報告，提出全年經濟增長目標。",
        );
        assert!(
            same_story(&original, &repost),
            "{}",
            distance(&original, &repost)
        );
    }

    #[test]
    fn two_cities_reports_are_different_stories() {
        let jinzhong = story_print(
            "晋中市发布2024年政府工作报告",
            "晋中市政府28日发布2024年政府工作报告，提出全年经济增长目标。",
        );
        let datong = story_print(
            "大同市发布2024年政府工作报告",
            "大同市政府28日发布2024年政府工作报告，提出全年经济增长目标。",
        );
        assert!(!same_story(&jinzhong, &datong));
    }

    #[test]
    fn title_decoration_is_dropped() {
        assert_eq!(
            strip_title_decoration("【视频】（图）快讯：太原初雪"),
            "太原初雪"
        );
        assert_eq!(
            strip_title_decoration("2024年：太原初雪"),
            "2024年：太原初雪"
        );
    }

    #[test]
    fn anchors_keep_places_and_numbers_but_not_dates() {
        assert_eq!(anchors("山西晋中市11月25日发布3项措施"), "#3 山西 晋中");
        assert!(anchors_agree("#3 晋中", "山西 晋中"));
        assert!(!anchors_agree("晋中", "大同"));
        assert!(!anchors_agree("#3", "#5"));
    }
}
