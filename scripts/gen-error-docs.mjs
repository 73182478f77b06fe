// Writes docs/errors.md from gateway/errors/catalog.json (npm run docs:errors).
// test/error-catalog.test.ts fails when the two drift apart, in either direction.
import { readFileSync, writeFileSync } from 'node:fs';

const { errors, coordination_deadlines } = JSON.parse(readFileSync(new URL('../gateway/errors/catalog.json', import.meta.url), 'utf8'));
const cell = (s) => String(s).replace(/\|/g, '\\|');
const byCat = {};
for (const e of errors) {
  byCat[e.category] ??= [];
  byCat[e.category].push(e);
}
let md = `# Error codes\n\nEvery non-2xx response of the gateway has this body:\n\n\`\`\`json\n{ "error": { "code": "GW_…", "category": "…", "message": "中文提示", "message_en": "…", "action": "下一步（中文）", "action_en": "what to do next", "coordination_deadline": "… (only where another area is involved)", "transaction_id": "… (when a platform call happened)", "request_id": "…", "details": {} } }\n\`\`\`\n\nCategories follow the unified error prompts the seeds ask for (JS notice §4, HN 83, LN 28); the coordination deadline is the reply time for problems raised with another area (domain.md §11: JS 57, LN 78, HN 77), and only those carry it: ${Object.entries(
  coordination_deadlines,
)
  .map(([k, v]) => `${k} — ${v}`)
  .join(
    '; ',
  )}. A platform \`err_msg\` is mapped onto a code by \`gateway/errors/platform-error-map.json\`; the original text is kept in \`details.platform_err_msg\`.\n`;
for (const [cat, list] of Object.entries(byCat)) {
  md += `\n## ${cat}\n\n| code | HTTP | 提示 (counter) | message | 处理 (counter) | what to do next | coordination |\n|---|---|---|---|---|---|---|\n`;
  for (const e of list)
    md += `| \`${e.code}\` | ${e.status} | ${cell(e.message)} | ${cell(e.message_en)} | ${cell(e.action)} | ${cell(e.action_en)} | ${e.coordination ?? ''} |\n`;
}
writeFileSync(new URL('../docs/errors.md', import.meta.url), md);
