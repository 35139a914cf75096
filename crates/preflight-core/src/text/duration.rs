//! Durations as guides write them, normalised to seconds.
//!
//! `15-20 minutes`, `2–3 seconds`, `5 min`, `1 hour`, `(5 minutes)`,
//! `24 hours`, `Week 1`, `Week 2-4`, `Day 1-2`, `First 24 Hours`,
//! `After 7 Days`, `Month 2`. A duration is a `[min, max]` range; a single
//! value has `min == max`.

pub type Range = [u64; 2];

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;
const WEEK: u64 = 7 * DAY;
const MONTH: u64 = 30 * DAY;

fn unit_seconds(word: &str) -> Option<u64> {
    let w = word.to_ascii_lowercase();
    let w = w.trim_end_matches('.');
    Some(match w {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => MINUTE,
        "h" | "hr" | "hrs" | "hour" | "hours" => HOUR,
        "d" | "day" | "days" => DAY,
        "w" | "wk" | "wks" | "week" | "weeks" => WEEK,
        "month" | "months" => MONTH,
        _ => return None,
    })
}

/// A token of text: a number, a word, or a single other character.
#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    Num(f64),
    Word(&'a str),
    Dash,
    Other,
}

fn tokens(text: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let c = text[i..].chars().next().unwrap_or(' ');
        if c.is_ascii_digit() {
            let start = i;
            while i < text.len()
                && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b',')
            {
                i += 1;
            }
            let raw = text[start..i].trim_end_matches(['.', ',']).replace(',', "");
            i = start + text[start..i].trim_end_matches(['.', ',']).len();
            out.push(raw.parse().map_or(Tok::Other, Tok::Num));
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < text.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Tok::Word(&text[start..i]));
        } else {
            i += c.len_utf8();
            match c {
                '-' | '–' | '—' => out.push(Tok::Dash),
                c if c.is_whitespace() || c == '(' || c == ')' || c == '~' || c == ':' => {}
                _ => out.push(Tok::Other),
            }
        }
    }
    out
}

fn secs(n: f64, unit: u64) -> u64 {
    (n * unit as f64).round().max(0.0) as u64
}

/// The first duration in `text`, if any.
pub fn parse(text: &str) -> Option<Range> {
    let toks = tokens(text);
    for i in 0..toks.len() {
        // `Week 1`, `Day 1-2`, `Month 2`: a calendar span, unit first.
        if let Tok::Word(w) = toks[i] {
            let lw = w.to_ascii_lowercase();
            let unit = match lw.as_str() {
                "day" => Some(DAY),
                "week" => Some(WEEK),
                "month" => Some(MONTH),
                _ => None,
            };
            if let (Some(unit), Some(Tok::Num(a))) = (unit, toks.get(i + 1)) {
                let preceded_by_number = i > 0 && matches!(toks[i - 1], Tok::Num(_));
                if !preceded_by_number {
                    let span = match (toks.get(i + 2), toks.get(i + 3)) {
                        (Some(Tok::Dash), Some(Tok::Num(b))) if b >= a => b - a + 1.0,
                        _ => 1.0,
                    };
                    let s = secs(span, unit);
                    return Some([s, s]);
                }
            }
        }
        // `First Hour`, `first day`: one of the unit.
        if let (Tok::Word(w), Some(Tok::Word(u))) = (&toks[i], toks.get(i + 1)) {
            if w.eq_ignore_ascii_case("first") {
                if let Some(unit) = unit_seconds(u).filter(|&s| s >= HOUR) {
                    return Some([unit, unit]);
                }
            }
        }
        // `15-20 minutes`, `15 to 20 min`, `5 min`, `24 hours`.
        if let Tok::Num(a) = toks[i] {
            let (b, next) = match (toks.get(i + 1), toks.get(i + 2)) {
                (Some(Tok::Dash), Some(Tok::Num(b))) => (*b, i + 3),
                (Some(Tok::Word(w)), Some(Tok::Num(b))) if w.eq_ignore_ascii_case("to") => {
                    (*b, i + 3)
                }
                _ => (a, i + 1),
            };
            if let Some(Tok::Word(w)) = toks.get(next) {
                if let Some(unit) = unit_seconds(w) {
                    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                    return Some([secs(lo, unit), secs(hi, unit)]);
                }
            }
        }
    }
    None
}

/// When a follow-up is due, from a title that names it, in seconds after
/// the deployment ends: `Day 3` → 3 days, `Week 2-4` → 4 weeks (a range
/// is due by its end), `Month 1` → 30 days, `First 24 Hours` and `First
/// Week` → that span, `Next day` → 1 day, `48h after` and `After 7 days`
/// → that span. Unlike [`parse`], which gives how long a stage lasts.
pub fn horizon(text: &str) -> Option<u64> {
    let toks = tokens(text);
    let word =
        |i: usize, w: &str| matches!(toks.get(i), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w));
    let unit_at = |i: usize| match toks.get(i) {
        Some(Tok::Word(u)) => unit_seconds(u),
        _ => None,
    };
    for i in 0..toks.len() {
        // `Day 3`, `Week 2-4`, `Month 1`: unit first, the range's end.
        if let Tok::Word(w) = toks[i] {
            let unit = match w.to_ascii_lowercase().as_str() {
                "day" => Some(DAY),
                "week" => Some(WEEK),
                "month" => Some(MONTH),
                _ => None,
            };
            let preceded_by_number = i > 0 && matches!(toks[i - 1], Tok::Num(_));
            if let (Some(unit), Some(Tok::Num(a)), false) =
                (unit, toks.get(i + 1), preceded_by_number)
            {
                let end = match (toks.get(i + 2), toks.get(i + 3)) {
                    (Some(Tok::Dash), Some(Tok::Num(b))) if b >= a => *b,
                    _ => *a,
                };
                return Some(secs(end, unit));
            }
        }
        // `First 24 Hours`, `first week`, `next day`, `within 48 hours`.
        if word(i, "first") || word(i, "next") || word(i, "within") {
            if let Some(unit) = unit_at(i + 1) {
                return Some(unit);
            }
            if let (Some(Tok::Num(n)), Some(unit)) = (toks.get(i + 1), unit_at(i + 2)) {
                return Some(secs(*n, unit));
            }
        }
        // `24 hours after`, `48h after deploy`; `After 7 Days`.
        if let (Tok::Num(n), Some(unit)) = (&toks[i], unit_at(i + 1)) {
            if word(i + 2, "after") || (i > 0 && word(i - 1, "after")) {
                return Some(secs(*n, unit));
            }
        }
    }
    None
}

/// Formats seconds for people: `45 s`, `15 min`, `1 h 30 min`, `2 d`.
pub fn format(seconds: u64) -> String {
    if seconds == 0 {
        "0 min".to_owned()
    } else if seconds < MINUTE {
        format!("{seconds} s")
    } else if seconds < HOUR {
        format!("{} min", seconds / MINUTE)
    } else if seconds < DAY {
        let (h, m) = (seconds / HOUR, (seconds % HOUR) / MINUTE);
        if m == 0 {
            format!("{h} h")
        } else {
            format!("{h} h {m} min")
        }
    } else {
        let (d, h) = (seconds / DAY, (seconds % DAY) / HOUR);
        if h == 0 {
            format!("{d} d")
        } else {
            format!("{d} d {h} h")
        }
    }
}

/// Formats a range: `15–20 min`, or one value when both ends agree.
pub fn format_range([lo, hi]: Range) -> String {
    if lo == hi {
        format(lo)
    } else if lo < HOUR && hi < HOUR && lo >= MINUTE {
        format!("{}–{} min", lo / MINUTE, hi / MINUTE)
    } else {
        format!("{}–{}", format(lo), format(hi))
    }
}

/// Words that make a sentence a wait: `monitor for 30 minutes`, `keep v3.1
/// running for 1 hour`, `wait 5 minutes`, `soak for 24 hours`, `watch for 1 hour`.
pub fn wait(text: &str) -> Option<Range> {
    let lower = text.to_lowercase();
    if !(lower.contains(" for ") || lower.starts_with("wait") || lower.contains(" wait ")) {
        return None;
    }
    let waits = [
        "monitor",
        "wait",
        "soak",
        "watch",
        "observe",
        "keep",
        "let it run",
        "bake",
        "sleep",
    ];
    let is_wait = waits.iter().any(|w| lower.contains(w))
        && (lower.contains(" for ") || lower.starts_with("wait") || lower.contains(" wait "));
    if !is_wait {
        return None;
    }
    parse(&lower).filter(|[_, hi]| *hi >= MINUTE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Option<Range>) {
        assert_eq!(parse(text), expected, "{text:?}");
    }

    #[test]
    fn ranges_and_single_values() {
        check("**Estimated Time:** 15-20 minutes", Some([900, 1200]));
        check("2-3 seconds", Some([2, 3]));
        check("2–5 minutes", Some([120, 300]));
        check("5 min", Some([300, 300]));
        check("1 hour", Some([3600, 3600]));
        check("24 hours", Some([86_400, 86_400]));
        check("Step 1: Backup (5 minutes)", Some([300, 300]));
        check("10 to 15 mins", Some([600, 900]));
        check("0.5 hours", Some([1800, 1800]));
        check("5-10 minutes (for migration)", Some([300, 600]));
        check("1,000 seconds", Some([1000, 1000]));
    }

    #[test]
    fn calendar_spans() {
        check("Week 1: Staging Deployment (Flags OFF)", Some([WEEK, WEEK]));
        check("Week 2-4 After Full Rollout", Some([3 * WEEK, 3 * WEEK]));
        check("Day 1-2: 25% Traffic", Some([2 * DAY, 2 * DAY]));
        check("Day 5-6: 75% Traffic", Some([2 * DAY, 2 * DAY]));
        check("Short-term (First 24 Hours)", Some([DAY, DAY]));
        check("Immediate (First Hour)", Some([HOUR, HOUR]));
        check("Medium-term (First Week)", Some([WEEK, WEEK]));
        check("After 7 Days", Some([WEEK, WEEK]));
        check("Month 2", Some([MONTH, MONTH]));
    }

    #[test]
    fn horizons() {
        let check = |text: &str, expected: Option<u64>| {
            assert_eq!(horizon(text), expected, "{text:?}");
        };
        check("Day 1", Some(DAY));
        check("Day 1-2", Some(2 * DAY));
        check("Day 5-6: 75% Traffic", Some(6 * DAY));
        check("Week 1", Some(WEEK));
        check("Week 2-4 After Full Rollout", Some(4 * WEEK));
        check("Month 2", Some(2 * MONTH));
        check("First 24 hours", Some(DAY));
        check("First week", Some(WEEK));
        check("Short-term (First 24 Hours)", Some(DAY));
        check("Medium-term (First Week)", Some(WEEK));
        check("Immediate (First Hour)", Some(HOUR));
        check("24 hours after deploy", Some(DAY));
        check("48h after", Some(2 * DAY));
        check("After 7 Days", Some(WEEK));
        check("Next day", Some(DAY));
        check("Follow-up", None);
        check("Monitor for 48 hours", None);
        check("Step 2: Deploy (5 minutes)", None);
    }

    #[test]
    fn not_durations() {
        check("Step 3: Pull Latest Code", None);
        check("Version 2.4.0", None);
        check("25% → 50% → 75%", None);
        check("Error rate < 1%", None);
        check("", None);
    }

    #[test]
    fn waits() {
        assert_eq!(wait("Monitor for 48 hours"), Some([172_800, 172_800]));
        assert_eq!(wait("keep v3.1 running for 1 hour"), Some([3600, 3600]));
        assert_eq!(wait("monitor for 30 minutes"), Some([1800, 1800]));
        assert_eq!(
            wait("Wait 5 minutes before the next step"),
            Some([300, 300])
        );
        assert_eq!(wait("Monitor error logs for issues"), None);
        assert_eq!(wait("Restart takes 1 minute"), None);
    }

    #[test]
    fn formatting() {
        assert_eq!(format_range([900, 1200]), "15–20 min");
        assert_eq!(format_range([2, 3]), "2 s–3 s");
        assert_eq!(format_range([3600, 3600]), "1 h");
        assert_eq!(format(5400), "1 h 30 min");
        assert_eq!(format(2 * DAY), "2 d");
    }
}
