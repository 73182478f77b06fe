/**
 * The Chinese integration guide (issue 14 point 5): docs/zh/<page>.md from the hand-written pages
 * docs/zh/src/<page>.md, whose placeholders the generator fills from what the gateway itself holds —
 * the OpenAPI document (operations, Chinese summaries, infno), the recorded examples
 * (docs/examples/<operationId>.json), the error catalog and the signing code — so the guide cannot
 * drift from the API. `npm run docs:guide` writes it (scripts/gen-guide.mjs); test/guide.test.ts
 * fails when the committed guide differs from what this renders now.
 *
 * Placeholders (each on a line of its own, but {{ref:…}} which sits inside a sentence):
 *   {{example:<operationId>}}  the step: method, path, who may call it, the headers to send, the
 *                              full recorded request and answer. Fails when no example is recorded.
 *   {{op:<operationId>}}       the step of an operation without a JSON example (printable pages,
 *                              CSV, the few docs/examples lacks): method, path, headers, answer type.
 *   {{ref:<operationId>}}      a link to the step where that operation is shown.
 *   {{error:<code>}}           an error answer of the catalog (status and body).
 *   {{errors}}                 the error table in Chinese, from gateway/errors/catalog.json.
 *   {{signing}}                the request-signing worked example, computed with a fixed demo secret.
 *   {{index}}                  every endpoint of the document with its Chinese summary and its step.
 * Every operation of the document must have exactly one step ({{example:…}} or {{op:…}}).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { accessRule } from '../gateway/auth/access.js';
import { DEMO_KEYS } from '../gateway/auth/demo-clients.js';
import { SIGNATURE_HEADERS, SIGNATURE_WINDOW_SECONDS, sign, stringToSign } from '../gateway/auth/signature.js';
import { type CatalogEntry, catalog, GatewayError } from '../gateway/errors/errors.js';
import { apiDocument } from '../gateway/http/app.js';
import { type RecordedExample, recordedExamples } from '../gateway/http/openapi.js';
import { projectPath } from '../gateway/paths.js';
import { Schemas } from '../gateway/validation.js';

/** The pages in reading order (the first is the index, docs/zh/README.md). */
export const PAGES = [
  'README',
  'basics',
  'outpatient',
  'inpatient',
  'pharmacy-pos',
  'refunds',
  'failures',
  'idempotency',
  'signing',
  'national-door',
  'office',
  'errors',
] as const;

export type { RecordedExample };

interface DocOperation {
  operationId: string;
  tags?: string[];
  summary?: string;
  'x-infno'?: string;
  security?: unknown[];
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, unknown> }>;
}

export interface GuideDocument {
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, DocOperation>>;
}

export interface GuideInputs {
  /** page name → its hand-written source (docs/zh/src/<name>.md) */
  templates: Map<string, string>;
  doc: GuideDocument;
  examples: Map<string, RecordedExample>;
  errors: ReadonlyMap<string, CatalogEntry>;
}

/** The demo signing secret of the worked example: public, like the demo API keys. */
export const DEMO_SIGNING = {
  secret: 'DEMO-hmac-secret-not-a-secret-000000',
  timestamp: String(Date.UTC(2026, 11, 1, 12, 0, 0) / 1000),
  nonce: 'demo-nonce-20261201-0001',
  operationId: 'settleVisit',
} as const;

interface Operation {
  id: string;
  method: string;
  path: string;
  op: DocOperation;
}

const PLACEHOLDER = /\{\{\s*([a-z]+)(?::([^}\s]+))?\s*\}\}/g;
const CATEGORY_ZH: Record<string, string> = {
  validation: '请求校验（validation）',
  filing: '备案（filing）',
  business: '业务规则（business）',
  system_fault: '系统故障（system_fault）',
  security: '认证与权限（security）',
};
const ROLE_ZH: Record<string, string> = { his: 'his（HIS）', pos: 'pos（收银/药店）', staff: 'staff（医保办）', admin: 'admin（管理员）' };

const json = (v: unknown) => JSON.stringify(v, null, 2);
const fence = (lang: string, body: string) => `\`\`\`${lang}\n${body}\n\`\`\``;
const cell = (s: unknown) =>
  String(s ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');
const anchor = (id: string) => `op-${id}`;

function operations(doc: GuideDocument): Map<string, Operation> {
  const out = new Map<string, Operation>();
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods))
      out.set(op.operationId, { id: op.operationId, method: method.toUpperCase(), path, op });
  return out;
}

/** What a 2xx of the operation is: JSON, or a printable page / a CSV file. */
function okType(o: Operation): { status: string; type?: string } {
  const [status, r] = Object.entries(o.op.responses).find(([s]) => /^2/.test(s)) ?? ['200', {}];
  return { status, type: Object.keys(r.content ?? {})[0] };
}

/** Who may call the path (gateway/auth/access.ts), by a concrete path. */
function callers(o: Operation, example?: RecordedExample): string {
  const concrete = (example?.path ?? o.path.replace(/\{[^}]+\}/g, 'x')).split('?')[0]!;
  const { roles } = accessRule(concrete);
  if (roles === 'public') return '无需密钥（公开）';
  if (roles === 'any') return '任一角色的 API 密钥';
  return roles.map((r) => ROLE_ZH[r] ?? r).join('、');
}

function headerRows(o: Operation, example?: RecordedExample): string {
  const { roles } = accessRule((example?.path ?? o.path.replace(/\{[^}]+\}/g, 'x')).split('?')[0]!);
  const rows: string[] = [];
  if (o.path.startsWith('/national/')) {
    // the national-format door: the key in a header the HIS's national code can already send; the msgid is the idempotency key
    rows.push('| `apikey` | 网关发给该 HIS 的 API 密钥（或 `x-api-key`、`Authorization: Bearer <密钥>`），角色 `his` |');
    rows.push('| `Content-Type` | `application/json` 或 `text/plain`（报文原样） |');
    rows.push('| （幂等） | 不用 `Idempotency-Key`：报文的 `msgid` 即幂等键 |');
    return ['| 请求头 | 取值 |', '|---|---|', ...rows].join('\n');
  }
  if (roles !== 'public') {
    const staff = Array.isArray(roles) && roles.includes('staff');
    rows.push(
      `| \`x-api-key\` | 调用方的 API 密钥（或 \`Authorization: Bearer <密钥>\`）${staff ? '；医保办人员也可用登录会话（Cookie，改动类请求另带 `x-csrf-token`，见[医保办](office.md)）' : ''} |`,
    );
  }
  if (o.op.requestBody) rows.push('| `Content-Type` | `application/json` |');
  if (o.op.parameters?.some((p) => p.in === 'header' && p.name === 'Idempotency-Key'))
    rows.push('| `Idempotency-Key` | 每个新请求一个新值（如 UUID），重发同一请求时不变（见 [Idempotency-Key](idempotency.md)） |');
  if (roles !== 'public')
    rows.push(
      `| \`${SIGNATURE_HEADERS.timestamp}\`、\`${SIGNATURE_HEADERS.nonce}\`、\`${SIGNATURE_HEADERS.signature}\` | 仅当该客户端配置了签名密钥（\`hmac_secret_env\`）时：配置了 \`require_signature\` 则必带（见[请求签名](signing.md)） |`,
    );
  if (!rows.length) return '请求头：无须任何认证头。';
  return ['| 请求头 | 取值 |', '|---|---|', ...rows].join('\n');
}

function stepHead(o: Operation, example?: RecordedExample): string {
  const infno = o.op['x-infno'] ? ` · 平台交易 ${o.op['x-infno']}` : '';
  return [
    `<a id="${anchor(o.id)}"></a>**\`${o.method} ${o.path}\`** — ${o.op.summary ?? ''}（operationId \`${o.id}\`${infno}；可调用角色：${callers(o, example)}）`,
    '',
    headerRows(o, example),
  ].join('\n');
}

function exampleStep(o: Operation, e: RecordedExample): string {
  const parts = [
    stepHead(o, e),
    '',
    `请求（录制自对模拟平台的真实运行，\`docs/examples/${o.id}.json\`；路径中的编号是那次运行的）：`,
    '',
    fence('http', `${e.method} ${e.path}`),
  ];
  if (e.request !== undefined) parts.push('', fence('json', json(e.request)));
  else parts.push('', '请求体：无。');
  // a printable page is recorded whole (test/helpers/contract.ts): the guide names it, it does not inline it
  if (typeof e.response === 'string') {
    parts.push(
      '',
      `应答 \`${e.status}\`（\`text/html\`）：可直接打印的 HTML 页面（浏览器打开即可打印），录制的整页见 \`docs/examples/${o.id}.json\`。`,
    );
    return parts.join('\n');
  }
  // gateway/http/handler.ts: an answer with a transaction_id carries it as x-transaction-id too
  const tx = (e.response as { transaction_id?: unknown } | null)?.transaction_id;
  const txHeader = typeof tx === 'string' ? `，应答头 \`x-transaction-id: ${tx}\`` : '';
  parts.push('', `应答 \`${e.status}\`${txHeader}：`, '', fence('json', json(e.response)));
  return parts.join('\n');
}

function opStep(o: Operation): string {
  const { status, type } = okType(o);
  const what =
    type === 'text/html'
      ? '可直接打印的 HTML 页面（浏览器打开即可打印）'
      : type === 'text/csv'
        ? 'CSV 文件（UTF-8）'
        : type
          ? `\`${type}\``
          : '无应答体';
  const body = o.op.requestBody ? '请求体：JSON，字段见 `docs/openapi.json` 中该接口的 requestBody。' : '请求体：无。';
  return [stepHead(o), '', `${body}应答 \`${status}\`：${what}。`].join('\n');
}

function errorAnswer(code: string): string {
  const e = new GatewayError(code);
  return [
    `应答 \`${e.status}\`（错误体；\`request_id\` 等取值随请求而定，\`details\` 视具体情况）：`,
    '',
    fence('json', json(e.body('…'))),
  ].join('\n');
}

export function errorTable(errors: ReadonlyMap<string, CatalogEntry>): string {
  const byCat = new Map<string, CatalogEntry[]>();
  for (const e of errors.values()) byCat.set(e.category, [...(byCat.get(e.category) ?? []), e]);
  const out: string[] = [];
  for (const [cat, list] of byCat) {
    out.push(`### ${CATEGORY_ZH[cat] ?? cat}`, '', '| 错误码 | HTTP | 说明 | 处理办法 | 协调答复时限 |', '|---|---|---|---|---|');
    for (const e of list)
      out.push(`| \`${e.code}\` | ${e.status} | ${cell(e.message)} | ${cell(e.action)} | ${cell(e.coordination_deadline ?? '')} |`);
    out.push('');
  }
  return out.join('\n').trimEnd();
}

/** The worked example of request signing, computed with the gateway's own signing code. */
export function signingExample(examples: Map<string, RecordedExample>): {
  markdown: string;
  signature: string;
  body: string;
  target: string;
} {
  const e = examples.get(DEMO_SIGNING.operationId);
  if (!e) throw new Error(`the signing example needs docs/examples/${DEMO_SIGNING.operationId}.json`);
  const body = e.request === undefined ? '' : JSON.stringify(e.request);
  const parts = { timestamp: DEMO_SIGNING.timestamp, nonce: DEMO_SIGNING.nonce, method: e.method, target: e.path, body };
  const signature = sign(DEMO_SIGNING.secret, parts);
  const bodyHash = createHash('sha256').update(body, 'utf8').digest('hex');
  const snippet = [
    "import { createHash, createHmac } from 'node:crypto';",
    '',
    `const secret = '${DEMO_SIGNING.secret}';`,
    `const timestamp = '${DEMO_SIGNING.timestamp}'; // 实际使用：String(Math.floor(Date.now() / 1000))`,
    `const nonce = '${DEMO_SIGNING.nonce}'; // 实际使用：每次新的随机值，如 crypto.randomUUID()`,
    `const method = '${e.method}';`,
    `const target = '${e.path}';`,
    `const body = JSON.stringify(${JSON.stringify(e.request)}); // 发送的就是这串字节`,
    '',
    "const bodyHash = createHash('sha256').update(body, 'utf8').digest('hex');",
    "const toSign = [timestamp, nonce, method, target, bodyHash].join('\\n');",
    "console.log(createHmac('sha256', secret).update(toSign, 'utf8').digest('hex'));",
  ].join('\n');
  const markdown = [
    `示例密钥（演示用，公开）：\`${DEMO_SIGNING.secret}\`。要签名的请求：[门诊结算](outpatient.md#${anchor(e.operationId)}) 的录制请求。`,
    '',
    '1. 请求体：实际发送的字节（这里是无空格的 JSON）：',
    '',
    fence('text', body),
    '',
    `2. 请求体的 SHA-256（小写十六进制）：\`${bodyHash}\``,
    '',
    `3. 待签名串（5 行，以 \`\\n\` 连接，末尾无换行）：时间戳 \`${DEMO_SIGNING.timestamp}\`、nonce \`${DEMO_SIGNING.nonce}\`、方法 \`${e.method}\`、目标 \`${e.path}\`、请求体摘要：`,
    '',
    fence('text', stringToSign(parts)),
    '',
    `4. 签名 = HMAC-SHA256(密钥, 待签名串)，小写十六进制：\`${signature}\``,
    '',
    '5. 随请求发送的头：',
    '',
    fence(
      'http',
      [
        `${e.method} ${e.path}`,
        'Content-Type: application/json',
        `x-api-key: ${DEMO_KEYS.his}`,
        'Idempotency-Key: 0b6d2c9e-6f1a-4f0e-9a51-3c7d2e8b4a10',
        `${SIGNATURE_HEADERS.timestamp}: ${DEMO_SIGNING.timestamp}`,
        `${SIGNATURE_HEADERS.nonce}: ${DEMO_SIGNING.nonce}`,
        `${SIGNATURE_HEADERS.signature}: ${signature}`,
      ].join('\n'),
    ),
    '',
    `网关在时间戳 ${DEMO_SIGNING.timestamp} 前后 ${SIGNATURE_WINDOW_SECONDS} 秒内接受这个签名（一次；同一 nonce 再用即被拒绝）。用 Node.js 算出同一签名：`,
    '',
    fence('js', snippet),
  ].join('\n');
  return { markdown, signature, body, target: e.path };
}

interface Located {
  page: string;
  title: string;
  heading: string;
}

function title(text: string, page: string): string {
  return /^# (.+)$/m.exec(text)?.[1]?.trim() ?? page;
}

/** Renders every page; throws one error naming every problem (unknown operation, missing example …). */
export function renderGuide(inputs: GuideInputs): Map<string, string> {
  const { templates, doc, examples, errors } = inputs;
  const ops = operations(doc);
  const problems: string[] = [];
  const names = [...templates.keys()];
  for (const p of PAGES) if (!templates.has(p)) problems.push(`docs/zh/src/${p}.md is missing`);
  for (const n of names)
    if (!(PAGES as readonly string[]).includes(n)) problems.push(`docs/zh/src/${n}.md is not in PAGES (scripts/guide.ts)`);

  // pass 1: where each operation's step is (page and the heading above it)
  const steps = new Map<string, Located>();
  for (const page of PAGES) {
    const text = templates.get(page);
    if (text === undefined) continue;
    let heading = title(text, page);
    for (const line of text.split('\n')) {
      const h = /^#{1,4} (.+)$/.exec(line);
      if (h) heading = h[1]!.trim();
      for (const m of line.matchAll(PLACEHOLDER)) {
        const [, kind, arg] = m;
        if (kind !== 'example' && kind !== 'op') continue;
        if (steps.has(arg!)) problems.push(`${page}.md: ${arg} has a step already (${steps.get(arg!)!.page}.md); use {{ref:${arg}}}`);
        else steps.set(arg!, { page, title: title(text, page), heading });
      }
    }
  }
  for (const id of ops.keys())
    if (!steps.has(id))
      problems.push(`operation ${id} has no step in docs/zh/src/*.md: add {{example:${id}}} (or {{op:${id}}} if it has no JSON example)`);

  const sign = examples.has(DEMO_SIGNING.operationId) ? signingExample(examples) : undefined;
  const index = () => {
    const out: string[] = [];
    const tagNames = new Map((doc.tags ?? []).map((t) => [t.name, t.description ?? t.name]));
    const byTag = new Map<string, Operation[]>();
    for (const o of ops.values()) {
      const tag = o.op.tags?.[0] ?? '';
      byTag.set(tag, [...(byTag.get(tag) ?? []), o]);
    }
    const order = [...tagNames.keys(), ...[...byTag.keys()].filter((t) => !tagNames.has(t))];
    for (const tag of order) {
      const list = byTag.get(tag);
      if (!list) continue;
      out.push(`### ${tagNames.get(tag) ?? tag}`, '', '| 接口 | operationId | 说明 | 在哪一步 |', '|---|---|---|---|');
      for (const o of list) {
        const at = steps.get(o.id);
        const link = at ? `[${cell(at.title)} · ${cell(at.heading)}](${at.page}.md#${anchor(o.id)})` : '';
        out.push(`| \`${o.method} ${cell(o.path)}\` | \`${o.id}\` | ${cell(o.op.summary)} | ${link} |`);
      }
      out.push('');
    }
    return out.join('\n').trimEnd();
  };

  const rendered = new Map<string, string>();
  for (const page of PAGES) {
    const text = templates.get(page);
    if (text === undefined) continue;
    const body = text.replace(PLACEHOLDER, (whole, kind: string, arg: string | undefined) => {
      const o = arg ? ops.get(arg) : undefined;
      const needOp = () => {
        if (!o) problems.push(`${page}.md: ${whole}: no operation ${arg} in the OpenAPI document`);
        return o;
      };
      switch (kind) {
        case 'example': {
          const op = needOp();
          const e = arg ? examples.get(arg) : undefined;
          if (op && !e) problems.push(`${page}.md: ${whole}: no recorded example docs/examples/${arg}.json (npm run docs:examples)`);
          return op && e ? exampleStep(op, e) : whole;
        }
        case 'op': {
          const op = needOp();
          if (op && examples.has(op.id)) problems.push(`${page}.md: ${whole}: ${arg} has a recorded example: use {{example:${arg}}}`);
          return op ? opStep(op) : whole;
        }
        case 'ref': {
          const op = needOp();
          const at = arg ? steps.get(arg) : undefined;
          return op && at ? `[\`${op.method} ${op.path}\`](${at.page}.md#${anchor(op.id)})` : whole;
        }
        case 'error':
          if (!arg || !errors.has(arg)) {
            problems.push(`${page}.md: ${whole}: no error code ${arg} in gateway/errors/catalog.json`);
            return whole;
          }
          return errorAnswer(arg);
        case 'errors':
          return errorTable(errors);
        case 'signing':
          if (!sign) problems.push(`${page}.md: {{signing}} needs docs/examples/${DEMO_SIGNING.operationId}.json`);
          return sign?.markdown ?? whole;
        case 'index':
          return index();
        default:
          problems.push(`${page}.md: unknown placeholder ${whole}`);
          return whole;
      }
    });
    const file = page === 'README' ? 'README.md' : `${page}.md`;
    rendered.set(
      file,
      `<!-- 本文件由 scripts/gen-guide.mjs 从 docs/zh/src/${page}.md 生成（npm run docs:guide），请勿直接修改。 -->\n\n${body.trimEnd()}\n`,
    );
  }
  if (problems.length) throw new Error(`docs/zh: the guide cannot be generated:\n- ${problems.join('\n- ')}`);
  return rendered;
}

/** The hand-written pages, docs/zh/src/<page>.md. */
export function loadTemplates(): Map<string, string> {
  const dir = projectPath('docs/zh/src');
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => [f.replace(/\.md$/, ''), readFileSync(`${dir}/${f}`, 'utf8')]),
  );
}

/** Everything the guide is made of, as the gateway holds it now. */
export async function guideInputs(): Promise<GuideInputs> {
  return {
    templates: loadTemplates(),
    doc: (await apiDocument(new Schemas())) as unknown as GuideDocument,
    examples: recordedExamples(),
    errors: catalog,
  };
}
