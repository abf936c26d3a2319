// The versions of a plan as the page holds them: the server's list (numbers, labels, broken-rule
// counts) with each version's problem and solution filled in once read.

/** The server's list as page entries; version 1's documents are the job's own, already at hand.
 *  A job listed with no versions (it has no plan of its own yet) still shows `own` as v1. */
export function versionEntries(listed, own) {
  const entries = listed.map((v) => ({ ...v, problem: null, solution: null }));
  const first = entries.find((v) => v.number === 1);
  if (first) Object.assign(first, { problem: own.problem, solution: own.solution });
  else entries.unshift({ number: 1, label: "optimised", violations: 0, ...own });
  return entries;
}

/** What the version menu says: number, label and, if it breaks rules, how many. */
export function versionName(v) {
  const broken = v.violations ? ` (${v.violations} broken rule${v.violations === 1 ? "" : "s"})` : "";
  return `v${v.number} ${v.label}${broken}`;
}

/** A version kept on the server, as a page entry: the server's answer plus the documents sent. */
export function keptEntry(answer, sent) {
  return { number: answer.number, label: answer.label, violations: answer.violations, created_at: answer.created_at, problem: sent.problem, solution: sent.solution };
}
