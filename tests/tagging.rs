//! The province tagger against the labelled sets in tests/fixtures/tagging/ (rules: RULES.md):
//! `written.txt`, items written for regionfeed, and `real.tsv`, real headlines and leads with their
//! provenance, split into a `dev` part (tuned on) and a `test` part frozen before any tuning.
//!
//! Precision and recall over (item, region) pairs and the rate of items whose region set is exactly
//! right are printed per set, split, script and class; the floors asserted are the figures measured.
//! `REGIONFEED_TAGGING_MISSES=dev` (or `written`) prints every miss of that part, for tuning; the frozen
//! test split's misses are never printed.

use std::collections::{BTreeMap, BTreeSet};

use regionfeed::classify::gazetteer::Gazetteer;
use regionfeed::classify::tag::{TagInput, tag_item};
use regionfeed::regions;

const WRITTEN: &str = include_str!("fixtures/tagging/written.txt");
const REAL: &str = include_str!("fixtures/tagging/real.tsv");

/// One labelled item.
struct Case {
    /// `written/dev`, `real/dev` or `real/test`.
    part: &'static str,
    /// `s` or `t`.
    script: &'static str,
    classes: Vec<&'static str>,
    source: Vec<&'static str>,
    title: &'static str,
    body: &'static str,
    expected: BTreeSet<String>,
}

fn regions_of(field: &str) -> BTreeSet<String> {
    field
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .inspect(|slug| assert!(regions::by_slug(slug).is_some(), "unknown region {slug}"))
        .map(str::to_string)
        .collect()
}

fn is_traditional(text: &str) -> bool {
    // Characters that exist only in Traditional script and are frequent in news.
    text.chars()
        .any(|c| "這們國時說會來對為與區開發現經長門問關爲學東車個裡後將還變業".contains(c))
}

fn written_cases() -> Vec<Case> {
    WRITTEN
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('|').map(str::trim).collect();
            assert_eq!(fields.len(), 5, "bad line: {line}");
            let source = match fields[1] {
                "national" => Vec::new(),
                slug => vec![regions::by_slug(slug).expect("known region").slug],
            };
            Case {
                part: "written/dev",
                script: if is_traditional(fields[2]) { "t" } else { "s" },
                classes: vec![if fields[0] == "h" { "hard" } else { "easy" }],
                source,
                title: fields[2],
                body: fields[3],
                expected: regions_of(fields[4]),
            }
        })
        .collect()
}

fn real_cases() -> Vec<Case> {
    let mut lines = REAL.lines().filter(|line| !line.starts_with('#'));
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (split, scored, script) = (column("split"), column("scored"), column("script"));
    let (title, lead, labels, classes) = (
        column("title"),
        column("lead"),
        column("regions"),
        column("classes"),
    );
    lines
        .map(|line| line.split('\t').collect::<Vec<&str>>())
        .filter(|fields| fields[scored] == "yes")
        .map(|fields| Case {
            part: if fields[split] == "test" {
                "real/test"
            } else {
                "real/dev"
            },
            script: fields[script],
            classes: fields[classes]
                .split(',')
                .filter(|c| !c.is_empty())
                .collect(),
            source: Vec::new(),
            title: fields[title],
            body: fields[lead],
            expected: regions_of(fields[labels]),
        })
        .collect()
}

/// Pair counts and exact items of some cases.
#[derive(Default, Clone, Copy)]
struct Score {
    items: usize,
    exact: usize,
    true_positives: usize,
    predicted: usize,
    expected: usize,
}

impl Score {
    fn add(&mut self, expected: &BTreeSet<String>, got: &BTreeSet<String>) {
        self.items += 1;
        self.exact += usize::from(expected == got);
        self.true_positives += got.intersection(expected).count();
        self.predicted += got.len();
        self.expected += expected.len();
    }

    /// Precision; 1.0 when nothing was predicted.
    fn precision(&self) -> f64 {
        if self.predicted == 0 {
            1.0
        } else {
            self.true_positives as f64 / self.predicted as f64
        }
    }

    /// Recall; 1.0 when nothing was expected.
    fn recall(&self) -> f64 {
        if self.expected == 0 {
            1.0
        } else {
            self.true_positives as f64 / self.expected as f64
        }
    }

    fn exact_rate(&self) -> f64 {
        self.exact as f64 / self.items.max(1) as f64
    }

    fn line(&self, label: &str) -> String {
        format!(
            "{label:<28} {:>4} items  P {:.3}  R {:.3}  exact {:.3}",
            self.items,
            self.precision(),
            self.recall(),
            self.exact_rate()
        )
    }
}

fn tags_of(gazetteer: &Gazetteer, case: &Case) -> BTreeSet<String> {
    tag_item(
        gazetteer,
        TagInput {
            title: case.title,
            body: case.body,
            source_regions: &case.source,
            text_tagging: true,
        },
    )
    .into_iter()
    .map(|tag| tag.region)
    .collect()
}

/// Scores by part, by part and script, by part and class.
fn scores(cases: &[Case]) -> BTreeMap<String, Score> {
    let gazetteer = Gazetteer::builtin();
    let misses_of = std::env::var("REGIONFEED_TAGGING_MISSES").ok();
    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    for case in cases {
        let got = tags_of(gazetteer, case);
        let mut keys = vec![
            case.part.to_string(),
            format!("{} {}", case.part, case.script),
        ];
        keys.extend(
            case.classes
                .iter()
                .map(|class| format!("{} {class}", case.part)),
        );
        for key in keys {
            scores.entry(key).or_default().add(&case.expected, &got);
        }
        let show_misses = misses_of
            .as_deref()
            .is_some_and(|part| case.part.ends_with(part) && case.part != "real/test");
        if show_misses && got != case.expected {
            println!(
                "MISS {} | {} | {} | expected {:?} got {:?}",
                case.part, case.title, case.body, case.expected, got
            );
        }
    }
    scores
}

#[test]
fn tagging_on_the_written_and_real_sets() {
    let mut cases = written_cases();
    cases.extend(real_cases());
    let real = cases.iter().filter(|c| c.part.starts_with("real")).count();
    assert!(
        cases.len() >= 500 && real >= 300,
        "{} items, {real} real",
        cases.len()
    );
    let scores = scores(&cases);
    for (key, score) in &scores {
        println!("{}", score.line(key));
    }
    let part = |name: &str| scores[name];
    let written = part("written/dev");
    assert!(
        written.precision() >= 0.95 && written.recall() >= 0.90,
        "{}",
        written.line("written")
    );
    let dev = part("real/dev");
    assert!(
        at_least(dev.precision(), DEV_PRECISION)
            && at_least(dev.recall(), DEV_RECALL)
            && at_least(dev.exact_rate(), DEV_EXACT),
        "{}",
        dev.line("real/dev")
    );
    // The frozen split, asserted at what the tagger measured when this landed (see the closing note).
    let test = part("real/test");
    assert!(
        at_least(test.precision(), FROZEN_PRECISION),
        "{}",
        test.line("real/test")
    );
    assert!(
        at_least(test.recall(), FROZEN_RECALL),
        "{}",
        test.line("real/test")
    );
    assert!(
        at_least(test.exact_rate(), FROZEN_EXACT),
        "{}",
        test.line("real/test")
    );
}

/// True when `value`, to the three decimals the figures are printed with, is at least `floor`.
fn at_least(value: f64, floor: f64) -> bool {
    (value * 1000.0).round() >= (floor * 1000.0).round()
}

/// Measured on the frozen test split (real/test) when issue 15 landed: P 0.808, R 0.808, exact 0.822
/// (the tagger before it: P 0.767, R 0.465, exact 0.600).
const FROZEN_PRECISION: f64 = 0.808;
const FROZEN_RECALL: f64 = 0.808;
const FROZEN_EXACT: f64 = 0.822;

/// Measured on the real dev split (tuned on) at the same time: P 0.905, R 0.931, exact 0.902.
const DEV_PRECISION: f64 = 0.905;
const DEV_RECALL: f64 = 0.931;
const DEV_EXACT: f64 = 0.902;
