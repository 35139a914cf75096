use super::*;
use expect_test::{expect, Expect};
use std::collections::{BTreeMap, BTreeSet};

/// The parameters of a guide as `preflight inspect` lists them, then any
/// warning.
fn check(guide: &str, expect: Expect) {
    let found = find(guide);
    let mut out = outline(&found);
    for d in &found.diagnostics {
        out.push_str(&format!("line {}: {}\n", d.line, d.message));
    }
    expect.assert_eq(&out);
}

#[test]
fn placeholders_in_commands() {
    check(
        "# Deploy\n\n## Steps\n\n1. Stop the worker:\n\n   ```bash\n   kill -9 <PID>\n   ```\n\n2. Tag it:\n\n   ```sh\n   git tag v<new-version> && git push origin v<new-version>\n   helm upgrade api chart --set image.tag={{ release }}\n   kubectl logs [POD] -n prod\n   curl https://your-production-url.example/health\n   psql -c 'DROP TABLE <table>'\n   ```\n",
        expect![[r#"
            parameters:
              PID (<PID>): line 8
              new-version (<new-version>): line 14
              release ({{ release }}): line 15
              POD ([POD]): line 16
              your-production-url.example (your-production-url.example): line 17
              table (<table>): line 18
        "#]],
    );
}

#[test]
fn shell_variables_the_guide_never_sets() {
    check(
        "# Deploy\n\n```bash\nexport REGION=eu-west-1\nfor host in a b; do ssh $host uptime; done\nread -r -p 'Ticket? ' TICKET\naws s3 cp build s3://$BUCKET/$VERSION/ --region $REGION\necho \"${TICKET} ${RELEASE:-2.4.0} $HOME $1 ${#ARR[@]}\"\necho '$NOT_A_VAR'\n```\n",
        expect![[r#"
            parameters:
              BUCKET ($BUCKET): line 7
              VERSION ($VERSION): line 7
              RELEASE (${RELEASE:-2.4.0}): line 8; default 2.4.0
        "#]],
    );
}

#[test]
fn what_is_not_a_placeholder() {
    check(
        "# Deploy\n\n```xml\n<configuration><name>x</name></configuration>\n```\n\n```yaml\nimage: \"{{ .Values.image }}\"\nrun: echo ${{ secrets.TOKEN }}\n```\n\n```bash\ncat < input.txt > out.txt\ncat <<EOF\nhi\nEOF\nif [[ -f x ]]; then echo; fi\narr[0]=1\necho \"<html>\" > /tmp/page.html\nprintf '<BR>'\nsed -i 's/<version>.*<\\/version>/<version>2<\\/version>/' pom.xml\ntest \"$(status)\" = \"[OK]\" || echo '[ERROR] not ready'\necho 'Press <Enter>, or <Ctrl-C> to stop'\n```\n\n```ini\n[Unit]\nDescription=api\n```\n\n```rust\nlet v: Vec<String> = Vec::new();\n```\n\nIn prose, a <b>tag</b> and $5 are not.\n",
        expect![[r#""#]],
    );
}

#[test]
fn code_blocks_are_found_where_the_guide_model_finds_them() {
    // A fence under a nested list item, an indented block, a quoted one,
    // and two spans on one line of prose.
    check(
        "# Restart\n\n1. Drain:\n   - Then stop it:\n\n        ```bash\n        kill <WORKER_PID>\n        ```\n\nAn indented command:\n\n    systemctl restart <UNIT>\n\n> ```sh\n> journalctl -u $SERVICE_NAME\n> ```\n\nReplace `<OLD_TAG>` with `<NEW_TAG>`.\n",
        expect![[r#"
            parameters:
              WORKER_PID (<WORKER_PID>): line 7
              UNIT (<UNIT>): line 12
              SERVICE_NAME ($SERVICE_NAME): line 15
              OLD_TAG (<OLD_TAG>): line 18
              NEW_TAG (<NEW_TAG>): line 18
        "#]],
    );
}

#[test]
fn declared_parameters_with_defaults_and_descriptions() {
    check(
        "---\ntitle: Deploy\nparams:\n  VERSION: 2.4.0  # the release to deploy\n  DB_PASSWORD: \n---\n# Deploy\n\n```params\nREGION = eu-west-1  # where it runs\nTICKET — the change ticket\n```\n\n- [ ] Deploy `{{ VERSION }}` to `$REGION` with ticket {{ ticket }}\n",
        expect![[r#"
            parameters:
              VERSION ({{ VERSION }}): line 14; default 2.4.0; the release to deploy; declared on line 4
              DB_PASSWORD: not used; secret; declared on line 5
              REGION ($REGION): line 14; default eu-west-1; where it runs; declared on line 10
              TICKET ({{ ticket }}): line 14; the change ticket; declared on line 11
        "#]],
    );
}

#[test]
fn a_placeholder_used_once_that_looks_like_a_slip_is_named() {
    check(
        "# Deploy\n\n```bash\ndeploy --version <new-version>\ncheck --version <new-version>\nnotify --version <new-verison>\nkill <PID>\nkill <PIDS>\n```\n",
        expect![[r#"
            parameters:
              new-version (<new-version>): lines 4, 5
              new-verison (<new-verison>): line 6
              PID (<PID>): line 7
              PIDS (<PIDS>): line 8
            line 6: the placeholder <new-verison> is used only here; did you mean <new-version> (used on 2 lines)?
        "#]],
    );
}

#[test]
fn secrets_in_the_text_never_become_defaults() {
    check(
        "# Deploy\n\n```bash\nmysql -p\"${DB_PASSWORD:-hunter2-Zebra-77}\" -e 'select 1'\n```\n",
        expect![[r#"
            parameters:
              DB_PASSWORD (${DB_PASSWORD:••••••}): line 4; secret
        "#]],
    );
}

#[test]
fn what_tools_print_is_not_a_placeholder() {
    check(
        "# Ops\n\n```bash\n$ kubectl get pods -o wide -l app=<app-label>\nNAME   READY   NODE      NOMINATED NODE\nweb-0  1/1     node006   <none>\n$ kubectl logs web-0 \\\n    -c <container>\nsome [ERROR] line\n```\n\n```text\n└── Plan deploy (serial strategy) [COMPLETE]\n```\n\n```yaml\nquery: rate(http_requests_total{namespace=\"{{ namespace }}\"}[1m])\n```\n",
        expect![[r#"
            parameters:
              app-label (<app-label>): line 4
              container (<container>): line 8
        "#]],
    );
}

#[test]
fn the_parameters_of_the_shared_guides() {
    // Every guide beside the checkout: what a person would fill in, and
    // nothing a tool printed or a template of its own.
    let mut each = BTreeMap::new();
    for (name, text) in crate::test_fixtures::shared_guides() {
        let found = find(&text);
        if found.params.is_empty() {
            continue;
        }
        let names: Vec<&str> = found.params.iter().map(|p| p.name.as_str()).collect();
        each.insert(name, names.join(", "));
    }
    let out: String = each
        .iter()
        .map(|(g, names)| format!("{g}: {names}\n"))
        .collect();
    expect![[r#"
        Orange-OpenSource+casskop__1_cluster_operations.md: idx, pod_name, previous_ip_pod, crd_name
        crossplane+crossplane__release.md: Y-1
        k8s-node-upgrade.md: NODE
        madesroches+micromegas__release_v0.14_plan.md: crate-name
        opensearch-project+documentation-website__index.md: nodeName
        phase3-canary-rollout.md: TOKEN
        sqlite-dedup-deployment-checklist.md: PID, previous-stable-commit, epic-2-merge-commit
        threading-update-production.md: your-production-url.com, YOUR_TOKEN_HERE
    "#]]
    .assert_eq(&out);
}

#[test]
fn every_shared_guide_is_read_without_a_panic_and_names_are_clean() {
    for (name, text) in crate::test_fixtures::shared_guides() {
        let found = find(&text);
        let lines = text.lines().count();
        for p in &found.params {
            assert!(!p.name.is_empty() && p.name.len() <= 200, "{name}: {p:?}");
            assert!(
                p.lines.iter().all(|&l| l >= 1 && l <= lines),
                "{name}: {p:?}"
            );
            assert!(p.lines.windows(2).all(|w| w[0] < w[1]), "{name}: {p:?}");
        }
    }
}

proptest::proptest! {
    #[test]
    fn any_text_is_read_without_a_panic(text in "(?s).{0,400}") {
        let _ = find(&text);
    }
}

/// A command with `values` put in: values in ⟦ ⟧, missing ones as ⟦? ⟧,
/// then what is still to be given.
fn check_fill(command: &str, lang: &str, values: &[(&str, &str)], expect: Expect) {
    let set = find(&format!("```{lang}\n{command}\n```\n")).set;
    let values: BTreeMap<String, String> = values
        .iter()
        .map(|(k, v)| (key(k), (*v).to_owned()))
        .collect();
    let filled = fill(command, &slots(command, lang, &set), &values);
    let shown: String = filled
        .pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => t.clone(),
            Piece::Value { value, .. } => format!("⟦{value}⟧"),
            Piece::Missing { written, .. } => format!("⟦?{written}⟧"),
        })
        .collect();
    expect.assert_eq(&format!(
        "{shown}\nmissing: {}",
        filled.missing().join(", ")
    ));
}

#[test]
fn values_are_put_where_their_placeholders_are() {
    check_fill(
        "kill -9 <PID> && git tag v<new-version>\nhelm upgrade api --set tag={{ release }} --set v=${NEW_VERSION:-2.4.0}",
        "bash",
        &[("PID", "4242"), ("new-version", "2.5.0")],
        expect![[r#"
            kill -9 ⟦4242⟧ && git tag v⟦2.5.0⟧
            helm upgrade api --set tag=⟦?{{ release }}⟧ --set v=⟦2.5.0⟧
            missing: release"#]],
    );
    // The copied text has every value in place, and nothing else moved.
    let command = "curl https://your-host.example/health?pod=[POD] # <PID>";
    let set = BTreeSet::new();
    let values: BTreeMap<String, String> = [
        ("pod", "web-0"),
        ("your_host_example", "api.example.org"),
        ("pid", "7"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let filled = fill(command, &slots(command, "sh", &set), &values);
    assert_eq!(
        filled.text(),
        "curl https://api.example.org/health?pod=web-0 # 7"
    );
    assert!(filled.missing().is_empty());
}

#[test]
fn names_the_guide_sets_are_left_alone() {
    check_fill(
        "VERSION=2.4.0\ndeploy --version $VERSION --to $TARGET",
        "bash",
        &[],
        expect![[r#"
            VERSION=2.4.0
            deploy --version $VERSION --to ⟦?$TARGET⟧
            missing: target"#]],
    );
}

#[test]
fn a_command_is_filled_at_exactly_the_placeholders_its_guide_lists() {
    // Markup written by a here-document, a session's output, and a
    // placeholder that two forms read (`<your-email>`).
    check_fill(
        "cat > /etc/app/config.xml <<EOF\n<config>\n  <host>db</host>\n</config>\nEOF",
        "bash",
        &[],
        expect![[r#"
            cat > /etc/app/config.xml <<EOF
            <config>
              <host>db</host>
            </config>
            EOF
            missing: "#]],
    );
    check_fill(
        "$ kubectl get pods -l app=<app>\nweb-0   <pending-reason>\n$ notify <your-email>",
        "console",
        &[],
        expect![[r#"
            $ kubectl get pods -l app=⟦?<app>⟧
            web-0   <pending-reason>
            $ notify ⟦?<your-email>⟧
            missing: app, your_email"#]],
    );
    check(
        "# Notify\n\n```console\n$ notify <your-email>\n```\n",
        expect![[r#"
            parameters:
              your-email (<your-email>): line 4
        "#]],
    );
    // Every code block of the guides beside the checkout: what a copy
    // asks for is what the guide's parameters list.
    for (name, text) in crate::test_fixtures::shared_guides() {
        let found = find(&text);
        let listed: BTreeSet<String> = found.params.iter().map(|p| key(&p.name)).collect();
        let masked = crate::text::secrets::mask_text(&text).text;
        let (_, blocks, _) = split(&masked);
        for block in blocks.iter().filter(|b| b.lang != "params") {
            let command: String = block.lines.iter().map(|(_, l)| format!("{l}\n")).collect();
            for slot in slots(&command, &block.lang, &found.set) {
                assert!(listed.contains(&slot.key), "{name}: {slot:?} is not listed");
            }
        }
    }
}

proptest::proptest! {
    /// Filling never panics, keeps the text between placeholders, and
    /// with no values gives back the command as it was.
    #[test]
    fn filling_keeps_the_command(
        command in "(?s)([<>{}$\\[\\] a-zA-Z_-]|your-|YOUR_|\\{\\{|.){0,200}",
        lang in "(bash|yaml|xml|)",
    ) {
        let set = BTreeSet::new();
        let found = slots(&command, &lang, &set);
        // In order, none overlapping another, each on a character boundary.
        for pair in found.windows(2) {
            proptest::prop_assert!(pair[0].range.end <= pair[1].range.start);
        }
        for s in &found {
            proptest::prop_assert_eq!(&command[s.range.clone()], s.written.as_str());
        }
        let filled = fill(&command, &found, &BTreeMap::new());
        proptest::prop_assert_eq!(filled.text(), command);
    }
}

/// The steps that note a value, as `step text → parameter`.
fn check_captures(guide: &str, expect: Expect) {
    let g = crate::guide::Guide::parse(guide);
    let plan = crate::run::Plan::new(&g, &BTreeMap::new());
    let steps: Vec<(&str, usize, &str)> = plan
        .run_phases()
        .flat_map(|p| &p.steps)
        .map(|s| (s.id.as_str(), s.line, s.text.as_str()))
        .collect();
    let out: String = captures(&find(guide), steps.iter().copied())
        .into_iter()
        .map(|(id, key)| {
            let text = steps.iter().find(|s| s.0 == id).map_or("?", |s| s.2);
            format!("{text} → {key}\n")
        })
        .collect();
    expect.assert_eq(&out);
}

#[test]
fn a_step_that_notes_a_value_for_later_steps_captures_it() {
    check_captures(
        "# Restart the worker\n\n\
         - [ ] Find the PID of the stuck worker: `pgrep -f worker`\n\
         - [ ] Stop it: `kill -TERM <PID>`\n\
         - [ ] Deploy: `deploy.sh $VERSION`\n\
         - [ ] Note the new pod name from the output\n\
         - [ ] Read its logs: `kubectl logs <pod-name>`\n\
         - [ ] Record the incident number\n\
         - [ ] Get the `<TICKET>` from the on-call channel\n\
         - [ ] Link it: `notify --ticket <TICKET>`\n",
        expect![[r#"
            Find the PID of the stuck worker: pgrep -f worker → pid
            Note the new pod name from the output → pod_name
            Get the <TICKET> from the on-call channel → ticket
        "#]],
    );
    // A value asked for later only (no later line uses it), one with a
    // default, and a step that names it after its use capture nothing.
    check_captures(
        "---\nparams:\n  VERSION: 2.4.0\n---\n# Deploy\n\n\
         - [ ] Note the VERSION you deploy\n\
         - [ ] Run `deploy.sh $VERSION`\n\
         - [ ] Stop `kill <PID>`\n\
         - [ ] Note the PID\n",
        expect![[r#""#]],
    );
}
