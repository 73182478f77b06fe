// Derives TypeScript types from the JSON Schemas (schemas/api, schemas/platform) so that no shape is
// written twice. Output goes to gateway/generated/ (git-ignored); run by build, typecheck and test.
import { compile } from 'json-schema-to-typescript';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const outRoot = path.join(root, 'gateway', 'generated');

const typeName = (file) =>
  file
    .replace(/\.json$/, '')
    .split(/[.\-_]/)
    .map((w) => (/^\d/.test(w) ? `Infno${w}` : w[0].toUpperCase() + w.slice(1)))
    .join('');

// Nested titles would become one named alias per field; keep them as doc comments instead.
function titlesToDescriptions(node) {
  if (Array.isArray(node)) return node.forEach(titlesToDescriptions);
  if (!node || typeof node !== 'object') return;
  if (typeof node.title === 'string') {
    node.description ??= node.title;
    delete node.title;
  }
  Object.values(node).forEach(titlesToDescriptions);
}

// Inlines `common.json#/...` refs (after the title pass) so shared shapes carry no alias names either.
function inlineCommon(node, common) {
  if (Array.isArray(node)) return node.map((n) => inlineCommon(n, common));
  if (!node || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string' && node.$ref.startsWith('common.json#/')) {
    const target = node.$ref
      .slice('common.json#/'.length)
      .split('/')
      .reduce((o, k) => o[k], common);
    const { $ref: _r, ...rest } = node;
    return inlineCommon({ ...structuredClone(target), ...rest }, common);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inlineCommon(v, common)]));
}

for (const dir of ['api', 'platform']) {
  const src = path.join(root, 'schemas', dir);
  const common = JSON.parse(await readFile(path.join(src, 'common.json'), 'utf8'));
  titlesToDescriptions(common);
  await mkdir(path.join(outRoot, dir), { recursive: true });
  const files = (await readdir(src)).filter((f) => f.endsWith('.json') && f !== 'common.json');
  for (const file of files) {
    const raw = JSON.parse(await readFile(path.join(src, file), 'utf8'));
    delete raw.$id;
    titlesToDescriptions(raw);
    const schema = inlineCommon(raw, common);
    schema.title = typeName(file);
    const ts = await compile(schema, typeName(file), {
      cwd: src,
      bannerComment: `/* Generated from schemas/${dir}/${file} by scripts/gen-types.mjs. Do not edit. */`,
      additionalProperties: false,
      unknownAny: true,
      declareExternallyReferenced: true,
      format: false,
    });
    await writeFile(path.join(outRoot, dir, file.replace(/\.json$/, '.ts')), ts);
  }
  if (dir === 'api') await writeResponseIndex(files);
}

// One index of every 2xx answer, by schema name: handle(status, 'visit.response', fn) types fn's result
// from it (gateway/http/handler.ts), so a route cannot drift from the schema its operation declares.
async function writeResponseIndex(files) {
  const names = files.filter((f) => f.endsWith('.response.json')).map((f) => f.replace(/\.json$/, ''));
  const lines = [
    '/* Generated from schemas/api/*.response.json by scripts/gen-types.mjs. Do not edit. */',
    ...names.map((n) => `import type { ${typeName(`${n}.json`)} } from './${n}.js';`),
    '',
    '/** Every response schema of schemas/api by its name, as the operation tables name them. */',
    'export interface ApiResponses {',
    ...names.map((n) => `  '${n}': ${typeName(`${n}.json`)};`),
    '}',
    '',
  ];
  await writeFile(path.join(outRoot, 'api', 'responses.ts'), lines.join('\n'));
}
