// Deterministic benchmark guides: `tasks` task items in phases of 100
// (or 50 for small guides), shaped like the real guides Preflight reads:
// an H1 title with metadata, H2 phases with an estimated time, and task
// items, every fifth one with an inline command. The same count always
// gives the same text.
export function benchGuide(tasks) {
  const perPhase = tasks >= 2000 ? 100 : 50;
  const phases = Math.ceil(tasks / perPhase);
  const out = [
    `# Benchmark deployment: ${tasks} tasks`,
    '',
    '**Version:** 1.0.0',
    `**Estimated Time:** ${phases * 5} minutes`,
    '',
  ];
  let n = 0;
  for (let p = 1; p <= phases; p++) {
    out.push(`## Phase ${p}: Roll out service group ${p}`, '');
    out.push('**Estimated Time:** 5 minutes', '');
    for (let i = 1; i <= perPhase && n < tasks; i++, n++) {
      const service = `svc-${p}-${i}`;
      out.push(
        i % 5 === 0
          ? `- [ ] Restart ${service} with \`kubectl rollout restart deploy/${service}\``
          : `- [ ] Check that ${service} reports healthy on its status page`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}
