//! Thresholds in success criteria and triggers: `Error rate < 0.5% (was
//! 0.3%)`, `P95 latency > 3s`, `API call reduction ≥90%`, `Target: 100+`,
//! `Zero cross-contamination`, `Response times under 30 seconds`.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "=")]
    Eq,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "=",
        }
    }

    /// Whether `observed` satisfies `observed OP limit`.
    pub fn holds(self, observed: f64, limit: f64) -> bool {
        match self {
            Op::Lt => observed < limit,
            Op::Le => observed <= limit,
            Op::Gt => observed > limit,
            Op::Ge => observed >= limit,
            Op::Eq => (observed - limit).abs() < 1e-9,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Threshold {
    /// What is measured, as the guide names it (`Error rate`).
    pub metric: Option<String>,
    pub op: Op,
    /// `None` when the comparison is with something named, not a number
    /// (`Error rate ≤ legacy error rate`).
    pub value: Option<f64>,
    /// Canonical unit: `%`, `ms`, `s`, `min`, `h`, `KB`, `MB`, `GB`, `TB`,
    /// `req/s`, `x`.
    pub unit: Option<String>,
    /// What the comparison is with when it is not a number.
    pub reference: Option<String>,
    /// A previous value the guide mentions: `(was 5-10%)`.
    pub baseline: Option<String>,
}

/// Word comparators, longest first so `less than or equal to` wins over
/// `less than`.
const WORD_OPS: &[(&str, Op)] = &[
    ("less than or equal to", Op::Le),
    ("greater than or equal to", Op::Ge),
    ("no more than", Op::Le),
    ("no less than", Op::Ge),
    ("greater than", Op::Gt),
    ("more than", Op::Gt),
    ("less than", Op::Lt),
    ("fewer than", Op::Lt),
    ("at least", Op::Ge),
    ("at most", Op::Le),
    ("under", Op::Lt),
    ("below", Op::Lt),
    ("above", Op::Gt),
    ("over", Op::Gt),
    ("exceeds", Op::Gt),
];

pub(crate) fn canonical_unit(raw: &str) -> Option<&'static str> {
    Some(match raw.to_ascii_lowercase().as_str() {
        "%" | "percent" | "pct" => "%",
        "ms" | "msec" | "millisecond" | "milliseconds" => "ms",
        "s" | "sec" | "secs" | "second" | "seconds" => "s",
        "m" | "min" | "mins" | "minute" | "minutes" => "min",
        "h" | "hr" | "hrs" | "hour" | "hours" => "h",
        "kb" => "KB",
        "mb" => "MB",
        "gb" => "GB",
        "tb" => "TB",
        "req/s" | "rps" | "qps" | "requests/s" | "req/sec" | "requests/sec" => "req/s",
        "x" | "×" => "x",
        _ => return None,
    })
}

/// Finds a comparator in `text`: (byte start, byte end, op).
fn find_op(text: &str) -> Option<(usize, usize, Op)> {
    let lower = text.to_ascii_lowercase();
    let mut best: Option<(usize, usize, Op)> = None;
    let mut consider = |start: usize, end: usize, op: Op| {
        if best.is_none_or(|(s, _, _)| start < s) {
            best = Some((start, end, op));
        }
    };
    for (i, c) in text.char_indices() {
        let next = text[i + c.len_utf8()..].chars().next();
        let found = match (c, next) {
            ('<', Some('=')) => Some((2, Op::Le)),
            ('>', Some('=')) => Some((2, Op::Ge)),
            ('=', Some('=')) => Some((2, Op::Eq)),
            ('<', _) => Some((1, Op::Lt)),
            ('>', _) => Some((1, Op::Gt)),
            ('≤', _) => Some((c.len_utf8(), Op::Le)),
            ('≥', _) => Some((c.len_utf8(), Op::Ge)),
            ('=', _) => Some((1, Op::Eq)),
            _ => None,
        };
        if let Some((len, op)) = found {
            consider(i, i + len, op);
            break;
        }
    }
    for (word, op) in WORD_OPS {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(word) {
            let start = from + pos;
            let end = start + word.len();
            let before_ok = start == 0 || !lower.as_bytes()[start - 1].is_ascii_alphanumeric();
            let after_ok = end == lower.len() || !lower.as_bytes()[end].is_ascii_alphanumeric();
            // A word comparator needs a number after it (`under 30 s`), so
            // `rolling update` or `over the weekend` are not thresholds.
            let number_follows = lower[end..]
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit());
            if before_ok && after_ok && number_follows {
                consider(start, end, *op);
                break;
            }
            from = end;
        }
    }
    best
}

/// Reads `12.5`, `1,000`, `.5` at the start of `s`: (value, bytes used).
fn number(s: &str) -> Option<(f64, usize)> {
    let end = s
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map_or(s.len(), |(i, _)| i);
    let raw = s[..end].trim_end_matches(['.', ',']);
    let value: f64 = raw.replace(',', "").parse().ok()?;
    Some((value, raw.len()))
}

/// Reads a unit right after a number.
fn unit(s: &str) -> (Option<String>, usize) {
    let trimmed = s.trim_start();
    let skipped = s.len() - trimmed.len();
    if trimmed.starts_with('%') {
        return (Some("%".into()), skipped + 1);
    }
    if trimmed.starts_with('×') {
        return (Some("x".into()), skipped + '×'.len_utf8());
    }
    let end = trimmed
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphabetic() || c == '/'))
        .map_or(trimmed.len(), |(i, _)| i);
    match canonical_unit(&trimmed[..end]) {
        Some(u) if skipped <= 1 => (Some(u.to_owned()), skipped + end),
        _ => (None, 0),
    }
}

fn clean_metric(raw: &str) -> Option<String> {
    let mut m = raw.trim();
    for suffix in [
        ":",
        "-",
        "is",
        "should be",
        "must be",
        "stays",
        "remains",
        "within",
        "(",
    ] {
        m = m.trim_end_matches(suffix).trim_end();
    }
    let m = m.trim_start_matches(['-', '*', ':']).trim();
    // `Target: < 1%` names a level, not a metric.
    let level_word = matches!(
        m.to_ascii_lowercase().as_str(),
        "target" | "warning" | "critical" | "goal" | "threshold" | "alert" | "condition"
    );
    (!level_word && m.chars().any(|c| c.is_alphabetic())).then(|| m.to_owned())
}

fn baseline(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find("(was ")? + "(was ".len();
    let end = start + text[start..].find(')')?;
    Some(text[start..end].trim().to_owned())
}

/// Parses the threshold in a criterion, if it has one.
pub fn parse(text: &str) -> Option<Threshold> {
    let text = text.trim();
    // Every threshold has a digit, a comparator sign, or starts with
    // "zero": most criteria ("No new bugs reported") stop here.
    let promising = text
        .bytes()
        .any(|b| b.is_ascii_digit() || matches!(b, b'<' | b'>' | b'='))
        || text.contains(['≤', '≥'])
        || text
            .get(..5)
            .is_some_and(|z| z.eq_ignore_ascii_case("zero "));
    if !promising {
        return None;
    }
    let base = baseline(text);
    // The baseline's own numbers are not the threshold.
    let body = match text.to_ascii_lowercase().find("(was ") {
        Some(i) => &text[..i],
        None => text,
    };

    let lower = body.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("zero ") {
        return Some(Threshold {
            metric: clean_metric(&body[body.len() - rest.len()..]),
            op: Op::Eq,
            value: Some(0.0),
            unit: None,
            reference: None,
            baseline: base,
        });
    }

    if let Some((start, end, op)) = find_op(body) {
        let after = &body[end..];
        let after_trim = after.trim_start();
        let offset = after.len() - after_trim.len();
        let metric = clean_metric(&body[..start]);
        if let Some((value, used)) = number(after_trim) {
            let (unit, _) = unit(&after_trim[used..]);
            let _ = offset;
            return Some(Threshold {
                metric,
                op,
                value: Some(value),
                unit,
                reference: None,
                baseline: base,
            });
        }
        let reference = after_trim
            .split(['(', ',', ';'])
            .next()
            .unwrap_or("")
            .trim()
            .to_owned();
        if metric.is_some() && !reference.is_empty() && reference.chars().any(char::is_alphabetic) {
            return Some(Threshold {
                metric,
                op,
                value: None,
                unit: None,
                reference: Some(reference),
                baseline: base,
            });
        }
        return None;
    }

    // `Target: 100+`
    let plus = body.find(|c: char| c.is_ascii_digit()).and_then(|i| {
        let (value, used) = number(&body[i..])?;
        body[i + used..].starts_with('+').then_some((i, value))
    });
    if let Some((i, value)) = plus {
        return Some(Threshold {
            metric: clean_metric(&body[..i]),
            op: Op::Ge,
            value: Some(value),
            unit: None,
            reference: None,
            baseline: base,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (metric, op, value, unit)
    type Expected<'a> = Option<(Option<&'a str>, &'a str, Option<f64>, Option<&'a str>)>;

    fn check(text: &str, expected: Expected<'_>) {
        let got = parse(text).map(|t| (t.metric, t.op.as_str(), t.value, t.unit));
        let expected =
            expected.map(|(m, op, v, u)| (m.map(str::to_owned), op, v, u.map(str::to_owned)));
        assert_eq!(got, expected, "{text:?}");
    }

    #[test]
    fn comparators_values_and_units() {
        check(
            "Database lock errors < 0.1%",
            Some((Some("Database lock errors"), "<", Some(0.1), Some("%"))),
        );
        check(
            "Error rate < 0.5% (was 0.3%)",
            Some((Some("Error rate"), "<", Some(0.5), Some("%"))),
        );
        check(
            "P95 latency < 3 seconds",
            Some((Some("P95 latency"), "<", Some(3.0), Some("s"))),
        );
        check(
            "P95 latency > 5s",
            Some((Some("P95 latency"), ">", Some(5.0), Some("s"))),
        );
        check(
            "Query response time <100ms (P95)",
            Some((Some("Query response time"), "<", Some(100.0), Some("ms"))),
        );
        check(
            "API call reduction ≥90%",
            Some((Some("API call reduction"), ">=", Some(90.0), Some("%"))),
        );
        check(
            "Error rate ≤ 2 %",
            Some((Some("Error rate"), "<=", Some(2.0), Some("%"))),
        );
        check(
            "Code coverage meets requirements (>80%)",
            Some((
                Some("Code coverage meets requirements"),
                ">",
                Some(80.0),
                Some("%"),
            )),
        );
        check(
            "Success rate > 95% for concurrent requests",
            Some((Some("Success rate"), ">", Some(95.0), Some("%"))),
        );
        check(
            "Database file size > 1GB",
            Some((Some("Database file size"), ">", Some(1.0), Some("GB"))),
        );
        check(
            "Throughput >= 1,200 req/s",
            Some((Some("Throughput"), ">=", Some(1200.0), Some("req/s"))),
        );
        check(
            "Queue depth below 1,000 messages",
            Some((Some("Queue depth"), "<", Some(1000.0), None)),
        );
        check(
            "Response times under 30 seconds",
            Some((Some("Response times"), "<", Some(30.0), Some("s"))),
        );
        check(
            "Performance degradation >50%",
            Some((Some("Performance degradation"), ">", Some(50.0), Some("%"))),
        );
        check(
            "Disk space < 10%",
            Some((Some("Disk space"), "<", Some(10.0), Some("%"))),
        );
    }

    #[test]
    fn levels_zero_and_plus() {
        check("Target: < 1%", Some((None, "<", Some(1.0), Some("%"))));
        check("Critical: > 5s", Some((None, ">", Some(5.0), Some("s"))));
        check(
            "Zero cross-contamination",
            Some((Some("cross-contamination"), "=", Some(0.0), None)),
        );
        check("Target: 100+", Some((None, ">=", Some(100.0), None)));
        check(
            "cross_contamination_count > 0",
            Some((Some("cross_contamination_count"), ">", Some(0.0), None)),
        );
    }

    #[test]
    fn named_references_and_baselines() {
        let t = parse("Error rate ≤ legacy error rate").unwrap();
        assert_eq!(
            (t.op, t.value, t.reference.as_deref()),
            (Op::Le, None, Some("legacy error rate"))
        );
        let t = parse("Error rate < 1% (was 5-10%)").unwrap();
        assert_eq!(t.baseline.as_deref(), Some("5-10%"));
    }

    #[test]
    fn not_thresholds() {
        check("No new bugs reported", None);
        check("Latency within 10% of baseline", None);
        check("Rolling update over the weekend", None);
        check("All pods report Ready", None);
        check("", None);
    }

    #[test]
    fn holds() {
        assert!(Op::Lt.holds(0.05, 0.1));
        assert!(!Op::Lt.holds(0.3, 0.1));
        assert!(Op::Ge.holds(90.0, 90.0));
        assert!(Op::Eq.holds(0.0, 0.0));
    }
}
