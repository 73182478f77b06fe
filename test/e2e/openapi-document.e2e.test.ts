/**
 * The HIS vendor's contract (issue 14 points 1-2): the document GET /openapi.json serves is one the
 * standard tools accept — swagger-parser validates it, redocly lints it with 0 problems under the
 * repository's redocly.yaml — and it describes every operation: an operationId, a flow tag, a Chinese
 * and an English summary, a typed 2xx body and the catalog error body for each error status.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { lint, loadConfig } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../gateway/errors/errors.js';
import { projectPath } from '../../gateway/paths.js';
import { api } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';

type Doc = {
  paths: Record<string, Record<string, Record<string, any>>>;
  components: { schemas: Record<string, any>; responses: Record<string, any> };
  tags: Array<{ name: string }>;
};

describe('GET /openapi.json, as an HIS vendor’s tools read it', () => {
  const sys = mockAndGateway();
  let doc: Doc;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    const r = await api(sys.gw.url, 'GET', '/openapi.json');
    expect(r.status).toBe(200);
    doc = r.body;
    dir = mkdtempSync(path.join(tmpdir(), 'yidi-openapi-'));
    file = path.join(dir, 'openapi.json');
    writeFileSync(file, r.text);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('swagger-parser validates it: every $ref resolves, the document is OpenAPI 3.1', async () => {
    // validate() dereferences in place: give it a copy
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('redocly lints it (recommended rules, redocly.yaml): no errors, no warnings', async () => {
    const config = await loadConfig({ configPath: projectPath('redocly.yaml') });
    const problems = await lint({ ref: file, config });
    const text = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(text).toEqual([]);
  });

  it('every operation: a unique operationId, a flow tag, a Chinese and an English summary', () => {
    const ids = new Set<string>();
    const tags = new Set(doc.tags.map((t) => t.name));
    for (const [p, methods] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(methods)) {
        const where = `${m.toUpperCase()} ${p}`;
        expect(op.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
        expect(ids.has(op.operationId), `${where}: operationId ${op.operationId} twice`).toBe(false);
        ids.add(op.operationId);
        expect(op.tags, where).toHaveLength(1);
        expect(tags.has(op.tags[0]), where).toBe(true);
        expect(op.summary, where).toMatch(/[\u4e00-\u9fff]/);
        expect(op['x-summary-en'], where).toMatch(/^[^\u4e00-\u9fff]*[A-Za-z]/);
      }
    }
    expect(ids.size).toBeGreaterThan(60);
  });

  it('every JSON 2xx is a named response schema of schemas/api (never a bare object); every catalog status is declared with the error body', () => {
    const statuses = [...new Set([...catalog.values()].map((e) => String(e.status)))];
    for (const [p, methods] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(methods)) {
        const where = `${m.toUpperCase()} ${p}`;
        const ok = Object.entries(op.responses).filter(([s]) => /^2/.test(s));
        expect(ok, where).toHaveLength(1);
        const [, res] = ok[0]! as [string, any];
        const json = res.content['application/json'];
        if (json) {
          expect(json.schema.$ref, where).toMatch(/^#\/components\/schemas\/[a-z-]+\.response$/);
          expect(doc.components.schemas[json.schema.$ref.split('/').pop()], where).toBeDefined();
        } else {
          expect(Object.keys(res.content), where).toEqual([expect.stringMatching(/^text\/(csv|html)$/)]);
        }
        if (p === '/healthz') continue;
        for (const s of statuses) {
          if (p === '/readyz' && s === '503') continue;
          expect(op.responses[s]?.$ref, `${where} ${s}`).toBe(`#/components/responses/error${s}`);
        }
      }
    }
    for (const s of statuses) {
      const r = doc.components.responses[`error${s}`];
      expect(r.content['application/json'].schema.$ref).toBe('#/components/schemas/error.response');
      for (const e of catalog.values()) if (String(e.status) === s) expect(r.description).toContain(e.code);
    }
  });

  it('no reference is left pointing at a schema file or at an empty component name (the old rewriter’s #/components/schemas//$defs/…)', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/"\$ref":"[^#]/);
    expect(text).not.toContain('#/components/schemas//');
    expect(doc.components.schemas.common.$defs.credential.properties.mdtrt_cert_type.enum).toEqual(['01', '02', '03']);
  });
});
