//! What counts as a step, shape by shape: each case is a small guide
//! written for the shape it shows and the outline `preflight inspect`
//! prints for it. `UPDATE_EXPECT=1 cargo test` rewrites the outlines; the
//! diff then shows what a change in recognition does.

use expect_test::{expect, Expect};
use preflight_core::Guide;

fn check(guide: &str, expect: Expect) {
    expect.assert_eq(&Guide::parse(guide).outline());
}

#[test]
fn imperative_bullets_under_headings_are_steps() {
    check(
        "# Releasing\n\
         \n\
         ## Prepare\n\
         \n\
         - edit `RELEASE-NOTES` and bump the version\n\
         - run `./scripts/maketgz 7.34.0`\n\
         - Make sure the tarball builds on a clean machine\n\
         \n\
         ## Publish\n\
         \n\
         - push the commits and the new tag\n\
         - upload the tarball to the download page\n\
         - send the announcement to the mailing list\n\
         \n\
         ## Background\n\
         \n\
         - Releases happen every eight weeks\n\
         - Run the security scan first when a CVE is pending\n",
        expect![[r#"
            Releasing
            3 phases, 6 steps (0 tasks, 0 checked in the guide), 0 gates, 0 rollback triggers, 0 troubleshooting entries
              Prepare [preparation] line 3: 3 steps, 0 gates
                -    5 action: edit RELEASE-NOTES and bump the version
                -    6 action: run ./scripts/maketgz 7.34.0
                -    7 action: Make sure the tarball builds on a clean machine
              Publish [section] line 9: 3 steps, 0 gates
                -   11 action: push the commits and the new tag
                -   12 action: upload the tarball to the download page
                -   13 action: send the announcement to the mailing list
              Background [reference] line 15: 0 steps, 0 gates
            diagnostics: 0
        "#]],
    );
}

#[test]
fn numbered_headings_with_commands_and_prose_only_step_headings() {
    check(
        "# Handbook\n\
         \n\
         ## 1. Announce the freeze\n\
         \n\
         Tell the channel that main is frozen; nothing to run here.\n\
         \n\
         ## 2. Build the release\n\
         \n\
         ```sh\n\
         make release VERSION=2.4.0\n\
         ```\n\
         \n\
         Example output:\n\
         \n\
         ```\n\
         built dist/app-2.4.0.tar.gz\n\
         ```\n\
         \n\
         ## Step 3: Wait for the mirrors (30 minutes)\n\
         \n\
         The mirrors pick the release up on their own.\n\
         \n\
         ## Overview\n\
         \n\
         1. Announce the freeze\n\
         2. Build the release\n",
        expect![[r#"
            Handbook
            4 phases, 3 steps (0 tasks, 0 checked in the guide), 0 gates, 0 rollback triggers, 0 troubleshooting entries
              1. Announce the freeze [section] line 3: 1 steps, 0 gates
                -    3 action: 1. Announce the freeze
              2. Build the release [deployment] line 7: 1 steps, 0 gates
                -    9 command: make release VERSION=2.4.0
              Step 3: Wait for the mirrors (30 minutes) [deployment, 30 min] line 19: 1 steps, 0 gates
                -   19 wait: Step 3: Wait for the mirrors (30 minutes)
              Overview [reference] line 23: 0 steps, 0 gates
            diagnostics: 0
        "#]],
    );
}

#[test]
fn criteria_in_prose_become_gates_with_their_time() {
    check(
        "# Deploy\n\
         \n\
         ## What changed\n\
         \n\
         1. Fixed lock contention in the session store\n\
         2. Retried writes on SQLITE_BUSY\n\
         \n\
         ## Files changed\n\
         \n\
         - Update `store.rs` to retry writes\n\
         \n\
         ## Risk assessment\n\
         \n\
         - Roll back if lock errors persist (low risk)\n\
         \n\
         ## Deploy\n\
         \n\
         1. Deploy the release\n\
         \n\
         ## Success criteria\n\
         \n\
         ✅ **Right after the deploy (10 minutes):**\n\
         - lock errors < 0.1% (was 2-4%)\n\
         - no errors in logs\n\
         \n\
         ✅ **After 24 hours:**\n\
         - p95 latency < 300ms\n",
        expect![[r#"
            Deploy
            5 phases, 1 steps (0 tasks, 0 checked in the guide), 3 gates, 0 rollback triggers, 0 troubleshooting entries
              What changed [reference] line 3: 0 steps, 0 gates
              Files changed [reference] line 8: 0 steps, 0 gates
              Risk assessment [reference] line 12: 0 steps, 0 gates
              Deploy [deployment] line 16: 1 steps, 0 gates
                -   18 action: Deploy the release
              Success criteria [verification] line 20: 0 steps, 3 gates
                ?   23 gate: lock errors < 0.1% (was 2-4%) [< 0.1%] (due after 10 min)
                ?   24 gate: no errors in logs (due after 10 min)
                ?   27 gate: p95 latency < 300ms [< 300ms] (due after 1 d)
            diagnostics: 0
        "#]],
    );
}

#[test]
fn notes_and_admonitions_are_not_steps() {
    check(
        "# Upgrade\n\
         \n\
         ## Upgrade the node\n\
         \n\
         !!! warning \"Back up first\"\n    Always take a backup before upgrading.\n\
         \n\
         !!! note\n\
         \n    ```\n    sudo ./upgrade.sh --readonly\n    ```\n\
         \n\
         {{% notice warning %}}\n\
         - Restart the brokers one at a time.\n\
         {{% /notice %}}\n\
         \n\
         :::tip\n\
         - Drain the node before a kernel update.\n\
         :::\n\
         \n\
         > **Warning**\n\
         > - Delete the old volume only after the check.\n\
         \n\
         ```{note}\n\
         kubectl get pods\n\
         ```\n\
         \n\
         Run the upgrade:\n\
         \n\
         ```bash\n\
         sudo ./upgrade.sh\n\
         ```\n\
         \n\
         - [ ] Upgrade finished (a task item is always a step)\n",
        expect![[r#"
            Upgrade
            1 phases, 1 steps (1 tasks, 0 checked in the guide), 0 gates, 0 rollback triggers, 0 troubleshooting entries
              Upgrade the node [deployment] line 3: 1 steps, 0 gates
                -   35 task: Upgrade finished (a task item is always a step)
            diagnostics: 2
        "#]],
    );
}

#[test]
fn code_blocks_are_read_by_what_they_hold() {
    check(
        "# Rollout\n\
         \n\
         ## Apply\n\
         \n\
         Create the ingress and apply it:\n\
         \n\
         ```yaml\n\
         kind: Ingress\n\
         ```\n\
         \n\
         Save the above resource as ingress.yaml and then apply it:\n\
         \n\
         ```bash\n\
         kubectl apply -f ./ingress.yaml\n\
         ```\n\
         \n\
         Edit the canary analysis and add the latency check:\n\
         \n\
         ```yaml\n\
         analysis:\n\
         \x20 threshold: 5\n\
         ```\n\
         \n\
         The status shows:\n\
         \n\
         ```shell\n\
         NAME     STATUS    AGE\n\
         web-1    Running   3m\n\
         ```\n\
         \n\
         For instance, given the tag list:\n\
         \n\
         ```console\n\
         $ git tag\n\
         v2.20.0\n\
         v2.21.0\n\
         ```\n\
         \n\
         Watch the logs:\n\
         \n\
         ```text\n\
         kubectl logs deploy/flagger -f\n\
         ```\n\
         \n\
         Then, indented:\n\
         \n\
         \x20   $ dcos kafka update start --name=kafka\n",
        expect![[r#"
            Rollout
            1 phases, 4 steps (0 tasks, 0 checked in the guide), 0 gates, 0 rollback triggers, 0 troubleshooting entries
              Apply [section] line 3: 4 steps, 0 gates
                -   13 command: kubectl apply -f ./ingress.yaml
                -   19 action: Edit the canary analysis and add the latency check
                -   41 command: kubectl logs deploy/flagger -f
                -   47 command: $ dcos kafka update start --name=kafka
            diagnostics: 0
        "#]],
    );
}

#[test]
fn items_that_describe_or_define_are_not_steps() {
    check(
        "# Upgrade\n\
         \n\
         ## Run the upgrade script\n\
         \n\
         1. Run `sudo ./upgrade.sh`.\n\
         \n\
         This script performs the following actions:\n\
         \n\
         * Destroys and rebuilds the virtual environment\n\
         * Installs all required packages\n\
         * Applies any database migrations\n\
         \n\
         You can change the image used to:\n\
         \n\
         - change the version of Cassandra\n\
         - change the version of Java\n\
         \n\
         * `upgrade_node_confirm: true` - pauses before each node\n\
         * **Unidirectional replication**: Upgrade the follower first.\n\
         \n\
         2. Review the nodes in this order:\n\
         \n\
         \x20   1. Data nodes\n\
         \x20   1. Cluster manager nodes\n\
         \n\
         3. The upgrade is now complete.\n",
        expect![[r#"
            Upgrade
            1 phases, 2 steps (0 tasks, 0 checked in the guide), 0 gates, 0 rollback triggers, 0 troubleshooting entries
              Run the upgrade script [deployment] line 3: 2 steps, 0 gates
                -    5 action: Run sudo ./upgrade.sh.
                -   21 action: Review the nodes in this order:
            diagnostics: 0
        "#]],
    );
}

#[test]
fn sub_items_that_are_actions_are_steps_and_advice_is_not() {
    check(
        "# Incident\n\
         \n\
         ## Steps for the commander\n\
         \n\
         1. Join the incident call and chat.\n\
         \x20   * Anyone is free to join the call to observe.\n\
         \x20   * If you wish to participate, you should join both.\n\
         1. Once the incident has recovered, announce that the call is ending.\n\
         \x20   * Move the remaining discussion to chat.\n\
         \x20   * Identify any post-incident clean-up work.\n\
         \x20   * You may need to perform a debriefing.\n\
         1. Upgrade the node:\n\
         \x20   - If running in Docker, deploy a new container.\n\
         \x20   - If upgrading from a tarball, the following actions are required:\n\
         \x20       - Back up `jvm.options`.\n\
         \x20       - Extract the new tarball.\n",
        expect![[r#"
            Incident
            1 phases, 9 steps (0 tasks, 0 checked in the guide), 0 gates, 0 rollback triggers, 0 troubleshooting entries
              Steps for the commander [deployment] line 3: 9 steps, 0 gates
                -    5 action: Join the incident call and chat.
                -    8 action: Once the incident has recovered, announce that the call is e…
                  -    9 action: Move the remaining discussion to chat.
                  -   10 action: Identify any post-incident clean-up work.
                  -   11 action: You may need to perform a debriefing.
                -   12 action: Upgrade the node:
                  -   13 action: If running in Docker, deploy a new container.
                  -   15 action: Back up jvm.options.
                  -   16 action: Extract the new tarball.
            diagnostics: 0
        "#]],
    );
}

#[test]
fn troubleshooting_fixes_are_recovery_steps() {
    check(
        "# Deploy\n\
         \n\
         ## Deploy\n\
         \n\
         1. Deploy\n\
         \n\
         ## Troubleshooting\n\
         \n\
         ### Issue: High latency\n\
         \n\
         **Symptoms**: P95 latency > 3s\n\
         \n\
         **Actions**:\n\
         1. Check database query performance\n\
         2. Consider caching improvements\n\
         \n\
         **Issue:** Migration fails with \"database locked\"\n\
         - **Solution:** Close all connections, retry the migration\n\
         - **Location:** `dashboard.py`\n",
        expect![[r#"
            Deploy
            3 phases, 4 steps (0 tasks, 0 checked in the guide), 0 gates, 0 rollback triggers, 2 troubleshooting entries
              Deploy [deployment] line 3: 1 steps, 0 gates
                -    5 action: Deploy
              Troubleshooting [troubleshooting] line 7: 0 steps, 0 gates
                Issue: High latency [troubleshooting] line 9: 3 steps, 0 gates
                  -   14 action: Check database query performance
                  -   15 action: Consider caching improvements
                  -   18 action: Solution: Close all connections, retry the migration
            diagnostics: 0
        "#]],
    );
}
