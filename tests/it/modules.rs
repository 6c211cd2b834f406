//! The shape of `src/`: no module uses, directly or through others, a module that uses it back, so each
//! layer (facts, gathering, checks, verdict, reports) can be read and changed from the bottom up.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each source file's module path (`checks::gates`), with its text.
fn modules() -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let relative = path.strip_prefix(&root).unwrap().with_extension("");
            let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            // `mod.rs` is its folder's module and `lib.rs` the crate's; `main.rs` is the binary's own root.
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            found.insert(parts.join("::"), std::fs::read_to_string(&path).unwrap());
        }
    }
    found
}

/// The text with comments and the insides of string literals blanked, so that neither is read as a path.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' => {
                out.push('"');
                let mut escaped = false;
                for c in chars.by_ref() {
                    if c == '"' && !escaped {
                        break;
                    }
                    escaped = c == '\\' && !escaped;
                }
                out.push('"');
            }
            // A character literal or a lifetime: `'"'` must not open a string.
            '\'' => {
                out.push('\'');
                let quoted: String = chars.clone().take(4).collect();
                if let Some(end) = quoted.find('\'').filter(|&end| end > 0) {
                    for _ in 0..=end {
                        chars.next();
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Words, and every other character that is not white space on its own.
fn tokens(code: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    for c in code.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            tokens.push(std::mem::take(&mut word));
        }
        if !c.is_whitespace() {
            tokens.push(c.to_string());
        }
    }
    tokens.extend((!word.is_empty()).then_some(word));
    tokens
}

/// Every path a file names from `crate`, `super` or `self`: in `use` trees (braces expanded) and inline.
fn paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let tokens = tokens(code);
    let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let mut at = 0;
    while at < tokens.len() {
        if tokens[at] == "use" {
            let end = tokens[at..].iter().position(|t| *t == ";").map_or(tokens.len(), |p| at + p);
            expand(&tokens[at + 1..end], String::new(), &mut found);
            at = end;
        } else if matches!(tokens[at], "crate" | "super") {
            let mut path = tokens[at].to_string();
            let mut next = at + 1;
            while tokens.get(next) == Some(&":") && tokens.get(next + 1) == Some(&":") {
                match tokens.get(next + 2) {
                    Some(word) if word.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                        path.push_str("::");
                        path.push_str(word);
                        next += 3;
                    }
                    _ => break,
                }
            }
            found.push(path);
            at = next;
        } else {
            at += 1;
        }
    }
    found
}

/// The paths of one `use` tree, `prefix` before each.
fn expand(tokens: &[&str], prefix: String, found: &mut Vec<String>) {
    let mut path = prefix.clone();
    let mut at = 0;
    while at < tokens.len() {
        match tokens[at] {
            ":" => at += 1,
            "{" => {
                let mut depth = 0;
                let mut start = at + 1;
                for index in at..tokens.len() {
                    match tokens[index] {
                        "{" => depth += 1,
                        "}" if depth == 1 => {
                            expand(&tokens[start..index], path.clone(), found);
                            break;
                        }
                        "}" => depth -= 1,
                        "," if depth == 1 => {
                            expand(&tokens[start..index], path.clone(), found);
                            start = index + 1;
                        }
                        _ => {}
                    }
                }
                return;
            }
            "as" | "," => break,
            // `a::{self, B}` names `a` itself.
            "self" if at == 0 && !prefix.is_empty() => {
                found.push(prefix);
                return;
            }
            word => {
                if !path.is_empty() {
                    path.push_str("::");
                }
                path.push_str(word);
                at += 1;
            }
        }
    }
    if path != prefix {
        found.push(path);
    }
}

/// The module a path from `module` lands in: the longest module its segments name.
fn target(module: &str, path: &str, known: &BTreeSet<&str>) -> Option<String> {
    let mut segments: Vec<&str> = path.split("::").collect();
    let mut base: Vec<&str> = if module.is_empty() { Vec::new() } else { module.split("::").collect() };
    match segments.first().copied() {
        Some("crate") => {
            base.clear();
            segments.remove(0);
        }
        Some("self") => {
            segments.remove(0);
        }
        Some("super") => {
            while segments.first() == Some(&"super") {
                base.pop();
                segments.remove(0);
            }
        }
        _ => return None,
    }
    (0..=segments.len()).rev().find_map(|take| {
        let candidate = base.iter().chain(&segments[..take]).copied().collect::<Vec<_>>().join("::");
        known.contains(candidate.as_str()).then_some(candidate)
    })
}

fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let known: BTreeSet<&str> = modules.keys().map(String::as_str).collect();
    modules
        .iter()
        .map(|(module, text)| {
            let targets = paths(&code_only(text))
                .iter()
                .filter_map(|path| target(module, path, &known))
                // A module declares its children (`mod`, `pub use`): only uses of other modules count.
                .filter(|used| used != module && !used.starts_with(&format!("{module}::")))
                .collect();
            (module.clone(), targets)
        })
        .collect()
}

/// A chain of uses from a module back to itself, if there is one.
fn cycle(uses: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    for start in uses.keys() {
        // Depth-first, each module entered once per start.
        let mut stack: Vec<Vec<&str>> = vec![vec![start.as_str()]];
        let mut seen = BTreeSet::new();
        while let Some(path) = stack.pop() {
            for next in uses.get(*path.last().unwrap()).into_iter().flatten() {
                let mut longer = path.clone();
                longer.push(next);
                if next == start {
                    return Some(longer.into_iter().map(str::to_string).collect());
                }
                if seen.insert(next.as_str()) {
                    stack.push(longer);
                }
            }
        }
    }
    None
}

#[test]
fn no_module_in_src_uses_a_module_that_uses_it_back() {
    let uses = uses();
    assert!(uses["checks::gates"].contains("catalogue"), "the reader sees paths: {:?}", uses["checks::gates"]);
    if let Some(chain) = cycle(&uses) {
        panic!("an import cycle: {}", chain.join(" → "));
    }
}

#[test]
fn a_cycle_through_several_modules_is_found() {
    let graph = |edges: &[(&str, &str)]| {
        let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in edges {
            uses.entry(from.to_string()).or_default().insert(to.to_string());
        }
        uses
    };
    assert_eq!(cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "d")])), None);
    assert!(cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")])).is_some());
}

#[test]
fn the_check_sections_use_the_shared_gates_and_never_each_other() {
    let uses = uses();
    let sections = ["config", "vpc", "dns", "net", "tls", "proxy", "key", "monitor"].map(|s| format!("checks::{s}"));
    for section in &sections {
        let others: Vec<&String> = uses[section].iter().filter(|used| sections.contains(used)).collect();
        assert!(others.is_empty(), "{section} uses {others:?}");
    }
    assert!(uses["checks::proxy"].contains("checks::gates") && uses["checks::key"].contains("checks::gates"));
}

#[test]
fn the_reader_sees_use_trees_and_inline_paths_but_not_comments_or_strings() {
    let code = code_only("use super::b::{self, C};\n// use crate::z;\nfn f() { crate::a::g(\"crate::y\") }");
    let mut found = paths(&code);
    found.sort();
    assert_eq!(found, vec!["crate::a::g", "super::b", "super::b::C"]);
}
