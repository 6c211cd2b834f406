//! `explain`: from whatever the user pasted (a code, an exception name, a message from CloudTrail or a stack
//! trace, whole or in part, quoted or escaped, or a whole log) to the topic that explains it. The text
//! is split into words once and every known name, phrase and message is looked up against that, so the
//! time grows with the input's length, not with its length times what is known.

use std::collections::HashSet;

use serde::Serialize;

use crate::kms_errors::{guide_messages, topic, Topic, TopicId, MESSAGE_TOPICS, NAMES};

/// Up to this many words, a pasted message is compared as a whole, line breaks and all. A longer input
/// is a log: its messages are compared line by line.
const WHOLE_WORDS: usize = 4096;
/// The lines of a log compared with each message (those that share four words with it), and the words of
/// each line that count.
const MAX_LINES: usize = 10_000;
const MAX_LINE_WORDS: usize = 256;

#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub input: String,
    /// The names and message phrases found, most specific first.
    pub recognised: Vec<String>,
    /// The KMS operation named in the text (`when calling the Encrypt operation`).
    pub kms_operation: Option<String>,
    pub topic: Option<&'static Topic>,
    /// False when nothing was recognised for certain; `suggestions` then holds the closest known texts.
    pub sure: bool,
    pub suggestions: Vec<String>,
}

/// Lowercase words of letters, digits and underscores, with escapes and quotes gone; lines stay lines.
fn normalise(text: &str) -> String {
    let unescaped = text.replace("\\n", "\n").replace("\\r", " ").replace("\\t", " ");
    unescaped
        .chars()
        .map(|c| match c {
            '\n' => '\n',
            c if c.is_alphanumeric() || c == '_' => c.to_ascii_lowercase(),
            _ => ' ',
        })
        .collect()
}

fn words_of(text: &str) -> Vec<String> {
    normalise(text).split_whitespace().map(str::to_string).collect()
}

/// Whether `phrase` occurs in `words` as consecutive words.
fn contains_phrase(words: &[&str], distinct: &HashSet<&str>, phrase: &[String]) -> bool {
    if phrase.is_empty() || !phrase.iter().all(|word| distinct.contains(word.as_str())) {
        return false;
    }
    words.windows(phrase.len()).any(|window| window.iter().zip(phrase).all(|(a, b)| *a == b))
}

/// How much of `message` the words of `input` cover, in order: the share of the message's words, or of
/// the input's words, whichever is larger, and how many words matched.
fn overlap(input: &[&str], message: &[String]) -> (f64, usize) {
    // Longest common subsequence of words: pasted fragments keep KMS's word order.
    let mut previous = vec![0usize; message.len() + 1];
    for word in input {
        let mut current = vec![0usize; message.len() + 1];
        for (j, candidate) in message.iter().enumerate() {
            current[j + 1] = if word == candidate { previous[j] + 1 } else { previous[j + 1].max(current[j]) };
        }
        previous = current;
    }
    let matched = previous[message.len()];
    let share = (matched as f64 / message.len().max(1) as f64).max(matched as f64 / input.len().max(1) as f64);
    (share, matched)
}

/// A message of the guide, as words.
struct Message {
    text: &'static str,
    words: Vec<String>,
    distinct: HashSet<String>,
}

fn known_messages() -> Vec<Message> {
    guide_messages()
        .map(|text| {
            let words = words_of(text);
            let distinct = words.iter().cloned().collect();
            Message { text, words, distinct }
        })
        .collect()
}

/// For each known message, the best cover any part of the input gives: the whole input when it is short,
/// else each distinct line that shares at least four words with the message.
fn message_overlaps<'m>(messages: &'m [Message], words: &[&str], lines: &[Vec<&str>]) -> Vec<(f64, usize, &'m str)> {
    let best = |segments: &mut dyn Iterator<Item = &[&str]>, message: &Message| {
        segments
            .map(|segment| overlap(segment, &message.words))
            .max_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .unwrap_or((0.0, 0))
    };
    if words.len() <= WHOLE_WORDS {
        return messages
            .iter()
            .map(|message| {
                let (share, matched) = best(&mut std::iter::once(words), message);
                (share, matched, message.text)
            })
            .collect();
    }
    // Which messages each word is in, so that each line is matched only with the messages it shares
    // words with, at a cost that grows with the line.
    let mut holding: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    for (index, message) in messages.iter().enumerate() {
        for word in &message.distinct {
            holding.entry(word.as_str()).or_default().push(index);
        }
    }
    let mut candidates: Vec<Vec<&[&str]>> = vec![Vec::new(); messages.len()];
    let mut seen = HashSet::new();
    for line in lines.iter().filter(|line| !line.is_empty() && seen.insert(*line)) {
        let line = &line[..line.len().min(MAX_LINE_WORDS)];
        let mut shared = vec![0usize; messages.len()];
        for word in line.iter().collect::<HashSet<_>>() {
            for &index in holding.get(*word).into_iter().flatten() {
                shared[index] += 1;
            }
        }
        for (index, count) in shared.into_iter().enumerate() {
            if count >= 4 && candidates[index].len() < MAX_LINES {
                candidates[index].push(line);
            }
        }
    }
    messages
        .iter()
        .zip(candidates)
        .map(|(message, lines)| {
            let (share, matched) = best(&mut lines.into_iter(), message);
            (share, matched, message.text)
        })
        .collect()
}

/// The topic of a message of the guide, by the phrase it contains.
fn message_topic(message: &str) -> Option<TopicId> {
    let words = words_of(message);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let distinct: HashSet<&str> = words.iter().copied().collect();
    MESSAGE_TOPICS.iter().find(|(phrase, _)| contains_phrase(&words, &distinct, &words_of(phrase))).map(|(_, id)| *id)
}

/// Names that say little on their own: KMS uses them for nearly every failure.
const GENERIC: &[&str] = &["KMSInvalidStateException", "CustomKeyStoreInvalidStateException"];

pub fn explain(text: &str) -> Answer {
    let normalised = normalise(text);
    let lines: Vec<Vec<&str>> = normalised.lines().map(|line| line.split_whitespace().collect()).collect();
    let words: Vec<&str> = lines.iter().flatten().copied().collect();
    let distinct: HashSet<&str> = words.iter().copied().collect();
    let kms_operation = words
        .windows(4)
        .find(|w| w[0] == "calling" && w[1] == "the" && w[3] == "operation")
        .and_then(|w| text.split_whitespace().find(|original| original.eq_ignore_ascii_case(w[2])))
        .map(|s| s.trim_matches(|c: char| !c.is_alphanumeric()).to_string());

    // Every name is one word once normalised (XKS_PROXY_TIMED_OUT, XksProxyUriInUseException).
    let mut names: Vec<&'static str> = NAMES
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| distinct.contains(name.to_ascii_lowercase().as_str()))
        .collect();
    names.sort_by_key(|name| GENERIC.contains(name));

    let phrase = MESSAGE_TOPICS.iter().find(|(phrase, _)| contains_phrase(&words, &distinct, &words_of(phrase)));
    let messages = known_messages();
    let overlaps = message_overlaps(&messages, &words, &lines);
    let fuzzy = overlaps
        .iter()
        .filter(|(share, matched, _)| *share >= 0.75 && *matched >= 4)
        .max_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));

    let mut recognised: Vec<String> = Vec::new();
    let mut topic_id = None;
    if let Some((phrase, id)) = phrase {
        recognised.push(format!("message: …{phrase}…"));
        topic_id = Some(*id);
    } else if let Some((_, _, message)) = fuzzy {
        recognised.push(format!("message: {message}"));
        topic_id = message_topic(message);
    }
    for name in &names {
        recognised.push(name.to_string());
    }
    if topic_id.is_none() {
        topic_id = names.first().and_then(|name| NAMES.iter().find(|(n, _)| n == name)).map(|(_, id)| *id);
    }
    let sure = topic_id.is_some();
    Answer {
        input: text.to_string(),
        recognised,
        kms_operation,
        topic: topic_id.map(topic),
        sure,
        suggestions: if sure { Vec::new() } else { suggestions(&words, &overlaps) },
    }
}

/// The closest known names (by edit distance) and messages (by shared words).
fn suggestions(words: &[&str], overlaps: &[(f64, usize, &str)]) -> Vec<String> {
    let mut seen = HashSet::new();
    let candidates: Vec<(&str, Letters)> =
        words.iter().copied().filter(|word| seen.insert(*word)).map(|word| (word, Letters::of(word))).collect();
    let mut scored: Vec<(f64, String)> = NAMES
        .iter()
        .filter_map(|(name, _)| {
            let lower = name.to_ascii_lowercase();
            let letters = Letters::of(&lower);
            // A score of 0.6 allows this many edits; no word further off is worth comparing.
            let allowed = lower.len() * 2 / 5;
            let best = candidates
                .iter()
                .filter(|(_, theirs)| theirs.fewest_edits_to(&letters) <= allowed)
                .filter_map(|(word, _)| within(word, &lower, allowed))
                .min()?;
            Some((1.0 - best as f64 / lower.len() as f64, name.to_string()))
        })
        .collect();
    scored.extend(
        overlaps
            .iter()
            .filter(|(_, matched, _)| *matched >= 2 && !words.is_empty())
            .map(|(share, _, message)| (share * 0.9, message.to_string())),
    );
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, text)| text).collect()
}

/// How often each character occurs in a word: letters, digits, `_`, and anything else together.
struct Letters([u16; 38]);

impl Letters {
    fn of(word: &str) -> Letters {
        let mut counts = [0u16; 38];
        for c in word.chars() {
            let bin = match c {
                'a'..='z' => c as usize - 'a' as usize,
                '0'..='9' => 26 + c as usize - '0' as usize,
                '_' => 36,
                _ => 37,
            };
            counts[bin] = counts[bin].saturating_add(1);
        }
        Letters(counts)
    }

    /// A lower bound of the edit distance: each edit adds or removes at most one character of each kind.
    fn fewest_edits_to(&self, other: &Letters) -> usize {
        let (mut more, mut fewer) = (0usize, 0usize);
        for (a, b) in self.0.iter().zip(&other.0) {
            match a.cmp(b) {
                std::cmp::Ordering::Greater => more += usize::from(a - b),
                std::cmp::Ordering::Less => fewer += usize::from(b - a),
                std::cmp::Ordering::Equal => {}
            }
        }
        more.max(fewer)
    }
}

/// The edit distance of `a` and `b` when it is at most `allowed`.
fn within(a: &str, b: &str, allowed: usize) -> Option<usize> {
    // Cheap first: words whose lengths differ by more cannot be that close.
    if a.chars().count().abs_diff(b.chars().count()) > allowed {
        return None;
    }
    let distance = strsim::levenshtein(a, b);
    (distance <= allowed).then_some(distance)
}
