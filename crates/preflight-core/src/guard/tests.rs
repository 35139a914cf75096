use super::reasons;

/// (step text, commands) that must ask, and a word the reason must hold.
const POSITIVE: &[(&str, &str, &str)] = &[
    (
        "Remove v1",
        "kubectl -n prod delete deploy orders-v1",
        "deletes Kubernetes",
    ),
    ("Reset", "git -C /srv/app reset --hard", "uncommitted"),
    ("Apply", "terraform -chdir=infra apply", "infrastructure"),
    (
        "Stop v1",
        "kubectl scale deploy/orders-v1 --replicas 0",
        "zero",
    ),
    (
        "Remove chart",
        "helm -n payments uninstall payments",
        "Helm release",
    ),
    (
        "Stop the worker",
        "kill -9 $(pidof worker)",
        "kills processes",
    ),
    (
        "Stop the worker",
        "sudo pkill -KILL -f orders-worker",
        "kills processes",
    ),
    ("Stop it", "kill -s KILL 4242", "kills processes"),
    (
        "Reset the checkout",
        "git reset --hard origin/main",
        "uncommitted",
    ),
    (
        "Publish",
        "git push --force origin release",
        "rewrites history",
    ),
    ("Clean", "git clean -fdx", "untracked"),
    (
        "Remove old release",
        "rm -rf /srv/app/releases/v3.0",
        "recursively",
    ),
    ("Remove old release", "sudo rm -fr ./build", "recursively"),
    (
        "Remove old release",
        "rm --recursive --force /tmp/x",
        "recursively",
    ),
    (
        "Drop the old table",
        "DROP TABLE orders_old;",
        "drops a database object",
    ),
    (
        "Clear staging data",
        "psql -c \"TRUNCATE audit_log\"",
        "empties a table",
    ),
    ("Purge", "DELETE FROM sessions;", "every row"),
    (
        "Purge",
        "psql \"$DB\" -c 'DELETE FROM sessions'",
        "every row",
    ),
    ("Fix prices", "UPDATE products SET price = 0;", "every row"),
    (
        "Remove v1",
        "kubectl delete deployment orders-v1 -n orders",
        "deletes Kubernetes",
    ),
    (
        "Drain",
        "kubectl drain node-7 --ignore-daemonsets",
        "evicts",
    ),
    (
        "Stop v1",
        "kubectl scale deploy/orders-v1 --replicas=0",
        "zero",
    ),
    (
        "Switch",
        "kubectl patch service orders -p '{\"spec\":{\"selector\":{\"version\":\"v2\"}}}'",
        "traffic",
    ),
    ("Remove chart", "helm uninstall orders", "Helm release"),
    ("Apply", "terraform apply -auto-approve", "infrastructure"),
    ("Tear down", "terraform destroy", "destroys infrastructure"),
    ("Migrate", "bundle exec rails db:migrate", "migrations"),
    ("Migrate", "python manage.py migrate", "migrations"),
    ("Migrate", "alembic upgrade head", "migrations"),
    ("Migrate", "flyway migrate", "migrations"),
    ("Migrate", "./bin/migrate up", "migrations"),
    ("Migrate", "sqlx migrate run", "migrations"),
    (
        "Migrate",
        "kubectl -n orders exec deploy/orders-api -- bin/migrate --apply",
        "migrations",
    ),
    (
        "Point DNS",
        "aws route53 change-resource-record-sets --hosted-zone-id Z1",
        "traffic",
    ),
    ("Switch traffic to the green environment", "", "traffic"),
    ("Cut over to the new cluster", "", "traffic"),
    ("Run the cleanup on production", "", "marks this step"),
    ("IRREVERSIBLE: purge the old bucket", "", "marks this step"),
    ("CAUTION — rotate the signing key", "", "marks this step"),
    ("Restart the cache (confirm)", "", "explicit confirmation"),
    (
        "Restart the cache",
        "# preflight: confirm\nsystemctl restart redis",
        "explicit confirmation",
    ),
];

/// Steps that must not ask.
const NEGATIVE: &[(&str, &str)] = &[
    ("Announce the cutover in #finance-ops", ""),
    ("Tell the team we will drain the node at 10:00", ""),
    ("Post 'rolling back' in #ops", ""),
    (
        "Notify support that production traffic moves to the new pool",
        "",
    ),
    ("Namespaced read", "kubectl -n delete get pods"),
    ("Scale down", "kubectl scale deploy/orders-v1 --replicas 2"),
    ("Check the pods", "kubectl get pods -n orders"),
    ("Describe", "kubectl describe deployment orders"),
    ("Graceful stop", "kill -TERM 4242"),
    ("Graceful stop", "kill 4242"),
    ("Soft reset", "git reset --soft HEAD~1"),
    ("Push", "git push origin release"),
    ("Remove a file", "rm /tmp/orders.lock"),
    ("Remove a dir", "rm -r ./cache"),
    ("Delete one session", "DELETE FROM sessions WHERE id = 42;"),
    (
        "Fix one price",
        "UPDATE products SET price = 10 WHERE id = 7;",
    ),
    ("Read", "SELECT count(*) FROM orders;"),
    ("Plan", "terraform plan"),
    (
        "Commented",
        "# kubectl delete deployment orders-v1\nkubectl get deploy",
    ),
    (
        "Comment at the end",
        "kubectl get deploy # not kubectl delete",
    ),
    ("SQL comment", "-- DROP TABLE orders_old;\nSELECT 1;"),
    ("Status", "helm status orders"),
    ("Backup", "pg_dump orders > backup.sql"),
    (
        "Dry run",
        "kubectl -n orders exec deploy/orders-api -- bin/migrate --plan",
    ),
    ("Migration status", "bundle exec rails db:migrate:status"),
    ("Flyway info", "flyway info"),
    ("Review traffic dashboards", ""),
    ("Verify production dashboards look healthy", ""),
    ("Status page message drafted ⚠️", ""),
    // The author's word wins.
    ("Remove the scratch dir (no confirm)", "rm -rf ./scratch"),
    (
        "Remove the scratch dir",
        "# preflight: no-confirm\nrm -rf ./scratch",
    ),
    (
        "Column named drop_table_count",
        "SELECT drop_table_count FROM stats;",
    ),
];

#[test]
fn hazards_are_found_and_named() {
    for (text, code, word) in POSITIVE {
        let r = reasons(text, Some(code));
        assert!(!r.is_empty(), "no hazard found in {text:?} / {code:?}");
        assert!(
            r.iter().any(|s| s.contains(word)),
            "{text:?} / {code:?}: {r:?} lacks {word:?}"
        );
    }
}

#[test]
fn safe_steps_do_not_ask() {
    for (text, code) in NEGATIVE {
        assert_eq!(
            reasons(text, Some(code)),
            Vec::<String>::new(),
            "{text:?} / {code:?}"
        );
    }
}

#[test]
fn each_hazard_is_named_once_with_its_command() {
    let r = reasons(
        "Remove v1",
        Some("kubectl delete deploy orders-v1\nkubectl delete svc orders-v1\nrm -rf /srv/v1"),
    );
    assert_eq!(r.len(), 3, "{r:?}");
    assert!(r[0].contains("`kubectl delete deploy orders-v1`"));
    assert!(r[2].contains("`rm -rf /srv/v1`"));
    // Non-ASCII around SQL keeps offsets right (no panic, text kept).
    let r = reasons(
        "Purge",
        Some("psql -c \"DELETE FROM café_sessions\" # ünïcode"),
    );
    assert!(r[0].contains("DELETE FROM café_sessions"), "{r:?}");
}

proptest::proptest! {
    #[test]
    fn any_text_never_panics(text in "\\PC{0,200}", code in "\\PC{0,400}") {
        let _ = reasons(&text, Some(&code));
    }
}
