/**
 * The baseline: a bare pass-through. `POST /forward/:infno` with `{ input, insuplc_admdvs? }`
 * wraps the input in the same platform envelope the gateway sends (buildEnvelope, a 30-character
 * msgid, the 9001 sign_no, the x-tif signature headers), forwards it with axios over a keep-alive
 * agent (as the gateway's tif transport does) to the same mock platform, and returns the reply
 * body. Nothing else: no validation, no journal, no visit state, no breaker, no log — so
 * gateway ÷ baseline isolates what the gateway adds.
 *
 * The one judgement it makes: infcode 0 -> HTTP 200, anything else -> 502, so that a refused
 * call counts as an error on this side as it does on the gateway's (otherwise a broken baseline
 * would look fast).
 *
 * Configured by the same environment variables as the gateway (loadConfig), so the envelope's
 * institution fields are identical.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import express, { type NextFunction, type Request, type Response } from 'express';
import { buildEnvelope } from '../adapters/platform/envelope.js';
import { compactTimestamp } from '../adapters/platform/msgid.js';
import { tifHeaders } from '../adapters/platform/signature.js';
import { loadConfig } from '../gateway/config.js';
import { sendReady, serveIpc } from './ipc.js';

const config = loadConfig(process.env);
const { platform, envelope: settings } = config;
const base = platform.baseUrl.replace(/\/+$/, '');

/**
 * msgid = institution code + yyyyMMddHHmmss + 4-digit sequence, from an in-memory per-second
 * counter. It starts at 5001 because the gateway shares the mock, which refuses any msgid seen
 * before, and numbers its own messages from 0001 each second: the two ranges cannot meet unless
 * the gateway sends 5,000 messages in one second.
 */
const SEQ_START = 5001;
let seqStamp = '';
let seq = SEQ_START - 1;
async function nextMsgid(): Promise<string> {
  for (;;) {
    const stamp = compactTimestamp(new Date(), settings.timeZoneOffsetMinutes);
    if (stamp !== seqStamp) {
      seqStamp = stamp;
      seq = SEQ_START - 1;
    }
    if (seq < 9999) return `${settings.fixmedins_code}${stamp}${String(++seq).padStart(4, '0')}`;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const client = axios.create({ httpAgent: agent, maxRedirects: 0, validateStatus: () => true, timeout: platform.timeoutMs });

async function send(infno: string, input: unknown, insuplc_admdvs: string | undefined, sign_no: string | undefined) {
  const now = new Date();
  const envelope = buildEnvelope(settings, {
    infno,
    msgid: await nextMsgid(),
    input: input as Record<string, unknown>,
    insuplc_admdvs,
    sign_no,
    now,
  });
  return client.post(`${base}/${infno}`, envelope, { headers: tifHeaders(platform.paasid, platform.secret, now) });
}

// 9001 once at start-up; the bench run is far shorter than a sign-in's life.
const signIn = await send(
  '9001',
  { signIn: { opter_no: platform.signInOpterNo, mac: platform.signInMac, ip: platform.signInIp } },
  undefined,
  undefined,
);
const signNo = (signIn.data as { output?: { signinoutb?: { sign_no?: string } } })?.output?.signinoutb?.sign_no;
if (!signNo) throw new Error(`baseline: 9001 sign-in failed: ${JSON.stringify(signIn.data)}`);

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.use(express.json({ limit: config.http.bodyLimitBytes }));
app.post('/forward/:infno', (req: Request, res: Response, next: NextFunction) => {
  const body = req.body as { input?: unknown; insuplc_admdvs?: string };
  send(String(req.params.infno), body.input, body.insuplc_admdvs, signNo).then(
    (r) => {
      const ok = r.status === 200 && Number((r.data as { infcode?: unknown })?.infcode) === 0;
      res.status(ok ? 200 : 502).json(r.data);
    },
    (e: unknown) => {
      // no reply from the platform: 504 after axios's timeout (PLATFORM_TIMEOUT_MS), 502 for a
      // refused or dropped connection — a plain answer, as a pass-through without a breaker gives
      if (!axios.isAxiosError(e)) return next(e);
      const timedOut = e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT';
      res.status(timedOut ? 504 : 502).json({ error: timedOut ? 'platform timeout' : 'platform unreachable', code: e.code ?? null });
    },
  );
});

const server = http.createServer(app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
serveIpc(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      agent.destroy();
    }),
);
sendReady({ port: (server.address() as AddressInfo).port });
