//! Just enough of CloudWatch's Metrics Insights language to read the query of an existing alarm:
//! `SELECT FUNCTION(metric) FROM namespace | SCHEMA(namespace, key, …) [WHERE key = 'value' [AND …]]
//! [GROUP BY key, …] [ORDER BY FUNCTION() ASC|DESC] [LIMIT n]`. Anything else is not read, so an alarm
//! whose query this cannot follow is never taken to cover a recommendation.

/// A label value as a query spells it: in single quotes, a quote or backslash escaped.
pub(super) fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Query {
    /// Upper case: `SUM`, `AVG`, …
    pub function: String,
    pub metric: String,
    pub namespace: String,
    pub conditions: Vec<Condition>,
    /// A grouped query gives one series per group: each is judged alone, as an alarm per group would be.
    pub group_by: Vec<String>,
    /// `LIMIT` keeps only some series: the others are not watched.
    pub limited: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Condition {
    pub key: String,
    /// `=`, else `!=`.
    pub equal: bool,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A bare word or a double-quoted name.
    Name(String),
    /// A single-quoted label value.
    Value(String),
    Symbol(&'static str),
}

fn tokens(text: &str) -> Option<Vec<Token>> {
    let mut found = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '"' | '\'' => {
                chars.next();
                let mut quoted = String::new();
                loop {
                    match chars.next()? {
                        '\\' => quoted.push(chars.next()?),
                        end if end == c => break,
                        other => quoted.push(other),
                    }
                }
                found.push(if c == '"' { Token::Name(quoted) } else { Token::Value(quoted) });
            }
            '(' | ')' | ',' | '=' => {
                chars.next();
                found.push(Token::Symbol(match c {
                    '(' => "(",
                    ')' => ")",
                    ',' => ",",
                    _ => "=",
                }));
            }
            '!' => {
                chars.next();
                if chars.next()? != '=' {
                    return None;
                }
                found.push(Token::Symbol("!="));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek().filter(|c| c.is_alphanumeric() || matches!(c, '_' | '.')) {
                    word.push(c);
                    chars.next();
                }
                if word.is_empty() {
                    return None;
                }
                found.push(Token::Name(word));
            }
        }
    }
    Some(found)
}

struct Reader {
    tokens: Vec<Token>,
    at: usize,
}

impl Reader {
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn name(&mut self) -> Option<String> {
        match self.next()? {
            Token::Name(name) => Some(name),
            _ => None,
        }
    }

    fn symbol(&mut self, symbol: &str) -> Option<()> {
        matches!(self.next()?, Token::Symbol(s) if s == symbol).then_some(())
    }

    /// The keyword `word`, which must come next.
    fn expect(&mut self, word: &str) -> Option<()> {
        self.keyword(word).then_some(())
    }

    /// The next keyword, in any case, when it is `word`; nothing is read otherwise.
    fn keyword(&mut self, word: &str) -> bool {
        let here = matches!(self.peek(), Some(Token::Name(name)) if name.eq_ignore_ascii_case(word));
        if here {
            self.at += 1;
        }
        here
    }

    /// `name, name, …` up to the first token that is not a comma after a name.
    fn names(&mut self) -> Option<Vec<String>> {
        let mut names = vec![self.name()?];
        while self.peek() == Some(&Token::Symbol(",")) {
            self.at += 1;
            names.push(self.name()?);
        }
        Some(names)
    }
}

/// The query, when `text` is a Metrics Insights query this reads whole.
pub(super) fn parse(text: &str) -> Option<Query> {
    let mut reader = Reader { tokens: tokens(text)?, at: 0 };
    reader.expect("SELECT")?;
    let function = reader.name()?.to_ascii_uppercase();
    reader.symbol("(")?;
    let metric = reader.name()?;
    reader.symbol(")")?;
    reader.expect("FROM")?;
    let namespace = if reader.keyword("SCHEMA") {
        reader.symbol("(")?;
        let namespace = reader.names()?.remove(0);
        reader.symbol(")")?;
        namespace
    } else {
        reader.name()?
    };
    let mut query = Query { function, metric, namespace, conditions: Vec::new(), group_by: Vec::new(), limited: false };
    if reader.keyword("WHERE") {
        loop {
            let key = reader.name()?;
            let equal = match reader.next()? {
                Token::Symbol("=") => true,
                Token::Symbol("!=") => false,
                _ => return None,
            };
            let Token::Value(value) = reader.next()? else { return None };
            query.conditions.push(Condition { key, equal, value });
            if !reader.keyword("AND") {
                break;
            }
        }
    }
    if reader.keyword("GROUP") {
        reader.expect("BY")?;
        query.group_by = reader.names()?;
    }
    if reader.keyword("ORDER") {
        reader.expect("BY")?;
        reader.name()?;
        reader.symbol("(")?;
        reader.symbol(")")?;
        let _ = reader.keyword("ASC") || reader.keyword("DESC");
    }
    if reader.keyword("LIMIT") {
        reader.name()?;
        query.limited = true;
    }
    reader.peek().is_none().then_some(query)
}
