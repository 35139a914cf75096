//! What a person would tick: the small readers that tell an instruction
//! from an explanation, a command from its output, and a note from a step.
//! The rules they follow are the labelling rules in `docs/guide-schema.md`
//! ("What is a step"); each reader has a table of examples in the tests.

/// Verbs that open an instruction, in their base form, sorted (looked up
/// by binary search). A list item or a heading that starts with one (after
/// a condition, an adverb or a number) tells the reader to do something.
const VERBS: &[&str] = &[
    "abort",
    "accept",
    "access",
    "acknowledge",
    "activate",
    "add",
    "adjust",
    "alert",
    "allow",
    "analyse",
    "analyze",
    "annotate",
    "announce",
    "apply",
    "approve",
    "archive",
    "ask",
    "assert",
    "assign",
    "attach",
    "audit",
    "back",
    "backup",
    "bootstrap",
    "build",
    "bump",
    "call",
    "cancel",
    "capture",
    "change",
    "check",
    "checkout",
    "choose",
    "clean",
    "clear",
    "click",
    "clone",
    "close",
    "collect",
    "commit",
    "communicate",
    "compare",
    "compile",
    "complete",
    "configure",
    "confirm",
    "connect",
    "consider",
    "consult",
    "contact",
    "continue",
    "copy",
    "cordon",
    "create",
    "cut",
    "deactivate",
    "decide",
    "declare",
    "decommission",
    "decrease",
    "define",
    "delegate",
    "delete",
    "deploy",
    "deprecate",
    "describe",
    "destroy",
    "detach",
    "determine",
    "disable",
    "disconnect",
    "dismiss",
    "do",
    "document",
    "download",
    "drain",
    "drop",
    "dump",
    "edit",
    "email",
    "empty",
    "enable",
    "ensure",
    "enter",
    "escalate",
    "establish",
    "estimate",
    "evaluate",
    "examine",
    "execute",
    "expand",
    "export",
    "extend",
    "extract",
    "fail",
    "failover",
    "fetch",
    "file",
    "fill",
    "find",
    "finish",
    "fix",
    "flip",
    "flush",
    "follow",
    "force",
    "fork",
    "freeze",
    "gather",
    "generate",
    "get",
    "give",
    "go",
    "grant",
    "grep",
    "halt",
    "identify",
    "import",
    "increase",
    "inform",
    "initialise",
    "initialize",
    "inspect",
    "install",
    "instruct",
    "invalidate",
    "investigate",
    "invoke",
    "issue",
    "join",
    "keep",
    "kill",
    "label",
    "launch",
    "leave",
    "let",
    "link",
    "list",
    "listen",
    "load",
    "lock",
    "log",
    "login",
    "look",
    "make",
    "mark",
    "measure",
    "merge",
    "migrate",
    "mirror",
    "modify",
    "monitor",
    "mount",
    "move",
    "note",
    "notify",
    "observe",
    "obtain",
    "open",
    "page",
    "patch",
    "pause",
    "perform",
    "pin",
    "ping",
    "place",
    "plan",
    "point",
    "poll",
    "populate",
    "post",
    "prepare",
    "press",
    "prevent",
    "print",
    "proceed",
    "promote",
    "provide",
    "provision",
    "prune",
    "publish",
    "pull",
    "purge",
    "push",
    "put",
    "query",
    "re-enable",
    "re-run",
    "read",
    "rebalance",
    "reboot",
    "rebuild",
    "record",
    "recover",
    "recreate",
    "redeploy",
    "reduce",
    "reenable",
    "refresh",
    "register",
    "reindex",
    "reload",
    "remove",
    "rename",
    "repair",
    "repeat",
    "replace",
    "replicate",
    "report",
    "request",
    "rerun",
    "reset",
    "resize",
    "resolve",
    "restart",
    "restore",
    "resume",
    "retag",
    "retry",
    "return",
    "revert",
    "review",
    "revoke",
    "roll",
    "rollback",
    "rotate",
    "run",
    "save",
    "scale",
    "schedule",
    "scp",
    "search",
    "select",
    "send",
    "set",
    "setup",
    "share",
    "shut",
    "shutdown",
    "sign",
    "snapshot",
    "specify",
    "ssh",
    "stage",
    "start",
    "stop",
    "store",
    "submit",
    "suspend",
    "switch",
    "sync",
    "synchronise",
    "synchronize",
    "tag",
    "tail",
    "take",
    "tell",
    "terminate",
    "test",
    "tick",
    "toggle",
    "trigger",
    "truncate",
    "try",
    "turn",
    "type",
    "unblock",
    "uncordon",
    "undo",
    "uninstall",
    "unlock",
    "unmount",
    "unpause",
    "unset",
    "update",
    "upgrade",
    "upload",
    "use",
    "vacuum",
    "validate",
    "verify",
    "visit",
    "wait",
    "warm",
    "watch",
    "wipe",
    "write",
];

/// Verbs that are as often nouns at the start of a line ("Query response
/// time", "Log locations", "Alert configuration"): they open an
/// instruction only when an object or a particle follows ("Query the
/// endpoint", "Log in", "Page them").
const NOUN_LIKE: &[&str] = &[
    "alert", "backup", "document", "estimate", "file", "issue", "label", "list", "load", "lock",
    "log", "mark", "mirror", "note", "page", "place", "plan", "point", "post", "query", "record",
    "report", "request", "return", "snapshot", "stage", "store", "test", "type",
];

/// Words that start an object or finish a verb: what follows a noun-like
/// verb when it is one.
const OBJECT_STARTS: &[&str] = &[
    "a", "all", "an", "any", "back", "down", "each", "every", "for", "from", "her", "him", "in",
    "into", "it", "its", "off", "on", "out", "over", "that", "the", "their", "them", "these",
    "this", "those", "to", "up", "with", "your", "our", "if", "whether", "every", "both",
];

/// Openings that make the rest an instruction: "make sure the pods…",
/// "you should also add…".
const INSTRUCTION_OPENINGS: &[&str] = &[
    "make sure",
    "be sure to",
    "do not",
    "don't",
    "you must",
    "you should",
    "you need to",
    "you may need to",
    "you will need to",
    "you'll need to",
    "you have to",
    "you will be required to",
    "you will typically be required to",
    "you are required to",
    "it is recommended to",
];

/// Words that may stand before the verb without changing what it asks:
/// "Manually page them", "Then restart", "Finally, tag the release".
const LEAD_WORDS: &[&str] = &[
    "then",
    "now",
    "first",
    "firstly",
    "next",
    "finally",
    "also",
    "optionally",
    "always",
    "please",
    "again",
    "once",
    "lastly",
    "afterwards",
    "immediately",
    "still",
    "just",
];

/// Openings of a clause that sets a condition before the instruction.
const CONDITIONS: &[&str] = &[
    "if ",
    "when ",
    "once ",
    "after ",
    "before ",
    "on each ",
    "on every ",
    "for each ",
    "for every ",
    "in ",
    "while ",
    "until ",
    "as soon as ",
    "where ",
    "during ",
    "from ",
    "to ",
    "with ",
    "using ",
];

/// The first word of `text` and what follows it. A word glued to a dot,
/// a slash or an underscore (`log.message.format`, `deployment/x`) is a
/// name, not a word: it comes back empty.
fn first_word(text: &str) -> (&str, &str) {
    let t = text.trim_start();
    let end = t
        .find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\''))
        .unwrap_or(t.len());
    let rest = &t[end..];
    let glued = rest.starts_with(['_', '/', '=', '@'])
        || (rest.starts_with('.') && rest[1..].starts_with(|c: char| c.is_alphanumeric()));
    if glued {
        return ("", rest);
    }
    (&t[..end], rest)
}

/// Strips list numbering and step words people type into text: "Step 3:",
/// "3.", "3)", "a)", "(optional)".
pub(super) fn strip_numbering(text: &str) -> &str {
    let mut t = text.trim_start();
    let lower_step = t.get(..4).is_some_and(|s| s.eq_ignore_ascii_case("step"));
    if lower_step {
        let rest = t[4..].trim_start();
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits > 0 {
            t = rest[digits..].trim_start_matches([':', '.', ')', '-', ' ', '–', '—']);
        }
    } else {
        let digits = t
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .count();
        if digits > 0 {
            let rest = &t[digits..];
            if rest.starts_with([' ', ')', ':', '-']) || t[..digits].ends_with('.') {
                t = rest.trim_start_matches([':', '.', ')', '-', ' ', '–', '—']);
            }
        }
    }
    t.trim_start()
}

/// Whether `text` reads as something to do: "Edit the release notes",
/// "If running in Docker, deploy a new container", "Make sure all pods
/// are Running", "You should also add TODO notes". Statements ("The
/// upgrade is now complete"), descriptions ("Installs all packages"),
/// questions and noun phrases ("Data nodes") are not.
pub fn is_imperative(text: &str) -> bool {
    imperative_at(text, 0)
}

/// `text` starts with `prefix` (lowercase ASCII), ignoring ASCII case.
fn starts_ci(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// `word` is one of `words` (sorted, lowercase), ignoring ASCII case.
fn in_sorted(words: &[&str], word: &str) -> bool {
    words
        .binary_search_by(|w| {
            let b = word.bytes().map(|c| c.to_ascii_lowercase());
            w.bytes().cmp(b)
        })
        .is_ok()
}

fn eq_any(words: &[&str], word: &str) -> bool {
    words.iter().any(|w| w.eq_ignore_ascii_case(word))
}

fn imperative_at(text: &str, depth: u8) -> bool {
    let t = strip_numbering(text.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '\''));
    if t.is_empty() || depth > 3 {
        return false;
    }
    let (word, rest) = first_word(t);
    if word.is_empty() {
        return false;
    }
    if INSTRUCTION_OPENINGS.iter().any(|o| starts_ci(t, o)) {
        return true;
    }
    // A condition first: "If running in Docker, deploy…" — the
    // instruction is what follows the comma.
    if CONDITIONS.iter().any(|c| starts_ci(t, c)) {
        if let Some(comma) = t.find(", ") {
            let clause_words = t[..comma].split_whitespace().count();
            if clause_words <= 16 {
                return imperative_at(&t[comma + 2..], depth + 1);
            }
        }
        return false;
    }
    if !in_sorted(VERBS, word) {
        let adverb = word.len() > 4 && word.is_ascii() && starts_ci(&word[word.len() - 2..], "ly");
        if eq_any(LEAD_WORDS, word) || adverb {
            return imperative_at(rest, depth + 1);
        }
        return false;
    }
    // "Check: passed", "Test results", "Update:" read as labels or nouns
    // when the verb is followed by a colon or nothing at all.
    let next = rest.trim_start();
    if next.starts_with(':') && !next[1..].trim().is_empty() {
        return false;
    }
    if in_sorted(NOUN_LIKE, word) {
        let (second, _) = first_word(next);
        let object = next.starts_with(['`', '"', '\'', '*', '<', '$', '/', '.'])
            || next.starts_with(|c: char| c.is_ascii_digit())
            || eq_any(OBJECT_STARTS, second);
        if !object {
            return false;
        }
    }
    // A verb that is also a noun, followed by a verb form, is a subject:
    // "Backup runs nightly", "Test passes", "Log shows …".
    let (second, _) = first_word(next);
    !eq_any(
        &[
            "is",
            "are",
            "was",
            "were",
            "will",
            "has",
            "have",
            "runs",
            "shows",
            "should",
            "can",
            "may",
            "must",
            "completes",
            "fails",
            "passes",
        ],
        second,
    )
}

/// Whether a heading names one action: "Step 2: Snapshot the database",
/// "3. Drain the node", "Take a full backup".
pub fn heading_is_step(title: &str) -> bool {
    let t = title.trim();
    let numbered = {
        let lower = t.to_ascii_lowercase();
        let after_step = lower.strip_prefix("step").map(str::trim_start);
        let rest = after_step.unwrap_or(&lower);
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        digits > 0
            && (after_step.is_some()
                || rest[digits..].starts_with(". ")
                || rest[digits..].starts_with(") ")
                || rest[digits..].starts_with(": "))
    };
    // One word ("Rollback", "Verify") names a section, not an action;
    // so do two capitalised words ("Alert Configuration").
    let words: Vec<&str> = t.split_whitespace().collect();
    let title_pair = words.len() == 2 && words[1].starts_with(|c: char| c.is_uppercase());
    numbered || (words.len() >= 2 && !title_pair && is_imperative(t))
}

/// What a code block is, for a checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// Commands to run: one step.
    Command,
    /// A configuration file or manifest: the content of an action.
    Config,
    /// What a command prints, or an example session.
    Output,
    /// Program source, diagrams, notes written as code.
    Other,
}

const COMMAND_LANGS: &[&str] = &[
    "bash",
    "sh",
    "shell",
    "zsh",
    "fish",
    "ksh",
    "console",
    "shell-session",
    "shellsession",
    "sh-session",
    "bash-session",
    "terminal",
    "powershell",
    "ps1",
    "pwsh",
    "ps",
    "cmd",
    "bat",
    "batch",
    "sql",
    "psql",
    "mysql",
    "sqlite",
    "plpgsql",
    "postgresql",
    "postgres",
    "pgsql",
    "tsql",
    "cql",
    "promql",
    "logql",
    "kql",
    "http",
    "redis",
    "mongo",
    "mongodb",
];

const CONFIG_LANGS: &[&str] = &[
    "yaml",
    "yml",
    "json",
    "jsonc",
    "json5",
    "toml",
    "ini",
    "xml",
    "properties",
    "conf",
    "cfg",
    "hcl",
    "tf",
    "terraform",
    "env",
    "dotenv",
    "dockerfile",
    "nginx",
    "apache",
    "apacheconf",
    "systemd",
    "csv",
];

/// Languages whose blocks are read by their content: plain text, output,
/// or no language at all.
const PLAIN_LANGS: &[&str] = &[
    "",
    "text",
    "txt",
    "plain",
    "plaintext",
    "output",
    "log",
    "logs",
    "none",
    "no-highlight",
    "nohighlight",
    "raw",
    "code",
];

/// Reads a code block by its language and its first lines.
pub fn code_kind(lang: Option<&str>, text: &str) -> CodeKind {
    let lang = lang.unwrap_or("").trim().to_ascii_lowercase();
    // A fence written inside an indented container (an admonition's body,
    // a tab) arrives as an indented block holding the fence itself.
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if first.trim_start().starts_with("```") || first.trim_start().starts_with("~~~") {
        return CodeKind::Other;
    }
    // MyST directives (```{note}), mermaid and friends.
    if lang.starts_with('{') || lang == "mermaid" || lang == "diff" {
        return CodeKind::Other;
    }
    if CONFIG_LANGS.contains(&lang.as_str()) {
        return CodeKind::Config;
    }
    let command_lang = COMMAND_LANGS.contains(&lang.as_str());
    if !command_lang && !PLAIN_LANGS.contains(&lang.as_str()) {
        return CodeKind::Other;
    }
    if matches!(lang.as_str(), "output" | "log" | "logs") {
        return CodeKind::Output;
    }
    if matches!(lang.as_str(), "promql" | "logql" | "kql" | "cql") {
        return CodeKind::Command;
    }
    read_lines(text, command_lang)
}

/// Classifies a block by its lines: prompts mark commands; otherwise the
/// first line that is not a comment decides.
fn read_lines(text: &str, command_lang: bool) -> CodeKind {
    let prompted: Vec<&str> = if text.contains("$ ") || text.contains("PS> ") {
        text.lines()
            .filter_map(|l| {
                let t = l.trim_start();
                t.strip_prefix("$ ").or_else(|| t.strip_prefix("PS> "))
            })
            .collect()
    } else {
        Vec::new()
    };
    if !prompted.is_empty() {
        let others = text
            .lines()
            .filter(|l| {
                let t = l.trim_start();
                !t.is_empty() && !t.starts_with("$ ") && !t.starts_with("PS> ")
            })
            .count();
        // `$ cat options.json` followed by the file only shows the file.
        let only_shows = prompted.iter().all(|c| {
            let (w, _) = first_word(c);
            matches!(w, "cat" | "less" | "more" | "head" | "type")
        });
        if only_shows && others > 0 {
            return CodeKind::Output;
        }
        return CodeKind::Command;
    }
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty()
            || t.starts_with('#')
            || t.starts_with("--")
            || t.starts_with("//")
            || t.starts_with("REM ")
        {
            continue;
        }
        return match line_is_command(t) {
            Some(true) => CodeKind::Command,
            Some(false) => CodeKind::Output,
            None if command_lang => CodeKind::Command,
            None => CodeKind::Output,
        };
    }
    if command_lang {
        CodeKind::Command
    } else {
        CodeKind::Output
    }
}

const SQL_WORDS: &[&str] = &[
    "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "GRANT", "REVOKE", "BEGIN",
    "COMMIT", "ROLLBACK", "VACUUM", "ANALYZE", "SET", "SHOW", "EXPLAIN", "WITH", "TRUNCATE",
    "REINDEX", "CALL", "USE", "PRAGMA",
];
const HTTP_WORDS: &[&str] = &["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD"];

/// `Some(true)` for a line that reads as a command, `Some(false)` for one
/// that reads as output or data, `None` when it cannot tell.
fn line_is_command(line: &str) -> Option<bool> {
    let t = line.trim_start();
    let token = t.split_whitespace().next()?;
    if token.ends_with(':') || token.starts_with(['{', '[', '<', '"', '|', '└', '├', '│']) {
        return Some(false);
    }
    // Columns of output: "NAME   STATUS   AGE".
    if t.matches("  ").count() >= 2 && !t.contains(" \\") {
        return Some(false);
    }
    if let Some((name, _)) = token.split_once('=') {
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Some(true);
        }
    }
    let upper = token.trim_end_matches(';');
    if SQL_WORDS.contains(&upper) || HTTP_WORDS.contains(&upper) {
        return Some(true);
    }
    if token.starts_with("./") || token.starts_with("~/") || token.starts_with("/usr/") {
        return Some(true);
    }
    if token.starts_with('(') {
        return None;
    }
    let simple = token.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && token
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_+.".contains(c))
        && !token.contains("..")
        && token.matches('.').count() <= 1;
    if simple && !token.ends_with('.') {
        return Some(true);
    }
    Some(false)
}

/// Whether the paragraph that introduces a code block says the block is
/// what a command prints ("Example output:", "The response should look
/// similar to the following") or an example session ("For instance, given
/// the tag list:" before `$ git tag` and its output). A paragraph that
/// tells the reader to run something never does ("run the following
/// command", "Check out the release. For example:").
pub fn introduces_example(intro: &str, code: &str) -> bool {
    let l = intro.to_lowercase();
    let l = l.trim();
    if l.is_empty()
        || is_imperative(intro)
        || [
            "command",
            " run ",
            "running",
            "execute",
            "recommend",
            "to run",
        ]
        .iter()
        .any(|w| l.contains(w))
    {
        return false;
    }
    let output = [
        "output",
        "response",
        "should look",
        "will look",
        "looks like",
        "look like",
        "should see",
        "will see",
        "is displayed",
    ]
    .iter()
    .any(|w| l.contains(w));
    let example = [
        "example",
        "for instance",
        "for instances",
        "e.g.",
        "illustrat",
    ]
    .iter()
    .any(|w| l.contains(w))
        || l.starts_with("note that");
    output || (example && shows_output(code))
}

/// A session with prompts (`$ cmd`) and lines that are not commands.
fn shows_output(code: &str) -> bool {
    let mut prompts = 0;
    let mut others = 0;
    for l in code.lines() {
        let t = l.trim_start();
        if t.starts_with("$ ") || t.starts_with("PS> ") {
            prompts += 1;
        } else if !t.is_empty() {
            others += 1;
        }
    }
    prompts > 0 && others > 0
}

/// Admonition and shortcode openings that wrap notes, not steps:
/// `!!! warning`, `??? note`, `:::tip`, `{{% notice %}}`, `{% note %}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aside {
    /// The paragraph opens a note that goes on until a closing marker.
    Opens,
    /// The paragraph closes an open note.
    Closes,
    /// The paragraph is a note by itself (its body, indented, follows).
    Marker,
    None,
}

pub fn aside(paragraph: &str) -> Aside {
    let t = paragraph.trim();
    if t.starts_with("!!!") || t.starts_with("???") {
        return Aside::Marker;
    }
    if let Some(rest) = t.strip_prefix(":::") {
        let body_closed = rest.trim_end().ends_with(":::");
        return if rest.trim().is_empty() {
            Aside::Closes
        } else if body_closed {
            Aside::Marker
        } else {
            Aside::Opens
        };
    }
    let opens = ["{{% ", "{{< ", "{% ", "{{%", "{{<", "{%"];
    for o in opens {
        if let Some(rest) = t.strip_prefix(o) {
            let rest = rest.trim_start();
            if rest.starts_with('/') || rest.starts_with("end") {
                return Aside::Closes;
            }
            let (name, _) = first_word(rest);
            let note = matches!(
                name.to_ascii_lowercase().as_str(),
                "notice"
                    | "note"
                    | "hint"
                    | "alert"
                    | "callout"
                    | "warning"
                    | "tip"
                    | "info"
                    | "caution"
                    | "danger"
                    | "admonition"
                    | "important"
                    | "details"
            );
            if note {
                let closed = t.contains("{{% /")
                    || t.contains("{{< /")
                    || t.contains("{% end")
                    || t.contains("{{%/")
                    || t.contains("{{</");
                return if closed { Aside::Marker } else { Aside::Opens };
            }
        }
    }
    if t.contains("{{% /") || t.contains("{{< /") || t.starts_with("{% end") {
        return Aside::Closes;
    }
    Aside::None
}

/// Whether a block quote is a note: `> **Warning**`, `> [!NOTE]`,
/// `> Note: …`.
pub fn quote_is_note(first_paragraph: &str) -> bool {
    let t = first_paragraph.trim_start().to_lowercase();
    let t = t.trim_start_matches(['[', '!', '*', '_', ' ']);
    [
        "note",
        "warning",
        "caution",
        "important",
        "tip",
        "info",
        "danger",
        "attention",
        "hint",
    ]
    .iter()
    .any(|w| t.starts_with(w))
}

/// A statement rather than a step: "The upgrade is now complete".
pub fn is_statement(text: &str) -> bool {
    let t = strip_numbering(text);
    let (word, _) = first_word(t);
    eq_any(
        &[
            "the", "this", "that", "these", "those", "it", "its", "it's", "there", "we", "our",
            "they", "all", "most", "some", "anyone", "everyone", "nothing",
        ],
        word,
    ) || (word.eq_ignore_ascii_case("you") && !is_imperative(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_are_sorted_lowercase_and_unique() {
        assert!(VERBS.windows(2).all(|w| w[0] < w[1]));
        assert!(NOUN_LIKE.windows(2).all(|w| w[0] < w[1]));
        assert!(NOUN_LIKE.iter().all(|v| in_sorted(VERBS, v)));
        assert!(VERBS.iter().all(|v| *v == v.to_lowercase()));
    }

    #[test]
    fn imperatives() {
        for yes in [
            "Edit the release notes",
            "run `./scripts/dmaketgz 7.34.0`",
            "Verify the pods are Running",
            "Take a backup",
            "If running in Docker, deploy a new container running the desired version",
            "Manually page them via Slack, with `!ic page` in Slack.",
            "You should also add `TODO` notes to the Slack room",
            "You may need to perform debriefing/analysis",
            "Make sure all units are in a healthy state",
            "Follow up to ensure the customer liaison wraps up",
            "3. Drain the node",
            "Step 2: Snapshot the database",
            "Then restart the services",
            "Back up `jvm.options`, `opensearch.yml`, certificates",
            "Once the pods are ready, check the plan status",
            "Query the `_cat/nodes` endpoint to identify the manager",
            "Log in to the console",
            "Manually page them via Slack",
            "Note the PID of the old process",
            "Test the restore on a clone",
        ] {
            assert!(is_imperative(yes), "{yes}");
        }
        for no in [
            "The upgrade is now complete, and you can begin using the latest features",
            "Destroys and rebuilds the Python virtual environment",
            "Installs all required Python packages",
            "Data nodes",
            "Anyone is free to join the call or chat",
            "Never hesitate to page the IC. It's much better to have them",
            "Kafka Version = 0.11.0.0",
            "KUDO CLI installed",
            "Backup runs nightly at 02:00",
            "If you are unsure of the cause, that is fine.",
            "Is there no IC on the call?",
            "micromegas-derive-transit (no internal deps)",
            "Query response time (target: <100ms P95)",
            "Lock wait times",
            "Log Locations",
            "Alert Configuration",
        ] {
            assert!(!is_imperative(no), "{no}");
        }
    }

    #[test]
    fn code_kinds() {
        use CodeKind::*;
        for (lang, text, want) in [
            (Some("bash"), "kubectl get pods\n", Command),
            (
                None,
                "kubectl -n postgres-operator apply -k kustomize/postgres\n",
                Command,
            ),
            (None, "type: \"progressing\",\nstatus: \"false\",\n", Output),
            (None, "spec:\n  shutdown: false\n", Output),
            (
                Some("shell"),
                "Model    Controller  Cloud/Region\ndefault  vmc  localhost\n",
                Output,
            ),
            (
                Some("text"),
                "kubectl -n test describe canary/podinfo\n\nStatus:\n",
                Command,
            ),
            (Some("bash"), "NAME        AGE\ncassandra   16h\n", Output),
            (
                Some("bash"),
                "# applied \ndeployment.apps/podinfo\ningress.networking.k8s.io/podinfo\n",
                Output,
            ),
            (None, "$ cat option.json\n{\n  \"kafka\": {}\n}\n", Output),
            (
                None,
                "$ cat option.json\n{\n}\n\n$ dcos beta-kafka update start --name=kafka\n",
                Command,
            ),
            (
                Some("no-highlight"),
                "# Set $NEWVER\nNEWVER=4.5.0\nwget https://x/v$NEWVER.tar.gz\n",
                Command,
            ),
            (Some("yaml"), "apiVersion: v1\n", Config),
            (
                Some("json"),
                "PUT \"/_cluster/settings?pretty\"\n{}\n",
                Config,
            ),
            (Some("promql"), "(\nsum(rate(x[3d]))\n)\n", Command),
            (Some("sql"), "DROP EXTENSION pgaudit;\n", Command),
            (None, "```no-highlight\nsudo ./upgrade.sh\n```\n", Other),
            (Some("{note}"), "This step is only valid…\n", Other),
            (Some("mermaid"), "block-beta\n", Other),
            (Some("python"), "import os\n", Other),
            (Some("bash"), "GET \"/_cat/nodes?v\" | column -t\n", Command),
            (Some("bash"), "sudo -u postgres vacuumdb --all\n", Command),
        ] {
            assert_eq!(code_kind(lang, text), want, "{lang:?} {text:?}");
        }
    }

    #[test]
    fn asides() {
        assert_eq!(aside("!!! warning \"Perform a Backup\""), Aside::Marker);
        assert_eq!(
            aside("{{% notice warning %}}\n**Please note**"),
            Aside::Opens
        );
        assert_eq!(aside("{{% /notice %}}"), Aside::Closes);
        assert_eq!(aside(":::tip"), Aside::Opens);
        assert_eq!(aside(":::"), Aside::Closes);
        assert_eq!(aside(":::note\nBody\n:::"), Aside::Marker);
        assert_eq!(aside("Run the script"), Aside::None);
        assert!(quote_is_note("**Warning**: this deletes data"));
        assert!(quote_is_note("[!NOTE]"));
        assert!(!quote_is_note("Run the migration"));
    }

    #[test]
    fn step_headings() {
        for yes in [
            "Step 1: Take a Full Backup",
            "1. Review the Release Notes",
            "Step 4: Watch and wait",
            "Step 5",
            "Restart your Postgres cluster",
        ] {
            assert!(heading_is_step(yes), "{yes}");
        }
        for no in [
            "Overview",
            "Rolling restart",
            "Version History",
            "Important information",
        ] {
            assert!(!heading_is_step(no), "{no}");
        }
    }
}
