/**
 * The Chinese integration guide (issue 14 point 5): docs/zh/ is generated from docs/zh/src/ by
 * scripts/guide.ts (npm run docs:guide) out of the OpenAPI document, the recorded examples and the
 * error catalog. These tests fail when the committed guide drifts from what the generator writes now,
 * when an endpoint of the document has no step in it, when a placeholder names an operation, example
 * or error code that does not exist, and when the signing example is not one the gateway accepts.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkSignature } from '../gateway/auth/signature.js';
import { catalog } from '../gateway/errors/errors.js';
import { projectPath } from '../gateway/paths.js';
import { DEMO_SIGNING, type GuideInputs, guideInputs, renderGuide, signingExample } from '../scripts/guide.js';

const committed = () =>
  new Map(
    readdirSync(projectPath('docs/zh'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => [f, readFileSync(projectPath(`docs/zh/${f}`), 'utf8')]),
  );
const json = (v: unknown) => JSON.stringify(v, null, 2);

describe('docs/zh: the Chinese integration guide', () => {
  let inputs: GuideInputs;
  let pages: Map<string, string>;
  let ops: Array<{ id: string; method: string; path: string; summary: string }>;
  beforeAll(async () => {
    inputs = await guideInputs();
    pages = renderGuide(inputs);
    ops = Object.entries(inputs.doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        id: op.operationId,
        method: method.toUpperCase(),
        path,
        summary: op.summary ?? '',
      })),
    );
  });

  it('the committed docs/zh is exactly what the generator writes now (run npm run docs:guide)', () => {
    const files = committed();
    expect([...files.keys()].sort()).toEqual([...pages.keys()].sort());
    for (const [file, text] of pages) expect(files.get(file), `docs/zh/${file} is stale: npm run docs:guide`).toBe(text);
  });

  it('names every endpoint of the document: a row in the index with its Chinese summary, linking to the one step that shows it', () => {
    const index = pages.get('README.md')!;
    expect(ops.length).toBeGreaterThan(50);
    for (const o of ops) {
      const row = index.split('\n').find((l) => l.includes(`| \`${o.id}\` |`));
      expect(row, o.id).toBeDefined();
      expect(row, o.id).toContain(`\`${o.method} ${o.path}\``);
      expect(row, o.id).toContain(o.summary);
      const link = /\]\(([a-z-]+\.md)#(op-[A-Za-z]+)\)/.exec(row!);
      expect(link?.[2], o.id).toBe(`op-${o.id}`);
      const withAnchor = [...pages].filter(([, text]) => text.includes(`<a id="op-${o.id}"></a>`)).map(([f]) => f);
      expect(withAnchor, o.id).toEqual([link![1]]);
      expect(pages.get(link![1])!, o.id).toContain(`**\`${o.method} ${o.path}\`**`);
    }
  });

  it('resolves every placeholder, and every page is linked from the index page', () => {
    for (const [file, text] of pages) expect(text.match(/\{\{[^}]*\}\}/g), file).toBeNull();
    const index = pages.get('README.md')!;
    for (const file of pages.keys()) if (file !== 'README.md') expect(index, file).toContain(`](${file})`);
  });

  it('each step shows the full recorded request and answer of docs/examples/<operationId>.json', () => {
    let steps = 0;
    for (const [name, template] of inputs.templates) {
      const page = pages.get(name === 'README' ? 'README.md' : `${name}.md`)!;
      for (const [, id] of template.matchAll(/\{\{example:([A-Za-z]+)\}\}/g)) {
        const e = inputs.examples.get(id!);
        expect(e, `${name}.md names ${id}, which has no recorded example`).toBeDefined();
        const at = page.indexOf(`<a id="op-${id}"></a>`);
        const next = page.indexOf('<a id="op-', at + 1);
        const step = page.slice(at, next === -1 ? undefined : next);
        expect(step, id).toContain(`\`\`\`http\n${e!.method} ${e!.path}\n\`\`\``);
        if (e!.request !== undefined) expect(step, id).toContain(`\`\`\`json\n${json(e!.request)}\n\`\`\``);
        expect(step, id).toContain(`应答 \`${e!.status}\``);
        // a printable page (recorded whole, as text) is named, not inlined
        if (typeof e!.response === 'string') expect(step, id).toContain(`录制的整页见 \`docs/examples/${id}.json\``);
        else expect(step, id).toContain(`\`\`\`json\n${json(e!.response)}\n\`\`\``);
        if (e!.method === 'POST') expect(step, id).toContain('`Idempotency-Key`');
        steps++;
      }
    }
    expect(steps).toBeGreaterThan(50);
  });

  it('fails loudly: an example that is not recorded, an unknown operation, an endpoint without a step, an unknown error code', () => {
    const examples = new Map(inputs.examples);
    examples.delete('getVisit');
    expect(() => renderGuide({ ...inputs, examples })).toThrow(
      /\{\{example:getVisit\}\}: no recorded example docs\/examples\/getVisit\.json/,
    );

    const templates = new Map(inputs.templates);
    templates.set('outpatient', templates.get('outpatient')!.replace('{{example:getVisit}}', '{{example:noSuchOperation}}'));
    const err = (() => {
      try {
        renderGuide({ ...inputs, templates });
      } catch (e) {
        return String(e);
      }
    })();
    expect(err).toMatch(/no operation noSuchOperation in the OpenAPI document/);
    expect(err).toMatch(/operation getVisit has no step/);

    const doc = structuredClone(inputs.doc);
    doc.paths['/v1/print/new'] = { get: { operationId: 'printSomethingNew', responses: { 200: {} } } };
    expect(() => renderGuide({ ...inputs, doc })).toThrow(/operation printSomethingNew has no step/);

    const bad = new Map(inputs.templates);
    bad.set('errors', `${bad.get('errors')}\n{{error:GW_NO_SUCH_CODE}}\n{{wat}}\n`);
    expect(() => renderGuide({ ...inputs, templates: bad })).toThrow(/no error code GW_NO_SUCH_CODE[\s\S]*unknown placeholder \{\{wat\}\}/);

    const twice = new Map(inputs.templates);
    twice.set('refunds', `${twice.get('refunds')}\n{{example:settleVisit}}\n`);
    expect(() => renderGuide({ ...inputs, templates: twice })).toThrow(/settleVisit has a step already \(outpatient\.md\)/);
  });

  it('the error table lists every catalog code with its HTTP status, 说明 and 处理办法 (action)', () => {
    const rows = new Map(
      pages
        .get('errors.md')!
        .split('\n')
        .map((l) => /^\| `(GW_[A-Z_]+)` \| (\d{3}) \| (.*) \| (.*) \| (.*) \|$/.exec(l))
        .filter((m) => m !== null)
        .map((m) => [m[1], m]),
    );
    expect([...rows.keys()].sort()).toEqual([...catalog.keys()].sort());
    for (const e of catalog.values()) {
      const m = rows.get(e.code)!;
      expect(Number(m[2]), e.code).toBe(e.status);
      expect(m[3], e.code).toBe(e.message.replace(/\|/g, '\\|'));
      expect(m[4], e.code).toBe(e.action.replace(/\|/g, '\\|'));
      expect(m[5], e.code).toBe(e.coordination_deadline ?? '');
    }
  });

  it('the signing example is one the gateway accepts, and its Node.js snippet prints the same signature', () => {
    const s = signingExample(inputs.examples);
    const page = pages.get('signing.md')!;
    expect(page).toContain(s.signature);
    const headers = { timestamp: DEMO_SIGNING.timestamp, nonce: DEMO_SIGNING.nonce, signature: s.signature };
    const at = Number(DEMO_SIGNING.timestamp) * 1000;
    const secret = Buffer.from(DEMO_SIGNING.secret, 'utf8');
    expect(checkSignature(secret, headers, { method: 'POST', target: s.target, body: s.body }, at)).toBeUndefined();
    expect(checkSignature(secret, headers, { method: 'POST', target: s.target, body: `${s.body} ` }, at)).toBe('signature_mismatch');
    expect(checkSignature(secret, headers, { method: 'POST', target: s.target, body: s.body }, at + 301_000)).toBe(
      'timestamp_out_of_window',
    );
    const snippet = /```js\n([\s\S]*?)\n```/.exec(page)![1]!;
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', snippet], { encoding: 'utf8' }).trim()).toBe(s.signature);
  });

  it('the top-level README links the guide in its quick start', () => {
    const readme = readFileSync(projectPath('README.md'), 'utf8');
    const link = readme.indexOf('](docs/zh/README.md)');
    expect(link).toBeGreaterThan(readme.indexOf('## Quick start'));
    expect(link).toBeLessThan(readme.indexOf('## For HIS developers'));
  });
});
