//! The guide model, guide by guide: what a guide is made of (phases,
//! steps with their kind and text, criteria with their thresholds,
//! triggers, rollback, troubleshooting) as the outline `preflight inspect`
//! prints, through `check`; what the outline does not show (codes,
//! metrics, levels, baselines, step estimates, diagnostics, ids, the JSON
//! form) as plain asserts after it. `UPDATE_EXPECT=1 cargo test` rewrites
//! the outlines.

use super::*;
use crate::test_fixtures;
use crate::text::threshold::Op;
use expect_test::{expect, Expect};

const MIN: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;

/// Parses `guide`, compares its outline with `expect` and hands the guide
/// back for what the outline does not show.
fn check(guide: &str, expect: Expect) -> Guide {
    let g = Guide::parse(guide);
    expect.assert_eq(&g.outline());
    g
}

fn fixture(name: &str) -> String {
    test_fixtures::all()
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, text)| text)
        .unwrap_or_else(|| panic!("fixture {name}"))
}

fn phase<'a>(g: &'a Guide, title: &str) -> &'a Phase {
    g.all_phases()
        .into_iter()
        .find(|p| p.title == title)
        .unwrap_or_else(|| panic!("no phase {title:?}"))
}

fn gate<'a>(g: &'a Guide, text: &str) -> &'a Gate {
    g.all_gates()
        .into_iter()
        .find(|x| x.text == text)
        .unwrap_or_else(|| panic!("no gate {text:?}"))
}

fn trigger<'a>(g: &'a Guide, text: &str) -> &'a Trigger {
    g.rollback
        .triggers
        .iter()
        .find(|t| t.text == text)
        .unwrap_or_else(|| panic!("no trigger {text:?}"))
}

/// The invariant of the task model: every task list item of the document
/// is exactly one step of kind `task`, and no other step is.
fn assert_tasks_are_task_steps(g: &Guide) {
    let steps = g.all_steps();
    let mut seen = vec![0usize; g.tasks.len()];
    for s in &steps {
        match (s.kind, s.task) {
            (StepKind::Task, Some(i)) => seen[i] += 1,
            (kind, task) => assert!(
                kind != StepKind::Task && task.is_none(),
                "step {} is {kind:?} with task {task:?}",
                s.id
            ),
        }
    }
    assert!(seen.iter().all(|&n| n == 1), "task occurrences: {seen:?}");
}

fn assert_unique_ids(g: &Guide) {
    let mut ids: Vec<&str> = g.all_steps().iter().map(|s| s.id.as_str()).collect();
    ids.extend(g.all_phases().iter().map(|p| p.id.as_str()));
    ids.extend(g.all_gates().iter().map(|x| x.id.as_str()));
    ids.extend(g.rollback.triggers.iter().map(|t| t.id.as_str()));
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "ids are unique");
}

#[test]
fn every_fixture_keeps_the_invariants() {
    for (name, text) in test_fixtures::all() {
        let g = Guide::parse(&text);
        assert_tasks_are_task_steps(&g);
        assert_unique_ids(&g);
        assert_eq!(g.counts.tasks, crate::parse(&text).tasks.len(), "{name}");
        assert!(g.counts.steps >= g.counts.tasks, "{name}");
        let json: serde_json::Value = serde_json::from_str(&g.to_json()).unwrap();
        assert_eq!(json["schema"], 1);
    }
}

#[test]
fn canary_rollout_guide() {
    let g = check(
        &fixture("phase3-canary-rollout.md"),
        expect![[r#"
            Phase 3 Deployment Guide
            26 phases, 64 steps (18 tasks, 0 checked in the guide), 32 gates, 5 rollback triggers, 3 troubleshooting entries
              Quick Start [reference] line 3: 5 steps, 0 gates
                -    5 command: 1. Verify integration
                  -    6 command: 1. Verify integration
                  -    9 command: 2. Apply database migration
                  -   12 command: 3. Deploy to staging (flags OFF)
                  -   15 command: 4. Monitor
              Pre-Deployment Checklist [preparation] line 19: 6 steps, 0 gates
                -   21 task: All Phase 3 integration complete
                -   22 task: Verification script passes
                -   23 task: Database migration tested locally
                -   24 task: Staging environment configured
                -   25 task: Monitoring queries ready
                -   26 task: Rollback plan documented
              Deployment Steps [deployment] line 28: 0 steps, 0 gates
                Week 1: Staging Deployment (Flags OFF) [deployment, 7 d] line 30: 2 steps, 3 gates
                  -   34 command: Set environment variables
                    -   42 wait: Monitor for 48 hours
                  ?   49 gate: Error rate unchanged from baseline
                  ?   50 gate: Latency within 10% of baseline
                  ?   51 gate: No new bugs reported
                Week 2: Canary Deployment (10% Traffic) [deployment, 7 d] line 53: 3 steps, 4 gates
                  -   57 command: Enable feature flags for 10% of users
                    -   66 wait: Monitor for 48 hours
                  -   71 command: Error rate comparison
                  ?  109 gate: Error rate ≤ legacy error rate
                  ?  110 gate: P95 latency < 3 seconds [< 3s]
                  ?  111 gate: Zero cross-contamination [= 0]
                  ?  112 gate: No critical bugs
                Week 3: Gradual Rollout (25% → 50% → 75%) [deployment, 7 d] line 114: 7 steps, 0 gates
                  -  118 command: Day 1-2: 25% Traffic
                  -  125 command: Day 3-4: 50% Traffic
                  -  132 command: Day 5-6: 75% Traffic
                  -  138 action: Run monitoring queries
                  -  139 action: Check error rates
                  -  140 action: Verify latency
                  -  141 action: Review user feedback
                Week 4: Full Production (100%) [deployment, 7 d] line 149: 6 steps, 0 gates
                  -  153 command: Enable for all users
                    -  158 wait: Monitor for 48 hours
                  -  162 wait: Monitor for 48 hours
                  -  163 action: Verify all metrics stable
                  -  164 action: Document lessons learned
                  -  165 action: Plan legacy code removal
              Rollback Procedures [rollback] line 167: 0 steps, 0 gates
                Immediate Rollback (Critical Issues) [rollback] line 169: 1 steps, 0 gates
                  -  171 command: Disable feature flags
                Gradual Rollback (Non-Critical Issues) [rollback] line 186: 1 steps, 0 gates
                  -  188 command: Reduce canary percentage
              Monitoring Dashboard [monitoring] line 203: 0 steps, 0 gates
                Key Metrics [monitoring] line 205: 0 steps, 9 gates
                  ?  208 gate: Error Rate — Target: < 1% [< 1%]
                  ?  209 gate: Error Rate — Warning: > 2% [> 2%]
                  ?  210 gate: Error Rate — Critical: > 5% [> 5%]
                  ?  213 gate: Latency (P95) — Target: < 2s [< 2s]
                  ?  214 gate: Latency (P95) — Warning: > 3s [> 3s]
                  ?  215 gate: Latency (P95) — Critical: > 5s [> 5s]
                  ?  218 gate: Session Isolation — Target: 0 cross-contamination [= 0]
                  ?  220 gate: Session Isolation — Critical: > 0 [> 0]
                  ?  223 gate: Concurrent Sessions — Target: 100+ [>= 100]
                Alert Configuration [monitoring] line 227: 0 steps, 0 gates
              Troubleshooting [troubleshooting] line 252: 0 steps, 0 gates
                Issue: High Error Rate [troubleshooting] line 254: 5 steps, 0 gates
                  -  259 command: Find error patterns
                  -  273 action: Check if errors are new or existing
                  -  274 action: Review error logs for stack traces
                  -  275 action: If new errors, consider rollback
                  -  276 action: If existing errors, continue monitoring
                Issue: High Latency [troubleshooting] line 278: 5 steps, 0 gates
                  -  283 command: Find slow sessions
                  -  297 action: Check database query performance
                  -  298 action: Review agent processing time
                  -  299 action: Check for external API delays
                  -  300 action: Consider caching improvements
                Issue: Session Isolation Failure [troubleshooting] line 302: 6 steps, 0 gates
                  -  307 command: Find contaminated sessions
                  -  320 action: IMMEDIATE ROLLBACK - This is critical
                  -  321 action: Review session creation logic
                  -  322 action: Check for race conditions
                  -  323 action: Verify database constraints
                  -  324 action: Fix and re-test before re-deployment
              Success Metrics [verification] line 326: 0 steps, 0 gates
                Phase 3 Complete When: [verification] line 328: 0 steps, 10 gates
                  ?  330 gate: Verification script passes
                  ?  331 gate: Database migration applied
                  ?  332 gate: Staging deployment successful
                  ?  333 gate: Canary deployment successful (10%)
                  ?  334 gate: Gradual rollout successful (25% → 50% → 75%)
                  ?  335 gate: Full production successful (100%)
                  ?  336 gate: 48 hours stable operation
                  ?  337 gate: Error rate < 1% [< 1%]
                  ?  338 gate: P95 latency < 2s [< 2s]
                  ?  339 gate: Zero cross-contamination [= 0]
                Production Ready When: [verification] line 341: 0 steps, 6 gates
                  ?  343 gate: All success metrics met
                  ?  344 gate: No critical bugs
                  ?  345 gate: Monitoring and alerting active
                  ?  346 gate: Team trained on new architecture
                  ?  347 gate: Documentation complete
                  ?  348 gate: Runbook updated
              Post-Deployment [post_deployment] line 350: 0 steps, 0 gates
                Week 1 After Full Rollout [post_deployment, follow-up after 7 d] line 352: 4 steps, 0 gates
                  -  354 task: Monitor all metrics daily
                  -  355 task: Review error logs
                  -  356 task: Collect user feedback
                  -  357 task: Document any issues
                Week 2-4 After Full Rollout [post_deployment, follow-up after 28 d] line 359: 4 steps, 0 gates
                  -  361 task: Continue monitoring
                  -  362 task: Optimize performance
                  -  363 task: Plan legacy code removal
                  -  364 task: Update documentation
                Month 2 [post_deployment, follow-up after 60 d] line 366: 4 steps, 0 gates
                  -  368 task: Remove legacy code path
                  -  369 task: Remove feature flags
                  -  370 task: Optimize database queries
                  -  371 task: Plan next enhancements
              Resources [reference] line 373: 0 steps, 0 gates
              Support [reference] line 380: 5 steps, 0 gates
                -  384 action: Check this guide first
                -  385 action: Review monitoring queries
                -  386 action: Check error logs: docker-compose logs -f app
                -  387 action: Run verification script
                -  388 action: Consult team lead if issues persist
            rollback: 2 steps, 5 triggers
              !  144 pause if: Error rate > 2%
              !  145 pause if: P95 latency > 5 seconds
              !  146 pause if: Any cross-contamination detected
              !  147 pause if: Critical bugs reported
              !  320 roll back if: cross_contamination_count > 0
            diagnostics: 0
        "#]],
    );
    // Quick start: `# 1. Verify integration` comments are sub-steps, each
    // with its own command.
    let quick = &phase(&g, "Quick Start").steps[0];
    assert_eq!(
        quick.substeps[1].code.as_deref(),
        Some("supabase db push\n")
    );
    // Waits and day captions give their span.
    let week1 = phase(&g, "Week 1: Staging Deployment (Flags OFF)");
    assert_eq!(
        week1.steps[0].substeps[0].estimate_s,
        Some([48 * HOUR, 48 * HOUR])
    );
    let week3 = phase(&g, "Week 3: Gradual Rollout (25% → 50% → 75%)");
    assert_eq!(week3.steps[0].estimate_s, Some([2 * DAY, 2 * DAY]));
    let week4 = phase(&g, "Week 4: Full Production (100%)");
    assert_eq!(week4.steps[1].estimate_s, Some([48 * HOUR, 48 * HOUR]));

    let p95 = gate(&g, "P95 latency < 3 seconds");
    assert_eq!(p95.metric.as_deref(), Some("P95 latency"));
    let critical = gate(&g, "Error Rate — Critical: > 5%");
    assert_eq!(
        (critical.metric.as_deref(), critical.level),
        (Some("Error Rate"), Some(Level::Critical))
    );
    let pause = trigger(&g, "Error rate > 2%");
    assert_eq!((pause.op, pause.value), (Some(Op::Gt), Some(2.0)));
    let isolation = &g.troubleshooting[2];
    assert!(isolation.immediate_rollback);
    assert_eq!(isolation.solutions.len(), 5);
}

#[test]
fn sqlite_checklist_guide() {
    let g = check(
        &fixture("sqlite-dedup-deployment-checklist.md"),
        expect![[r#"
            Production Deployment Checklist
            48 phases, 175 steps (151 tasks, 12 checked in the guide), 45 gates, 6 rollback triggers, 5 troubleshooting entries
            estimated downtime: 15–30 min
              Overview [reference] line 3: 0 steps, 0 gates
              Pre-Deployment Checklist [preparation] line 13: 0 steps, 0 gates
                Code Quality [section] line 15: 6 steps, 0 gates
                  -   17 task: All unit tests passing (pytest tests/)
                  -   18 task: All integration tests passing
                  -   19 task: Code coverage meets requirements (>80%)
                  -   20 task: No linting errors (pylint or flake8)
                  -   21 task: Code review completed and approved
                  -   22 task: All merge conflicts resolved
                Documentation [section] line 24: 5 steps, 0 gates
                  -   26 task: User documentation updated
                  -   27 task: Development guide updated
                  -   28 task: API changes documented
                  -   29 task: Troubleshooting guide reviewed
                  -   30 task: README updated with new features
                Performance [section] line 32: 6 steps, 0 gates
                  -   34 task: Performance benchmarks meet targets:
                    -   35 task: Query response time <100ms (P95)
                    -   36 task: API call reduction ≥90%
                    -   37 task: Page scraping reduction ≥70%
                  -   38 task: Load testing completed (if applicable)
                  -   39 task: Memory usage acceptable
                Data Safety [section] line 41: 4 steps, 0 gates
                  -   43 task: Database backup strategy verified
                  -   44 task: Rollback procedure tested
                  -   45 task: Data migration script tested on copy of production data
                  -   46 task: Validation script tested
                Communication [section] line 48: 4 steps, 0 gates
                  -   50 task: Stakeholders notified of deployment window
                  -   51 task: Users notified (if applicable)
                  -   52 task: Maintenance window scheduled
                  -   53 task: On-call team briefed
              Deployment Steps [deployment] line 57: 0 steps, 0 gates
                Step 1: Pre-Deployment Backup [deployment, 2–5 min] line 59: 4 steps, 3 gates
                  -   63 command: Navigate to project directory
                  -   78 task: Backup file exists in backups/ directory
                  -   79 task: Backup file size is reasonable (similar to source)
                  -   80 task: Backup timestamp is current
                  ?   78 gate: Backup file exists in backups/ directory
                  ?   79 gate: Backup file size is reasonable (similar to source)
                  ?   80 gate: Backup timestamp is current
                Step 2: Stop Running Services [deployment, 1 min] line 82: 3 steps, 2 gates
                  -   86 command: If using systemd
                  -  100 task: No JobSearchAI processes running
                  -  101 task: Application not accessible via web browser
                  ?  100 gate: No JobSearchAI processes running
                  ?  101 gate: Application not accessible via web browser
                Step 3: Pull Latest Code [deployment, 1 min] line 103: 4 steps, 3 gates
                  -  107 command: Ensure you're on main branch
                  -  121 task: Correct commit hash displayed
                  -  122 task: No uncommitted changes
                  -  123 task: All new files present (scripts/, updated utils/, etc.)
                  ?  121 gate: Correct commit hash displayed
                  ?  122 gate: No uncommitted changes
                  ?  123 gate: All new files present (scripts/, updated utils/, etc.)
                Step 4: Install/Update Dependencies [deployment, 2–5 min] line 125: 4 steps, 3 gates
                  -  129 command: Activate virtual environment
                  -  144 task: No dependency errors
                  -  145 task: All imports work correctly
                  -  146 task: Virtual environment active
                  ?  144 gate: No dependency errors
                  ?  145 gate: All imports work correctly
                  ?  146 gate: Virtual environment active
                Step 5: Initialize/Update Database Schema [deployment, 1 min] line 148: 7 steps, 6 gates
                  -  152 command: Initialize database (creates tables if not exists)
                  -  161 task: Schema initialization successful
                  -  162 task: All required tables exist:
                    -  163 task: job_matches
                    -  164 task: cv_versions
                    -  165 task: scrape_history
                  -  166 task: All indexes created
                  ?  161 gate: Schema initialization successful
                  ?  162 gate: All required tables exist:
                  ?  163 gate: job_matches
                  ?  164 gate: cv_versions
                  ?  165 gate: scrape_history
                  ?  166 gate: All indexes created
                Step 6: Run Data Migration [deployment, 5–15 min] line 168: 6 steps, 5 gates
                  -  174 command: Dry run first to preview
                  -  189 task: Migration completed without critical errors
                  -  190 task: Statistics displayed:
                    -  191 task: Total migrated count
                    -  192 task: Duplicates skipped count
                    -  193 task: Errors count (should be 0 or minimal)
                  ?  189 gate: Migration completed without critical errors
                  ?  190 gate: Statistics displayed:
                  ?  191 gate: Total migrated count
                  ?  192 gate: Duplicates skipped count
                  ?  193 gate: Errors count (should be 0 or minimal)
                Step 7: Validate Migration [verification, 2–5 min] line 195: 6 steps, 5 gates
                  -  199 command: Run validation script
                  -  211 task: Validation passed (exit code 0)
                  -  212 task: No critical issues reported
                  -  213 task: Record counts reasonable
                  -  214 task: Schema verified
                  -  215 task: Sample data integrity check passed
                  ?  211 gate: Validation passed (exit code 0)
                  ?  212 gate: No critical issues reported
                  ?  213 gate: Record counts reasonable
                  ?  214 gate: Schema verified
                  ?  215 gate: Sample data integrity check passed
                Step 8: Run Performance Benchmarks [deployment, 3–5 min] line 217: 4 steps, 3 gates
                  -  221 command: Run benchmark suite
                  -  230 task: All query tests <100ms (P95)
                  -  231 task: Database contains expected number of records
                  -  232 task: Deduplication metrics look reasonable
                  ?  230 gate: All query tests <100ms (P95) [< 100ms]
                  ?  231 gate: Database contains expected number of records
                  ?  232 gate: Deduplication metrics look reasonable
                Step 9: Restart Services [deployment, 1 min] line 234: 4 steps, 3 gates
                  -  238 command: If using systemd
                  -  252 task: Service started successfully
                  -  253 task: No errors in logs
                  -  254 task: Process running
                  ?  252 gate: Service started successfully
                  ?  253 gate: No errors in logs
                  ?  254 gate: Process running
                Step 10: Smoke Tests [verification, 5–10 min] line 256: 12 steps, 0 gates
                  -  260 command: Run smoke tests
                  -  270 task: Dashboard loads successfully
                  -  271 task: Database queries work
                  -  274 task: Run test scrape (small search)
                  -  275 task: Verify deduplication works (no duplicates on re-run)
                  -  276 task: Verify early exit works
                  -  279 task: Job details display correctly
                  -  280 task: Filtering works
                  -  281 task: JSON fallback works (if needed)
                  -  284 task: Authentication works
                  -  285 task: All routes accessible
                  -  286 task: No console errors
              Post-Deployment Verification [post_deployment] line 290: 0 steps, 0 gates
                Immediate (First Hour) [post_deployment, 1 h] line 292: 10 steps, 0 gates
                  -  294 task: Monitor error logs for issues
                  -  300 task: Check application metrics
                    -  301 task: Response times normal
                    -  302 task: Error rate acceptable (<1%)
                    -  303 task: No memory leaks
                  -  305 task: Verify core functionality
                    -  306 task: Users can access system
                    -  307 task: Job scraping works
                    -  308 task: Matching works
                    -  309 task: Document generation works
                Short-term (First 24 Hours) [post_deployment, follow-up after 1 d] line 311: 12 steps, 0 gates
                  -  313 task: Monitor deduplication effectiveness
                    -  314 task: Run test scrapes
                    -  315 task: Verify duplicate detection
                    -  316 task: Check API call reduction
                  -  318 task: Check performance metrics
                    -  319 task: Query response times
                    -  320 task: Database file size growth
                    -  321 task: System resource usage
                  -  323 task: Review user feedback
                    -  324 task: No critical issues reported
                    -  325 task: Performance acceptable
                    -  326 task: Features working as expected
                Medium-term (First Week) [post_deployment, follow-up after 7 d] line 328: 12 steps, 0 gates
                  -  330 task: Analyze deduplication statistics
                    -  331 task: API call savings met targets (≥90%)
                    -  332 task: Page scraping reduction met targets (≥70%)
                    -  333 task: Cost savings realized
                  -  335 task: Performance trending
                    -  336 task: Query times remain under target
                    -  337 task: Database performance stable
                    -  338 task: No degradation over time
                  -  340 task: Data integrity
                    -  341 task: No data loss reported
                    -  342 task: All queries returning correct results
                    -  343 task: Backward compatibility maintained
              Rollback Procedure [rollback] line 347: 0 steps, 0 gates
                When to Rollback [rollback] line 351: 6 steps, 0 gates
                  -  354 task: Data loss detected
                  -  355 task: Critical functionality broken
                  -  356 task: Performance degradation >50%
                  -  357 task: Error rate >5%
                  -  358 task: Database corruption
                  -  359 task: User-reported blocking issues
                Rollback Steps [rollback, 5–10 min] line 361: 0 steps, 0 gates
                  1. Stop Services [rollback] line 365: 1 steps, 0 gates
                    -  367 command: Stop the application
                  2. Restore Database [rollback] line 374: 1 steps, 0 gates
                    -  376 command: Find latest backup
                  3. Revert Code [rollback] line 387: 1 steps, 0 gates
                    -  389 command: Find last stable commit before Epic 2
                  4. Reinstall Dependencies (if needed) [rollback, optional] line 401: 1 steps, 0 gates
                    -  403 command: pip install -r requirements.txt
                  5. Restart Services [rollback] line 407: 1 steps, 0 gates
                    -  409 command: sudo systemctl start jobsearchai
                  6. Verify Rollback [rollback] line 414: 4 steps, 0 gates
                    -  416 task: System accessible
                    -  417 task: Existing functionality works
                    -  418 task: Database queries work
                    -  419 task: No errors in logs
                  7. Post-Rollback [rollback] line 421: 4 steps, 0 gates
                    -  423 task: Notify stakeholders
                    -  424 task: Document issues encountered
                    -  425 task: Create hotfix plan
                    -  426 task: Schedule redeployment
              Monitoring and Alerting [monitoring] line 430: 0 steps, 0 gates
                Metrics to Monitor [monitoring] line 432: 0 steps, 0 gates
                Log Locations [section] line 452: 0 steps, 0 gates
                Alert Conditions [monitoring] line 461: 6 steps, 0 gates
                  -  464 task: Database file size > 1GB
                  -  465 task: Query time P95 > 100ms
                  -  466 task: Error rate > 5%
                  -  467 task: API call count anomalies
                  -  468 task: Database locked errors
                  -  469 task: Disk space < 10%
              Troubleshooting [troubleshooting] line 473: 0 steps, 0 gates
                Common Issues [troubleshooting] line 475: 9 steps, 0 gates
                  -  478 action: Solution: Ensure all database connections closed, retry migr…
                  -  479 action: Command: python scripts/migrate_json_to_sqlite.py
                  -  482 action: Solution: This may be expected (duplicates), verify error co…
                  -  483 action: Command: python scripts/validate_migration.py --report
                  -  486 action: Solution: Verify indexes created, run VACUUM, check database…
                  -  487 action: Run: python verify_schema.py
                  -  494 action: Solution: Check URL normalization, verify composite key cons…
                  -  495 action: Command: Run test scrape and check logs
                  -  498 action: Solution: Verify JSON files still present, check fallback lo…
              Success Criteria [verification] line 503: 12 steps, 12 gates
                -  507 task: All deployment steps completed without errors
                -  508 task: All smoke tests passing
                -  509 task: Performance targets met:
                  -  510 task: Query response time <100ms (P95)
                  -  511 task: API call reduction ≥90% on repeat runs
                  -  512 task: Page scraping reduction ≥70% on repeat runs
                -  513 task: No critical bugs in first 48 hours
                -  514 task: No data loss
                -  515 task: No regression in existing functionality
                -  516 task: User acceptance positive
                -  517 task: Monitoring and alerts configured
                -  518 task: Documentation complete and accessible
                ?  507 gate: All deployment steps completed without errors
                ?  508 gate: All smoke tests passing
                ?  509 gate: Performance targets met:
                ?  510 gate: Query response time <100ms (P95) [< 100ms]
                ?  511 gate: API call reduction ≥90% on repeat runs [>= 90%]
                ?  512 gate: Page scraping reduction ≥70% on repeat runs [>= 70%]
                ?  513 gate: No critical bugs in first 48 hours
                ?  514 gate: No data loss
                ?  515 gate: No regression in existing functionality
                ?  516 gate: User acceptance positive
                ?  517 gate: Monitoring and alerts configured
                ?  518 gate: Documentation complete and accessible
              Post-Deployment Tasks [post_deployment] line 522: 0 steps, 0 gates
                Documentation [post_deployment] line 524: 4 steps, 0 gates
                  -  526 task: Update production wiki with deployment details
                  -  527 task: Document any issues encountered and resolutions
                  -  528 task: Update runbooks with new procedures
                  -  529 task: Archive deployment logs
                Cleanup [post_deployment] line 531: 4 steps, 0 gates
                  -  533 task: Archive old JSON files (after validation period)
                  -  534 task: Clean up old backups (automated, but verify)
                  -  535 task: Remove debug/test code (if any)
                  -  536 task: Clean up temporary files
                Knowledge Transfer [post_deployment] line 538: 4 steps, 0 gates
                  -  540 task: Brief team on new features
                  -  541 task: Document lessons learned
                  -  542 task: Update training materials
                  -  543 task: Conduct retrospective
                Follow-up [post_deployment] line 545: 4 steps, 0 gates
                  -  547 task: Schedule 1-week review meeting
                  -  548 task: Plan next iteration improvements
                  -  549 task: Address any technical debt created
                  -  550 task: Update roadmap
              Support Contacts [reference] line 554: 0 steps, 0 gates
              Revision History [reference] line 567: 0 steps, 0 gates
              Appendix: Command Reference [reference] line 575: 0 steps, 0 gates
                Quick Command Reference [reference] line 577: 0 steps, 0 gates
            rollback: 13 steps, 6 triggers, 5–10 min
              !  354 roll back if: Data loss detected
              !  355 roll back if: Critical functionality broken
              !  356 roll back if: Performance degradation >50%
              !  357 roll back if: Error rate >5%
              !  358 roll back if: Database corruption
              !  359 roll back if: User-reported blocking issues
            diagnostics: 1
        "#]],
    );
    assert!(g
        .metadata
        .iter()
        .any(|m| m.key == "Epic" && m.value == "Epic 2 - SQLite Deduplication & Integration"));

    // Verification lists under each step are gates tied to their tasks.
    let backup = phase(&g, "Step 1: Pre-Deployment Backup");
    assert!(backup
        .gates
        .iter()
        .all(|x| x.step.is_some() && x.source == GateSource::Verification));
    let query = gate(&g, "Query response time <100ms (P95)");
    assert_eq!(query.source, GateSource::SuccessCriteria);
    let error_rate = trigger(&g, "Error rate >5%");
    assert_eq!((error_rate.op, error_rate.value), (Some(Op::Gt), Some(5.0)));
    assert!(error_rate.step.is_some(), "the trigger is a task item");

    assert_eq!(
        g.troubleshooting[0].symptom,
        "Migration fails with \"database locked\""
    );
    assert_eq!(
        g.troubleshooting[0].solutions,
        [
            "Ensure all database connections closed, retry migration",
            "Run: python scripts/migrate_json_to_sqlite.py"
        ]
    );
    // The guide really ends inside a code block.
    assert_eq!(g.diagnostics.len(), 1);
    assert_eq!(g.diagnostics[0].line, 579);
}

#[test]
fn threading_update_guide() {
    let g = check(
        &fixture("threading-update-production.md"),
        expect![[r#"
            Production Deployment Guide
            33 phases, 57 steps (29 tasks, 17 checked in the guide), 12 gates, 0 rollback triggers, 3 troubleshooting entries
              Overview [reference] line 3: 0 steps, 0 gates
              Pre-deployment Checklist [preparation] line 7: 0 steps, 0 gates
                1. Development Testing ✅ [section] line 9: 7 steps, 0 gates
                  -   12 task: Single request works (baseline)
                  -   13 task: 2-3 concurrent requests work (current working range)
                  -   14 task: 5+ concurrent requests work (current failure point)
                  -   15 task: 10+ concurrent requests work (stress test)
                  -   16 task: Error handling works correctly
                  -   17 task: Timeout handling works correctly
                  -   18 task: Resource cleanup works correctly
                2. Code Review ✅ [section] line 20: 6 steps, 0 gates
                  -   23 task: RFC document created and reviewed
                  -   24 task: Implementation plan documented
                  -   25 task: Code changes follow async/await best practices
                  -   26 task: Error handling is robust
                  -   27 task: Resource management is proper
                  -   28 task: Documentation is updated
                3. Performance Validation ✅ [verification] line 30: 4 steps, 4 gates
                  -   33 task: No hanging failures with 5+ concurrent requests
                  -   34 task: Response times < 30 seconds for all requests
                  -   35 task: Success rate > 95% for concurrent requests
                  -   36 task: Memory usage stable under load
                  ?   33 gate: No hanging failures with 5+ concurrent requests [>= 5]
                  ?   34 gate: Response times < 30 seconds for all requests [< 30s]
                  ?   35 gate: Success rate > 95% for concurrent requests [> 95%]
                  ?   36 gate: Memory usage stable under load
              Deployment Strategy [deployment] line 38: 0 steps, 0 gates
                Phase 1: Staging Deployment [deployment] line 40: 4 steps, 0 gates
                  -   47 action: Deploy to staging environment
                  -   48 action: Run comprehensive tests
                  -   49 action: Monitor performance metrics
                  -   50 action: Verify no regressions
                Phase 2: Production Deployment [deployment] line 52: 0 steps, 0 gates
              Production Deployment Steps [deployment] line 58: 0 steps, 0 gates
                1. Pre-deployment Preparation [preparation] line 60: 2 steps, 0 gates
                  -   63 command: Verify production environment is healthy
                  -   72 command: Create backup branch
                2. Deploy to Production [deployment] line 79: 2 steps, 0 gates
                  -   82 command: Switch to main branch
                  -   95 command: Watch deployment logs
                3. Post-deployment Validation [post_deployment] line 103: 3 steps, 0 gates
                  -  106 command: Test health endpoint
                  -  123 command: Test authentication
                  -  138 command: Create production test script
                4. Performance Monitoring [monitoring] line 209: 1 steps, 0 gates
                  -  219 command: Check production logs
              Rollback Plan [rollback] line 230: 0 steps, 0 gates
                If Issues Occur [rollback] line 232: 2 steps, 0 gates
                  -  235 command: Revert to previous implementation
                  -  248 command: Check health endpoint
              Success Criteria [verification] line 259: 0 steps, 0 gates
                Technical Success [section] line 261: 0 steps, 4 gates
                  ?  262 gate: No hanging failures with 5+ concurrent requests [>= 5]
                  ?  263 gate: Response times improved or maintained
                  ?  264 gate: Reduced code complexity
                  ?  265 gate: Better error handling
                Business Success [section] line 267: 0 steps, 4 gates
                  ?  268 gate: Improved system reliability
                  ?  269 gate: Better user experience
                  ?  270 gate: Reduced maintenance burden
                  ?  271 gate: Foundation for future scalability
              Post-deployment Tasks [post_deployment] line 273: 0 steps, 0 gates
                1. Documentation Updates [post_deployment] line 275: 4 steps, 0 gates
                  -  278 task: Update API documentation
                  -  279 task: Update deployment guides
                  -  280 task: Update troubleshooting guides
                  -  281 task: Document lessons learned
                2. Monitoring Setup [post_deployment] line 283: 4 steps, 0 gates
                  -  286 task: Configure alerts for hanging failures
                  -  287 task: Set up performance dashboards
                  -  288 task: Monitor error rates
                  -  289 task: Track response times
                3. Team Communication [post_deployment] line 291: 4 steps, 0 gates
                  -  294 task: Notify team of successful deployment
                  -  295 task: Share performance improvements
                  -  296 task: Document any issues encountered
                  -  297 task: Plan future improvements
              Troubleshooting [troubleshooting] line 299: 0 steps, 0 gates
                Common Production Issues [troubleshooting] line 301: 0 steps, 0 gates
                  1. Deployment Failures [troubleshooting] line 303: 4 steps, 0 gates
                    -  306 action: Check build logs for errors
                    -  307 action: Verify environment variables
                    -  308 action: Check resource limits
                    -  309 action: Retry deployment
                  2. Performance Issues [troubleshooting] line 311: 4 steps, 0 gates
                    -  314 action: Check resource usage
                    -  315 action: Monitor database connections
                    -  316 action: Verify API key limits
                    -  317 action: Check network connectivity
                  3. Hanging Failures [troubleshooting] line 319: 4 steps, 0 gates
                    -  322 action: Check for infinite loops
                    -  323 action: Verify timeout settings
                    -  324 action: Monitor resource usage
                    -  325 action: Consider rollback
                Debug Commands [troubleshooting] line 327: 2 steps, 0 gates
                  -  330 command: Health check
                  -  342 command: Check production logs
              Lessons Learned [reference] line 350: 0 steps, 0 gates
                What Worked Well [section] line 352: 0 steps, 0 gates
                What Could Be Improved [section] line 358: 0 steps, 0 gates
                Future Improvements [section] line 364: 0 steps, 0 gates
              Conclusion [reference] line 370: 0 steps, 0 gates
            rollback: 2 steps, 0 triggers
            diagnostics: 2
        "#]],
    );
    let rt = gate(&g, "Response times < 30 seconds for all requests");
    assert_eq!(rt.source, GateSource::PerformanceCriteria);
    assert_eq!(
        g.troubleshooting[0].symptom,
        "Build failures, deployment timeouts"
    );
    assert_eq!(g.troubleshooting[0].solutions.len(), 4);
    // A real password in a curl example is flagged with its line.
    let secret = g
        .diagnostics
        .iter()
        .find(|d| d.message.contains("credential"))
        .expect("password flagged");
    assert_eq!(secret.line, 127);
    assert_eq!(g.secret_lines, [127, 152]);
}

#[test]
fn example_guide_has_every_kind_of_thing() {
    let g = check(
        test_fixtures::EXAMPLE,
        expect![[r#"
            Orders API v2.4 Production Deployment
            14 phases, 31 steps (20 tasks, 1 checked in the guide), 4 gates, 3 rollback triggers, 2 troubleshooting entries
            estimated time: 45 min–1 h
            estimated downtime: 0 min
              Pre-Deployment Checklist [preparation] line 14: 6 steps, 0 gates
                -   16 task: Change request CHG-2417 approved
                -   17 task: Release notes reviewed by product owner
                -   18 task: On-call engineer briefed and reachable
                -   19 task: Database backup completed within the last hour
                -   20 task: Dashboards open: error rate, p95 latency, queue depth
                -   21 task: Status page message drafted ⚠️
              Deployment Steps [deployment] line 23: 0 steps, 0 gates
                Step 1: Freeze and back up (5 minutes) [deployment, 5 min] line 25: 5 steps, 0 gates
                  -   27 command: Step 1: Announce the freeze
                    -   28 command: Step 1: Announce the freeze
                    -   31 command: Step 2: Snapshot the database
                  -   36 task: Backup file exists and is larger than 1 GB
                  -   37 task: Freeze announced in #deployments
                Step 2: Run database migration (10-15 minutes) [deployment, 10–15 min] line 39: 3 steps, 0 gates
                  -   41 command: kubectl -n orders exec deploy/orders-api -- bin/migrate --pl…
                  -   46 task: Migration plan shows only additive changes
                  -   47 task: Migration finished without lock timeouts
                Step 3: Roll out the new version [deployment] line 49: 0 steps, 0 gates
                  Option 1: Rolling update (default) [deployment, alternative] line 51: 1 steps, 0 gates
                    -   53 command: kubectl -n orders set image deploy/orders-api api=registry.e…
                  Option 2: Blue-green switch [deployment, alternative] line 58: 1 steps, 0 gates
                    -   60 command: kubectl -n orders apply -f k8s/orders-api-green.yaml
                Step 4: Confirm the rollout [deployment] line 65: 4 steps, 0 gates
                  -   67 action: Watch the pods come up: kubectl -n orders get pods -w
                  -   68 action: Note the new image digest in the release ticket
                  -   70 task: All pods report Ready
                  -   71 task: No CrashLoopBackOff in kubectl get pods -n orders
                Step 5: Verify (monitor for 30 minutes) [verification, 30 min] line 73: 3 steps, 4 gates
                  -   83 task: Smoke tests pass: make smoke ENV=production
                  -   84 task: Keep the old ReplicaSet for 15 minutes before scaling it dow…
                  -   85 task: A test order goes through end to end 🚀
                  ?   76 gate: Error rate < 0.5% (was 0.3%) [< 0.5%]
                  ?   77 gate: P95 latency < 250ms [< 250ms]
                  ?   78 gate: Checkout success rate > 99% [> 99%]
                  ?   79 gate: Queue depth below 1,000 messages [< 1000]
              Rollback Procedure [rollback] line 87: 0 steps, 0 gates
                When to Rollback [rollback] line 89: 0 steps, 0 gates
                Rollback Steps [rollback, 5 min] line 96: 3 steps, 0 gates
                  -  100 command: kubectl -n orders rollout undo deploy/orders-api
                  -  105 task: Previous version serving traffic
                  -  106 task: Incident channel informed
              Troubleshooting [troubleshooting] line 108: 2 steps, 0 gates
                -  111 action: Solution: Check node capacity with kubectl describe nodes; s…
                -  114 action: Solution: Find the blocking session with SELECT * FROM pg_st…
              Post-Deployment [post_deployment] line 116: 3 steps, 0 gates
                -  118 task: Freeze lifted in #deployments
                -  119 task: Status page updated ✅
                -  120 task: Release ticket closed with a link to this run
            rollback: 3 steps, 3 triggers, 5 min
              !   92 roll back if: Error rate > 2% for 5 minutes
              !   93 roll back if: P95 latency > 800ms
              !   94 roll back if: Any data inconsistency in orders or payments
            diagnostics: 0
        "#]],
    );
    assert_tasks_are_task_steps(&g);
    // The two options are alternatives to each other.
    let options: Vec<&Phase> = g
        .all_phases()
        .into_iter()
        .filter(|p| p.alternative_group.is_some())
        .collect();
    assert_eq!(options.len(), 2);
    assert_eq!(options[0].alternative_group, options[1].alternative_group);
    assert_eq!(
        gate(&g, "Error rate < 0.5% (was 0.3%)").baseline.as_deref(),
        Some("0.3%")
    );
}

#[test]
fn runbook_fixtures() {
    // The two troubleshooting fixes are recovery steps too.
    let k8s = check(
        &fixture("k8s-node-upgrade.md"),
        expect![[r#"
            Kubernetes Worker Node Upgrade (1.29 → 1.30)
            8 phases, 12 steps (0 tasks, 0 checked in the guide), 3 gates, 2 rollback triggers, 2 troubleshooting entries
            estimated time: 20–30 min
              Before you start [preparation] line 9: 3 steps, 0 gates
                -   11 action: Confirm the control plane is already on 1.30: kubectl versio…
                -   12 action: Check that every PodDisruptionBudget allows at least one dis…
                -   13 action: Announce the maintenance in #platform
              Step 1: Cordon and drain the node (5-10 minutes) [deployment, 5–10 min] line 15: 3 steps, 0 gates
                -   17 command: Step 1: Mark the node unschedulable
                  -   18 command: Step 1: Mark the node unschedulable
                  -   21 command: Step 2: Evict the workloads
              Step 2: Upgrade kubelet and kubectl [deployment] line 27: 1 steps, 0 gates
                -   29 command: sudo apt-mark unhold kubelet kubectl
              Step 3: Bring the node back [deployment] line 37: 2 steps, 0 gates
                -   39 command: kubectl uncordon <NODE>
                -   44 wait: Watch the node for 10 minutes before moving to the next one.
                Verification [verification] line 46: 0 steps, 3 gates
                  ?   48 gate: Node reports Ready and version v1.30.4
                  ?   49 gate: Pods scheduled on the node within 5 minutes
                  ?   50 gate: API error rate < 1% on the cluster dashboard [< 1%]
              Rollback [rollback] line 52: 1 steps, 0 gates
                -   58 command: sudo apt-get install -y --allow-downgrades kubelet=1.29.8-1.…
                Deciding [rollback] line 64: 0 steps, 0 gates
              Troubleshooting [troubleshooting] line 76: 2 steps, 0 gates
                -   79 action: Fix: A PodDisruptionBudget blocks eviction; scale the deploy…
                -   82 action: Fix: Check journalctl -u kubelet -n 200; a cgroup driver mis…
            rollback: 1 steps, 2 triggers
              !   55 roll back if: The node stays NotReady for more than 10 minutes
              !   56 roll back if: kubelet crash-loops after the restart
            diagnostics: 0
        "#]],
    );
    let drain = phase(&k8s, "Step 1: Cordon and drain the node (5-10 minutes)");
    assert_eq!(
        drain.steps[0].substeps[1].code.as_deref(),
        Some("kubectl drain <NODE> --ignore-daemonsets --delete-emptydir-data --timeout=10m\n")
    );
    let back = phase(&k8s, "Step 3: Bring the node back");
    assert_eq!(back.steps[1].estimate_s, Some([10 * MIN, 10 * MIN]));
    assert_eq!(
        k8s.troubleshooting[1].symptom,
        "Node NotReady after restart"
    );

    // The fixes for a failing extension are recovery steps too.
    let pg = check(
        &fixture("postgres-major-upgrade.md"),
        expect![[r#"
            PostgreSQL 15 → 16 Major Upgrade
            9 phases, 20 steps (5 tasks, 1 checked in the guide), 12 gates, 2 rollback triggers, 1 troubleshooting entries
            estimated time: 1 h–1 h 30 min
            estimated downtime: 5–15 min
              Pre-Upgrade Checklist [preparation] line 14: 5 steps, 0 gates
                -   16 task: Full base backup taken and restore-tested in the last 24 hou…
                -   17 task: pg_upgrade --check passes on a clone
                -   18 task: Extensions available for 16: postgis, pg_stat_statements
                -   19 task: Change ticket approved
                -   20 task: Application maintenance page ready
              Upgrade [deployment] line 22: 0 steps, 0 gates
                Option 1: pg_upgrade with hard links (Quick) [deployment, 15 min, alternative] line 24: 4 steps, 0 gates
                  -   28 command: Step 1: Stop the cluster
                    -   29 command: Step 1: Stop the cluster
                    -   31 command: Step 2: Run the upgrade
                    -   37 command: Step 3: Start the new cluster
                Option 2: Logical replication (Near-zero downtime) [deployment, alternative] line 41: 5 steps, 0 gates
                  -   43 action: Create the publication on the old primary
                  -   44 action: Create the subscription on the new 16 cluster
                  -   45 wait: Wait for the initial copy; keep replication running for 1 ho…
                  -   46 action: Switch the application connection string
                  -   48 command: CREATE PUBLICATION upgrade_pub FOR ALL TABLES;
                Post-upgrade (Optional) [post_deployment, optional] line 52: 1 steps, 0 gates
                  -   54 command: sudo -u postgres vacuumdb --all --analyze-in-stages
              Verification [verification] line 58: 0 steps, 12 gates
                ?    0 gate: Replication lag — Target: < 1 s [< 1s]
                ?    0 gate: Replication lag — Warning: > 5 s [> 5s]
                ?    0 gate: Replication lag — Critical: > 30 s [> 30s]
                ?    0 gate: p95 query latency — Target: < 50 ms [< 50ms]
                ?    0 gate: p95 query latency — Warning: > 120 ms [> 120ms]
                ?    0 gate: p95 query latency — Critical: > 500 ms [> 500ms]
                ?    0 gate: Connection errors — Target: 0 [= 0]
                ?    0 gate: Connection errors — Warning: > 1% [> 1%]
                ?    0 gate: Connection errors — Critical: > 5% [> 5%]
                ?   67 gate: SELECT version() reports 16.4
                ?   68 gate: Checkout p95 latency <= 200ms (was 180ms) [<= 200ms]
                ?   69 gate: No errors in the application log for 15 minutes
              Rollback Plan [rollback] line 71: 3 steps, 0 gates
                -   81 action: Stop PostgreSQL 16
                -   82 action: Restore the base backup to the 15 data directory
                -   83 action: Start PostgreSQL 15 and repoint the application
              Troubleshooting [troubleshooting] line 85: 0 steps, 0 gates
                Issue: Extension version mismatch [troubleshooting] line 87: 2 steps, 0 gates
                  -   91 action: Install the 16 build of the extension
                  -   92 action: Drop and recreate the extension after the upgrade if it hold…
            rollback: 3 steps, 2 triggers, 10 min
              !   78 roll back if: Data checksum failures
              !   79 roll back if: p95 latency > 500 ms for 10 minutes
            diagnostics: 0
        "#]],
    );
    let lag = gate(&pg, "Replication lag — Critical: > 30 s");
    assert_eq!(lag.level, Some(Level::Critical));
    let p95 = gate(&pg, "Checkout p95 latency <= 200ms (was 180ms)");
    assert_eq!(p95.baseline.as_deref(), Some("180ms"));
    let replication = phase(&pg, "Option 2: Logical replication (Near-zero downtime)");
    assert_eq!(
        replication.alternative_group,
        phase(&pg, "Option 1: pg_upgrade with hard links (Quick)").alternative_group
    );
    assert!(replication
        .steps
        .iter()
        .any(|s| s.kind == StepKind::Wait && s.estimate_s == Some([HOUR, HOUR])));

    let mobile = check(
        &fixture("mojibake-release-checklist.md"),
        expect![[r#"
            Mobile App Release 4.2 ✅
            4 phases, 10 steps (7 tasks, 1 checked in the guide), 4 gates, 2 rollback triggers, 0 troubleshooting entries
            encoding repaired: Windows-1252
            estimated time: 2 h–3 h
              Pre-release — Go/No-Go [preparation] line 6: 4 steps, 4 gates
                -    8 task: All P1 bugs closed ✅
                -    9 task: Release notes translated → FR, DE, ES
                -   10 task: Store screenshots updated 📸
                -   11 task: Crash-free sessions ≥ 99.5% on beta
                ?    8 gate: All P1 bugs closed ✅
                ?    9 gate: Release notes translated → FR, DE, ES
                ?   10 gate: Store screenshots updated 📸
                ?   11 gate: Crash-free sessions ≥ 99.5% on beta [>= 99.5%]
              Submit [section] line 13: 3 steps, 0 gates
                -   15 action: Tag the release: git tag v4.2.0
                -   16 action: Upload the build to both stores 🚀
                -   17 action: Submit for review
              Staged rollout [deployment] line 19: 3 steps, 0 gates
                -   23 task: Crash rate < 0.3%
                -   24 task: No spike in “login failed� reports
                -   28 task: Crash rate < 0.3%
              Rollback [rollback] line 30: 0 steps, 0 gates
            rollback: 0 steps, 2 triggers
              !   33 roll back if: Crash rate > 1%
              !   34 roll back if: Payment failures > 2%
            diagnostics: 1
        "#]],
    );
    assert_eq!(
        mobile.tasks[1].text,
        "Release notes translated → FR, DE, ES"
    );
    assert_eq!(
        mobile.tasks[5].text,
        "No spike in “login failed\u{FFFD} reports"
    );

    let cdn = check(
        &fixture("static-site-runbook.md"),
        expect![[r#"
            CDN Certificate Rotation
            2 phases, 5 steps (3 tasks, 0 checked in the guide), 0 gates, 0 rollback triggers, 0 troubleshooting entries
              Steps [deployment] line 19: 4 steps, 0 gates
                -   21 task: Request the new certificate from the internal CA
                -   22 task: Upload it: see <a href="javascript:alert(1)">the portal</a> …
                -   23 task: Verify the chain with openssl s_client -connect cdn.example.…
                -   25 command: export CDN_API_TOKEN="••••••"
              Verification [verification] line 32: 1 steps, 0 gates
                -   34 command: openssl s_client -connect cdn.example.com:443 </dev/null 2>/…
            diagnostics: 5
        "#]],
    );
    let messages: Vec<(usize, &str)> = cdn
        .diagnostics
        .iter()
        .map(|d| (d.line, d.message.as_str()))
        .collect();
    assert!(messages
        .iter()
        .any(|(l, m)| *l == 6 && m.contains("shortcode")));
    assert!(messages
        .iter()
        .any(|(l, m)| *l == 14 && m.contains("raw HTML")));
    assert!(messages
        .iter()
        .any(|(l, m)| *l == 26 && m.contains("credential")));
    assert!(messages
        .iter()
        .any(|(l, m)| *l == 34 && m.contains("never closed")));
}

#[test]
fn shapes_from_the_wild() {
    // No headings and no task lists: numbered actions are the steps.
    let g = check(
        "1. Drain node\n2. Upgrade kubelet\n3. Uncordon node\n",
        expect![[r#"
            Untitled guide
            1 phases, 3 steps (0 tasks, 0 checked in the guide), 0 gates, 0 rollback triggers, 0 troubleshooting entries
              Untitled guide [section] line 1: 3 steps, 0 gates
                -    1 action: Drain node
                -    2 action: Upgrade kubelet
                -    3 action: Uncordon node
            diagnostics: 0
        "#]],
    );
    assert_tasks_are_task_steps(&g);

    // Several H1s: each is a phase.
    check(
        "# Prepare\n- [ ] a\n# Deploy\n- [ ] b\n",
        expect![[r#"
            Prepare
            2 phases, 2 steps (2 tasks, 0 checked in the guide), 0 gates, 0 rollback triggers, 0 troubleshooting entries
              Prepare [preparation] line 1: 1 steps, 0 gates
                -    2 task: a
              Deploy [deployment] line 3: 1 steps, 0 gates
                -    4 task: b
            diagnostics: 0
        "#]],
    );

    // Front matter, HTML comments, shortcodes.
    let g = check(
        "---\ntitle: x\n---\n# T\n\n<!-- - [ ] hidden -->\n\n{{< note >}}\n- [ ] real\n",
        expect![[r#"
            T
            1 phases, 1 steps (1 tasks, 0 checked in the guide), 0 gates, 0 rollback triggers, 0 troubleshooting entries
              T [section] line 1: 1 steps, 0 gates
                -    9 task: real
            diagnostics: 1
        "#]],
    );
    assert!(g
        .diagnostics
        .iter()
        .any(|d| d.message.contains("shortcode") && d.line == 8));

    // "slow" is not "SLOs": a label about slowness lists no criteria.
    check(
        "## Notes\n\n**Query performance slow**\n- Check indexes\n",
        expect![[r#"
            Notes
            1 phases, 1 steps (0 tasks, 0 checked in the guide), 0 gates, 0 rollback triggers, 0 troubleshooting entries
              Notes [reference] line 1: 1 steps, 0 gates
                -    4 action: Check indexes
            diagnostics: 0
        "#]],
    );

    // Bold metric lines: criteria and triggers whatever their heading.
    let g = check(
        "## Dashboards\n\n- **Uptime**: > 99.95%\n- **p99 latency**: < 800ms\n- **Owner**: SRE\n\n         ## If things go wrong\n\n- **Error rate > 2%**: Immediate rollback\n- **Memory > 85%**: Scale out or rollback\n",
        expect![[r#"
            Dashboards
            1 phases, 0 steps (0 tasks, 0 checked in the guide), 2 gates, 2 rollback triggers, 0 troubleshooting entries
              Dashboards [monitoring] line 1: 0 steps, 2 gates
                ?    3 gate: Uptime: > 99.95% [> 99.95%]
                ?    4 gate: p99 latency: < 800ms [< 800ms]
            rollback: 0 steps, 2 triggers
              !    9 roll back if: Error rate > 2%: Immediate rollback
              !   10 pause if: Memory > 85%: Scale out or rollback
            diagnostics: 1
        "#]],
    );
    assert_eq!(g.all_gates()[0].metric.as_deref(), Some("Uptime"));

    // A guide with nothing to do says so.
    let g = check(
        "# Notes\n\nJust prose.\n",
        expect![[r#"
            Notes
            0 phases, 0 steps (0 tasks, 0 checked in the guide), 0 gates, 0 rollback triggers, 0 troubleshooting entries
            diagnostics: 1
        "#]],
    );
    assert!(g
        .diagnostics
        .iter()
        .any(|d| d.message.starts_with("no steps found")));

    // "When to rollback" written as a sentence.
    check(
        "## Rollback\n\nInitiate rollback immediately if:\n- Error rate > 5%\n- Data loss\n\nBack to v3.1 in 30 seconds.\n",
        expect![[r#"
            Rollback
            1 phases, 0 steps (0 tasks, 0 checked in the guide), 0 gates, 2 rollback triggers, 0 troubleshooting entries
              Rollback [rollback] line 1: 0 steps, 0 gates
            rollback: 0 steps, 2 triggers, 30 s
              !    4 roll back if: Error rate > 5%
              !    5 roll back if: Data loss
            diagnostics: 1
        "#]],
    );

    // Target / Warning / Critical as a table.
    let g = check(
        "## Metrics\n\n| Metric | Target | Warning | Critical |\n|---|---|---|---|\n| Error rate | < 1% | > 2% | > 5% |\n",
        expect![[r#"
            Metrics
            1 phases, 0 steps (0 tasks, 0 checked in the guide), 3 gates, 0 rollback triggers, 0 troubleshooting entries
              Metrics [monitoring] line 1: 0 steps, 3 gates
                ?    0 gate: Error rate — Target: < 1% [< 1%]
                ?    0 gate: Error rate — Warning: > 2% [> 2%]
                ?    0 gate: Error rate — Critical: > 5% [> 5%]
            diagnostics: 1
        "#]],
    );
    let gates = g.all_gates();
    assert_eq!(gates[2].level, Some(Level::Critical));
    assert_eq!(gates[2].metric.as_deref(), Some("Error rate"));
}

#[test]
fn follow_ups_are_due_after_the_deployment_not_part_of_it() {
    // Staged deployment sections keep their span; post-deployment ones
    // (and titles that say "after") name when they are due, from 12 hours.
    let g = check(
        "# Release

## Deployment Steps

### Week 1: Staging Deployment

- [ ] Deploy to staging

### Day 1-2: 25% Traffic

- [ ] Route a quarter of the traffic

## Post-Deployment

### Immediate (First Hour)

- [ ] Watch the error rate

### Short-term (First 24 Hours)

- [ ] Review the dashboards

### Medium-term (First Week)

- [ ] Analyse the savings

### Day 1-2

- [ ] Compare hit rates

#### Checks

- [ ] Check the budget

### Week 2-4

- [ ] Remove the old flag

### Month 1

- [ ] Drop the legacy table

### Next day

- [ ] Close the ticket

### Rollback on day 2

- [ ] Revert if needed

## Week 1 After Full Rollout

- [ ] Collect feedback

## 24 hours after deploy

- [ ] Read the logs

## 48h after

- [ ] Write the retrospective

## First week

- [ ] Celebrate
",
        expect![[r#"
            Release
            17 phases, 15 steps (15 tasks, 0 checked in the guide), 0 gates, 0 rollback triggers, 0 troubleshooting entries
              Deployment Steps [deployment] line 3: 0 steps, 0 gates
                Week 1: Staging Deployment [deployment, 7 d] line 5: 1 steps, 0 gates
                  -    7 task: Deploy to staging
                Day 1-2: 25% Traffic [deployment, 2 d] line 9: 1 steps, 0 gates
                  -   11 task: Route a quarter of the traffic
              Post-Deployment [post_deployment] line 13: 0 steps, 0 gates
                Immediate (First Hour) [post_deployment, 1 h] line 15: 1 steps, 0 gates
                  -   17 task: Watch the error rate
                Short-term (First 24 Hours) [post_deployment, follow-up after 1 d] line 19: 1 steps, 0 gates
                  -   21 task: Review the dashboards
                Medium-term (First Week) [post_deployment, follow-up after 7 d] line 23: 1 steps, 0 gates
                  -   25 task: Analyse the savings
                Day 1-2 [post_deployment, follow-up after 2 d] line 27: 1 steps, 0 gates
                  -   29 task: Compare hit rates
                  Checks [post_deployment] line 31: 1 steps, 0 gates
                    -   33 task: Check the budget
                Week 2-4 [post_deployment, follow-up after 28 d] line 35: 1 steps, 0 gates
                  -   37 task: Remove the old flag
                Month 1 [post_deployment, follow-up after 30 d] line 39: 1 steps, 0 gates
                  -   41 task: Drop the legacy table
                Next day [post_deployment, follow-up after 1 d] line 43: 1 steps, 0 gates
                  -   45 task: Close the ticket
                Rollback on day 2 [rollback, 1 d] line 47: 1 steps, 0 gates
                  -   49 task: Revert if needed
              Week 1 After Full Rollout [post_deployment, follow-up after 7 d] line 51: 1 steps, 0 gates
                -   53 task: Collect feedback
              24 hours after deploy [post_deployment, follow-up after 1 d] line 55: 1 steps, 0 gates
                -   57 task: Read the logs
              48h after [section, follow-up after 2 d] line 59: 1 steps, 0 gates
                -   61 task: Write the retrospective
              First week [deployment, 7 d] line 63: 1 steps, 0 gates
                -   65 task: Celebrate
            rollback: 1 steps, 0 triggers
            diagnostics: 0
        "#]],
    );
    assert_eq!(phase(&g, "Day 1-2").follow_up_s, Some(2 * DAY));
    assert_eq!(phase(&g, "Day 1-2").estimate_s, None);
    assert_eq!(phase(&g, "Day 1-2: 25% Traffic").follow_up_s, None);
    assert_eq!(phase(&g, "Checks").follow_up_s, None);
    let json: serde_json::Value = serde_json::from_str(&g.to_json()).unwrap();
    assert_eq!(json["phases"][1]["sections"][1]["follow_up_s"], DAY);
    assert!(json["phases"][0].get("follow_up_s").is_none());
}

#[test]
fn the_guide_estimate_is_read_from_the_lines_before_the_steps() {
    let estimate = |text: &str| Guide::parse(text).estimate_s;
    assert_eq!(
        estimate(
            "# R\n\nDeployment time: 5 minutes. No downtime expected.\n\n## Deploy\n\n1. Go\n"
        ),
        Some([5 * MIN, 5 * MIN])
    );
    assert_eq!(
        estimate("# R\n\nEstimated time: 30 min\n\n## Deploy\n\n1. Go\n"),
        Some([30 * MIN, 30 * MIN])
    );
    assert_eq!(
        estimate("# R\n\nExpected duration: ~1 hour\n\n## Deploy\n\n1. Go\n"),
        Some([HOUR, HOUR])
    );
    assert_eq!(
        estimate("# R\n\n**Duration:** 45 minutes\n\n## Deploy\n\n1. Go\n"),
        Some([45 * MIN, 45 * MIN])
    );
    assert_eq!(
        estimate("---\ntitle: R\nduration: 30m\n---\n# R\n\n## Deploy\n\n1. Go\n"),
        Some([30 * MIN, 30 * MIN])
    );
    // Not the deployment's time: a timeout, the rollback's, a step's.
    assert_eq!(
        estimate("---\ntimeout: 30s\n---\n# R\n\nRollback time: 5 minutes\n\n## Deploy\n\nEstimated time: 10 min\n\n1. Go\n"),
        None
    );
    // The fixture the end-to-end tests open: 5 minutes, follow-ups out.
    let g = check(
        test_fixtures::CALM,
        expect![[r#"
            Release 4.2: cache fix deployment
            7 phases, 10 steps (6 tasks, 0 checked in the guide), 0 gates, 0 rollback triggers, 0 troubleshooting entries
            estimated time: 5 min
              What changed [reference] line 5: 0 steps, 0 gates
              Deployment [deployment] line 13: 3 steps, 0 gates
                -   15 action: Announce the deployment in #releases
                -   16 action: Deploy the new build
                -   22 action: Check the health endpoint returns 200
              Rollback [rollback] line 28: 1 steps, 0 gates
                -   30 action: Redeploy the previous build
              Follow-up [post_deployment] line 36: 0 steps, 0 gates
                Day 1 [post_deployment, follow-up after 1 d] line 38: 2 steps, 0 gates
                  -   40 task: Review the eviction latency dashboard
                  -   41 task: Check the error budget for the cache service
                Day 2 [post_deployment, follow-up after 2 d] line 43: 2 steps, 0 gates
                  -   45 task: Compare the cache hit rate with last week
                  -   46 task: Close the release ticket
                Week 1 [post_deployment, follow-up after 7 d] line 48: 2 steps, 0 gates
                  -   50 task: Remove the feature flag for the old key format
                  -   51 task: Write the release retrospective
            rollback: 1 steps, 0 triggers
            diagnostics: 0
        "#]],
    );
    assert_eq!(g.estimate_s, Some([5 * MIN, 5 * MIN]));
}

#[test]
fn mojibake_is_repaired_and_reported() {
    let g = check(
        "# Deploy ðŸš€\n\n- [x] Tests pass âœ…\n- [ ] Switch traffic â†’ green\n",
        expect![[r#"
            Deploy 🚀
            1 phases, 2 steps (2 tasks, 1 checked in the guide), 0 gates, 0 rollback triggers, 0 troubleshooting entries
            encoding repaired: Windows-1252
              Deploy 🚀 [section] line 1: 2 steps, 0 gates
                -    3 task: Tests pass ✅
                -    4 task: Switch traffic → green
            diagnostics: 1
        "#]],
    );
    assert_eq!(g.tasks[0].text, "Tests pass ✅");
    assert!(g.diagnostics[0].message.starts_with("text repaired"));
    let json = g.to_json();
    assert!(json.contains("\"encoding_repair\": \"windows_1252\""));
}

#[test]
fn ids_survive_small_edits() {
    let a = Guide::parse(
        "# G\n## Deploy\n- [ ] Stop app\n\n1. Run migration\n\n```bash\n./deploy.sh\n```\n",
    );
    let b = Guide::parse("# G\n## Deploy\nNew intro line.\n\n- [ ] Check disk\n- [ ] Stop app\n\n1. Run migration\n\n```bash\n./deploy.sh\n```\n");
    let ids = |g: &Guide| -> Vec<String> {
        g.all_steps()
            .iter()
            .filter(|s| s.text != "Check disk")
            .map(|s| s.id.clone())
            .collect()
    };
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(a.phases[0].id, "p-deploy");
}

#[test]
fn many_unplaced_tasks_before_many_headings_stay_fast() {
    // Tasks nested past the flattening depth are placed after the walk;
    // that once scanned every phase for every task.
    let mut text = String::new();
    for i in 0..3_000 {
        text.push_str(&"- ".repeat(40));
        text.push_str(&format!("[ ] t{i}\n"));
    }
    text.push('\n');
    for i in 0..3_000 {
        text.push_str(&format!("# h{i}\n"));
    }
    let g = Guide::parse(&text);
    assert_eq!(g.counts.tasks, 3_000);
    assert_tasks_are_task_steps(&g);
}

#[test]
fn ten_megabytes_parse() {
    let mut text = String::with_capacity(10 * 1024 * 1024);
    let guides = test_fixtures::guides();
    'fill: loop {
        for (_, g) in &guides {
            if text.len() + g.len() > 10 * 1024 * 1024 {
                break 'fill;
            }
            text.push_str(g);
            text.push_str("\n```\n\n");
        }
    }
    let g = Guide::parse(&text);
    assert!(g.counts.tasks > 10_000);
    assert_tasks_are_task_steps(&g);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn guideish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("# ".to_owned()),
            Just("## Rollback\n".to_owned()),
            Just("### Option 1: A\n".to_owned()),
            Just("### Option 2: B\n".to_owned()),
            Just("## Troubleshooting\n**Issue:** x\n- **Solution:** y\n".to_owned()),
            Just("**Success Criteria**:\n".to_owned()),
            Just("When to rollback:\n".to_owned()),
            Just("- [ ] ".to_owned()),
            Just("- [x] ".to_owned()),
            Just("1. ".to_owned()),
            Just("  ".to_owned()),
            Just("- Target: < 1%\n".to_owned()),
            Just("```bash\n# Step 1: go\nls\n".to_owned()),
            Just("```\n".to_owned()),
            Just("**Estimated Time:** 5-10 minutes\n".to_owned()),
            Just("Monitor for 30 minutes\n".to_owned()),
            Just("| a | Target |\n|---|---|\n| x | > 5 |\n".to_owned()),
            Just("\n".to_owned()),
            Just("> ".to_owned()),
            "[a-z0-9 <>=%.✅â€œ]{0,10}",
        ];
        prop::collection::vec(piece, 0..50).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(384))]

        #[test]
        fn any_guide_builds_with_the_invariants(text in guideish()) {
            let g = Guide::parse(&text);
            assert_tasks_are_task_steps(&g);
            assert_unique_ids(&g);
            prop_assert!(serde_json::from_str::<serde_json::Value>(&g.to_json()).is_ok());
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            let _ = Guide::parse(&text);
        }
    }
}
