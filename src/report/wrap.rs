//! Text filled to a width as a terminal shows it: lines break at spaces, never inside a word that
//! fits; a word longer than the whole width (a KMS name, an ARN) breaks after `_`, `/`, `-`, `.` or
//! before a capital that follows a lowercase letter, never in the middle of a name part, and without
//! a hyphen added, so what is copied from the screen is what was meant.

/// `text` filled to `width` columns.
pub fn fill(text: &str, width: usize) -> String {
    let width = width.max(1);
    let prepared: String = text
        .split('\n')
        .map(|line| line.split(' ').map(|word| split_long(word, width)).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n");
    let options = textwrap::Options::new(width).word_splitter(textwrap::WordSplitter::NoHyphenation).break_words(false);
    textwrap::fill(&prepared, options)
}

/// `text` filled to `width` columns after `lead`, its later lines indented to start under the first's
/// text.
pub fn hanging(lead: &str, text: &str, width: usize) -> String {
    let pad = " ".repeat(lead.chars().count());
    let body = fill(text, width.saturating_sub(pad.len()));
    let lines: Vec<String> = body
        .lines()
        .enumerate()
        .map(|(index, line)| format!("{}{line}", if index == 0 { lead } else { pad.as_str() }))
        .collect();
    lines.join("\n")
}

/// A word no wider than `width` as it is; a longer one as pieces, each as long as the width allows
/// while ending at a boundary, separated by spaces. Two neighbouring pieces together are wider than
/// the width, so the filling always puts a line break between them.
fn split_long(word: &str, width: usize) -> String {
    if word.chars().count() <= width {
        return word.to_string();
    }
    let chars: Vec<char> = word.chars().collect();
    // Positions where a piece may end (a break before index i).
    let boundary = |i: usize| {
        let (before, after) = (chars[i - 1], chars[i]);
        matches!(before, '_' | '/' | '-' | '.' | ',' | ':' | '=' | '&')
            || (before.is_ascii_lowercase() && after.is_ascii_uppercase())
    };
    let mut pieces = Vec::new();
    let mut start = 0;
    while chars.len() - start > width {
        let end = (start + 1..=start + width).rev().find(|&i| boundary(i));
        match end {
            Some(end) => {
                pieces.push(chars[start..end].iter().collect::<String>());
                start = end;
            }
            // No boundary within the width: the rest stays whole, as wide as it is.
            None => break,
        }
    }
    pieces.push(chars[start..].iter().collect());
    pieces.join(" ")
}
