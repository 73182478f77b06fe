/**
 * The results: validated against bench/results.schema.json before anything is written (an
 * invalid document is a bench bug: the run fails instead of leaving a bad file), written as
 * bench/results/<timestamp>.json plus a copy under a "latest" name, and printed as a table.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, freemem, hostname, loadavg, release, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule.default;
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export function machineConditions() {
  return {
    machine: hostname(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    memory_free_gib_at_start: Math.round((freemem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
  };
}

/** 1, 5 and 15 minutes: a shared machine's other work shows here. */
export const loadAverageNow = () => loadavg().map((x) => Math.round(x * 100) / 100);

/**
 * The head of a results document: schema version, kind, start time and duration, and its
 * conditions — the machine's, the load average at the start, then the run's own.
 */
export function resultsHead<K extends string, C extends object>(
  kind: K,
  t0: number,
  duration_s: number,
  loadAtStart: number[],
  conditions: C,
) {
  return {
    schema_version: 1,
    kind,
    generated_at: new Date(t0).toISOString(),
    duration_s,
    conditions: { ...machineConditions(), load_average_at_start: loadAtStart, ...conditions },
  };
}

export function validateResults(doc: unknown): string[] {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(here('./results.schema.json'), 'utf8')) as object);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

/** Validates, then writes <prefix><timestamp>.json and <prefix>latest.json; returns the timestamped path. */
export function writeResults(doc: { generated_at: string }, prefix = ''): string {
  const problems = validateResults(doc);
  if (problems.length) throw new Error(`the results do not validate against bench/results.schema.json:\n  ${problems.join('\n  ')}`);
  const dir = here('./results/');
  mkdirSync(dir, { recursive: true });
  const stamp = doc.generated_at.replace(/[:.]/g, '-');
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  const file = `${dir}${prefix}${stamp}.json`;
  writeFileSync(file, text);
  writeFileSync(`${dir}${prefix}latest.json`, text);
  return file;
}

// ---- the table ----------------------------------------------------------------------------------

type Row = Array<string | number | undefined>;

function table(head: string[], rows: Row[], rightAligned: boolean[]): string {
  const cells = [head, ...rows.map((r) => r.map((c) => (c === undefined ? '' : String(c))))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (rightAligned[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const signed = (x: number) => (x >= 0 ? `+${x.toFixed(2)}` : x.toFixed(2));
const fmt = (x: number, d = 1) => x.toFixed(d);
/** a figure a run may lack (CPU per request: absent in older results) */
const fmtOpt = (x: number | undefined, d = 1) => (x === undefined ? '' : fmt(x, d));
const bytes = (n: number | null | undefined) => (n === null || n === undefined ? 'n/a' : `${n.toLocaleString('en-US')} B`);

/* eslint-disable @typescript-eslint/no-explicit-any -- the document's shape is the schema's */
export function renderTable(doc: any): string {
  const c = doc.conditions;
  const out: string[] = [];
  out.push(`Yidi Gateway bench — ${doc.generated_at}, ${doc.duration_s} s`);
  out.push(
    `${c.cpu}, ${c.cores} cores, ${c.memory_gib} GiB, ${c.os}, Node ${c.node}; load average ${c.load_average_at_start.join(' ')} at start, ${c.load_average_at_end?.join(' ') ?? '?'} at end`,
  );
  out.push(
    `concurrency ${c.concurrency}; platform latency ${c.platform_latency_ms} ms; ${c.run_s?.settle ?? '?'} s (a) / ${c.run_s?.lookup ?? '?'} s (b) per run, order ${c.order.join(',')}, after a ${c.warmup_s} s warm-up per side`,
  );
  if (c.run_s?.breaker_inpatient_refund !== undefined) {
    out.push(
      `(c) (d) (e): ${c.run_s.breaker_inpatient_refund} s per run, order ${c.order_c_d_e?.join(',') ?? '?'}, after a ${c.warmup_s_c_d_e ?? '?'} s warm-up per side; (d) in settlements/s and whole-settlement latency`,
    );
  }
  out.push('');
  const rows: Row[] = [];
  for (const s of doc.scenarios) {
    const name = `(${s.id}) ${s.title}`;
    if (s.status !== 'measured') {
      rows.push([
        name,
        'not_available',
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      continue;
    }
    const g = s.gateway;
    const b = s.baseline;
    rows.push([
      name,
      'gateway',
      fmt(g.rps),
      fmt(s.throughput_ratio, 2),
      fmt(g.p50_ms, 2),
      signed(s.p50_diff_ms),
      fmt(g.p99_ms, 2),
      signed(s.p99_diff_ms),
      g.errors,
      fmtOpt(g.cpu_ms_per_request, 2),
      fmtOpt(g.platform_cpu_ms_per_request, 2),
      fmt(s.gateway_peak_rss_mib),
    ]);
    rows.push([
      '',
      'baseline',
      fmt(b.rps),
      '1.00',
      fmt(b.p50_ms, 2),
      '',
      fmt(b.p99_ms, 2),
      '',
      b.errors,
      fmtOpt(b.cpu_ms_per_request, 2),
      fmtOpt(b.platform_cpu_ms_per_request, 2),
      '',
    ]);
  }
  out.push(
    table(
      ['scenario', 'side', 'req/s', 'ratio', 'p50 ms', 'Δp50', 'p99 ms', 'Δp99', 'errors', 'CPU ms/req', 'mock ms/req', 'peak RSS MiB'],
      rows,
      [false, false, true, true, true, true, true, true, true, true, true, true],
    ),
  );
  for (const s of doc.scenarios) {
    if (s.status === 'measured' && (s.gateway.expected_non2xx || s.baseline.expected_non2xx)) {
      out.push('');
      out.push(
        `(${s.id}) expected answers, not errors: gateway ${s.gateway.expected_non2xx} × ${s.setup?.expected_answers?.gateway ?? 'non-2xx'}; baseline ${s.baseline.expected_non2xx} × ${s.setup?.expected_answers?.baseline ?? 'non-2xx'}`,
      );
      const serial = s.setup?.serial_fail_fast_ms;
      if (serial)
        out.push(
          `(${s.id}) one caller alone (no queueing): gateway fail-fast p50 ${fmt(serial.p50, 2)} ms, max ${fmt(serial.max, 2)} ms; with ${c.concurrency} connections the gateway's p50 is its queue at full CPU`,
        );
    }
  }
  const na = doc.scenarios.filter((s: any) => s.status !== 'measured');
  if (na.length) {
    out.push('');
    for (const s of na) out.push(`(${s.id}) not_available: ${s.reason}`);
  }
  const m = doc.gateway_memory;
  out.push('');
  out.push(
    `gateway peak RSS (VmHWM) ${fmt(m.peak_rss_mib)} MiB; at the end ${fmt(m.rss_end_mib)} MiB (anon ${fmt(m.rss_anon_end_mib)}, file ${fmt(m.rss_file_end_mib)}${m.heap_used_after_gc_mib !== undefined ? `, heap after GC ${fmt(m.heap_used_after_gc_mib)}` : ''}); baseline peak ${fmt(m.baseline_peak_rss_mib)} MiB`,
  );
  for (const store of ['lmdb', 'redis'] as const) {
    const j = doc.journal[store];
    out.push(
      j.status === 'measured'
        ? `journal per settled transaction, ${store}: ${bytes(j.journal_bytes_per_settlement)} journal, ${bytes(j.store_bytes_per_settlement)} store (${j.settlements} settlements)`
        : `journal per settled transaction, ${store}: not_available — ${j.reason}`,
    );
  }
  out.push(renderMemoryCheck(doc.memory_check));
  return out.join('\n');
}

export function renderMemoryCheck(mc: any): string {
  if (mc.status !== 'measured') {
    const l = mc.last_run;
    const last = l
      ? `\n  last ${mc.command} (${l.generated_at}): ${l.settlements.toLocaleString('en-US')} settlements in ${fmt(l.duration_s)} s${l.stopped_early ? ` (stopped early ${l.stopped_early})` : ''}; growth RSS ×${fmt(l.rss_growth_ratio, 3)}, anon ×${fmt(l.rss_anon_growth_ratio, 3)}, heap ×${fmt(l.heap_growth_ratio, 3)} — ${l.file}`
      : '';
    return `memory check: not run here (${mc.reason}) — ${mc.command}${last}`;
  }
  const a = mc.after_first;
  const e = mc.at_end;
  return [
    `memory check: ${mc.settlements.toLocaleString('en-US')} settlements in ${fmt(mc.duration_s)} s (${fmt(mc.settlements_per_s)}/s), ${mc.errors} errors${mc.stopped_early ? ` — STOPPED EARLY ${mc.stopped_early}` : ''}`,
    ...(mc.samples
      ? [
          `  samples (settled: elapsed s, RSS MiB, anon MiB, heap after GC MiB): ${mc.samples.map((x: any) => `${x.settlements}: ${x.elapsed_s} s, ${x.rss_mib}, ${x.rss_anon_mib}, ${x.heap_used_after_gc_mib}`).join('; ')}`,
        ]
      : []),
    `  RSS after ${a.settlements.toLocaleString('en-US')}: ${fmt(a.rss_mib)} MiB (anon ${fmt(a.rss_anon_mib)}, file ${fmt(a.rss_file_mib)}, heap after GC ${fmt(a.heap_used_after_gc_mib)})`,
    `  RSS at ${e.settlements.toLocaleString('en-US')}: ${fmt(e.rss_mib)} MiB (anon ${fmt(e.rss_anon_mib)}, file ${fmt(e.rss_file_mib)}, heap after GC ${fmt(e.heap_used_after_gc_mib)})`,
    `  growth: RSS ×${fmt(mc.rss_growth_ratio, 3)}, anon ×${fmt(mc.rss_anon_growth_ratio, 3)}, heap ×${fmt(mc.heap_growth_ratio, 3)}`,
    ...(mc.windows
      ? [
          `  windows (settlements: per s, gateway / mock CPU ms per settlement): ${mc.windows.map((w: any) => `${w.settlements}: ${w.per_s}/s, ${w.gateway_cpu_ms_per_settlement} / ${w.mock_cpu_ms_per_settlement}`).join('; ')}`,
          `  last window against the first: ×${fmt(mc.last_vs_first_window_rate, 3)}`,
        ]
      : []),
  ].join('\n');
}
