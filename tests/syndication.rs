//! Cross-source story merging against a labelled set of 66 pairs (tests/fixtures/syndication.txt): the
//! merge precision and recall at the chosen threshold are printed (with the whole threshold sweep) and
//! must stay at or above what was measured when the threshold was chosen.

use regionfeed::classify::syndication::{
    MAX_DISTANCE, anchors_agree, distance, lead_containment, same_story, story_print,
    swaps_a_short_word,
};

const PAIRS: &str = include_str!("fixtures/syndication.txt");
/// Measured when MAX_DISTANCE was chosen (see the closing note of issue 4 and ARCHITECTURE.md).
const MIN_PRECISION: f64 = 1.0;
const MIN_RECALL: f64 = 0.97;

struct Pair {
    same: bool,
    distance: u32,
    anchors_agree: bool,
    merged: bool,
    lead: f64,
    swap: bool,
    title: &'static str,
}

fn pairs() -> Vec<Pair> {
    PAIRS
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('|').map(str::trim).collect();
            assert_eq!(fields.len(), 5, "bad line: {line}");
            let a = story_print(fields[1], fields[2]);
            let b = story_print(fields[3], fields[4]);
            Pair {
                same: fields[0] == "same",
                distance: distance(&a, &b),
                anchors_agree: anchors_agree(&a.anchors, &b.anchors),
                merged: same_story(&a, &b),
                lead: lead_containment(&a.lead, &b.lead),
                swap: swaps_a_short_word(&a.title, &b.title),
                title: fields[1],
            }
        })
        .collect()
}

fn rates(pairs: &[Pair], merged: impl Fn(&Pair) -> bool) -> (f64, f64) {
    let true_merges = pairs.iter().filter(|p| p.same && merged(p)).count() as f64;
    let merges = pairs.iter().filter(|p| merged(p)).count() as f64;
    let copies = pairs.iter().filter(|p| p.same).count() as f64;
    let precision = if merges == 0.0 {
        1.0
    } else {
        true_merges / merges
    };
    (precision, true_merges / copies)
}

#[test]
fn merge_precision_and_recall_on_the_labelled_pairs() {
    let pairs = pairs();
    assert!(pairs.len() >= 60, "{} pairs", pairs.len());
    println!(
        "SimHash alone, by threshold (bits: precision recall; with anchors: precision recall):"
    );
    for threshold in (0..=32).step_by(4) {
        let (precision, recall) = rates(&pairs, |p| p.distance <= threshold && p.anchors_agree);
        let (bare_precision, bare_recall) = rates(&pairs, |p| p.distance <= threshold);
        println!(
            "  {threshold:>2}: {bare_precision:.3} {bare_recall:.3}; {precision:.3} {recall:.3}"
        );
    }
    for pair in &pairs {
        if pair.merged != pair.same {
            println!(
                "  wrong: {} {} (distance {}, anchors agree {}, lead containment {:.2}, short word swapped {})",
                if pair.same { "missed" } else { "false merge" },
                pair.title,
                pair.distance,
                pair.anchors_agree,
                pair.lead,
                pair.swap
            );
        }
    }
    let (precision, recall) = rates(&pairs, |p| p.merged);
    println!("at MAX_DISTANCE {MAX_DISTANCE}: precision {precision:.3}, recall {recall:.3}");
    assert!(precision >= MIN_PRECISION, "precision {precision:.3}");
    assert!(recall >= MIN_RECALL, "recall {recall:.3}");
}
