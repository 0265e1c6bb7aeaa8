//! The province tagger against a labelled set of 200+ items (tests/fixtures/tagging.txt): precision and
//! recall over (item, region) pairs are printed and must stay at or above the documented floor.

use std::collections::BTreeSet;

use regionfeed::classify::gazetteer::Gazetteer;
use regionfeed::classify::tag::{TagInput, tag_item};
use regionfeed::regions;

const LABELLED: &str = include_str!("fixtures/tagging.txt");
const MIN_PRECISION: f64 = 0.95;
const MIN_RECALL: f64 = 0.90;

struct Case {
    hard: bool,
    source: Vec<&'static str>,
    title: &'static str,
    body: &'static str,
    expected: BTreeSet<String>,
}

fn cases() -> Vec<Case> {
    LABELLED
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('|').map(str::trim).collect();
            assert_eq!(fields.len(), 5, "bad line: {line}");
            let source = if fields[1] == "national" {
                Vec::new()
            } else {
                vec![regions::by_slug(fields[1]).expect("known region").slug]
            };
            Case {
                hard: fields[0] == "h",
                source,
                title: fields[2],
                body: fields[3],
                expected: fields[4]
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            }
        })
        .collect()
}

#[test]
fn tagging_precision_and_recall_on_the_labelled_set() {
    let cases = cases();
    let hard = cases.iter().filter(|case| case.hard).count();
    assert!(cases.len() >= 200, "{} items", cases.len());
    assert!(hard * 3 >= cases.len(), "{hard} hard of {}", cases.len());
    let gazetteer = Gazetteer::builtin();
    let (mut true_positives, mut predicted, mut expected, mut exact) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    for case in &cases {
        let got: BTreeSet<String> = tag_item(
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
        .collect();
        true_positives += got.intersection(&case.expected).count();
        predicted += got.len();
        expected += case.expected.len();
        if got == case.expected {
            exact += 1;
        } else {
            misses.push(format!(
                "  {} | expected {:?} got {:?}",
                case.title, case.expected, got
            ));
        }
    }
    let precision = true_positives as f64 / predicted as f64;
    let recall = true_positives as f64 / expected as f64;
    println!(
        "tagging: {} items ({hard} hard), precision {precision:.3}, recall {recall:.3}, \
         {exact} items exactly right",
        cases.len()
    );
    for miss in &misses {
        println!("{miss}");
    }
    assert!(precision >= MIN_PRECISION, "precision {precision:.3}");
    assert!(recall >= MIN_RECALL, "recall {recall:.3}");
}
