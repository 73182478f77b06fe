// npm run docs:guide — writes the Chinese integration guide docs/zh/*.md from the hand-written pages
// docs/zh/src/*.md, filling their placeholders from the OpenAPI document, docs/examples, the error
// catalog and the signing code (scripts/guide.ts). Fails, writing nothing, when a page names an
// operation or example that does not exist, or an operation of the document has no step.
// test/guide.test.ts fails when the committed docs/zh differs from what this writes.
// Run with tsx (the package script does): node --import tsx scripts/gen-guide.mjs
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { guideInputs, renderGuide } from './guide.ts';

const dir = new URL('../docs/zh/', import.meta.url);
const pages = renderGuide(await guideInputs());
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) if (f.endsWith('.md') && !pages.has(f)) rmSync(new URL(f, dir));
for (const [file, text] of pages) writeFileSync(new URL(file, dir), text);
console.log(`wrote docs/zh/: ${[...pages.keys()].join(', ')}`);
