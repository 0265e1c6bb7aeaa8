//! The built-in catalog of China's provincial-level regions: slugs, ISO codes, names in both scripts.
//!
//! The catalog is static data. A region may have a parent (`bingtuan` belongs to `xinjiang`): asking for a
//! region's items means asking for the items of the region and of every region below it.

use serde::Serialize;

/// One provincial-level region, as listed on chinanews.com's regional bar plus 西藏, 香港, 澳门 and 台湾.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Region {
    /// ASCII pinyin slug used in URLs and config (`shanxi` for 山西, `shaanxi` for 陕西).
    pub slug: &'static str,
    /// ISO 3166-2:CN code, where one exists (the Production and Construction Corps has none).
    pub iso_code: Option<&'static str>,
    /// Short name in Simplified script, as on chinanews.com's regional bar (山西).
    pub name_simplified: &'static str,
    /// Short name in Traditional script (陝西).
    pub name_traditional: &'static str,
    /// Official full name in Simplified script (广西壮族自治区).
    pub full_name: &'static str,
    /// Slug of the region this one belongs to, if any.
    pub parent: Option<&'static str>,
}

const fn region(
    slug: &'static str,
    iso_code: &'static str,
    name_simplified: &'static str,
    name_traditional: &'static str,
    full_name: &'static str,
) -> Region {
    Region {
        slug,
        iso_code: Some(iso_code),
        name_simplified,
        name_traditional,
        full_name,
        parent: None,
    }
}

/// Every region, in the order of chinanews.com's regional bar, then 西藏, 香港, 澳门, 台湾.
pub static REGIONS: &[Region] = &[
    region("anhui", "CN-AH", "安徽", "安徽", "安徽省"),
    region("beijing", "CN-BJ", "北京", "北京", "北京市"),
    region("chongqing", "CN-CQ", "重庆", "重慶", "重庆市"),
    region("fujian", "CN-FJ", "福建", "福建", "福建省"),
    region("gansu", "CN-GS", "甘肃", "甘肅", "甘肃省"),
    region("guizhou", "CN-GZ", "贵州", "貴州", "贵州省"),
    region("guangdong", "CN-GD", "广东", "廣東", "广东省"),
    region("guangxi", "CN-GX", "广西", "廣西", "广西壮族自治区"),
    region("hainan", "CN-HI", "海南", "海南", "海南省"),
    region("hebei", "CN-HE", "河北", "河北", "河北省"),
    region("henan", "CN-HA", "河南", "河南", "河南省"),
    region("hubei", "CN-HB", "湖北", "湖北", "湖北省"),
    region("hunan", "CN-HN", "湖南", "湖南", "湖南省"),
    region("heilongjiang", "CN-HL", "黑龙江", "黑龍江", "黑龙江省"),
    region("jiangsu", "CN-JS", "江苏", "江蘇", "江苏省"),
    region("jiangxi", "CN-JX", "江西", "江西", "江西省"),
    region("jilin", "CN-JL", "吉林", "吉林", "吉林省"),
    region("liaoning", "CN-LN", "辽宁", "遼寧", "辽宁省"),
    region("neimenggu", "CN-NM", "内蒙古", "內蒙古", "内蒙古自治区"),
    region("ningxia", "CN-NX", "宁夏", "寧夏", "宁夏回族自治区"),
    region("qinghai", "CN-QH", "青海", "青海", "青海省"),
    region("shandong", "CN-SD", "山东", "山東", "山东省"),
    region("shanxi", "CN-SX", "山西", "山西", "山西省"),
    region("shaanxi", "CN-SN", "陕西", "陝西", "陕西省"),
    region("shanghai", "CN-SH", "上海", "上海", "上海市"),
    region("sichuan", "CN-SC", "四川", "四川", "四川省"),
    region("tianjin", "CN-TJ", "天津", "天津", "天津市"),
    region("xinjiang", "CN-XJ", "新疆", "新疆", "新疆维吾尔自治区"),
    Region {
        slug: "bingtuan",
        iso_code: None,
        name_simplified: "兵团",
        name_traditional: "兵團",
        full_name: "新疆生产建设兵团",
        parent: Some("xinjiang"),
    },
    region("yunnan", "CN-YN", "云南", "雲南", "云南省"),
    region("zhejiang", "CN-ZJ", "浙江", "浙江", "浙江省"),
    region("xizang", "CN-XZ", "西藏", "西藏", "西藏自治区"),
    region("xianggang", "CN-HK", "香港", "香港", "香港特别行政区"),
    region("aomen", "CN-MO", "澳门", "澳門", "澳门特别行政区"),
    region("taiwan", "CN-TW", "台湾", "臺灣", "台湾省"),
];

/// The pseudo-region of items that belong to no province (config `region = "national"`).
pub const NATIONAL: &str = "national";

/// Looks a region up by its slug.
pub fn by_slug(slug: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|region| region.slug == slug)
}

/// The slugs whose items belong in `slug`'s feed: the region itself and every region below it.
///
/// ```
/// use regionfeed::regions::with_descendants;
/// assert_eq!(with_descendants("xinjiang"), ["xinjiang", "bingtuan"]);
/// assert_eq!(with_descendants("shanxi"), ["shanxi"]);
/// ```
pub fn with_descendants(slug: &str) -> Vec<&'static str> {
    let mut slugs: Vec<&'static str> = Vec::new();
    if let Some(region) = by_slug(slug) {
        slugs.push(region.slug);
    }
    // Walk down level by level; the catalog is shallow, so this stays tiny.
    let mut index = 0;
    while index < slugs.len() {
        let current = slugs[index];
        slugs.extend(
            REGIONS
                .iter()
                .filter(|region| region.parent == Some(current))
                .map(|region| region.slug),
        );
        index += 1;
    }
    slugs
}

/// All valid slugs joined by ", ", for error messages that list the choices.
pub fn valid_slugs_list() -> String {
    let mut slugs: Vec<&str> = REGIONS.iter().map(|region| region.slug).collect();
    slugs.push(NATIONAL);
    slugs.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_has_the_regional_bar_plus_four() {
        assert_eq!(REGIONS.len(), 35);
        let names: Vec<&str> = REGIONS.iter().map(|r| r.name_simplified).collect();
        for name in [
            "山西",
            "陕西",
            "兵团",
            "西藏",
            "香港",
            "澳门",
            "台湾",
            "内蒙古",
        ] {
            assert!(names.contains(&name), "{name} missing");
        }
    }

    #[test]
    fn slugs_and_codes_are_unique() {
        let mut slugs: Vec<&str> = REGIONS.iter().map(|r| r.slug).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), REGIONS.len());
        let mut codes: Vec<&str> = REGIONS.iter().filter_map(|r| r.iso_code).collect();
        let n_codes = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), n_codes);
        assert!(
            slugs
                .iter()
                .all(|s| s.bytes().all(|b| b.is_ascii_lowercase()))
        );
    }

    #[test]
    fn shanxi_and_shaanxi_are_different_provinces() {
        let shanxi = by_slug("shanxi").unwrap();
        let shaanxi = by_slug("shaanxi").unwrap();
        assert_eq!(
            (shanxi.name_simplified, shanxi.iso_code),
            ("山西", Some("CN-SX"))
        );
        assert_eq!(
            (shaanxi.name_simplified, shaanxi.iso_code),
            ("陕西", Some("CN-SN"))
        );
        assert_eq!(with_descendants("shanxi"), vec!["shanxi"]);
    }

    #[test]
    fn xinjiang_feed_includes_bingtuan() {
        assert_eq!(with_descendants("xinjiang"), vec!["xinjiang", "bingtuan"]);
        assert_eq!(with_descendants("bingtuan"), vec!["bingtuan"]);
        assert!(with_descendants("nowhere").is_empty());
    }
}
