//! The condition language of tiers and statutory clauses.
//!
//! ```text
//! expr  := or
//! or    := and (("||" | "or") and)*
//! and   := unary (("&&" | "and") unary)*
//! unary := ("!" | "not") unary | "(" expr ")" | atom
//! atom  := "true" | "false" | FACT | FACT CMP LITERAL | FACT "in" "[" VALUE ("," VALUE)* "]"
//! CMP   := "<" | "<=" | ">" | ">=" | "==" | "!="
//! ```
//! A bare FACT must be a yes/no fact. Money literals are yuan (converted to fen here, so the
//! comparison itself is exact); enum literals are value names. Conditions are compiled against
//! the benchmark's fact table once, at load, so evaluation never looks a name up.

use crate::facts::{FactKind, FactTable};
use crate::money::parse_hundredths;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    fn apply(self, a: i64, b: i64) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
            Op::Eq => a == b,
            Op::Ne => a != b,
        }
    }
}

/// A compiled condition over a fact vector.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Const(bool),
    /// A yes/no fact is true.
    Fact(usize),
    Cmp(usize, Op, i64),
    In(usize, Vec<i64>),
    Not(Box<Cond>),
    All(Vec<Cond>),
    Any(Vec<Cond>),
}

impl Cond {
    #[inline]
    pub fn eval(&self, facts: &[i64]) -> bool {
        match self {
            Cond::Const(b) => *b,
            Cond::Fact(i) => facts.get(*i).is_some_and(|v| *v != 0),
            Cond::Cmp(i, op, c) => facts.get(*i).is_some_and(|v| op.apply(*v, *c)),
            Cond::In(i, set) => facts.get(*i).is_some_and(|v| set.contains(v)),
            Cond::Not(c) => !c.eval(facts),
            Cond::All(cs) => cs.iter().all(|c| c.eval(facts)),
            Cond::Any(cs) => cs.iter().any(|c| c.eval(facts)),
        }
    }

    /// Every fact the condition reads, and every constant a numeric fact is compared with
    /// (the load check's systematic search starts from these).
    pub fn collect(&self, facts: &mut Vec<usize>, thresholds: &mut Vec<(usize, i64)>) {
        match self {
            Cond::Const(_) => {}
            Cond::Fact(i) => facts.push(*i),
            Cond::Cmp(i, _, c) => {
                facts.push(*i);
                thresholds.push((*i, *c));
            }
            Cond::In(i, _) => facts.push(*i),
            Cond::Not(c) => c.collect(facts, thresholds),
            Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| c.collect(facts, thresholds)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Num(String),
    Op(Op),
    And,
    Or,
    Not,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
}

fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let cs: Vec<char> = src.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        let next = cs.get(i + 1).copied();
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => (out.push(Tok::LParen), i += 1).1,
            ')' => (out.push(Tok::RParen), i += 1).1,
            '[' => (out.push(Tok::LBracket), i += 1).1,
            ']' => (out.push(Tok::RBracket), i += 1).1,
            ',' => (out.push(Tok::Comma), i += 1).1,
            '&' if next == Some('&') => (out.push(Tok::And), i += 2).1,
            '|' if next == Some('|') => (out.push(Tok::Or), i += 2).1,
            '<' | '>' | '=' | '!' => {
                let (tok, len) = match (c, next) {
                    ('<', Some('=')) => (Tok::Op(Op::Le), 2),
                    ('<', _) => (Tok::Op(Op::Lt), 1),
                    ('>', Some('=')) => (Tok::Op(Op::Ge), 2),
                    ('>', _) => (Tok::Op(Op::Gt), 1),
                    ('=', Some('=')) => (Tok::Op(Op::Eq), 2),
                    ('!', Some('=')) => (Tok::Op(Op::Ne), 2),
                    ('!', _) => (Tok::Not, 1),
                    _ => return Err(format!("unexpected '{c}' at {i}")),
                };
                out.push(tok);
                i += len;
            }
            c if c.is_ascii_digit() || c == '.' => {
                let s = i;
                while i < cs.len() && (cs[i].is_ascii_digit() || cs[i] == '.' || cs[i] == '_') {
                    i += 1;
                }
                out.push(Tok::Num(cs[s..i].iter().collect()));
            }
            c if c.is_alphanumeric() || c == '_' => {
                let s = i;
                while i < cs.len() && (cs[i].is_alphanumeric() || cs[i] == '_' || cs[i] == '-') {
                    i += 1;
                }
                let w: String = cs[s..i].iter().collect();
                out.push(match w.as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    _ => Tok::Ident(w),
                });
            }
            _ => return Err(format!("unexpected '{c}' at {i}")),
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    facts: &'a FactTable,
}

/// Compile `src` against the fact table. The error is an English sentence naming the problem;
/// the caller adds the file and place.
pub fn compile(src: &str, facts: &FactTable) -> Result<Cond, String> {
    let toks = lex(src)?;
    if toks.is_empty() {
        return Err("empty condition".into());
    }
    let mut p = Parser { toks, pos: 0, facts };
    let c = p.or()?;
    if p.pos != p.toks.len() {
        return Err(format!("unexpected {:?} after a complete condition", p.toks[p.pos]));
    }
    Ok(c)
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn or(&mut self) -> Result<Cond, String> {
        let mut v = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            v.push(self.and()?);
        }
        Ok(if v.len() == 1 { v.pop().unwrap_or(Cond::Const(false)) } else { Cond::Any(v) })
    }
    fn and(&mut self) -> Result<Cond, String> {
        let mut v = vec![self.unary()?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            v.push(self.unary()?);
        }
        Ok(if v.len() == 1 { v.pop().unwrap_or(Cond::Const(true)) } else { Cond::All(v) })
    }
    fn unary(&mut self) -> Result<Cond, String> {
        match self.bump() {
            Some(Tok::Not) => Ok(Cond::Not(Box::new(self.unary()?))),
            Some(Tok::LParen) => {
                let c = self.or()?;
                match self.bump() {
                    Some(Tok::RParen) => Ok(c),
                    _ => Err("missing ')'".into()),
                }
            }
            Some(Tok::Ident(name)) => self.atom(name),
            Some(t) => Err(format!("expected a fact name, found {t:?}")),
            None => Err("condition ends too early".into()),
        }
    }
    fn atom(&mut self, name: String) -> Result<Cond, String> {
        if name == "true" {
            return Ok(Cond::Const(true));
        }
        if name == "false" {
            return Ok(Cond::Const(false));
        }
        let (idx, def) = self
            .facts
            .lookup(&name)
            .ok_or_else(|| format!("unknown fact '{name}' (declare it under [[facts]])"))?;
        match self.peek().cloned() {
            Some(Tok::Op(op)) => {
                self.pos += 1;
                let lit = match self.bump() {
                    Some(Tok::Num(n)) => n,
                    Some(Tok::Ident(w)) => w,
                    _ => return Err(format!("'{name}' compared with nothing")),
                };
                let v = literal(&name, &def.kind, &lit)?;
                if matches!(def.kind, FactKind::Enum { .. } | FactKind::Bool)
                    && !matches!(op, Op::Eq | Op::Ne)
                {
                    return Err(format!("'{name}' can only be compared with == or !="));
                }
                Ok(Cond::Cmp(idx, op, v))
            }
            Some(Tok::Ident(w)) if w == "in" => {
                self.pos += 1;
                if self.bump() != Some(Tok::LBracket) {
                    return Err("expected '[' after 'in'".into());
                }
                let mut vals = Vec::new();
                loop {
                    match self.bump() {
                        Some(Tok::Ident(w)) | Some(Tok::Num(w)) => vals.push(literal(&name, &def.kind, &w)?),
                        Some(Tok::RBracket) if vals.is_empty() => break,
                        _ => return Err("malformed 'in [...]' list".into()),
                    }
                    match self.bump() {
                        Some(Tok::Comma) => {}
                        Some(Tok::RBracket) => break,
                        _ => return Err("malformed 'in [...]' list".into()),
                    }
                }
                Ok(Cond::In(idx, vals))
            }
            _ => match def.kind {
                FactKind::Bool => Ok(Cond::Fact(idx)),
                _ => Err(format!("'{name}' is not a yes/no fact; compare it with a value")),
            },
        }
    }
}

fn literal(name: &str, kind: &FactKind, lit: &str) -> Result<i64, String> {
    match kind {
        FactKind::Bool => match lit {
            "true" => Ok(1),
            "false" => Ok(0),
            _ => Err(format!("'{name}' is yes/no; compare with true or false, not '{lit}'")),
        },
        FactKind::Money => parse_hundredths(lit)
            .ok_or_else(|| format!("'{lit}' is not a yuan amount (at most two decimals) for '{name}'")),
        FactKind::Integer { .. } => lit
            .replace('_', "")
            .parse::<i64>()
            .map_err(|_| format!("'{lit}' is not a whole number for '{name}'")),
        FactKind::Enum { values } => values
            .iter()
            .position(|v| v == lit)
            .map(|p| p as i64)
            .ok_or_else(|| format!("'{lit}' is not one of {values:?} for '{name}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{FactDef, FactTable};

    fn table() -> FactTable {
        FactTable::with_file_facts(vec![
            FactDef::new("value", FactKind::Money),
            FactDef::new("days", FactKind::Integer { unit: "day".into() }),
            FactDef::new("party", FactKind::Enum { values: vec!["individual".into(), "unit".into()] }),
        ])
        .unwrap()
    }

    #[test]
    fn compiles_and_evaluates() {
        let t = table();
        let c = compile("value < 10000 && (days > 30 or party == unit) && !first_offence", &t).unwrap();
        let mut f = t.defaults();
        let (v, _) = t.lookup("value").unwrap();
        let (d, _) = t.lookup("days").unwrap();
        let (p, _) = t.lookup("party").unwrap();
        f[v] = 999_999;
        f[d] = 31;
        assert!(c.eval(&f));
        f[v] = 1_000_000;
        assert!(!c.eval(&f));
        f[v] = 0;
        f[d] = 0;
        f[p] = 1;
        assert!(c.eval(&f));
        assert!(compile("harm in [none, minor]", &t).is_ok());
    }

    #[test]
    fn rejects_bad_conditions() {
        let t = table();
        for bad in ["", "nope > 1", "value", "party < unit", "days > 1.5", "value < 1.234", "(days > 1", "days > 1 days", "harm == huge", "first_offence == 2"] {
            assert!(compile(bad, &t).is_err(), "{bad}");
        }
    }
}
