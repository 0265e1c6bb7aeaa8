//! Script folding for Chinese text: Traditional ↔ Simplified (phrase-level OpenCC via ferrous-opencc, plus
//! 陜 → 陕, which OpenCC leaves alone) and the normal form every matcher works on.

use std::sync::OnceLock;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Conversion of the output's script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScriptConversion {
    /// Simplified → Traditional.
    SimplifiedToTraditional,
    /// Traditional → Simplified.
    TraditionalToSimplified,
}

impl ScriptConversion {
    /// Converts `text` (phrase-level OpenCC; 陜 → 陕, which OpenCC leaves alone, added for t2s).
    pub fn convert(self, text: &str) -> String {
        static S2T: OnceLock<Option<ferrous_opencc::OpenCC>> = OnceLock::new();
        static T2S: OnceLock<Option<ferrous_opencc::OpenCC>> = OnceLock::new();
        let converter = match self {
            ScriptConversion::SimplifiedToTraditional => S2T.get_or_init(|| {
                ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::S2t).ok()
            }),
            ScriptConversion::TraditionalToSimplified => T2S.get_or_init(|| {
                ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::T2s).ok()
            }),
        };
        let converted = match converter {
            Some(converter) => converter.convert(text),
            None => text.to_string(),
        };
        match self {
            ScriptConversion::TraditionalToSimplified => converted.replace('陜', "陕"),
            ScriptConversion::SimplifiedToTraditional => converted,
        }
    }
}

/// `text` as matchers see it: NFKC (full-width digits and letters become ASCII) and Simplified script.
/// A Traditional-script title such as `一圖速覽2024年晉中市政府工作報告` becomes `一图速览2024年晋中市政府工作报告`.
pub fn fold(text: &str) -> String {
    fold_noting_script(text).0
}

/// [`fold`], and whether `text` was written in Traditional script: it holds two or more characters only
/// Traditional script writes (國, 這, 灣), as an item from Taiwan's, Hong Kong's or Macau's press does.
pub fn fold_noting_script(text: &str) -> (String, bool) {
    // News text is CJK ideographs, ASCII and punctuation; for that, NFKC is a width fold, done here
    // without the normaliser's tables (which cost more than all the matching after it).
    let (normalized, traditional_chars) = match width_fold(text) {
        Some(folded) => folded,
        None => {
            let normalized: String = match is_nfkc_quick(text.chars()) {
                IsNormalized::Yes => text.to_string(),
                _ => text.nfkc().collect(),
            };
            let count = normalized
                .chars()
                .filter(|&c| is_traditional_only(c))
                .count();
            (normalized, count)
        }
    };
    let folded = if traditional_chars > 0 {
        ScriptConversion::TraditionalToSimplified.convert(&normalized)
    } else {
        // Most text is Simplified already: OpenCC's phrase matching costs ~0.2 µs a character, this
        // count a few nanoseconds.
        normalized
    };
    (folded, traditional_chars >= 2)
}

/// NFKC of `text` when every character is one whose NFKC this knows: ASCII, CJK ideographs, kana and
/// hangul syllables (unchanged), CJK and general punctuation (unchanged, but the ideographic space and a
/// few compatibility forms), full-width forms (to ASCII); `None` for any other character. With it, how
/// many of the characters only Traditional script writes.
fn width_fold(text: &str) -> Option<(String, usize)> {
    let mut folded = String::with_capacity(text.len());
    let mut traditional_chars = 0;
    // Characters NFKC leaves alone are copied a run at a time, from `copied_to` on.
    let mut copied_to = 0;
    for (at, c) in text.char_indices() {
        let code = c as u32;
        let replacement = match code {
            0x00..=0x7F => continue,
            // Ideographs (not the compatibility block).
            0x4E00..=0x9FFF => {
                traditional_chars += usize::from(is_traditional_only(c));
                continue;
            }
            // Extension A, kana, hangul syllables.
            0x3400..=0x4DBF | 0x3041..=0x30FF | 0xAC00..=0xD7A3 => continue,
            // CJK punctuation that NFKC leaves alone (、。〈〉《》「」『』【】〔〕〖〗〜).
            0x3001..=0x3003 | 0x3005..=0x3007 | 0x3008..=0x3011 | 0x3014..=0x301B | 0x301C => {
                continue;
            }
            // General punctuation NFKC leaves alone: dashes, quotes, bullets, ‰, · (not … ‥ ′ ″ or spaces).
            0x2010 | 0x2012..=0x2016 | 0x2018..=0x2023 | 0x2027 | 0x2030 | 0x00B7 | 0x2E3A => {
                continue;
            }
            // Full-width ASCII: ！ … ～ map to ! … ~.
            0xFF01..=0xFF5E => char::from_u32(code - 0xFF01 + 0x21)?,
            0x3000 => ' ',
            _ => return None,
        };
        folded.push_str(&text[copied_to..at]);
        folded.push(replacement);
        copied_to = at + c.len_utf8();
    }
    folded.push_str(&text[copied_to..]);
    Some((folded, traditional_chars))
}

/// True for a CJK character that Traditional → Simplified conversion changes on its own (or 陜). Built once
/// by converting the whole CJK Unified Ideographs block, one character per line.
fn is_traditional_only(c: char) -> bool {
    const FIRST: u32 = 0x4E00;
    const LAST: u32 = 0x9FFF;
    static TABLE: OnceLock<Vec<bool>> = OnceLock::new();
    let code = c as u32;
    if !(FIRST..=LAST).contains(&code) {
        return false;
    }
    let table = TABLE.get_or_init(|| {
        let all: String = (FIRST..=LAST)
            .filter_map(char::from_u32)
            .flat_map(|c| [c, '\n'])
            .collect();
        let converted = ScriptConversion::TraditionalToSimplified.convert(&all);
        let lines: Vec<&str> = converted.split('\n').collect();
        (FIRST..=LAST)
            .map(|code| {
                let index = (code - FIRST) as usize;
                let original = char::from_u32(code).map(String::from).unwrap_or_default();
                // If the conversion changed the line structure, convert this character to be safe.
                lines.get(index).is_none_or(|line| *line != original)
            })
            .collect()
    });
    table[(code - FIRST) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_traditional_script_and_width() {
        assert_eq!(
            fold("一圖速覽２０２４年晉中市政府工作報告"),
            "一图速览2024年晋中市政府工作报告"
        );
        assert_eq!(fold("陜西"), "陕西");
        assert_eq!(fold("陝西"), "陕西");
        assert_eq!(fold("瀋陽 乾縣"), "沈阳 乾县");
        assert_eq!(fold("晋中市政府工作报告"), "晋中市政府工作报告");
    }

    #[test]
    fn the_width_fold_agrees_with_nfkc() {
        let sample = "中新网太原１１月２５日电（记者　王海南）晋中，“初雪”——《报道》【图】！？、。～ ABC 123 ‘’•‰ 한국 カナ";
        let by_nfkc: String = sample.nfkc().collect();
        assert_eq!(
            width_fold(sample).map(|(folded, _)| folded).as_deref(),
            Some(by_nfkc.as_str())
        );
        // Everything else goes to the normaliser.
        assert_eq!(width_fold("① ﬁ …"), None);
        for code in (0x2000..0x2070).chain(0x3000..0x3040).chain(0xFF00..0xFF60) {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let text = c.to_string();
            if let Some((folded, _)) = width_fold(&text) {
                let by_nfkc: String = text.nfkc().collect();
                assert_eq!(folded, by_nfkc, "U+{code:04X}");
            }
        }
    }

    #[test]
    fn the_traditional_table_knows_both_scripts() {
        for c in ['晉', '陝', '陜', '報', '瀋', '圖'] {
            assert!(is_traditional_only(c), "{c}");
        }
        for c in ['晋', '陕', '报', '图', '山', 'a'] {
            assert!(!is_traditional_only(c), "{c}");
        }
    }
}
