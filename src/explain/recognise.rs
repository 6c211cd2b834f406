//! From whatever the user pasted (a code, an exception name, a message from CloudTrail or a stack
//! trace, whole or in part, quoted or escaped) to the topic that explains it.

use serde::Serialize;

use super::topics::{topic, Topic, TopicId, MESSAGE_TOPICS, NAMES};

/// KMS's messages from the troubleshooting guide, as data: what users paste is KMS's wording.
const KNOWN: &str = include_str!("../../data/kms-errors.tsv");

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

/// Lowercase words of letters, digits and underscores, with escapes, quotes and line breaks gone.
fn normalise(text: &str) -> String {
    let unescaped = text.replace("\\n", " ").replace("\\r", " ").replace("\\t", " ");
    unescaped
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '_' { c.to_ascii_lowercase() } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn contains_words(haystack: &str, needle: &str) -> bool {
    !needle.is_empty() && format!(" {haystack} ").contains(&format!(" {needle} "))
}

/// The guide's messages.
fn known_messages() -> impl Iterator<Item = &'static str> {
    KNOWN.lines().filter_map(|line| line.strip_prefix("message\t"))
}

/// How much of `message` the words of `input` cover, in order: the share of the message's words, or of
/// the input's words, whichever is larger, and how many words matched.
fn overlap(input: &[&str], message: &[&str]) -> (f64, usize) {
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

/// For each known message: how much of it the input's words cover, and how many words matched.
fn message_overlaps(words: &[&str]) -> Vec<(f64, usize, &'static str)> {
    known_messages()
        .map(|message| {
            let message_words = normalise(message);
            let (share, matched) = overlap(words, &message_words.split_whitespace().collect::<Vec<_>>());
            (share, matched, message)
        })
        .collect()
}

fn message_topic(message: &str) -> Option<TopicId> {
    let message = normalise(message);
    MESSAGE_TOPICS.iter().find(|(phrase, _)| contains_words(&message, &normalise(phrase))).map(|(_, id)| *id)
}

/// Names that say little on their own: KMS uses them for nearly every failure.
const GENERIC: &[&str] = &["KMSInvalidStateException", "CustomKeyStoreInvalidStateException"];

pub fn explain(text: &str) -> Answer {
    let normalised = normalise(text);
    let words: Vec<&str> = normalised.split_whitespace().collect();
    let kms_operation = words
        .windows(4)
        .find(|w| w[0] == "calling" && w[1] == "the" && w[3] == "operation")
        .and_then(|w| text.split_whitespace().find(|original| original.eq_ignore_ascii_case(w[2])))
        .map(|s| s.trim_matches(|c: char| !c.is_alphanumeric()).to_string());

    let mut names: Vec<&'static str> = NAMES
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| contains_words(&normalised, &name.to_ascii_lowercase()))
        .collect();
    names.sort_by_key(|name| GENERIC.contains(name));

    let phrase = MESSAGE_TOPICS.iter().find(|(phrase, _)| contains_words(&normalised, &normalise(phrase)));
    let overlaps = message_overlaps(&words);
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
        suggestions: if sure { Vec::new() } else { suggestions(&normalised, &words, &overlaps) },
    }
}

/// The closest known names (by edit distance) and messages (by shared words).
fn suggestions(normalised: &str, words: &[&str], overlaps: &[(f64, usize, &'static str)]) -> Vec<String> {
    let mut scored: Vec<(f64, String)> = NAMES
        .iter()
        .map(|(name, _)| {
            let lower = name.to_ascii_lowercase();
            let best = words.iter().map(|w| edit_distance(w, &lower)).min().unwrap_or(usize::MAX);
            (1.0 - best as f64 / lower.len() as f64, name.to_string())
        })
        .filter(|(score, _)| *score >= 0.6)
        .collect();
    scored.extend(
        overlaps
            .iter()
            .filter(|(_, matched, _)| *matched >= 2 && !normalised.is_empty())
            .map(|(share, _, message)| (share * 0.9, message.to_string())),
    );
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, text)| text).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            current[j + 1] = (previous[j] + usize::from(ca != *cb)).min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}
