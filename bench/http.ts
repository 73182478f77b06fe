/** The bench's own HTTP calls outside the measured runs (setup, probes): fetch, JSON in and out. */
export interface Reply<T = any> {
  status: number;
  body: T;
}

export async function postJson<T = any>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export async function getJson<T = any>(url: string, headers: Record<string, string> = {}): Promise<Reply<T>> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body: body as T };
}

/** Fails with the reply when the status is not the one expected: setup must not silently half-work. */
export function expectStatus<T>(what: string, r: Reply<T>, ...ok: number[]): T {
  if (!ok.includes(r.status)) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
  return r.body;
}

/** Runs fn(0..n-1) with at most `concurrency` in flight; rejects on the first failure. */
export async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

/** Polls until check() resolves true, or fails after timeoutMs. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
