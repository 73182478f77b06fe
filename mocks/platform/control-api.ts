/** The control API for tests (/__mock, no signature): calls, ledger, persons and their filings, faults, reset, sign-in expiry, the business clock. */
import express, { type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { FaultRequest } from './faults.js';
import { businessNow, parseInstant } from './clock.js';
import { clearMonth } from './ledger.js';
import { uploadsOf } from './handlers/self-pay.js';
import type { Override, ResultFault } from './recon-state.js';
import { platformRows, totals } from './reconciliation.js';
import { resetState, type MockState } from './state.js';
import { formatDateTime } from './time.js';
import { ledgerEntryView, personView } from './views.js';

export const CONTROL_PREFIX = '/__mock';

function listCalls(state: MockState) {
  return (req: Request, res: Response): void => {
    const infno = typeof req.query.infno === 'string' ? req.query.infno : undefined;
    res.json(state.calls.filter((c) => infno === undefined || c.infno === infno));
  };
}

function showPerson(state: MockState) {
  return (req: Request, res: Response): void => {
    const person = state.persons.get(String(req.params.psn_no));
    if (!person) {
      res.status(404).json({ error: 'unknown psn_no' });
      return;
    }
    res.json(personView(person));
  };
}

const FILE_TYPES = new Set(['1', '2', '3', '4', '5', '6']);
const isDate = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(v);

/**
 * The insured area registers a filing (备案) for the person — e.g. one made during a stay, before the
 * discharge settlement (补办备案: JS 25, HN 27, LN 17, JL 22). Body: { file_type '1'-'6', begndate
 * 'yyyy-MM-dd', enddate 'yyyy-MM-dd' | null, mdtrtarea_admvs? (default: the hospital's area) }.
 */
function addFiling(state: MockState, logger: Logger) {
  return (req: Request, res: Response): void => {
    const person = state.persons.get(String(req.params.psn_no));
    if (!person) {
      res.status(404).json({ error: 'unknown psn_no' });
      return;
    }
    const body = req.body as Record<string, unknown> | undefined;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      res.status(400).json({ error: 'body must be a JSON object' });
      return;
    }
    const { file_type, begndate, enddate } = body;
    const area = body.mdtrtarea_admvs ?? state.policies.hospital.mdtrtarea_admvs;
    let problem: string | undefined;
    if (typeof file_type !== 'string' || !FILE_TYPES.has(file_type)) problem = "file_type must be one of '1'..'6'";
    else if (!isDate(begndate)) problem = 'begndate must be yyyy-MM-dd';
    else if (enddate === undefined || (enddate !== null && !isDate(enddate))) problem = 'enddate must be yyyy-MM-dd or null';
    else if (enddate !== null && enddate < begndate) problem = 'enddate must not be before begndate';
    else if (typeof area !== 'string' || !/^\d{6}$/.test(area)) problem = 'mdtrtarea_admvs must be 6 digits';
    if (problem) {
      res.status(400).json({ error: problem });
      return;
    }
    person.filings.push({
      file_type: file_type as string,
      mdtrtarea_admvs: area as string,
      begndate: begndate as string,
      enddate: enddate as string | null,
    });
    logger.info({ file_type, begndate, enddate }, 'filing added');
    res.status(201).json(personView(person));
  };
}

function addFault(state: MockState, logger: Logger) {
  return (req: Request, res: Response): void => {
    const body: unknown = req.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      res.status(400).json({ error: 'body must be a JSON object' });
      return;
    }
    const rule = state.faults.add(body as FaultRequest);
    if (typeof rule === 'string') {
      res.status(400).json({ error: rule });
      return;
    }
    logger.info({ fault: rule }, 'fault added');
    res.status(201).json(rule);
  };
}

function expireSignIns(state: MockState, logger: Logger) {
  return (_req: Request, res: Response): void => {
    let expired = 0;
    for (const signIn of state.signIns.values()) {
      if (signIn.valid) expired += 1;
      signIn.valid = false;
    }
    logger.info({ expired }, 'sign-ins expired');
    res.json({ expired });
  };
}

/** Monthly clearing (清算) between areas: {month: 'yyyy-MM'} marks that month's ledger entries cleared. */
function clearing(state: MockState, logger: Logger) {
  return (req: Request, res: Response): void => {
    const month = (req.body as { month?: unknown } | undefined)?.month;
    if (typeof month !== 'string' || !/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) {
      res.status(400).json({ error: 'month must be yyyy-MM' });
      return;
    }
    const cleared = clearMonth(state.ledger, month);
    logger.info({ month, cleared }, 'month cleared');
    res.json({ month, cleared });
  };
}

const AMOUNT = /^-?\d+(\.\d{1,2})?$/;
const ID = /^[\w-]{1,30}$/;

/**
 * Reconciliation (对账): the platform is told to hold a day otherwise than its ledger says.
 * Body: { kind: 'extra', setl_id?, mdtrt_id?, psn_no?, msgid?, insutype?, clr_type?, setl_optins?,
 * medfee_sumamt?, fund_pay_sumamt?, acct_pay?, refd_setl_flag? } (a booking the hospital does not
 * know; defaults: 310 / 11 / 220100, 20.00 / 12.00 / 0.00), { kind: 'missing', setl_id } (it lacks
 * one), { kind: 'different', setl_id, medfee_sumamt?, fund_pay_sumamt?, acct_pay? } (other amounts).
 */
function addOverride(state: MockState, logger: Logger) {
  return (req: Request, res: Response): void => {
    const day = String(req.params.day);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const s = (k: string, d?: string) => (b[k] === undefined ? d : String(b[k]));
    let problem: string | undefined;
    let o: Override | undefined;
    if (!isDate(day)) problem = 'day must be yyyy-MM-dd';
    else if (b.kind === 'extra') {
      state.sequence += 1;
      const n = String(state.sequence).padStart(8, '0');
      o = {
        kind: 'extra',
        setl_id: s('setl_id', `EXTRA${day.replace(/-/g, '')}${n}`)!,
        mdtrt_id: s('mdtrt_id', `EXTRAMD${n}`)!,
        psn_no: s('psn_no', '22000000000000000001')!,
        msgid: s('msgid', `EXTRAMSG${day.replace(/-/g, '')}${n}`)!,
        insutype: s('insutype', '310')!,
        clr_type: s('clr_type', '11')!,
        setl_optins: s('setl_optins', '220100')!,
        refd_setl_flag: s('refd_setl_flag', '0') === '1' ? '1' : '0',
        day,
        medfee_sumamt: s('medfee_sumamt', '20.00')!,
        fund_pay_sumamt: s('fund_pay_sumamt', '12.00')!,
        acct_pay: s('acct_pay', '0.00')!,
      };
      if (![o.medfee_sumamt, o.fund_pay_sumamt, o.acct_pay].every((a) => AMOUNT.test(a)))
        problem = 'amounts must be decimal strings or numbers';
      else if (![o.setl_id, o.mdtrt_id, o.psn_no].every((x) => ID.test(x))) problem = 'ids must be 1-30 word characters';
    } else if (b.kind === 'missing' || b.kind === 'different') {
      const setl_id = s('setl_id');
      if (!setl_id) problem = 'setl_id is required';
      else if (b.kind === 'missing') o = { kind: 'missing', setl_id };
      else {
        o = {
          kind: 'different',
          setl_id,
          medfee_sumamt: s('medfee_sumamt'),
          fund_pay_sumamt: s('fund_pay_sumamt'),
          acct_pay: s('acct_pay'),
        };
        if ([o.medfee_sumamt, o.fund_pay_sumamt, o.acct_pay].some((a) => a !== undefined && !AMOUNT.test(a)))
          problem = 'amounts must be decimal strings or numbers';
      }
    } else problem = "kind must be 'extra', 'missing' or 'different'";
    if (problem || !o) {
      res.status(400).json({ error: problem });
      return;
    }
    state.recon.overrides.set(day, [...(state.recon.overrides.get(day) ?? []), o]);
    logger.info({ day, kind: o.kind }, 'reconciliation override added');
    res.status(201).json(o);
  };
}

function reconDay(state: MockState) {
  return (req: Request, res: Response): void => {
    const day = String(req.params.day);
    const rows = platformRows(state, day);
    const t = totals(rows);
    res.json({
      day,
      rows,
      count: t.count,
      medfee_sumamt: t.medfee_sumamt.toFixed(2),
      fund_pay_sumamt: t.fund_pay_sumamt.toFixed(2),
      overrides: state.recon.overrides.get(day) ?? [],
    });
  };
}

/** The next 9102 answers a broken result file: { kind: 'malformed' | 'not_zip' | 'oversized', bytes? (oversized: what it unzips to) }. */
function addResultFault(state: MockState) {
  return (req: Request, res: Response): void => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    let f: ResultFault | undefined;
    if (b.kind === 'malformed' || b.kind === 'not_zip') f = { kind: b.kind };
    else if (b.kind === 'oversized' && Number.isInteger(b.bytes) && (b.bytes as number) > 0 && (b.bytes as number) <= 512 * 1024 * 1024)
      f = { kind: 'oversized', bytes: b.bytes as number };
    if (!f) {
      res.status(400).json({ error: "kind must be 'malformed', 'not_zip' or 'oversized' (with bytes up to 512 MiB)" });
      return;
    }
    state.recon.resultFaults.push(f);
    res.status(201).json(f);
  };
}

function clockView(state: MockState, transport: () => Date) {
  const now = businessNow(state.clock, transport);
  return { now: now.toISOString(), cst: formatDateTime(now), ...state.clock };
}

/**
 * The business clock (clock.ts): { now: 'yyyy-MM-dd HH:mm:ss' (China time) or an ISO timestamp,
 * frozen?: boolean } — from `now` on it runs with the transport clock, or stands still when frozen.
 * Settlement times and years (跨年退费: JS 45, HN 52, LN 54), automatic filings "today" (LN 20).
 */
function setClock(state: MockState, logger: Logger, transport: () => Date) {
  return (req: Request, res: Response): void => {
    const body = req.body as { now?: unknown; frozen?: unknown } | undefined;
    const at = parseInstant(body?.now);
    if (at === undefined) {
      res.status(400).json({ error: "now must be 'yyyy-MM-dd HH:mm:ss' (China time) or an ISO timestamp with its zone" });
      return;
    }
    if (body?.frozen !== undefined && typeof body.frozen !== 'boolean') {
      res.status(400).json({ error: 'frozen must be true or false' });
      return;
    }
    state.clock = body?.frozen ? { mode: 'fixed', at_ms: at } : { mode: 'offset', offset_ms: at - transport().getTime() };
    logger.info({ clock: state.clock }, 'business clock set');
    res.json(clockView(state, transport));
  };
}

export function controlApi(state: MockState, logger: Logger, transport: () => Date = () => new Date()): express.Router {
  const router = express.Router();
  router.use(express.json());
  router.get('/calls', listCalls(state));
  router.get('/ledger', (_req, res) => {
    res.json(state.ledger.map(ledgerEntryView));
  });
  router.get('/persons/:psn_no', showPerson(state));
  router.post('/persons/:psn_no/filings', addFiling(state, logger));
  // self-pay uploads (4201, unverified infno) in arrival order
  router.get('/self-pay', (_req, res) => {
    res.json(uploadsOf(state));
  });
  router.get('/faults', (_req, res) => {
    res.json(state.faults.list());
  });
  router.post('/faults', addFault(state, logger));
  router.delete('/faults', (_req, res) => {
    state.faults.clear();
    res.status(204).end();
  });
  router.post('/reset', (_req, res) => {
    resetState(state);
    logger.info('state reset to seed');
    res.json({ reset: true });
  });
  router.post('/sign-ins/expire', expireSignIns(state, logger));
  router.get('/clock', (_req, res) => {
    res.json(clockView(state, transport));
  });
  router.post('/clock', setClock(state, logger, transport));
  router.delete('/clock', (_req, res) => {
    state.clock = { mode: 'system' };
    res.json(clockView(state, transport));
  });
  // jilin-sm: the OAuth2 tokens — revoke every one (the next business call gets 401), or have the
  // token endpoint refuse the next `count` requests
  router.get('/tokens', (_req, res) => {
    res.json({ issued: state.tokens.issued, active: state.tokens.active(Date.now()), refuse_next: state.tokens.refuseNext });
  });
  router.post('/tokens/revoke', (_req, res) => {
    const revoked = state.tokens.revokeAll();
    logger.info({ revoked }, 'tokens revoked');
    res.json({ revoked });
  });
  router.post('/tokens/refuse', (req, res) => {
    const count = (req.body as { count?: unknown } | undefined)?.count ?? 1;
    if (!Number.isInteger(count) || (count as number) < 0) {
      res.status(400).json({ error: 'count must be a non-negative integer' });
      return;
    }
    state.tokens.refuseNext = count as number;
    logger.info({ count }, 'the token endpoint refuses the next requests');
    res.json({ refuse_next: count });
  });
  router.post('/clearing', clearing(state, logger));
  router.get('/reconciliation/days/:day', reconDay(state));
  router.post('/reconciliation/days/:day/overrides', addOverride(state, logger));
  router.delete('/reconciliation/overrides', (_req, res) => {
    state.recon.overrides.clear();
    res.status(204).end();
  });
  router.post('/reconciliation/result-faults', addResultFault(state));
  return router;
}
