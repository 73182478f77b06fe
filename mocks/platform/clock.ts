/**
 * The mock platform's business clock: the time the insured area works by — a settlement's setl_time
 * and calendar year (跨年退费: JS 45, HN 52, LN 54), "today" of an automatic filing (LN 20) or of a
 * filing check at the discharge settlement. Tests set it through the control API (POST /__mock/clock)
 * to run across a year end end to end, with a gateway on its own clock. The x-tif timestamp of a
 * request is still checked against the transport clock (the mock's `clock` option), so a gateway
 * whose clock is not moved keeps signing in.
 */
export type ClockSetting = { mode: 'system' } | { mode: 'offset'; offset_ms: number } | { mode: 'fixed'; at_ms: number };

export function businessNow(setting: ClockSetting, transport: () => Date): Date {
  if (setting.mode === 'fixed') return new Date(setting.at_ms);
  if (setting.mode === 'offset') return new Date(transport().getTime() + setting.offset_ms);
  return transport();
}

/** 'yyyy-MM-dd HH:mm:ss' (China time, as the platform writes it) or an ISO timestamp with its zone. */
export function parseInstant(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const cst = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(v);
  const iso = cst ? `${cst[1]}-${cst[2]}-${cst[3]}T${cst[4]}:${cst[5]}:${cst[6]}+08:00` : v;
  if (!cst && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}
