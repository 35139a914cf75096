//! Gates: a phase's success criteria, checked before the run moves on.
//!
//! A criterion with a numeric threshold asks for the observed value and
//! compares it; one without is confirmed yes or no. Criteria that name the
//! same metric at Target / Warning / Critical levels are one check with
//! one observed value and a graded verdict. A criterion that starts with a
//! time ("1 hour: no errors") is due that long after its phase began.

use crate::guide::{Gate, Level, Phase};
use crate::text::duration;
use crate::text::threshold::{canonical_unit, Op};
use std::fmt;

/// One check of a gate: one criterion, or one metric at several levels.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanGate {
    /// The id of its first criterion.
    pub id: String,
    pub phase: String,
    /// What the person is asked: the criterion, or the metric's name.
    pub text: String,
    /// The criteria it stands for (several for a metric with levels).
    pub criteria: Vec<Gate>,
    /// The unit observed values are read in, for numeric checks.
    pub unit: Option<String>,
    /// Numeric: asks for a value. Otherwise yes/no.
    pub numeric: bool,
    /// Due this long after the phase began ("1 hour: …").
    pub due_after_s: Option<u64>,
    /// The task step that states it, confirmed by checking that step.
    pub step: Option<String>,
    /// That step is checked in the guide itself (`- [x]`).
    pub step_checked_in_guide: bool,
    pub line: usize,
}

/// What an observed value means for a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    /// Within bounds but past a warning level (or short of the target
    /// with no warning level to say more).
    Warning,
    /// Past a critical level.
    Critical,
    /// The criterion does not hold.
    Fail,
}

impl Verdict {
    /// Whether the run may move on.
    pub fn passes(self) -> bool {
        matches!(self, Verdict::Pass | Verdict::Warning)
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warning => "warning",
            Verdict::Critical => "critical",
            Verdict::Fail => "fail",
        }
    }
}

/// The checks of one phase, in guide order.
pub fn phase_gates(phase: &Phase) -> Vec<PlanGate> {
    let mut out: Vec<PlanGate> = Vec::new();
    for g in &phase.gates {
        let numeric = g.op.is_some() && g.value.is_some();
        let key = g.metric.as_deref().map(str::to_lowercase);
        if g.level.is_some() && numeric {
            if let Some(existing) = out.iter_mut().find(|p| {
                p.numeric
                    && p.criteria[0].level.is_some()
                    && p.criteria[0].metric.as_deref().map(str::to_lowercase) == key
                    && p.unit == g.unit
            }) {
                existing.criteria.push(g.clone());
                continue;
            }
        }
        let text = match (&g.level, &g.metric) {
            (Some(_), Some(metric)) if numeric => metric.clone(),
            _ => g.text.clone(),
        };
        out.push(PlanGate {
            id: g.id.clone(),
            phase: phase.id.clone(),
            text,
            criteria: vec![g.clone()],
            unit: g.unit.clone(),
            numeric,
            due_after_s: due_after(&g.text).or(g.after_s),
            step: g.step.clone(),
            step_checked_in_guide: g
                .step
                .as_deref()
                .is_some_and(|id| checked_in_guide(&phase.steps, id)),
            line: g.line,
        });
    }
    out
}

fn checked_in_guide(steps: &[crate::guide::Step], id: &str) -> bool {
    steps
        .iter()
        .any(|s| (s.id == id && s.checked) || checked_in_guide(&s.substeps, id))
}

/// "1 hour: no errors", "24 hours — stable": a leading time and a colon.
fn due_after(text: &str) -> Option<u64> {
    let (head, _) = text.split_once(':').or_else(|| text.split_once(" — "))?;
    if head.len() > 24 || !head.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    duration::parse(head).map(|[lo, _]| lo)
}

impl PlanGate {
    /// The verdict for `value` (in [`PlanGate::unit`]).
    pub fn evaluate(&self, value: f64) -> Verdict {
        let holds = |g: &Gate| match (g.op, g.value) {
            (Some(op), Some(limit)) => op.holds(value, limit),
            _ => false,
        };
        let at = |level: Level| self.criteria.iter().filter(move |g| g.level == Some(level));
        if self.criteria.len() == 1 && self.criteria[0].level.is_none() {
            return if holds(&self.criteria[0]) {
                Verdict::Pass
            } else {
                Verdict::Fail
            };
        }
        if at(Level::Critical).any(holds) {
            return Verdict::Critical;
        }
        if at(Level::Warning).any(holds) {
            return Verdict::Warning;
        }
        let mut targets = at(Level::Target).peekable();
        if targets.peek().is_none() || targets.all(holds) {
            Verdict::Pass
        } else {
            Verdict::Warning
        }
    }

    /// The thresholds in words: "< 1 %", "target < 1 %, warning > 2 %".
    pub fn thresholds(&self) -> String {
        self.criteria
            .iter()
            .filter_map(|g| {
                let (op, v) = (g.op?, g.value?);
                let unit = g.unit.as_deref().map_or(String::new(), |u| {
                    if u == "%" {
                        u.to_owned()
                    } else {
                        format!(" {u}")
                    }
                });
                let level = g.level.map_or("", |l| match l {
                    Level::Target => "target ",
                    Level::Warning => "warning ",
                    Level::Critical => "critical ",
                });
                Some(format!("{level}{} {}{unit}", pretty_op(op), trim_number(v)))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn pretty_op(op: Op) -> &'static str {
    match op {
        Op::Lt => "<",
        Op::Le => "≤",
        Op::Gt => ">",
        Op::Ge => "≥",
        Op::Eq => "=",
    }
}

/// `0.05`, `100`, not `100.0`.
pub fn trim_number(v: f64) -> String {
    let v = round_significant(v, 10);
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A value as a person reads it, with its unit: "0.9%", "450 ms", "1200".
pub fn with_unit(v: f64, unit: Option<&str>) -> String {
    match unit {
        Some("%") => format!("{}%", trim_number(v)),
        Some(u) => format!("{} {u}", trim_number(v)),
        None => trim_number(v),
    }
}

/// `v` rounded to `digits` significant digits, which takes away the
/// binary noise of a unit conversion (`0.35 * 1000.0`).
pub fn round_significant(v: f64, digits: i32) -> f64 {
    if v == 0.0 || !v.is_finite() || v.abs() >= 1e15 {
        return v;
    }
    let magnitude = v.abs().log10().floor() as i32 + 1;
    let shift = (digits - magnitude).clamp(-300, 300);
    let factor = 10f64.powi(shift);
    let rounded = (v * factor).round() / factor;
    if rounded.is_finite() {
        rounded
    } else {
        v
    }
}

/// Why an observed value could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    Empty,
    NotANumber(String),
    WrongUnit { given: String, expected: String },
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueError::Empty => write!(f, "enter the observed value"),
            ValueError::NotANumber(s) => write!(f, "“{s}” is not a number"),
            ValueError::WrongUnit { given, expected } => {
                write!(f, "“{given}” cannot be compared with a value in {expected}")
            }
        }
    }
}

/// Reads a value a person typed ("0.05", "0,3 %", "1,200", "250ms",
/// "1.5 s") into `unit`, converting between time units and between sizes.
pub fn parse_observed(input: &str, unit: Option<&str>) -> Result<f64, ValueError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(ValueError::Empty);
    }
    let split = s
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit() || c == '.' || c == ',' || (i == 0 && (c == '-' || c == '+')))
        })
        .map_or(s.len(), |(i, _)| i);
    let (num, rest) = s.split_at(split);
    let num = normalise_number(num).ok_or_else(|| ValueError::NotANumber(s.to_owned()))?;
    let value: f64 = num
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| ValueError::NotANumber(s.to_owned()))?;
    let rest = rest.trim();
    if rest.is_empty() {
        return Ok(value);
    }
    let given = canonical_unit(rest).ok_or_else(|| ValueError::NotANumber(s.to_owned()))?;
    let Some(expected) = unit else {
        return Ok(value);
    };
    if given == expected {
        return Ok(value);
    }
    match (scale(given), scale(expected)) {
        // Rounded to 12 significant digits: 0.35 s is 350 ms, not
        // 349.99999999999994, and 0.3 s compares equal to 300 ms.
        (Some((a, fa)), Some((b, fb))) if a == b => Ok(round_significant(value * fa / fb, 12)),
        _ => Err(ValueError::WrongUnit {
            given: s.to_owned(),
            expected: expected.to_owned(),
        }),
    }
}

/// "1,200" → "1200"; "0,3" → "0.3" (a decimal comma); "1,200.5" → "1200.5".
fn normalise_number(num: &str) -> Option<String> {
    if num.is_empty() || num == "-" || num == "+" {
        return None;
    }
    let commas = num.matches(',').count();
    let dots = num.matches('.').count();
    if dots > 1 {
        return None;
    }
    if commas == 0 {
        return Some(num.to_owned());
    }
    if dots == 0 && commas == 1 {
        let after = num.len() - num.find(',')? - 1;
        // "1,200" groups thousands; "0,3" is a decimal comma.
        return Some(if after == 3 {
            num.replace(',', "")
        } else {
            num.replace(',', ".")
        });
    }
    Some(num.replace(',', ""))
}

/// A unit's dimension and its size in that dimension's base unit.
fn scale(unit: &str) -> Option<(&'static str, f64)> {
    Some(match unit {
        "ms" => ("time", 0.001),
        "s" => ("time", 1.0),
        "min" => ("time", 60.0),
        "h" => ("time", 3600.0),
        "KB" => ("size", 1e3),
        "MB" => ("size", 1e6),
        "GB" => ("size", 1e9),
        "TB" => ("size", 1e12),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn converted_values_carry_no_binary_noise() {
        for (input, unit, want, shown) in [
            ("0,35 s", "ms", 350.0, "350"),
            ("0.3 s", "ms", 300.0, "300"),
            ("1.1 GB", "MB", 1100.0, "1100"),
            ("0.07 s", "ms", 70.0, "70"),
        ] {
            let v = super::parse_observed(input, Some(unit)).unwrap();
            assert_eq!(v, want, "{input}");
            assert_eq!(super::trim_number(v), shown, "{input}");
        }
        assert_eq!(super::trim_number(0.1 + 0.2), "0.3");
        assert_eq!(super::trim_number(349.99999999999994), "350");
        assert_eq!(super::trim_number(0.0), "0");
        assert_eq!(super::trim_number(-2.5), "-2.5");
        assert_eq!(super::round_significant(f64::MAX, 12), f64::MAX);
    }

    use super::*;
    use crate::Guide;

    fn gates_of(text: &str) -> Vec<PlanGate> {
        let g = Guide::parse(text);
        g.all_phases().iter().flat_map(|p| phase_gates(p)).collect()
    }

    #[test]
    fn observed_values_are_read_with_units_and_clear_errors() {
        assert_eq!(parse_observed("0.05", Some("%")), Ok(0.05));
        assert_eq!(parse_observed(" 0.3 % ", Some("%")), Ok(0.3));
        assert_eq!(parse_observed("0,3", Some("%")), Ok(0.3));
        assert_eq!(parse_observed("1,200", None), Ok(1200.0));
        assert_eq!(parse_observed("1,200.5", None), Ok(1200.5));
        assert_eq!(parse_observed("250ms", Some("s")), Ok(0.25));
        assert_eq!(parse_observed("2 min", Some("s")), Ok(120.0));
        assert_eq!(parse_observed("1.5 GB", Some("MB")), Ok(1500.0));
        assert_eq!(parse_observed("-3", None), Ok(-3.0));
        assert_eq!(parse_observed("", Some("%")), Err(ValueError::Empty));
        assert_eq!(
            parse_observed("abc", Some("%")),
            Err(ValueError::NotANumber("abc".into()))
        );
        assert_eq!(
            parse_observed("1.2.3", None),
            Err(ValueError::NotANumber("1.2.3".into()))
        );
        assert_eq!(
            parse_observed("3 MB", Some("s")).unwrap_err().to_string(),
            "“3 MB” cannot be compared with a value in s"
        );
        assert_eq!(
            parse_observed("12 apples", Some("%")),
            Err(ValueError::NotANumber("12 apples".into()))
        );
        assert!(parse_observed("1e999", None).is_err());
    }

    #[test]
    fn a_threshold_compares_with_its_own_comparator() {
        let gates = gates_of(
            "# G\n\n## Verify\n\n**Success Criteria:**\n- Database lock errors < 0.1%\n- Availability >= 99.9%\n- Cache hit ratio > 95% (was 80%)\n- Replication lag at most 2 seconds\n- Dashboards reviewed by on-call\n",
        );
        let by = |t: &str| gates.iter().find(|g| g.text.contains(t)).unwrap();
        let lock = by("lock errors");
        assert!(lock.numeric);
        assert_eq!(lock.evaluate(0.05), Verdict::Pass);
        assert_eq!(lock.evaluate(0.3), Verdict::Fail);
        assert_eq!(lock.evaluate(0.1), Verdict::Fail);
        assert_eq!(by("Availability").evaluate(99.9), Verdict::Pass);
        assert_eq!(by("Cache hit").evaluate(95.0), Verdict::Fail);
        assert_eq!(by("Cache hit").criteria[0].baseline.as_deref(), Some("80%"));
        let lag = by("Replication lag");
        assert_eq!(lag.unit.as_deref(), Some("s"));
        assert_eq!(
            lag.evaluate(parse_observed("1500ms", lag.unit.as_deref()).unwrap()),
            Verdict::Pass
        );
        assert_eq!(lag.evaluate(2.5), Verdict::Fail);
        assert!(!by("Dashboards").numeric);
        assert_eq!(lock.thresholds(), "< 0.1%");
    }

    #[test]
    fn levels_of_one_metric_are_one_check_with_a_graded_verdict() {
        let text = include_str!("../../../../tests/fixtures/guides/phase3-canary-rollout.md");
        let g = Guide::parse(text);
        let metrics = g
            .all_phases()
            .into_iter()
            .find(|p| p.title == "Key Metrics")
            .unwrap();
        let checks = phase_gates(metrics);
        let names: Vec<&str> = checks.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(
            names,
            [
                "Error Rate",
                "Latency (P95)",
                "Session Isolation",
                "Concurrent Sessions"
            ]
        );
        let err = &checks[0];
        assert_eq!(err.criteria.len(), 3);
        assert_eq!(err.thresholds(), "target < 1%, warning > 2%, critical > 5%");
        assert_eq!(err.evaluate(0.5), Verdict::Pass);
        assert_eq!(err.evaluate(1.5), Verdict::Warning);
        assert_eq!(err.evaluate(3.0), Verdict::Warning);
        assert_eq!(err.evaluate(7.0), Verdict::Critical);
        assert!(!err.evaluate(7.0).passes());
        let isolation = &checks[2];
        assert_eq!(isolation.evaluate(0.0), Verdict::Pass);
        assert_eq!(isolation.evaluate(1.0), Verdict::Critical);
        assert_eq!(checks[3].evaluate(120.0), Verdict::Pass);
        assert_eq!(checks[3].evaluate(80.0), Verdict::Warning);
    }

    #[test]
    fn criteria_that_start_with_a_time_are_due_later() {
        let gates = gates_of(
            "# G\n\n## Monitor\n\n**Success Criteria:**\n- 5 minutes: basic functionality works\n- 1 hour: error rate < 1%\n- 24 hours: no memory growth\n- No alerts fired\n",
        );
        let due: Vec<Option<u64>> = gates.iter().map(|g| g.due_after_s).collect();
        assert_eq!(due, [Some(300), Some(3600), Some(86_400), None]);
    }
}
