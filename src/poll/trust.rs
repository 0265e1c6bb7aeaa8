//! Validators that lie: some servers keep their `ETag`/`Last-Modified` while the feed changes, and
//! answer 304 forever (Media Cloud's rss-fetcher keeps conditional GET off for that reason). Pure: the
//! state of one source's trust in, how to ask and what an answer proves out.
//!
//! After `revalidate_after` unchanged answers in a row (304s, or bodies identical to the last one: that
//! shortcut skips parsing, so it is checked the same way), one request goes out without
//! `If-None-Match`/`If-Modified-Since` and its body is parsed whatever its hash. If it brings new items
//! while the server's validators are the ones that earned the 304s, the validators lied: the source is
//! polled without them until they prove right again ([`PROOFS_TO_TRUST_AGAIN`] changes of the body, each
//! with new validators, and no change without). If an identical body parsed brings new items, the
//! identical-body shortcut is distrusted the same way (proved right by identical bodies that bring
//! nothing new).

use std::time::Duration;

/// How many consistent answers in a row make distrusted validators (or shortcut) trusted again.
pub const PROOFS_TO_TRUST_AGAIN: u32 = 3;
/// The default of `[poll] revalidate_after`: as many unchanged answers as span this long.
pub const REVALIDATE_SPAN: Duration = Duration::from_secs(24 * 3600);

/// One source's trust in its validators and in the identical-body shortcut.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustState {
    /// Unchanged answers in a row (304s and identical bodies).
    pub unchanged_in_a_row: u32,
    /// Whether that run holds a 304.
    pub run_had_not_modified: bool,
    /// Whether that run holds an identical body.
    pub run_had_same_body: bool,
    /// Since when (unix seconds) the validators are not sent; `None`: trusted.
    pub validators_distrusted_since: Option<i64>,
    /// Consistent answers in a row since the validators were distrusted.
    pub validator_proofs: u32,
    /// Since when (unix seconds) identical bodies are parsed all the same; `None`: trusted.
    pub body_hash_distrusted_since: Option<i64>,
    /// Consistent answers in a row since the shortcut was distrusted.
    pub body_hash_proofs: u32,
}

/// How to make the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asking {
    /// Send the stored `If-None-Match`/`If-Modified-Since`.
    pub send_validators: bool,
    /// Skip parsing a body identical to the last one.
    pub use_body_hash: bool,
    /// This is the check after a run of unchanged answers.
    pub revalidating: bool,
}

/// What one answer was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 304.
    NotModified,
    /// A body identical to the last one, not parsed.
    SameBody,
    /// A body parsed and stored.
    Parsed {
        /// Items new to the store.
        new_items: usize,
        /// The body is identical to the last one.
        same_body: bool,
        /// The answer carries validators, and they are the ones stored (those that earned any 304s).
        same_validators: bool,
    },
}

/// What an answer changed in the trust, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The validators said unchanged, yet the feed had this many new items.
    ValidatorsLied(usize),
    /// An identical body held this many new items.
    BodyHashLied(usize),
    /// The validators proved right again.
    ValidatorsTrustedAgain,
    /// The identical-body shortcut proved right again.
    BodyHashTrustedAgain,
}

/// `[poll] revalidate_after`, or by default as many answers as span [`REVALIDATE_SPAN`] at `interval`
/// (at least one).
pub fn revalidate_after(configured: Option<u32>, interval: Duration) -> u32 {
    configured
        .unwrap_or_else(|| {
            let interval = interval.as_secs().max(1);
            u32::try_from(REVALIDATE_SPAN.as_secs().div_ceil(interval)).unwrap_or(u32::MAX)
        })
        .max(1)
}

impl TrustState {
    /// How to ask next, after `revalidate_after` unchanged answers at most.
    pub fn asking(&self, revalidate_after: u32) -> Asking {
        let revalidating = self.unchanged_in_a_row >= revalidate_after;
        Asking {
            send_validators: !revalidating && self.validators_distrusted_since.is_none(),
            use_body_hash: !revalidating && self.body_hash_distrusted_since.is_none(),
            revalidating,
        }
    }

    /// Learns from `answer` to a request made as `asking`, at `now` (unix seconds).
    pub fn after(&mut self, asking: Asking, answer: Answer, now: i64) -> Option<Verdict> {
        let (new_items, same_body, same_validators) = match answer {
            Answer::NotModified => {
                self.unchanged_in_a_row += 1;
                self.run_had_not_modified = true;
                return None;
            }
            Answer::SameBody => {
                self.unchanged_in_a_row += 1;
                self.run_had_same_body = true;
                return None;
            }
            Answer::Parsed {
                new_items,
                same_body,
                same_validators,
            } => (new_items, same_body, same_validators),
        };
        let earned_by_validators = asking.revalidating && self.run_had_not_modified;
        self.unchanged_in_a_row = 0;
        self.run_had_not_modified = false;
        self.run_had_same_body = false;
        if same_body && new_items > 0 && self.body_hash_distrusted_since.is_none() {
            self.body_hash_distrusted_since = Some(now);
            self.body_hash_proofs = 0;
            return Some(Verdict::BodyHashLied(new_items));
        }
        if earned_by_validators
            && same_validators
            && new_items > 0
            && self.validators_distrusted_since.is_none()
        {
            self.validators_distrusted_since = Some(now);
            self.validator_proofs = 0;
            return Some(Verdict::ValidatorsLied(new_items));
        }
        self.prove(new_items, same_body, same_validators)
    }

    /// Counts an answer for or against distrusted validators and shortcut.
    fn prove(
        &mut self,
        new_items: usize,
        same_body: bool,
        same_validators: bool,
    ) -> Option<Verdict> {
        if self.validators_distrusted_since.is_some() && !same_body {
            // A changed body must come with changed validators.
            if same_validators {
                self.validator_proofs = 0;
            } else {
                self.validator_proofs += 1;
                if self.validator_proofs >= PROOFS_TO_TRUST_AGAIN {
                    self.validators_distrusted_since = None;
                    self.validator_proofs = 0;
                    return Some(Verdict::ValidatorsTrustedAgain);
                }
            }
        }
        if self.body_hash_distrusted_since.is_some() && same_body {
            // An identical body must bring nothing new.
            if new_items > 0 {
                self.body_hash_proofs = 0;
            } else {
                self.body_hash_proofs += 1;
                if self.body_hash_proofs >= PROOFS_TO_TRUST_AGAIN {
                    self.body_hash_distrusted_since = None;
                    self.body_hash_proofs = 0;
                    return Some(Verdict::BodyHashTrustedAgain);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_488_720;

    fn parsed(new_items: usize, same_body: bool, same_validators: bool) -> Answer {
        Answer::Parsed {
            new_items,
            same_body,
            same_validators,
        }
    }

    /// Answers `answers` in turn, asking as the state says each time; the verdicts in order.
    fn run(trust: &mut TrustState, revalidate_after: u32, answers: &[Answer]) -> Vec<Verdict> {
        answers
            .iter()
            .filter_map(|answer| {
                let asking = trust.asking(revalidate_after);
                trust.after(asking, *answer, NOW)
            })
            .collect()
    }

    #[test]
    fn the_default_spans_a_day() {
        assert_eq!(revalidate_after(None, Duration::from_secs(600)), 144);
        assert_eq!(revalidate_after(None, Duration::from_secs(7 * 3600)), 4);
        assert_eq!(revalidate_after(None, Duration::from_secs(86_400)), 1);
        assert_eq!(revalidate_after(None, Duration::from_secs(3 * 86_400)), 1);
        assert_eq!(revalidate_after(Some(5), Duration::from_secs(600)), 5);
        assert_eq!(revalidate_after(Some(0), Duration::from_secs(600)), 1);
    }

    #[test]
    fn a_lying_etag_is_caught_after_the_run_and_trusted_again_after_proofs() {
        let mut trust = TrustState::default();
        let not_modified = [Answer::NotModified; 3];
        assert!(run(&mut trust, 3, &not_modified).is_empty());
        let check = trust.asking(3);
        assert!(check.revalidating && !check.send_validators && !check.use_body_hash);
        // The unconditional request finds new items under the very validators that earned the 304s.
        assert_eq!(
            trust.after(check, parsed(4, false, true), NOW),
            Some(Verdict::ValidatorsLied(4))
        );
        assert_eq!(trust.validators_distrusted_since, Some(NOW));
        assert!(!trust.asking(3).send_validators && trust.asking(3).use_body_hash);
        // A change without new validators resets the proof; three honest changes restore trust.
        let verdicts = run(
            &mut trust,
            3,
            &[
                parsed(1, false, false),
                parsed(1, false, true),
                parsed(0, true, true),
                parsed(2, false, false),
                parsed(1, false, false),
                parsed(1, false, false),
            ],
        );
        assert_eq!(verdicts, [Verdict::ValidatorsTrustedAgain]);
        assert!(trust.asking(3).send_validators);
    }

    #[test]
    fn honest_answers_keep_trust() {
        // The feed changed just before the check and the server said so with a new ETag: honest.
        let mut trust = TrustState::default();
        run(&mut trust, 2, &[Answer::NotModified, Answer::NotModified]);
        assert!(run(&mut trust, 2, &[parsed(3, false, false)]).is_empty());
        // The check finds nothing new: the run was right; counting starts again.
        run(&mut trust, 2, &[Answer::NotModified, Answer::NotModified]);
        assert!(run(&mut trust, 2, &[parsed(0, true, true)]).is_empty());
        assert_eq!(trust, TrustState::default());
    }

    #[test]
    fn an_identical_body_with_new_items_distrusts_the_shortcut() {
        let mut trust = TrustState::default();
        run(&mut trust, 2, &[Answer::SameBody, Answer::SameBody]);
        assert!(trust.asking(2).revalidating);
        assert_eq!(
            run(&mut trust, 2, &[parsed(2, true, false)]),
            [Verdict::BodyHashLied(2)]
        );
        let asking = trust.asking(2);
        assert!(asking.send_validators && !asking.use_body_hash);
        let verdicts = run(
            &mut trust,
            2,
            &[
                parsed(0, true, false),
                parsed(0, true, false),
                parsed(0, true, false),
            ],
        );
        assert_eq!(verdicts, [Verdict::BodyHashTrustedAgain]);
    }
}
