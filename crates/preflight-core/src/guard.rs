//! Steps that need an explicit confirmation before they are checked:
//! commands that destroy data or affect production (`kill -9`,
//! `git reset --hard`, `rm -rf`, `DROP`/`TRUNCATE`, `DELETE`/`UPDATE`
//! without `WHERE`, `kubectl delete`, `terraform apply`/`destroy`,
//! database migrations, traffic switches) and steps the guide itself marks
//! ("on production", "IRREVERSIBLE", "CAUTION").
//!
//! [`reasons`] returns one sentence per hazard, naming what will happen;
//! the run view shows them and the check-off records what was confirmed.
//!
//! The author decides in the end: `(confirm)` in a step's text, or a
//! `# preflight: confirm` comment in its commands, always asks;
//! `(no confirm)` or `# preflight: no-confirm` never does.

/// What checking the step will do, one sentence per hazard found, in the
/// order found; empty when the step needs no confirmation.
pub fn reasons(text: &str, code: Option<&str>) -> Vec<String> {
    let lower_text = text.to_lowercase();
    let code = code.unwrap_or("");
    let lower_code = code.to_lowercase();
    let marked = |s: &str| lower_text.contains(&format!("({s})")) || has_marker(&lower_code, s);
    if marked("no confirm") || marked("no-confirm") {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    if marked("confirm") {
        add("The guide asks for an explicit confirmation before this step.".into());
    }
    for line in code.lines() {
        let line = strip_prompt(line);
        let command = line.split(" #").next().unwrap_or(line).trim();
        if command.is_empty() || command.starts_with('#') || command.starts_with("--") {
            continue;
        }
        for reason in command_reasons(command) {
            add(reason);
        }
    }
    for statement in sql_statements(code) {
        if let Some(reason) = sql_reason(&statement) {
            add(reason);
        }
    }
    // A message about the system ("Announce the cutover in #ops", "Tell
    // the team we will drain the node") changes nothing by itself: only
    // its commands, if any, are read.
    let message = is_message(&lower_text);
    if !message && TEXT_MARKS.iter().any(|m| lower_text.contains(m)) {
        add(format!(
            "The guide marks this step: “{}”.",
            excerpt_command(text)
        ));
    }
    if !message && TRAFFIC.iter().any(|t| lower_text.contains(t)) {
        add("This switches production traffic.".into());
    }
    out
}

/// Whether a step's text (lowercase) is a message to people: it starts
/// with a verb of telling.
fn is_message(lower_text: &str) -> bool {
    let first = lower_text
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    matches!(
        first,
        "announce"
            | "tell"
            | "post"
            | "notify"
            | "inform"
            | "send"
            | "email"
            | "message"
            | "ping"
            | "page"
            | "share"
            | "broadcast"
            | "communicate"
            | "remind"
            | "say"
    )
}

/// Words in a step's text by which a guide marks it as production-affecting
/// or irreversible.
const TEXT_MARKS: [&str; 8] = [
    "irreversible",
    "cannot be undone",
    "can't be undone",
    "caution",
    "danger",
    "on production",
    "in production",
    "against production",
];

/// Phrases in a step's text that mean traffic is being moved.
const TRAFFIC: [&str; 7] = [
    "switch traffic",
    "shift traffic",
    "route traffic",
    "flip traffic",
    "cut over",
    "cutover",
    "traffic switch",
];

fn has_marker(lower_code: &str, what: &str) -> bool {
    lower_code.lines().any(|l| {
        let l = l.trim_start();
        (l.starts_with('#') || l.starts_with("--"))
            && l.trim_start_matches(['#', '-', ' '])
                .strip_prefix("preflight:")
                .is_some_and(|rest| rest.trim() == what)
    })
}

fn strip_prompt(line: &str) -> &str {
    let t = line.trim_start();
    t.strip_prefix("$ ")
        .or_else(|| t.strip_prefix("# $ "))
        .unwrap_or(t)
}

/// The words of a command, split on blanks and shell separators.
fn words(command: &str) -> Vec<&str> {
    command
        .split(|c: char| {
            c.is_whitespace() || c == ';' || c == '|' || c == '&' || c == '(' || c == ')'
        })
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches(['"', '\'', '`']))
        .collect()
}

fn command_reasons(command: &str) -> Vec<String> {
    let w = words(command);
    let mut out = Vec::new();
    let shown = excerpt_command(command);
    for (i, word) in w.iter().enumerate() {
        let rest = &w[i + 1..];
        // The subcommand, past global options and their values
        // (`kubectl -n prod delete`, `git -C repo reset`).
        let verb = subcommand(word, rest);
        let next = |s: &str| verb == Some(s);
        let has = |s: &str| rest.contains(&s);
        match *word {
            "kill" | "pkill" | "killall"
                if rest.iter().take_while(|a| a.starts_with('-')).any(|a| {
                    matches!(*a, "-9" | "-KILL" | "-SIGKILL" | "-s")
                        && (*a != "-s" || has("KILL") || has("SIGKILL"))
                }) =>
            {
                out.push(format!("This kills processes at once, without letting them shut down cleanly: `{shown}`."));
            }
            "git" if next("reset") && has("--hard") => {
                out.push(format!("This throws away uncommitted changes: `{shown}`."));
            }
            "git"
                if next("push")
                    && rest
                        .iter()
                        .any(|a| matches!(*a, "--force" | "-f" | "--force-with-lease")) =>
            {
                out.push(format!("This rewrites history on the remote: `{shown}`."));
            }
            "git"
                if next("clean")
                    && rest
                        .iter()
                        .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('f')) =>
            {
                out.push(format!("This deletes untracked files: `{shown}`."));
            }
            "rm" if rm_recursive_force(rest) => {
                out.push(format!(
                    "This deletes files and directories recursively, without asking: `{shown}`."
                ));
            }
            "kubectl" => match verb {
                Some("delete") => {
                    out.push(format!("This deletes Kubernetes resources: `{shown}`."))
                }
                Some("drain") => out.push(format!("This evicts every pod from a node: `{shown}`.")),
                Some("scale")
                    if rest.contains(&"--replicas=0")
                        || rest.windows(2).any(|w| w == ["--replicas", "0"]) =>
                {
                    out.push(format!("This scales a workload down to zero: `{shown}`."))
                }
                Some("patch") | Some("set") if rest.iter().any(|a| a.contains("selector")) => out
                    .push(format!(
                        "This switches which pods receive traffic: `{shown}`."
                    )),
                _ => {}
            },
            "helm" if next("uninstall") || next("delete") => {
                out.push(format!("This removes a Helm release: `{shown}`."));
            }
            "terraform" | "tofu" if next("destroy") => {
                out.push(format!("This destroys infrastructure: `{shown}`."));
            }
            "terraform" | "tofu" if next("apply") => {
                out.push(format!("This changes real infrastructure: `{shown}`."));
            }
            "aws" if has("modify-listener") || has("change-resource-record-sets") => {
                out.push(format!("This switches production traffic: `{shown}`."));
            }
            _ => {}
        }
        if is_migration(word, rest) {
            out.push(format!("This runs database migrations: `{shown}`."));
        }
    }
    out.dedup();
    out
}

/// Options that take a value as the next word, per tool.
fn valued_options(tool: &str) -> &'static [&'static str] {
    match tool {
        "kubectl" => &[
            "-n",
            "--namespace",
            "--context",
            "--kubeconfig",
            "-s",
            "--server",
            "--cluster",
            "--user",
            "-l",
            "--selector",
        ],
        "git" => &["-C", "-c", "--git-dir", "--work-tree"],
        "helm" => &["-n", "--namespace", "--kube-context", "--kubeconfig"],
        _ => &[],
    }
}

/// The first word of `rest` that is not an option or an option's value.
fn subcommand<'a>(tool: &str, rest: &[&'a str]) -> Option<&'a str> {
    let valued = valued_options(tool);
    let mut i = 0;
    while i < rest.len() {
        let a = rest[i];
        if !a.starts_with('-') {
            return Some(a);
        }
        i += if !a.contains('=') && valued.contains(&a) {
            2
        } else {
            1
        };
    }
    None
}

fn rm_recursive_force(args: &[&str]) -> bool {
    let (mut r, mut f) = (false, false);
    for a in args.iter().take_while(|a| a.starts_with('-')) {
        if let Some(long) = a.strip_prefix("--") {
            r |= long == "recursive";
            f |= long == "force";
        } else {
            r |= a.contains('r') || a.contains('R');
            f |= a.contains('f');
        }
    }
    r && f
}

fn is_migration(word: &str, rest: &[&str]) -> bool {
    // A dry run or a status report changes nothing.
    let dry = [
        "--plan",
        "--dry-run",
        "--dry_run",
        "--check",
        "status",
        "info",
        "history",
    ];
    if rest
        .iter()
        .take_while(|a| !matches!(**a, "&&" | "||"))
        .any(|a| dry.contains(a))
    {
        return false;
    }
    let next = rest.first().copied().unwrap_or("");
    match word {
        "rails" | "rake" | "bundle" => rest
            .iter()
            .any(|a| *a == "db:migrate" || a.starts_with("db:migrate:") && !a.ends_with(":status")),
        "python" | "python3" | "./manage.py" | "manage.py" => {
            rest.iter().any(|a| a.ends_with("manage.py")) && rest.contains(&"migrate")
                || (word.ends_with("manage.py") && next == "migrate")
        }
        "alembic" => next == "upgrade",
        "flyway" => next == "migrate",
        "liquibase" => next == "update",
        "sqlx" => next == "migrate" && rest.get(1) == Some(&"run"),
        "knex" | "sequelize" | "prisma" => {
            next.starts_with("migrate") || next.starts_with("db:migrate")
        }
        "migrate" => rest.contains(&"up"),
        _ => word.ends_with("/migrate") || word.ends_with("db-migrate"),
    }
}

/// SQL statements in a block: split on `;`, each trimmed; lines that are
/// comments dropped.
fn sql_statements(code: &str) -> Vec<String> {
    let cleaned: String = code
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    cleaned
        .split(';')
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty())
        .collect()
}

fn sql_reason(statement: &str) -> Option<String> {
    // ASCII upper case keeps byte offsets, so `statement[i..]` is safe.
    let upper = statement.to_ascii_uppercase();
    // The statement may sit inside a shell command (`psql -c "DELETE …"`).
    let at = |kw: &str| find_word(&upper, kw);
    let from = |i: usize| {
        statement[i..]
            .trim_end_matches(['"', '\''])
            .chars()
            .take(80)
            .collect::<String>()
    };
    for kw in [
        "DROP TABLE",
        "DROP DATABASE",
        "DROP SCHEMA",
        "DROP INDEX",
        "DROP VIEW",
        "DROP COLUMN",
    ] {
        if let Some(i) = at(kw) {
            return Some(format!("This drops a database object: `{}`.", from(i)));
        }
    }
    if let Some(i) = at("TRUNCATE") {
        return Some(format!("This empties a table: `{}`.", from(i)));
    }
    if let Some(i) = at("DELETE FROM") {
        if find_word(&upper[i..], "WHERE").is_none() {
            return Some(format!(
                "This deletes every row of a table (no WHERE): `{}`.",
                from(i)
            ));
        }
    }
    if let Some(i) = at("UPDATE") {
        if find_word(&upper[i..], "SET").is_some() && find_word(&upper[i..], "WHERE").is_none() {
            return Some(format!(
                "This changes every row of a table (no WHERE): `{}`.",
                from(i)
            ));
        }
    }
    None
}

/// `kw` at word boundaries in `hay` (both upper case).
fn find_word(hay: &str, kw: &str) -> Option<usize> {
    let bytes = hay.as_bytes();
    let mut from = 0;
    while let Some(i) = hay[from..].find(kw).map(|i| i + from) {
        let before = i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'_';
        let end = i + kw.len();
        let after = end >= bytes.len() || !bytes[end].is_ascii_alphanumeric() && bytes[end] != b'_';
        if before && after {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

fn excerpt_command(command: &str) -> String {
    let t = command.trim();
    if t.chars().count() > 80 {
        format!("{}…", t.chars().take(79).collect::<String>())
    } else {
        t.to_owned()
    }
}

#[cfg(test)]
mod tests;
