// npm run docs:examples — examples from real runs (issue 14 point 3): runs the e2e flows against the
// mock platform with YIDI_RECORD_EXAMPLES set, so the e2e helper (test/helpers/contract.ts) writes
// the first 2xx answer of each operation, with its request, to docs/examples/<operationId>.json (only
// answers that kept the contract). The document embeds them (gateway/http/openapi.ts); then
// npm run gen:client refreshes docs/openapi.json and the collection, and npm run docs:guide the
// Chinese guide docs/zh/ (scripts/guide.ts), whose steps show these examples. Four test files per run, one
// run at a time (the machine is shared). Prints the operations left without an example.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';

const dir = new URL('../docs/examples/', import.meta.url);
const FLOWS = [
  // the main flows first: their answers are the examples a vendor reads (first writer wins)
  ['test/e2e/outpatient.e2e.test.ts', 'test/e2e/inpatient.e2e.test.ts', 'test/e2e/pharmacy.e2e.test.ts', 'test/e2e/refunds.e2e.test.ts'],
  // the national-format door (issue 19): its first answers are a 9001 sign-in and a 2201 registration,
  // before the auth matrix's empty-body probe of the door could be the example
  ['test/e2e/national-door.e2e.test.ts'],
  [
    'test/e2e/inpatient-filing.e2e.test.ts',
    'test/e2e/seed-fidelity.e2e.test.ts',
    'test/e2e/store-and-forward.e2e.test.ts',
    'test/e2e/console.e2e.test.ts',
  ],
  [
    'test/e2e/reconciliation.e2e.test.ts',
    'test/e2e/inquiry.e2e.test.ts',
    'test/e2e/unknown-outcomes.e2e.test.ts',
    'test/e2e/auth-matrix.e2e.test.ts',
  ],
  // the admission's cancel steps (2404, 2405, 2302 all) succeed here; the staff sign-in
  ['test/e2e/inpatient-bad-input.e2e.test.ts', 'test/e2e/staff-sessions.e2e.test.ts', 'test/e2e/print.e2e.test.ts'],
  // a refund that needs a decision, marked handled by a signed-in member of staff (issue 15)
  ['test/e2e/refund-decision.e2e.test.ts'],
];
rmSync(dir, { recursive: true, force: true });
for (const files of FLOWS) {
  execFileSync('npx', ['vitest', 'run', ...files], { stdio: 'inherit', env: { ...process.env, YIDI_RECORD_EXAMPLES: dir.pathname } });
}
const recorded = new Set(readdirSync(dir).map((f) => f.replace(/\.json$/, '')));
const doc = JSON.parse(readFileSync(new URL('../docs/openapi.json', import.meta.url), 'utf8'));
const missing = Object.values(doc.paths)
  .flatMap((m) => Object.values(m).map((o) => o.operationId))
  .filter((id) => !recorded.has(id));
console.log(`${recorded.size} operations recorded in docs/examples/; without an example: ${missing.join(', ') || 'none'}`);
