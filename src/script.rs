//! Script folding for Chinese text: Traditional ↔ Simplified (phrase-level OpenCC via ferrous-opencc, plus
//! 陜 → 陕, which OpenCC leaves alone) and the normal form every matcher works on.

use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

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
    let normalized: String = text.nfkc().collect();
    ScriptConversion::TraditionalToSimplified.convert(&normalized)
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
    }
}
