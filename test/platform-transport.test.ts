import net from 'node:net';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { tifHeaders, tifSignature } from '../adapters/platform/signature.js';
import { classifyReply, fileOf, parseInfcode, transportOutcome } from '../adapters/platform/reply.js';
import { createTifTransport } from '../adapters/platform/tif-transport.js';
import { createTransport } from '../adapters/platform/transports.js';

const clock = { now: () => new Date(1_700_000_000_000) };
const cfg = { baseUrl: 'http://platform.test/fsi/api', paasid: 'hosp-paas', secret: 'demo-secret-change-me' };

describe('x-tif signature', () => {
  it('matches fixed vectors: sha256(timestamp + secret + nonce + timestamp), lowercase hex', () => {
    expect(tifSignature('1700000000', 'demo-secret-change-me', 'abc123')).toBe(
      'dc5b560df3fb7dce09813ec890980402df91a79fbf754acfce9178a8414a0339',
    );
    expect(tifSignature('1763884800', 's3cr3t', '0f1e2d3c')).toBe('0cf598100c3ae325342205e53c835a523b10a15c08c314e299109c80fc3adfc8');
  });

  it('puts Unix seconds in x-tif-timestamp and a fresh nonce in every header set', () => {
    const a = tifHeaders('p', 's', new Date(1_700_000_000_999));
    const b = tifHeaders('p', 's', new Date(1_700_000_000_999));
    expect(a['x-tif-timestamp']).toBe('1700000000');
    expect(a['x-tif-nonce']).not.toBe(b['x-tif-nonce']);
    expect(a['x-tif-signature']).toBe(tifSignature('1700000000', 's', a['x-tif-nonce']));
  });
});

describe('tif transport (nock)', () => {
  afterEach(() => nock.cleanAll());

  it("a download (9102) reads the body as bytes: a zip is the file; a JSON answer is the platform's word; one over the size limit is not read", async () => {
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0xff, 0x00, 0x80, 0x7f]);
    nock('http://platform.test').post('/fsi/api/9102').reply(200, zip, { 'content-type': 'application/octet-stream' });
    nock('http://platform.test')
      .post('/fsi/api/9102')
      .reply(200, JSON.stringify({ infcode: -2, err_msg: '文件不存在' }), { 'content-type': 'application/json' });
    nock('http://platform.test').post('/fsi/api/9102').reply(200, Buffer.alloc(4096, 1), { 'content-type': 'application/octet-stream' });
    const t = createTifTransport(cfg, clock);
    const file = await t.send('9102', {}, { timeoutMs: 1000, file: { maxBytes: 1024 } });
    const json = await t.send('9102', {}, { timeoutMs: 1000, file: { maxBytes: 1024 } });
    const big = await t.send('9102', {}, { timeoutMs: 1000, file: { maxBytes: 1024 } });
    t.close();
    // the bytes as they came (not decoded as text), and a file counts as a working platform for the breaker
    expect(Buffer.from(fileOf(file)!.bytes).equals(zip)).toBe(true);
    expect(transportOutcome(file)).toBe('succeeded');
    expect(fileOf(json)).toBeUndefined();
    expect(classifyReply(json)).toMatchObject({ outcome: 'rejected', reason: '文件不存在' });
    expect(big).toMatchObject({ kind: 'unknown', reason: 'the reply is larger than 1024 bytes (the download size limit)' });
  });

  it('posts the envelope to baseUrl/infno with the four x-tif headers', async () => {
    let seen: Record<string, string | string[] | undefined> = {};
    let body: unknown;
    nock('http://platform.test')
      .post('/fsi/api/1101', (b) => {
        body = b;
        return true;
      })
      .reply(function () {
        seen = this.req.headers;
        return [200, JSON.stringify({ infcode: 0, output: { baseinfo: {} } })];
      });
    const t = createTifTransport(cfg, clock);
    const r = await t.send('1101', { infno: '1101', input: { data: {} } }, { timeoutMs: 1000 });
    t.close();
    expect(r).toMatchObject({ kind: 'reply', status: 200 });
    expect(body).toEqual({ infno: '1101', input: { data: {} } });
    expect(seen['x-tif-paasid']).toBe('hosp-paas');
    expect(seen['x-tif-timestamp']).toBe('1700000000');
    expect(seen['x-tif-signature']).toBe(tifSignature('1700000000', cfg.secret, String(seen['x-tif-nonce'])));
  });

  it('reads a non-JSON error page as a reply for reply.ts to judge', async () => {
    nock('http://platform.test').post('/fsi/api/2207').reply(502, '<html>bad gateway</html>');
    const t = createTifTransport(cfg, clock);
    const r = await t.send('2207', {}, { timeoutMs: 1000 });
    t.close();
    expect(r).toEqual({
      kind: 'reply',
      status: 502,
      rawBody: '<html>bad gateway</html>',
      wire_digest: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(classifyReply(r).outcome).toBe('unknown');
  });

  it('refuses an unknown transport profile by name', () => {
    expect(() => createTransport({ ...cfg, profile: 'sm4-oauth' }, clock)).toThrow(/not supported; supported: tif/);
  });
});

describe('tif transport over real sockets', () => {
  /** Sends one 2207 to `server` (listening on an ephemeral port) through a tif transport; closes both after. */
  async function sendTo(server: net.Server, timeoutMs: number) {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const t = createTifTransport({ ...cfg, baseUrl: `http://127.0.0.1:${port}/api` }, clock);
    const r = await t.send('2207', { x: 1 }, { timeoutMs });
    t.close();
    server.close();
    return r;
  }

  it('classifies a timeout after the request left as unknown', async () => {
    const server = net.createServer(() => {}); // accepts, reads, never answers
    const r = await sendTo(server, 300);
    expect(r.kind).toBe('unknown');
  });

  it('classifies a connection reset after the request left as unknown', async () => {
    const server = net.createServer((sock) => sock.once('data', () => sock.destroy()));
    const r = await sendTo(server, 2000);
    expect(r.kind).toBe('unknown');
  });

  it('classifies a closed port as not sent', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const t = createTifTransport({ ...cfg, baseUrl: `http://127.0.0.1:${port}/api` }, clock);
    const r = await t.send('2207', {}, { timeoutMs: 1000 });
    t.close();
    expect(r.kind).toBe('not_sent');
  });
});

describe('reply classification', () => {
  it('parses infcode sent as a number or as a string', () => {
    expect(parseInfcode(0)).toBe(0);
    expect(parseInfcode('0')).toBe(0);
    expect(parseInfcode('-2')).toBe(-2);
    expect(parseInfcode(' -1 ')).toBe(-1);
    expect(parseInfcode('ok')).toBeUndefined();
    expect(parseInfcode(null)).toBeUndefined();
  });

  const reply = (status: number, body: unknown) => ({
    kind: 'reply' as const,
    status,
    rawBody: typeof body === 'string' ? body : JSON.stringify(body),
  });

  it('0 succeeded, -2 rejected with err_msg, -1 unknown (calls for a reversal)', () => {
    expect(classifyReply(reply(200, { infcode: '0', output: {} })).outcome).toBe('succeeded');
    const rej = classifyReply(reply(200, { infcode: -2, err_msg: '参保人未办理异地就医备案' }));
    expect(rej).toMatchObject({ outcome: 'rejected', reason: '参保人未办理异地就医备案' });
    expect(classifyReply(reply(200, { infcode: -1, err_msg: '系统异常' })).outcome).toBe('unknown');
  });

  it('a malformed body or a 5xx is unknown; a 4xx is rejected', () => {
    expect(classifyReply(reply(200, '<html>gateway error</html>')).outcome).toBe('unknown');
    expect(classifyReply(reply(200, { output: {} })).outcome).toBe('unknown');
    expect(classifyReply(reply(502, 'bad gateway')).outcome).toBe('unknown');
    expect(classifyReply(reply(401, { infcode: -2, err_msg: '签名错误' })).outcome).toBe('rejected');
  });

  it('says in words staff can read what was wrong with a body that is no reply, without quoting it', () => {
    const reason = (body: string, msgid?: string) => {
      const c = classifyReply(reply(200, body), msgid);
      expect(c.outcome).toBe('unknown');
      return 'reason' in c ? c.reason : '';
    };
    expect(reason('')).toBe('malformed reply: the body is empty');
    expect(reason('<html><body>502 Bad Gateway 张三</body></html>')).toBe('malformed reply: the body is an HTML or XML page, not JSON');
    expect(reason('{"infcode":0,"output":{"setlinfo":{"setl_id":"1')).toBe('malformed reply: the JSON is cut off or broken');
    expect(reason('Service Unavailable')).toBe('malformed reply: the body is not JSON');
    expect(reason('{"output":{}}')).toBe('malformed reply: no infcode in the reply');
    // a platform that echoes the msgid answered another message
    expect(reason(JSON.stringify({ infcode: 0, msgid: 'H440305000012026120100000099', output: {} }), 'H440305000012026120100000001')).toBe(
      'malformed reply: it answers another message (msgid differs)',
    );
    // nothing of the body itself reaches the reason (it is untrusted, and may carry personal data)
    expect(reason('<html>张三 220100198003150001</html>')).not.toMatch(/张三|2201/);
  });

  it('a refusal with an empty err_msg is named by its infcode', () => {
    expect(classifyReply(reply(200, { infcode: '1', err_msg: '' }))).toMatchObject({ outcome: 'rejected', reason: 'infcode 1' });
  });
});
