/**
 * What an HIS vendor takes away (issue 14 point 4), generated from the served document: the typed
 * client (openapi-typescript + openapi-fetch) compiles, rejects a wrong call, and runs an outpatient
 * flow against the gateway; the Postman collection parses (postman-collection) with one request per
 * operation; the committed copies (npm run gen:client) are what the served document gives today.
 */
import { readFileSync } from 'node:fs';
import { Collection, type Item } from 'postman-collection';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { createYidiClient } from '../../clients/typescript/index.js';
import { projectPath } from '../../gateway/paths.js';
import { clientTypes, collectionShape, postmanCollection } from '../../scripts/contract-artifacts.js';
import { api, TEST_KEYS } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { outpatientFlow } from './client-flow.js';

type Doc = { paths: Record<string, Record<string, { operationId: string }>> };

/** tsc over `files` with the project's compiler options; the diagnostics as text. */
function compile(files: string[]): string[] {
  const cfg = ts.getParsedCommandLineOfConfigFile(
    projectPath('tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  )!;
  const program = ts.createProgram(files, { ...cfg.options, noEmit: true });
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('the typed client and the collection, generated from GET /openapi.json', () => {
  const sys = mockAndGateway();
  let doc: Doc;
  let served: string;
  beforeAll(async () => {
    const r = await api(sys.gw.url, 'GET', '/openapi.json');
    doc = r.body;
    served = `${JSON.stringify(r.body, null, 2)}\n`;
  });

  it('runs an outpatient flow against the gateway: register, diagnoses, fees, quote, settle, the slip again, cancel', async () => {
    const r = await outpatientFlow(createYidiClient(sys.gw.url, TEST_KEYS.his));
    expect(r.setl_id).toMatch(/^\d+$/);
    expect(r.settled_total).toBe(45);
    expect(r.slip_total_again).toBe(45);
    expect(r.pre_settlement_cash).toBeGreaterThanOrEqual(0);
    expect(r.cancellation_kind).toBe('cancellation');
  });

  it('the committed document, client types and collection are what the served document gives (npm run gen:client)', async () => {
    expect(readFileSync(projectPath('docs/openapi.json'), 'utf8')).toBe(served);
    expect(readFileSync(projectPath('clients/typescript/openapi.d.ts'), 'utf8')).toBe(await clientTypes(doc));
    const committed = JSON.parse(readFileSync(projectPath('docs/yidi-gateway.postman_collection.json'), 'utf8'));
    expect(collectionShape(committed)).toEqual(collectionShape(await postmanCollection(doc)));
  });

  it('tsc compiles the outpatient flow written with the client, and refuses a wrong path or a body without a required field', () => {
    expect(compile([projectPath('test/e2e/client-flow.ts')])).toEqual([]);
    const wrong = projectPath('test/e2e/.client-wrong.ts');
    const host = ts.sys.writeFile;
    host(
      wrong,
      `import { createYidiClient } from '../../clients/typescript/index.js';
const c = createYidiClient('http://x', 'k');
export const a = c.GET('/v1/outpatient/visit/{id}', { params: { path: { id: '1' } } });
export const b = c.POST('/v1/outpatient/visits/{id}/settlement', { params: { path: { id: '1' } }, body: { acct_used_flag: '0' } });
`,
    );
    try {
      const text = compile([wrong]).join('\n');
      expect(text).toMatch(/\/v1\/outpatient\/visit\/\{id\}/);
      expect(text).toMatch(/medfee_sumamt/);
    } finally {
      ts.sys.deleteFile?.(wrong);
    }
  });

  it('the Postman collection parses (postman-collection): one request per operation, in a folder per flow, on {{baseUrl}}', () => {
    const json = JSON.parse(readFileSync(projectPath('docs/yidi-gateway.postman_collection.json'), 'utf8'));
    expect(Collection.isCollection(new Collection(json))).toBe(true);
    const collection = new Collection(json);
    const requests: Item[] = [];
    collection.forEachItem((i) => {
      requests.push(i);
    });
    const ops = Object.values(doc.paths).flatMap((m) => Object.keys(m));
    expect(requests).toHaveLength(ops.length);
    expect(collection.items.map((f) => f.name).sort()).toEqual(
      [
        ...new Set(Object.values(doc.paths).flatMap((m) => Object.values(m).map((o) => (o as unknown as { tags: string[] }).tags[0]!))),
      ].sort(),
    );
    const methods = requests.map((i) => `${i.request.method} /${i.request.url.path?.join('/')}`);
    expect(methods).toContain('POST /v1/outpatient/visits/:id/settlement');
    expect(collection.variables.get('baseUrl')).toBe('/');
  });
});
