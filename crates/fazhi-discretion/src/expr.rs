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

/// A condition as parsed: a tree, kept for the load checks and for tests.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Const(bool),
    /// A yes/no fact is true.
    Fact(usize),
    Cmp(usize, Op, i64),
    In(usize, Vec<i64>),
    Not(Box<Node>),
    All(Vec<Node>),
    Any(Vec<Node>),
}

/// One instruction of a compiled condition. An accumulator machine with short-circuit jumps:
/// the tree walk was the hot spot of evaluation (pointer chasing through boxes and vectors).
#[derive(Debug, Clone, PartialEq)]
enum Ins {
    Const(bool),
    Fact(u32),
    Lt(u32, i64),
    Le(u32, i64),
    Gt(u32, i64),
    Ge(u32, i64),
    Eq(u32, i64),
    Ne(u32, i64),
    In(u32, Box<[i64]>),
    Not,
    /// Jump to the target when the accumulator is false / true.
    Jf(u32),
    Jt(u32),
}

/// A compiled condition over a fact vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Cond {
    pub node: Node,
    code: Box<[Ins]>,
}

fn emit(n: &Node, code: &mut Vec<Ins>) {
    match n {
        Node::Const(b) => code.push(Ins::Const(*b)),
        Node::Fact(i) => code.push(Ins::Fact(*i as u32)),
        Node::Cmp(i, op, c) => {
            let i = *i as u32;
            code.push(match op {
                Op::Lt => Ins::Lt(i, *c),
                Op::Le => Ins::Le(i, *c),
                Op::Gt => Ins::Gt(i, *c),
                Op::Ge => Ins::Ge(i, *c),
                Op::Eq => Ins::Eq(i, *c),
                Op::Ne => Ins::Ne(i, *c),
            })
        }
        Node::In(i, set) => code.push(Ins::In(*i as u32, set.clone().into_boxed_slice())),
        Node::Not(x) => {
            emit(x, code);
            code.push(Ins::Not);
        }
        Node::All(xs) | Node::Any(xs) => {
            let all = matches!(n, Node::All(_));
            let mut holes = Vec::new();
            for (k, x) in xs.iter().enumerate() {
                emit(x, code);
                if k + 1 < xs.len() {
                    holes.push(code.len());
                    code.push(if all { Ins::Jf(0) } else { Ins::Jt(0) });
                }
            }
            let end = code.len() as u32;
            for h in holes {
                code[h] = if all { Ins::Jf(end) } else { Ins::Jt(end) };
            }
        }
    }
}

impl Cond {
    pub fn new(node: Node) -> Self {
        let mut code = Vec::new();
        emit(&node, &mut code);
        Cond {
            node,
            code: code.into_boxed_slice(),
        }
    }

    pub fn always() -> Self {
        Cond::new(Node::Const(true))
    }

    /// Evaluate against a fact vector. A fact index past the vector's end reads as false.
    #[inline]
    pub fn eval(&self, facts: &[i64]) -> bool {
        let code = &self.code[..];
        let mut acc = false;
        let mut pc = 0usize;
        while let Some(ins) = code.get(pc) {
            pc += 1;
            let get = |i: &u32| facts.get(*i as usize).copied();
            acc = match ins {
                Ins::Const(b) => *b,
                Ins::Fact(i) => get(i).is_some_and(|v| v != 0),
                Ins::Lt(i, c) => get(i).is_some_and(|v| v < *c),
                Ins::Le(i, c) => get(i).is_some_and(|v| v <= *c),
                Ins::Gt(i, c) => get(i).is_some_and(|v| v > *c),
                Ins::Ge(i, c) => get(i).is_some_and(|v| v >= *c),
                Ins::Eq(i, c) => get(i).is_some_and(|v| v == *c),
                Ins::Ne(i, c) => get(i).is_some_and(|v| v != *c),
                Ins::In(i, set) => get(i).is_some_and(|v| set.contains(&v)),
                Ins::Not => !acc,
                Ins::Jf(t) => {
                    if !acc {
                        pc = *t as usize;
                    }
                    acc
                }
                Ins::Jt(t) => {
                    if acc {
                        pc = *t as usize;
                    }
                    acc
                }
            };
        }
        acc
    }

    pub fn collect(&self, facts: &mut Vec<usize>, thresholds: &mut Vec<(usize, i64)>) {
        self.node.collect(facts, thresholds)
    }
}

impl Node {
    /// The tree walk, kept as the reference the compiled code is tested against.
    pub fn eval(&self, facts: &[i64]) -> bool {
        match self {
            Node::Const(b) => *b,
            Node::Fact(i) => facts.get(*i).is_some_and(|v| *v != 0),
            Node::Cmp(i, op, c) => facts.get(*i).is_some_and(|v| op.apply(*v, *c)),
            Node::In(i, set) => facts.get(*i).is_some_and(|v| set.contains(v)),
            Node::Not(c) => !c.eval(facts),
            Node::All(cs) => cs.iter().all(|c| c.eval(facts)),
            Node::Any(cs) => cs.iter().any(|c| c.eval(facts)),
        }
    }

    /// Every fact the condition reads, and every constant a numeric fact is compared with
    /// (the load check's systematic search starts from these).
    pub fn collect(&self, facts: &mut Vec<usize>, thresholds: &mut Vec<(usize, i64)>) {
        match self {
            Node::Const(_) => {}
            Node::Fact(i) => facts.push(*i),
            Node::Cmp(i, _, c) => {
                facts.push(*i);
                thresholds.push((*i, *c));
            }
            Node::In(i, _) => facts.push(*i),
            Node::Not(c) => c.collect(facts, thresholds),
            Node::All(cs) | Node::Any(cs) => cs.iter().for_each(|c| c.collect(facts, thresholds)),
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
    let mut p = Parser {
        toks,
        pos: 0,
        facts,
    };
    let c = p.or()?;
    if p.pos != p.toks.len() {
        return Err(format!(
            "unexpected {:?} after a complete condition",
            p.toks[p.pos]
        ));
    }
    Ok(Cond::new(c))
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
    fn or(&mut self) -> Result<Node, String> {
        let mut v = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            v.push(self.and()?);
        }
        Ok(if v.len() == 1 {
            v.pop().unwrap_or(Node::Const(false))
        } else {
            Node::Any(v)
        })
    }
    fn and(&mut self) -> Result<Node, String> {
        let mut v = vec![self.unary()?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            v.push(self.unary()?);
        }
        Ok(if v.len() == 1 {
            v.pop().unwrap_or(Node::Const(true))
        } else {
            Node::All(v)
        })
    }
    fn unary(&mut self) -> Result<Node, String> {
        match self.bump() {
            Some(Tok::Not) => Ok(Node::Not(Box::new(self.unary()?))),
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
    fn atom(&mut self, name: String) -> Result<Node, String> {
        if name == "true" {
            return Ok(Node::Const(true));
        }
        if name == "false" {
            return Ok(Node::Const(false));
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
                Ok(Node::Cmp(idx, op, v))
            }
            Some(Tok::Ident(w)) if w == "in" => {
                self.pos += 1;
                if self.bump() != Some(Tok::LBracket) {
                    return Err("expected '[' after 'in'".into());
                }
                let mut vals = Vec::new();
                loop {
                    match self.bump() {
                        Some(Tok::Ident(w)) | Some(Tok::Num(w)) => {
                            vals.push(literal(&name, &def.kind, &w)?)
                        }
                        Some(Tok::RBracket) if vals.is_empty() => break,
                        _ => return Err("malformed 'in [...]' list".into()),
                    }
                    match self.bump() {
                        Some(Tok::Comma) => {}
                        Some(Tok::RBracket) => break,
                        _ => return Err("malformed 'in [...]' list".into()),
                    }
                }
                Ok(Node::In(idx, vals))
            }
            _ => match def.kind {
                FactKind::Bool => Ok(Node::Fact(idx)),
                _ => Err(format!(
                    "'{name}' is not a yes/no fact; compare it with a value"
                )),
            },
        }
    }
}

fn literal(name: &str, kind: &FactKind, lit: &str) -> Result<i64, String> {
    match kind {
        FactKind::Bool => match lit {
            "true" => Ok(1),
            "false" => Ok(0),
            _ => Err(format!(
                "'{name}' is yes/no; compare with true or false, not '{lit}'"
            )),
        },
        FactKind::Money => parse_hundredths(lit).ok_or_else(|| {
            format!("'{lit}' is not a yuan amount (at most two decimals) for '{name}'")
        }),
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
            FactDef::new(
                "party",
                FactKind::Enum {
                    values: vec!["individual".into(), "unit".into()],
                },
            ),
        ])
        .unwrap()
    }

    #[test]
    fn compiles_and_evaluates() {
        let t = table();
        let c = compile(
            "value < 10000 && (days > 30 or party == unit) && !first_offence",
            &t,
        )
        .unwrap();
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
    fn compiled_code_agrees_with_the_tree() {
        let t = table();
        let c = compile("(value < 10000 || !(days >= 30 && party != unit)) && (harm in [none, serious] || first_offence) || days == 7", &t).unwrap();
        let mut f = t.defaults();
        let (v, _) = t.lookup("value").unwrap();
        let (d, _) = t.lookup("days").unwrap();
        let (p, _) = t.lookup("party").unwrap();
        let (h, _) = t.lookup("harm").unwrap();
        let (fo, _) = t.lookup("first_offence").unwrap();
        for x in 0..2 * 3 * 2 * 3 * 2 * 3 {
            f[v] = [0, 1_000_000][x % 2];
            f[d] = [7, 29, 30][x / 2 % 3];
            f[p] = (x / 6 % 2) as i64;
            f[h] = (x / 12 % 3) as i64;
            f[fo] = (x / 36 % 2) as i64;
            assert_eq!(c.eval(&f), c.node.eval(&f), "{f:?}");
        }
    }

    #[test]
    fn rejects_bad_conditions() {
        let t = table();
        for bad in [
            "",
            "nope > 1",
            "value",
            "party < unit",
            "days > 1.5",
            "value < 1.234",
            "(days > 1",
            "days > 1 days",
            "harm == huge",
            "first_offence == 2",
        ] {
            assert!(compile(bad, &t).is_err(), "{bad}");
        }
    }
}
