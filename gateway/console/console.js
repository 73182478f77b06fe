// The insurance office's console (医保办失败交易处理台): plain ES modules, no build step. The work
// queue's table is a Preact component written with htm (work-queue.js; the library is served by the
// gateway itself from node_modules, /console/vendor/htm-preact.js); the other tabs are plain DOM so far.
// Everything shown comes from the gateway's /v1/console API with the key the staff member typed in.
// The key is kept in sessionStorage (this tab only) and sent as x-api-key, never in a URL.
// Or a person signs in with their own account (POST /v1/session): the session travels in an
// HttpOnly cookie the page cannot read; the CSRF token answered at sign-in is kept in
// sessionStorage and sent as x-csrf-token with every request.
// Data is put into the page with textContent only (never innerHTML), so nothing in a record can run.

import { renderWorkQueue } from '/console/work-queue.js';

const KEY_STORE = 'yidi.console.apiKey';
const CSRF_STORE = 'yidi.console.csrf';

/** The platform transactions the gateway speaks (schemas/platform/), with their Chinese names. */
const INFNO = {
  1101: '人员信息获取',
  2101: '药店预结算',
  2102: '药店结算',
  2103: '药店结算撤销',
  2201: '门诊挂号',
  2202: '门诊挂号撤销',
  2203: '门诊就诊信息上传',
  2204: '门诊费用明细上传',
  2205: '门诊费用明细撤销',
  2206: '门诊预结算',
  2207: '门诊结算',
  2208: '门诊结算撤销',
  2301: '住院费用明细上传',
  2302: '住院费用明细撤销',
  2303: '住院预结算',
  2304: '住院结算',
  2305: '住院结算撤销',
  2401: '入院办理',
  2402: '出院办理',
  2403: '住院信息变更',
  2404: '入院撤销',
  2405: '出院撤销',
  2601: '冲正交易',
  3201: '费用结算对总账',
  3202: '费用结算对明细账',
  4201: '自费病人就诊及费用明细上传',
  9001: '签到',
  9101: '文件上传',
  9102: '文件下载',
};

/** Outcomes and resolution states (the API's `status` filter), in Chinese with the API's word. */
const STATUS = {
  needs_person: '待办：需要人工处理',
  reconciliation_difference: '对账差异',
  refund_resettle_failed: '退费待处理：保留明细未重新结算',
  failed: '全部失败（未成功）',
  open: '待办（结果未定）',
  needs_manual: '待人工处理',
  unknown: '结果未知',
  reversing: '冲正中',
  inquiring: '查询中',
  done: '查询确认：已办理',
  not_done: '查询确认：未办理',
  rejected: '平台拒绝',
  not_sent: '未发出',
  reversed: '已冲正',
  not_booked: '平台未入账',
  confirmed: '已确认入账',
  resolved_by_staff: '已人工处理',
  pending: '处理中',
  succeeded: '成功',
  pending_upload: '自费上传：待上传',
  rejected_upload: '自费上传：被拒',
  delivered_upload: '自费上传：已上传',
};
/** The status filter's options, in the order the office works them: what needs a person first (the default). */
const STATUS_OPTIONS = [
  'needs_person',
  'open',
  'failed',
  'needs_manual',
  'unknown',
  'reversing',
  'inquiring',
  'rejected',
  'not_sent',
  'reversed',
  'not_booked',
  'done',
  'not_done',
  'confirmed',
  'resolved_by_staff',
  'pending_upload',
  'rejected_upload',
  'delivered_upload',
];
const OUTCOME = { pending: '处理中', succeeded: '成功', rejected: '平台拒绝', unknown: '结果未知', not_sent: '未发出' };
const CATEGORY = { validation: '数据校验', filing: '备案', system_fault: '系统故障', business: '业务', security: '安全' };
const UPLOAD_STATE = { pending: '待上传', rejected: '被拒', delivered: '已上传' };
const AUDIT_ACTION = {
  view_list: '查看列表',
  search_person: '按姓名/证件号码查询（不记录查询值）',
  export_list: '导出列表 CSV',
  view_detail: '查看详情',
  view_personal: '查看个人信息（未脱敏）',
  retry: '重试',
  reverse: '冲正',
  resolve: '人工处理',
  bulk_retry: '批量重试',
  bulk_reverse: '批量冲正',
  bulk_resolve: '批量人工处理',
  view_uploads: '查看上传队列',
  retry_upload: '上传重新排队',
  refund_handled: '退费：标记已处理',
  identity_refused: '人卡不一致（拒绝办理）',
  view_identity_refusals: '查看人卡不一致记录',
  export_identity_refusals: '导出人卡不一致记录',
  reconciliation_run: '对账：执行',
  reconciliation_reverse: '对账：冲正',
  reconciliation_adopt: '对账：采纳',
  reconciliation_close_difference: '对账：关闭差异',
  reconciliation_close_month: '对账：月结关账',
  reconciliation_report: '对账：下载报表',
};
const FIELD = { certno: '证件号码', psn_name: '姓名', psn_cert_type: '证件类型' };
const ENCOUNTER_KIND = { inpatient: '住院', outpatient: '门诊' };
const DAY_STATUS = { balanced: '已对平', unbalanced: '未对平', error: '对账出错', running: '对账中', not_run: '未对账' };
const DIFF_KIND = {
  platform_only: '中心多（平台有、网关无）',
  gateway_only: '医药机构多（网关有、平台无）',
  amounts_differ: '数据不一致',
  unexplained: '总账不平、明细无说明',
};
const DIFF_STATE = { open: '待处理', fixing: '处理中', fixed: '已处理，待重新对账', resolved: '已解决' };
/** Business keys as the records carry them. */
const KEYS = {
  visit: '网关就诊号',
  refund: '退费操作号',
  psn_no: '人员编号',
  mdtrt_id: '就诊ID',
  setl_id: '结算ID',
  ipt_otp_no: '门诊/住院号',
  invono: '发票号',
  his_msgid: 'HIS报文ID（国家格式入口）',
};
const STAGES = [
  ['his_input', '院内系统输入', 'HIS input'],
  ['message', '映射后的报文', 'Mapped message'],
  ['envelope', '发送的报文信封', 'Sent envelope'],
  ['reply', '平台应答', 'Reply'],
];
const BULK_MAX = 1000;

const $ = (id) => document.getElementById(id);
const state = { key: null, csrf: null, person: null, catalog: {}, detailId: null, tab: 'transactions', reconDay: null };

// ---- small DOM helpers ------------------------------------------------------------------------

/** h('td', { class: 'x' }, 'text', child): an element; strings become text nodes. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  return fill(el, ...children);
}
/** Puts `children` (nested arrays, strings, nodes; null, undefined and false left out) into `el`, replacing what was there. */
function fill(el, ...children) {
  el.replaceChildren(
    ...children
      .flat(Infinity)
      .filter((c) => c !== undefined && c !== null && c !== false && c !== '')
      .map((c) => (c instanceof Node ? c : String(c))),
  );
  return el;
}
/** An amount of an answer (a JSON number, e.g. 20.00 arrives as 20) shown as yuan with two decimals; display only, no arithmetic. */
const yuan = (v) => (typeof v === 'number' ? v.toFixed(2) : (v ?? '—'));
/** Chinese text with its English beside it in smaller type. */
const bi = (zh, en) => [zh, en ? h('small', {}, ` ${en}`) : null];
const fmtTime = (iso) => {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
};
const infnoCell = (infno) =>
  h('span', { class: 'infno' }, h('b', {}, infno ?? '—'), ' ', h('span', { class: 'infno-name' }, INFNO[infno] ?? ''));
const badge = (status) =>
  h('span', { class: `badge s-${status}` }, STATUS[status] ?? OUTCOME[status] ?? status, h('small', {}, ` ${status}`));

function keysList(keys = {}, extra = {}) {
  const all = { ...extra, ...keys };
  const items = Object.entries(all).filter(([, v]) => v);
  if (!items.length) return '—';
  return h(
    'div',
    { class: 'keys' },
    items.map(([k, v]) => h('div', {}, h('small', {}, `${KEYS[k] ?? k} `), h('code', {}, v))),
  );
}

function errorCell(error) {
  if (!error) return '—';
  const c = state.catalog[error.code];
  return h(
    'div',
    { class: 'err' },
    h('code', {}, error.code),
    c ? h('div', {}, c.message) : null,
    error.platform_err_msg ? h('div', { class: 'platform-msg' }, h('small', {}, '平台：'), error.platform_err_msg) : null,
    error.reason && error.reason !== error.platform_err_msg ? h('div', {}, h('small', {}, error.reason)) : null,
  );
}

// ---- the API ----------------------------------------------------------------------------------

/** A fresh Idempotency-Key for each action (crypto.randomUUID needs https; getRandomValues does not). */
function idempotencyKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}

/** The credential of every request: the API key, or (signed in) the session cookie and its CSRF token. */
function authHeaders() {
  return state.key ? { 'x-api-key': state.key } : state.csrf ? { 'x-csrf-token': state.csrf } : {};
}
const credentials = () => (state.key ? 'omit' : 'same-origin');

async function api(method, path, body) {
  const headers = { ...authHeaders(), accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['idempotency-key'] = idempotencyKey();
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: credentials(),
    });
  } catch {
    return {
      ok: false,
      status: 0,
      error: {
        code: 'NETWORK',
        message: '无法连接网关',
        message_en: 'The gateway could not be reached.',
        action: '检查网络或网关是否运行，然后再试。',
      },
    };
  }
  let json;
  try {
    json = await res.json();
  } catch {
    json = undefined;
  }
  if (res.ok) return { ok: true, status: res.status, body: json };
  const error = json?.error ? json.error : { code: `HTTP_${res.status}`, message: `网关返回 HTTP ${res.status}`, message_en: '' };
  if (res.status === 401) disconnect(error);
  return { ok: false, status: res.status, error };
}

const query = (o) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

// ---- the notice: every answer of the API, success or catalog error ------------------------------

function showError(title, r) {
  const e = r.error ?? {};
  const why = e.details && typeof e.details === 'object' ? (e.details.why ?? e.details.reason) : undefined;
  const fields =
    e.details && Array.isArray(e.details.errors)
      ? e.details.errors.map((x) => `${x.field ?? ''} ${x.problem ?? x.message ?? ''}`.trim()).join('；')
      : undefined;
  notice('error', [
    h('div', { class: 'notice-title' }, title, r.status ? h('small', {}, ` HTTP ${r.status}`) : null),
    h('div', { class: 'notice-msg' }, e.message ?? '', ' ', h('code', {}, e.code ?? '')),
    e.message_en ? h('div', {}, h('small', {}, e.message_en)) : null,
    why ? h('div', {}, '原因 ', h('small', {}, 'why: '), String(why)) : null,
    fields ? h('div', {}, '字段 ', h('small', {}, 'fields: '), fields) : null,
    e.action ? h('div', {}, '处理建议 ', h('small', {}, 'action: '), e.action) : null,
    e.request_id ? h('div', {}, h('small', {}, `request_id ${e.request_id}`)) : null,
  ]);
}

function showOk(title, ...lines) {
  notice('ok', [h('div', { class: 'notice-title' }, title), ...lines.map((l) => h('div', {}, l))]);
}

function notice(kind, children) {
  const n = $('notice');
  n.className = `notice ${kind}`;
  fill(
    n,
    ...children.filter(Boolean),
    h('button', { type: 'button', class: 'close', 'aria-label': '关闭 close', onclick: () => (n.hidden = true) }, '×'),
  );
  n.hidden = false;
}

// ---- connect ----------------------------------------------------------------------------------

async function connect(key) {
  if (!/^[\x21-\x7e]{1,4096}$/.test(key)) {
    setConnectStatus('error', [
      bi('密钥格式不对：只能是英文字母、数字和符号，不能有空格。', 'The key holds only visible ASCII characters.'),
    ]);
    return;
  }
  state.key = key;
  setConnectStatus('', [bi('正在连接…', 'Connecting…')]);
  const r = await api('GET', `/v1/console/transactions${query(filterValues())}`);
  if (!r.ok) {
    state.key = null;
    sessionStorage.removeItem(KEY_STORE);
    $('app').hidden = true;
    const e = r.error;
    const what =
      r.status === 401
        ? '密钥无效或已过期，无法连接。'
        : r.status === 403
          ? '此密钥没有医保办处理台的权限（需要 staff 或 admin 角色）。'
          : '连接失败。';
    setConnectStatus('error', [
      h('b', {}, what),
      ' ',
      e.message ?? '',
      h('small', {}, ` ${e.message_en ?? ''} (HTTP ${r.status} ${e.code ?? ''})`),
      e.action ? h('div', {}, '处理建议 ', h('small', {}, 'action: '), e.action) : null,
    ]);
    return;
  }
  sessionStorage.setItem(KEY_STORE, key);
  $('api-key').value = '';
  $('api-key').placeholder = '已连接 — connected';
  $('disconnect').hidden = false;
  $('signin-form').hidden = true;
  $('app').hidden = false;
  setConnectStatus('ok', [
    bi('已连接。', 'Connected.'),
    ' ',
    h('small', {}, '密钥只保存在本标签页，关闭即失效。 The key is kept in this tab only.'),
  ]);
  renderList(r.body);
}

// ---- sign-in with a staff account (named staff, issue 15) ---------------------------------------

async function signIn(username, password) {
  setConnectStatus('', [bi('正在登录…', 'Signing in…')]);
  let res;
  let json;
  try {
    res = await fetch('/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username, password }),
      cache: 'no-store',
      credentials: 'same-origin',
    });
    json = await res.json().catch(() => undefined);
  } catch {
    setConnectStatus('error', [bi('无法连接网关。', 'The gateway could not be reached.')]);
    return;
  }
  $('signin-password').value = '';
  if (!res.ok) {
    const e = json?.error ?? {};
    const what =
      res.status === 423 ? '登录失败次数过多，账户暂时锁定，请稍后再试。' : res.status === 401 ? '用户名或密码错误。' : '登录失败。';
    setConnectStatus('error', [
      h('b', {}, what),
      ' ',
      e.message ?? '',
      h('small', {}, ` ${e.message_en ?? ''} (HTTP ${res.status} ${e.code ?? ''})`),
      e.action ? h('div', {}, '处理建议 ', h('small', {}, 'action: '), e.action) : null,
    ]);
    return;
  }
  state.key = null;
  sessionStorage.removeItem(KEY_STORE);
  state.csrf = json.csrf_token;
  sessionStorage.setItem(CSRF_STORE, state.csrf);
  await openSession(json);
}

/** Signed in (now, or still, after a reload): the list, and who is signed in. */
async function openSession(person) {
  state.person = person;
  const r = await api('GET', `/v1/console/transactions${query(filterValues())}`);
  if (!r.ok) {
    if (r.status !== 401)
      setConnectStatus('error', [h('b', {}, '连接失败。'), ' ', r.error?.message ?? '', h('small', {}, ` (HTTP ${r.status})`)]);
    return;
  }
  $('whoami-name').textContent = person.name;
  $('whoami-user').textContent = `${person.username} · ${person.role}`;
  $('whoami').hidden = false;
  $('signin-form').hidden = true;
  $('connect-form').hidden = true;
  $('app').hidden = false;
  setConnectStatus('ok', [bi(`已登录：${person.name}。`, `Signed in as ${person.username}.`)]);
  renderList(r.body);
}

async function signOut() {
  const r = await api('DELETE', '/v1/session');
  disconnect();
  if (r.ok) setConnectStatus('', [bi('已退出登录。', 'Signed out.')]);
}

/** After a reload: the session cookie may still be good (the page cannot read it; the gateway says). */
async function resumeSession(csrf) {
  let res;
  try {
    res = await fetch('/v1/session', { headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' });
  } catch {
    return;
  }
  if (!res.ok) {
    sessionStorage.removeItem(CSRF_STORE);
    return;
  }
  state.csrf = csrf;
  await openSession(await res.json());
}

function disconnect(error) {
  stopPolling();
  state.key = null;
  state.csrf = null;
  state.person = null;
  sessionStorage.removeItem(KEY_STORE);
  sessionStorage.removeItem(CSRF_STORE);
  $('whoami').hidden = true;
  $('signin-form').hidden = false;
  $('connect-form').hidden = false;
  $('app').hidden = true;
  $('disconnect').hidden = true;
  $('api-key').placeholder = 'ygk_…';
  $('notice').hidden = true;
  if (error)
    setConnectStatus(
      'error',
      [
        h('b', {}, '连接已失效：'),
        error.message ?? '',
        h('small', {}, ` ${error.message_en ?? ''} (${error.code ?? ''})`),
        ' 请重新登录或输入密钥。',
      ].filter(Boolean),
    );
  else setConnectStatus('', [bi('已断开。请输入访问密钥后点“连接”。', 'Disconnected.')]);
}

function setConnectStatus(kind, children) {
  const s = $('connect-status');
  s.className = `connect-status ${kind}`;
  fill(s, ...children.filter(Boolean));
}

// ---- the list ---------------------------------------------------------------------------------

/** Local calendar days → ISO instants: from the day's start to its end (the office's clock). */
const dayStart = (d) => (d ? new Date(`${d}T00:00:00`).toISOString() : undefined);
const dayEnd = (d) => (d ? new Date(`${d}T23:59:59.999`).toISOString() : undefined);

function filterValues() {
  const v = (id) => $(id).value.trim();
  return {
    // the work queue first: only what waits for a person (issue 15)
    status: v('f-status') || 'needs_person',
    from: dayStart(v('f-from')),
    to: dayEnd(v('f-to')),
    infno: v('f-infno'),
    ipt_otp_no: v('f-ipt_otp_no'),
    psn_no: v('f-psn_no'),
    // exact matches; the gateway audits such a search without the value and answers it masked
    psn_name: v('f-psn_name'),
    certno: v('f-certno'),
    amount_min: v('f-amount_min'),
    amount_max: v('f-amount_max'),
    visit_id: v('f-visit_id'),
    mdtrt_id: v('f-mdtrt_id'),
    setl_id: v('f-setl_id'),
    msgid: v('f-msgid'),
    invono: v('f-invono'),
    error_code: v('f-error_code'),
    category: v('f-category'),
    limit: v('f-limit') || '100',
  };
}

async function loadList() {
  const r = await api('GET', `/v1/console/transactions${query(filterValues())}`);
  if (!r.ok) {
    showError('查询失败 Search refused', r);
    return false;
  }
  renderList(r.body);
  await countWork(true);
  return true;
}

/** What the work queue component (work-queue.js) is given: the page's labels and helpers. */
const LABELS = () => ({ INFNO, STATUS, OUTCOME, KEYS, DIFF_KIND, catalog: state.catalog, fmtTime });

function renderList(body) {
  const items = body.items ?? [];
  const limit = body.filter?.limit ?? items.length;
  fill(
    $('list-count'),
    h('b', {}, `共 ${body.count} 条`),
    h('small', {}, ` ${body.count} record(s)`),
    body.count >= limit
      ? h('span', { class: 'warn' }, ` 只显示前 ${limit} 条，请缩小筛选范围 `, h('small', {}, `(first ${limit} only)`))
      : null,
  );
  renderWorkQueue($('work-queue'), items, LABELS(), {
    openTransaction: (id) => openDetail(id),
    openDay: (day) => openDayInRecon(day),
    refundHandled: (x) => markRefundHandled(x),
  });
}

/**
 * A refund that needs a decision (refunded in full, the kept lines not settled again): staff say what
 * was done about the kept lines; the gateway records it with their name and it leaves the queue.
 */
async function markRefundHandled(x) {
  const answer = await ask({
    title: ['退费已处理 ', h('small', {}, 'Refund handled')],
    text: [
      `退费 ${x.id}（原结算 ${x.keys?.setl_id ?? ''}）：${x.what}。${x.todo}。`,
      h('br'),
      h('small', {}, 'Refunded in full, the kept lines not settled again: say what was done about them.'),
    ],
    reasonOnly: true,
  });
  if (!answer) return;
  const r = await api('POST', `/v1/console/refunds/${encodeURIComponent(x.id)}/handled`, { reason: answer.reason });
  if (!r.ok) showError('退费已处理：网关拒绝 refused', r);
  else showOk(`退费 ${x.id} 已标记处理 Marked handled`, `原因 reason：${r.body.decision?.reason ?? ''}`);
  await loadList();
}

/** A reconciliation difference of the queue: its day in the reconciliation tab. */
async function openDayInRecon(day) {
  showTab('recon');
  $('r-month').value = day.slice(0, 7);
  await loadRecon();
  await openReconDay(day);
}

// ---- new work while the page is open (issue 15) -------------------------------------------------

/**
 * The count of work waiting for a person (GET /v1/console/work-count, cheap: the open-work
 * indexes), asked every `poll_after_seconds`. The list is never re-rendered by this: a staff member
 * may be typing in the filter or reading a row; the page only says how many are new, and the button
 * loads them. `baseline`: the count the list on the screen was loaded with.
 */
async function countWork(baseline = false) {
  if (!state.key && !state.csrf) return;
  const r = await api('GET', '/v1/console/work-count');
  if (!r.ok) return;
  if (baseline || state.shownTotal === undefined) state.shownTotal = r.body.total;
  const fresh = r.body.total - state.shownTotal;
  const b = $('new-items');
  b.hidden = fresh <= 0;
  if (fresh > 0) fill(b, `${fresh} 条新待办 — 点击刷新`, h('small', {}, ` ${fresh} new, load them`));
  clearTimeout(state.pollTimer);
  state.pollTimer = setTimeout(() => countWork(), Math.max(1, r.body.poll_after_seconds) * 1000);
}

function stopPolling() {
  clearTimeout(state.pollTimer);
  state.pollTimer = undefined;
  state.shownTotal = undefined;
  $('new-items').hidden = true;
}

/** The current filter as CSV (masked, audited by the gateway): fetched with the credential, then saved. */
async function exportListCsv() {
  const day = new Date().toISOString().slice(0, 10);
  const ok = await download(`/v1/console/transactions.csv${query(filterValues())}`, `work-queue-${day}.csv`);
  if (ok)
    showOk(
      '已导出 Exported',
      '当前筛选条件下的记录 CSV（个人信息已脱敏，导出已留痕）。',
      h('small', {}, ' The current filter as CSV, masked; the export is audited.'),
    );
}

// ---- bulk actions for the current filter ------------------------------------------------------

const BULK = {
  reverse: { zh: '批量冲正', en: 'Reverse', text: '为每一笔结果未知、尚未处理的记账交易立即发起冲正（2601）。' },
  retry: { zh: '批量重试', en: 'Retry', text: '重发每一笔确定未入账、且不属于任何就诊的独立交易；其余的将被跳过并说明原因。' },
  resolve: { zh: '批量人工处理', en: 'Resolve', text: '把每一笔结果未知、尚未处理的记账交易标记为已人工处理。' },
};

/** A filter as the page repeats it: a name or ID number searched for, masked like the gateway masks it. */
const maskValue = (v) => (v.length <= 2 ? '*'.repeat(v.length) : `${v[0]}${'*'.repeat(Math.max(1, v.length - 2))}${v[v.length - 1]}`);
const maskedFilter = (f) => ({
  ...f,
  ...(f.psn_name ? { psn_name: maskValue(f.psn_name) } : {}),
  ...(f.certno ? { certno: maskValue(f.certno) } : {}),
});

async function bulk(action) {
  const { limit: _limit, ...filter } = filterValues();
  for (const k of Object.keys(filter)) if (filter[k] === undefined || filter[k] === '') delete filter[k];
  // how many records the filter matches, said in the confirmation
  const counted = await api('GET', `/v1/console/transactions${query({ ...filter, limit: BULK_MAX })}`);
  if (!counted.ok) return showError('无法统计匹配记录 Could not count the matches', counted);
  const n = counted.body.count;
  const b = BULK[action];
  if (n === 0)
    return showOk(`${b.zh}：当前筛选条件没有匹配的记录，未执行。`, h('small', {}, 'Nothing matches the filter; nothing was done.'));
  const many = n >= BULK_MAX ? `至少 ${n}` : `${n}`;
  const answer = await ask({
    title: [b.zh, h('small', {}, ` Bulk ${b.en.toLowerCase()}`)],
    text: [
      h('b', { class: 'count-line' }, `当前筛选条件匹配 ${many} 条记录。`),
      h('small', {}, ` The current filter matches ${many} record(s).`),
      h('br'),
      b.text,
      h('br'),
      h('small', {}, `筛选 filter: ${JSON.stringify(maskedFilter(filter))}`),
    ],
    resolve: action === 'resolve',
  });
  if (!answer) return;
  const r = await api('POST', `/v1/console/bulk/${action}`, { filter, max: BULK_MAX, ...(action === 'resolve' ? answer : {}) });
  if (!r.ok) showError(`${b.zh}失败 Bulk ${action} refused`, r);
  else {
    const skipped = r.body.skipped ?? [];
    showOk(
      `${b.zh}：已处理 ${r.body.done.length} 条，跳过 ${skipped.length} 条。`,
      h('small', {}, `done ${r.body.done.length}, skipped ${skipped.length}`),
      skipped.length
        ? h(
            'ul',
            { class: 'skipped' },
            skipped
              .slice(0, 20)
              .map((s) =>
                h(
                  'li',
                  {},
                  h('code', {}, s.id),
                  ' ',
                  state.catalog[s.code]?.message ?? s.code,
                  s.why ? h('small', {}, ` — ${s.why}`) : null,
                ),
              ),
          )
        : null,
      skipped.length > 20 ? h('small', {}, `…另有 ${skipped.length - 20} 条 (${skipped.length - 20} more)`) : null,
    );
  }
  await refresh();
}

// ---- the detail view --------------------------------------------------------------------------

async function openDetail(id) {
  const r = await api('GET', `/v1/console/transactions/${encodeURIComponent(id)}`);
  if (!r.ok) return showError('无法打开交易 Could not open the transaction', r);
  state.detailId = id;
  renderDetail(r.body);
  $('list-view').hidden = true;
  $('detail-view').hidden = false;
  window.scrollTo(0, 0);
}

function closeDetail() {
  state.detailId = null;
  $('detail-view').hidden = true;
  $('list-view').hidden = false;
}

function dl(el, pairs) {
  fill(
    el,
    ...pairs
      .filter(([, , v]) => v !== undefined && v !== null && v !== '')
      .flatMap(([zh, en, v]) => [h('dt', {}, zh, h('small', {}, ` ${en}`)), h('dd', {}, v)]),
  );
}

function renderDetail(t) {
  fill($('detail-title'), infnoCell(t.infno), ' ', badge(t.status), ' ', h('code', { class: 'msgid' }, t.id));
  dl($('detail-summary'), [
    ['报文ID', 'msgid', h('code', {}, t.msgid)],
    ['交易', 'infno', infnoCell(t.infno)],
    ['结果', 'outcome', h('span', { class: `badge o-${t.outcome}` }, OUTCOME[t.outcome] ?? t.outcome, h('small', {}, ` ${t.outcome}`))],
    ['错误类别', 'category', t.category ? `${CATEGORY[t.category] ?? ''} ${t.category}` : undefined],
    ['创建时间', 'created', fmtTime(t.created_at)],
    ['更新时间', 'updated', fmtTime(t.updated_at)],
    ['网关就诊号', 'visit / admission id', t.encounter_id ? h('code', {}, t.encounter_id) : undefined],
    ['业务号', 'business keys', keysList(t.keys)],
    ['医疗费总额', 'medfee_sumamt', typeof t.medfee_sumamt === 'number' ? `${t.medfee_sumamt.toFixed(2)} 元` : undefined],
    ['原交易（重试自）', 'retry of', t.parent_id ? h('code', {}, t.parent_id) : undefined],
    ['冲正的原交易', 'reverses', t.reverses ? h('code', {}, t.reverses) : undefined],
    ['错误', 'error', t.error ? errorCell(t.error) : undefined],
  ]);
  const enc = t.encounter;
  $('detail-encounter-card').hidden = !enc;
  if (enc)
    dl($('detail-encounter'), [
      ['网关就诊号', 'id', h('code', {}, enc.id)],
      ['类别', 'kind', `${ENCOUNTER_KIND[enc.kind] ?? ''} ${enc.kind}`],
      ['状态', 'status', enc.status],
      ['医疗类别', 'med_type', enc.med_type],
      ['急诊', 'emergency', enc.emergency ? '是 yes' : '否 no'],
      ['急诊认定依据', 'emergency criterion (LN 22)', enc.emergency ? (enc.emergency_criterion_text ?? '未记录 not recorded') : undefined],
      [
        '自费上传',
        'self-pay upload',
        enc.self_pay ? `已上传（${(enc.self_pay.upload_ids ?? []).join('、')}），不得再直接结算，参保人申请手工报销` : undefined,
      ],
    ]);
  const r = t.resolution;
  if (r) {
    dl($('detail-resolution'), [
      ['处理状态', 'state', badge(r.state)],
      ['冲正尝试次数', 'attempts', String(r.attempts)],
      ['下次尝试', 'next attempt', r.state === 'reversing' ? fmtTime(r.next_at) : undefined],
      ['最近一次错误', 'last error', r.last_error],
      [
        '冲正报文',
        'reversal msgids',
        r.reversal_ids?.length
          ? h(
              'div',
              {},
              r.reversal_ids.map((x) => h('div', {}, h('code', {}, x))),
            )
          : '—',
      ],
      ['就诊已释放', 'encounter released', r.encounter_released === undefined ? undefined : r.encounter_released ? '是 yes' : '否 no'],
      ['处理人', 'resolved by', r.resolved_by],
      ['处理原因', 'reason', r.reason],
      ['处理时间', 'resolved at', r.resolved_at ? fmtTime(r.resolved_at) : undefined],
    ]);
  } else {
    fill(
      $('detail-resolution'),
      h('dd', { class: 'empty' }, bi('无冲正记录（不是结果未知的记账交易）', 'No reversal: not an unknown booking transaction.')),
    );
  }
  const revs = t.reversals ?? [];
  fill(
    $('detail-reversals'),
    ...(revs.length
      ? [
          h('h4', {}, '冲正尝试 ', h('small', {}, 'Reversal attempts (2601)')),
          h(
            'table',
            { class: 'grid small' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, '时间 ', h('small', {}, 'Time')),
                h('th', {}, '报文ID ', h('small', {}, 'msgid')),
                h('th', {}, '结果 ', h('small', {}, 'Outcome')),
                h('th', {}, '错误 ', h('small', {}, 'Error')),
              ),
            ),
            h(
              'tbody',
              {},
              revs.map((x) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'nowrap' }, fmtTime(x.created_at)),
                  h('td', {}, h('code', {}, x.msgid)),
                  h('td', {}, OUTCOME[x.outcome] ?? x.outcome, h('small', {}, ` ${x.outcome}`)),
                  h('td', {}, errorCell(x.error)),
                ),
              ),
            ),
          ),
          ...revs.map((x) =>
            h('details', { class: 'rev-stages' }, h('summary', {}, `冲正报文 ${x.msgid} `, h('small', {}, 'stages')), stagesOf(x.stages)),
          ),
        ]
      : []),
  );
  fill($('detail-stages'), stagesOf(t.stages));
  fill(
    $('retry-note'),
    t.retry_allowed
      ? bi('可重试：确定未入账的独立交易。', 'Retry allowed.')
      : bi('网关判定此交易不可重试；点“重试”可查看网关给出的原因。', 'Not retryable: press Retry to see why.'),
  );
  $('act-retry').className = t.retry_allowed ? '' : 'muted';
}

function stagesOf(stages = {}) {
  return h(
    'div',
    { class: 'stage-grid' },
    STAGES.map(([k, zh, en]) =>
      h(
        'section',
        { class: 'stage', dataset: { stage: k } },
        h('h4', {}, zh, h('small', {}, ` ${en}`)),
        stages[k] === undefined
          ? h('p', { class: 'empty' }, bi('（无）', 'none recorded'))
          : h('pre', {}, JSON.stringify(stages[k], null, 2)),
      ),
    ),
  );
}

async function act(action) {
  const id = state.detailId;
  if (!id) return;
  let body;
  if (action === 'resolve') {
    const answer = await ask({
      title: ['人工处理 ', h('small', {}, 'Resolve')],
      text: [
        `交易 ${id}：已通过其他方式处理（如在经办机构柜台冲正、电话确认）。`,
        h('br'),
        h('small', {}, 'Settled by other means; give the reason and whether the platform booked it.'),
      ],
      resolve: true,
    });
    if (!answer) return;
    body = answer;
  } else if (action === 'reverse') {
    const ok = await ask({
      title: ['立即冲正 ', h('small', {}, 'Reverse now')],
      text: [
        `为交易 ${id} 立即发起冲正（2601），开始新一轮尝试。`,
        h('br'),
        h('small', {}, 'Queue a 2601 reversal now: a new round of attempts.'),
      ],
    });
    if (!ok) return;
  }
  const names = { reverse: '冲正 Reverse', retry: '重试 Retry', resolve: '人工处理 Resolve' };
  const r = await api('POST', `/v1/console/transactions/${encodeURIComponent(id)}/${action}`, body);
  if (!r.ok) showError(`${names[action]}：网关拒绝 refused`, r);
  else if (action === 'retry') {
    const b = r.body;
    showOk(
      `重试已发出 Retried：新交易 ${b.transaction_id}，结果 ${OUTCOME[b.outcome] ?? b.outcome} (${b.outcome})`,
      b.error ? errorCell(b.error) : null,
    );
  } else if (action === 'reverse')
    showOk(`已排队冲正 Reversal queued：${id}，状态 ${STATUS[r.body.status] ?? r.body.status} (${r.body.status})`);
  else
    showOk(
      `已人工处理 Resolved：${id}，状态 ${STATUS[r.body.status] ?? r.body.status} (${r.body.status})`,
      r.body.resolution?.reason ? `原因 reason：${r.body.resolution.reason}` : null,
    );
  await refresh();
}

/** After every action: the list, and the open detail, show the new state. */
async function refresh() {
  await loadList();
  if (state.detailId) {
    const r = await api('GET', `/v1/console/transactions/${encodeURIComponent(state.detailId)}`);
    if (r.ok) renderDetail(r.body);
  }
}

// ---- the confirmation dialog (with the resolve form) ------------------------------------------

/** Resolves null (cancelled), true (confirmed), { reason, booked } (resolve) or { reason } (reasonOnly). */
function ask({ title, text, resolve = false, reasonOnly = false }) {
  const dlg = $('dialog');
  fill($('dlg-title'), ...[title].flat());
  fill($('dlg-text'), ...[text].flat());
  const withReason = resolve || reasonOnly;
  $('dlg-resolve').hidden = !withReason;
  $('dlg-booked').hidden = !resolve;
  $('dlg-reason').value = '';
  $('dlg-booked-no').checked = false;
  $('dlg-booked-yes').checked = false;
  $('dlg-error').hidden = true;
  return new Promise((done) => {
    const form = $('dlg-form');
    const finish = (v) => {
      form.removeEventListener('submit', onSubmit);
      $('dlg-cancel').removeEventListener('click', onCancel);
      dlg.removeEventListener('cancel', onCancel);
      dlg.close();
      done(v);
    };
    const onCancel = (ev) => {
      ev.preventDefault();
      finish(null);
    };
    const onSubmit = (ev) => {
      ev.preventDefault();
      if (!withReason) return finish(true);
      const reason = $('dlg-reason').value.trim();
      const booked = $('dlg-booked-yes').checked ? true : $('dlg-booked-no').checked ? false : undefined;
      const problems = [];
      if (reason.length < 2) problems.push('请填写处理原因（至少 2 个字）。 A reason is required.');
      if (resolve && booked === undefined) problems.push('请选择平台是否已入账。 Choose whether the platform booked it.');
      if (problems.length) {
        fill($('dlg-error'), ...problems.map((p) => h('div', {}, p)));
        $('dlg-error').hidden = false;
        return;
      }
      finish(resolve ? { reason, booked } : { reason });
    };
    form.addEventListener('submit', onSubmit);
    $('dlg-cancel').addEventListener('click', onCancel);
    dlg.addEventListener('cancel', onCancel);
    dlg.showModal();
    (withReason ? $('dlg-reason') : $('dlg-ok')).focus();
  });
}

// ---- self-pay uploads and the audit log -------------------------------------------------------

async function loadUploads() {
  const st = $('u-state').value;
  const r = await api('GET', `/v1/console/self-pay-uploads${query({ state: st })}`);
  if (!r.ok) return showError('查询上传队列失败 Upload queue refused', r);
  fill($('upload-count'), h('b', {}, `共 ${r.body.count} 条`), h('small', {}, ` ${r.body.count} upload(s)`));
  const rows = r.body.items.map((u) =>
    h(
      'tr',
      { dataset: { seq: u.seq } },
      h('td', {}, String(u.seq)),
      h('td', { class: 'nowrap' }, fmtTime(u.created_at)),
      h('td', {}, infnoCell(u.infno)),
      h('td', {}, h('span', { class: `badge u-${u.state}` }, UPLOAD_STATE[u.state] ?? u.state, h('small', {}, ` ${u.state}`))),
      h('td', {}, String(u.attempts)),
      h('td', {}, keysList(u.keys)),
      h('td', {}, errorCell(u.last_error)),
      h(
        'td',
        {},
        u.state === 'rejected'
          ? h('button', { type: 'button', class: 'requeue', onclick: () => requeue(u.seq) }, '改正后重新排队 ', h('small', {}, 'Requeue'))
          : '',
      ),
    ),
  );
  if (!rows.length) rows.push(h('tr', {}, h('td', { colspan: 8, class: 'empty' }, bi('队列中没有记录', 'The queue is empty.'))));
  fill($('upload-rows'), ...rows);
}

async function requeue(seq) {
  const ok = await ask({
    title: ['重新排队上传 ', h('small', {}, 'Requeue')],
    text: [
      `把第 ${seq} 号自费数据上传重新排入队列（请先确认数据已改正）。`,
      h('br'),
      h('small', {}, 'Requeue this rejected upload (after correcting it).'),
    ],
  });
  if (!ok) return;
  const r = await api('POST', `/v1/console/self-pay-uploads/${encodeURIComponent(seq)}/retry`);
  if (!r.ok) showError('重新排队失败 Requeue refused', r);
  else showOk(`第 ${seq} 号已重新排队 Requeued：状态 ${UPLOAD_STATE[r.body.state] ?? r.body.state} (${r.body.state})`);
  await loadUploads();
}

async function loadAudit() {
  const v = (id) => $(id).value.trim();
  const r = await api(
    'GET',
    `/v1/console/audit${query({ actor: v('a-actor'), action: v('a-action'), from: dayStart(v('a-from')), to: dayEnd(v('a-to')), limit: v('a-limit') || '100' })}`,
  );
  if (!r.ok) return showError('查询审计日志失败 Audit log refused', r);
  fill($('audit-count'), h('b', {}, `共 ${r.body.count} 条`), h('small', {}, ` ${r.body.count} entr${r.body.count === 1 ? 'y' : 'ies'}`));
  const rows = r.body.items.map((e) =>
    h(
      'tr',
      {},
      h('td', { class: 'nowrap' }, fmtTime(e.at)),
      h('td', {}, h('code', {}, e.actor), e.actor_name ? ` ${e.actor_name}` : null, h('small', {}, ` ${e.role}`)),
      h('td', {}, AUDIT_ACTION[e.action] ?? e.action, h('small', {}, ` ${e.action}`)),
      h(
        'td',
        {},
        e.targets?.length
          ? h(
              'div',
              { class: 'targets' },
              e.targets.slice(0, 5).map((x) => h('div', {}, h('code', {}, x))),
              e.targets.length > 5 ? h('small', {}, `…共 ${e.targets.length} 条`) : null,
            )
          : '—',
      ),
      h('td', {}, e.filter ? h('code', { class: 'filter' }, compactFilter(e.filter)) : '—'),
      h('td', {}, e.reason ?? '—'),
    ),
  );
  if (!rows.length) rows.push(h('tr', {}, h('td', { colspan: 6, class: 'empty' }, bi('没有审计记录', 'No entries.'))));
  fill($('audit-rows'), ...rows);
}

// ---- 人卡不一致 refusals ---------------------------------------------------------------------

function identityQuery() {
  const v = (id) => $(id).value.trim();
  return { channel: v('i-channel'), from: dayStart(v('i-from')), to: dayEnd(v('i-to')), limit: v('i-limit') || '200' };
}

async function loadIdentity() {
  const r = await api('GET', `/v1/console/identity-refusals${query(identityQuery())}`);
  if (!r.ok) return showError('查询人卡不一致记录失败 Identity refusals refused', r);
  fill($('identity-count'), h('b', {}, `共 ${r.body.count} 条`), h('small', {}, ` ${r.body.count} refusal(s)`));
  const rows = r.body.items.map((x) =>
    h(
      'tr',
      {},
      h('td', { class: 'nowrap' }, fmtTime(x.at)),
      h('td', {}, x.channel_text ?? '', h('small', {}, ` ${x.channel}`)),
      h(
        'td',
        {},
        h('code', {}, x.client_id),
        x.operator ? h('div', {}, h('small', {}, '操作员 '), x.operator.opter_no ?? '', ' ', x.operator.opter_name ?? '') : null,
      ),
      h('td', {}, (x.mismatched_fields ?? []).map((f) => FIELD[f] ?? f).join('、')),
      h(
        'td',
        {},
        h('div', {}, h('small', {}, '人员编号 '), h('code', {}, x.owner?.psn_no ?? '')),
        h('div', {}, x.owner?.psn_name ?? '', ' ', h('code', {}, x.owner?.certno ?? '')),
      ),
      h('td', {}, x.counter_person?.psn_name ?? '—', ' ', x.counter_person?.certno ? h('code', {}, x.counter_person.certno) : null),
      h('td', {}, h('code', {}, x.transaction_id)),
    ),
  );
  if (!rows.length) rows.push(h('tr', {}, h('td', { colspan: 7, class: 'empty' }, bi('没有人卡不一致记录', 'No refusals.'))));
  fill($('identity-rows'), ...rows);
}

/** The CSV is fetched with the key (never in a URL) and handed to the browser as a download. */
async function exportIdentityCsv() {
  let res;
  try {
    res = await fetch(`/v1/console/identity-refusals.csv${query(identityQuery())}`, {
      headers: authHeaders(),
      cache: 'no-store',
      credentials: credentials(),
    });
  } catch {
    return showError('导出失败 Export failed', { status: 0, error: { code: 'NETWORK', message: '无法连接网关' } });
  }
  if (!res.ok) {
    let error;
    try {
      error = (await res.json()).error;
    } catch {
      error = { code: `HTTP_${res.status}`, message: `网关返回 HTTP ${res.status}` };
    }
    return showError('导出失败 Export refused', { status: res.status, error });
  }
  const blob = await res.blob();
  const a = h('a', { href: URL.createObjectURL(blob), download: `identity-refusals-${new Date().toISOString().slice(0, 10)}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  showOk('已导出 Exported', '人卡不一致记录 CSV（姓名、证件号码已脱敏），可用于向当地医保部门报告。');
}

const compactFilter = (f) =>
  Object.entries(f)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

// ---- reconciliation (对账) and month close -------------------------------------------------------

/** A CSV report: fetched with the key (a link could not carry it), then saved; true once handed to the browser. */
async function download(path, name) {
  let res;
  try {
    res = await fetch(path, { headers: authHeaders(), cache: 'no-store', credentials: credentials() });
  } catch {
    showError('下载失败 Download failed', { status: 0, error: { code: 'NETWORK', message: '无法连接网关' } });
    return false;
  }
  if (!res.ok) {
    showError('下载失败 Download refused', { status: res.status, error: (await res.json().catch(() => ({}))).error });
    return false;
  }
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return true;
}

async function loadRecon() {
  const ov = await api('GET', '/v1/console/reconciliation');
  if (!ov.ok) return showError('查询对账失败 Reconciliation refused', ov);
  const w = ov.body.previous.warning;
  const banner = $('recon-warning');
  banner.hidden = w.level === 'none';
  if (w.level !== 'none')
    fill(
      banner,
      h(
        'div',
        { class: 'notice-title' },
        w.level === 'overdue' ? `${ov.body.previous.month} 逾期未月结` : `${ov.body.previous.month} 待月结`,
        h('small', {}, ` ${w.level}`),
      ),
      h('div', {}, `请于 ${w.close_by} 前完成上月所有结算费用对账并关账；未对平的日期：${ov.body.previous.open_days.join('、') || '无'}`),
      h('div', {}, h('small', {}, w.message)),
    );
  if (!$('r-month').value) $('r-month').value = w.level === 'none' ? ov.body.current.month : ov.body.previous.month;
  const month = $('r-month').value;
  const r = await api('GET', `/v1/console/reconciliation/months/${encodeURIComponent(month)}`);
  if (!r.ok) return showError('查询月报失败 Month refused', r);
  const m = r.body;
  fill(
    $('recon-summary'),
    h(
      'b',
      {},
      m.closed
        ? `已关账（${fmtTime(m.closed.at)}，${m.closed.by}）`
        : `未对平 ${m.open_days.length} 天，未处理差异 ${m.open_differences} 条`,
    ),
    h('small', {}, m.closed ? ' closed' : ` ${m.open_days.length} open day(s)`),
  );
  const rows = m.days.map((d) =>
    h(
      'tr',
      { dataset: { day: d.day } },
      h('td', { class: 'nowrap' }, d.day),
      h('td', {}, h('span', { class: `badge r-${d.status}` }, DAY_STATUS[d.status] ?? d.status, h('small', {}, ` ${d.status}`))),
      h('td', {}, String(d.count)),
      h('td', {}, yuan(d.medfee_sumamt)),
      h('td', {}, yuan(d.fund_pay_sumamt)),
      h('td', {}, yuan(d.acct_pay)),
      h('td', {}, String(d.open_differences)),
      h('td', {}, d.last_error ?? ''),
      h(
        'td',
        { class: 'nowrap' },
        h('button', { type: 'button', class: 'recon-open', onclick: () => openReconDay(d.day) }, '明细 ', h('small', {}, 'Details')),
        // a day still to come cannot be reconciled yet (today can, so far)
        m.closed || d.day > ov.body.today
          ? ''
          : h('button', { type: 'button', class: 'recon-run', onclick: () => runReconDay(d.day) }, '对账 ', h('small', {}, 'Run')),
      ),
    ),
  );
  fill($('recon-rows'), ...rows);
  if (state.reconDay?.startsWith(month)) await openReconDay(state.reconDay);
}

async function runReconDay(day) {
  const r = await api('POST', `/v1/console/reconciliation/days/${day}/run`);
  if (!r.ok) return showError(`${day} 对账未能开始 Run refused`, r);
  showOk(`${day} 对账已开始 Run started`, '稍后刷新查看结果 — refresh to see the result');
  await loadRecon();
}

async function openReconDay(day) {
  state.reconDay = day;
  const r = await api('GET', `/v1/console/reconciliation/days/${day}`);
  if (!r.ok) return showError('查询对账日失败 Day refused', r);
  const d = r.body;
  $('recon-day').hidden = false;
  fill(
    $('recon-day-title'),
    `${day} ${DAY_STATUS[d.status] ?? d.status}`,
    h('small', {}, ` ${d.status}, ${d.run_count} run(s) `),
    h(
      'button',
      {
        type: 'button',
        class: 'recon-day-csv',
        onclick: () => download(`/v1/console/reconciliation/days/${day}/report.csv`, `reconciliation-${day}.csv`),
      },
      '下载日报 CSV ',
      h('small', {}, 'Day report'),
    ),
  );
  const amounts = (a) => (a ? `${yuan(a.medfee_sumamt)} / ${yuan(a.fund_pay_sumamt)} / ${yuan(a.acct_pay)}` : '—');
  const act = async (x, action) => {
    const body = action === 'reverse' ? undefined : { reason: window.prompt('原因 Reason') ?? '' };
    const res = await api('POST', `/v1/console/reconciliation/days/${day}/differences/${x.id}/${action}`, body);
    if (!res.ok) showError(`差异 ${x.id} 处理失败 Refused`, res);
    else showOk(`差异 ${x.id}：${DIFF_STATE[res.body.state] ?? res.body.state}`);
    await openReconDay(day);
  };
  const rows = d.differences.map((x) =>
    h(
      'tr',
      {},
      h('td', {}, x.id),
      h('td', {}, DIFF_KIND[x.kind] ?? x.kind, h('small', {}, ` ${x.kind}`)),
      h('td', {}, DIFF_STATE[x.state] ?? x.state, h('small', {}, ` ${x.state}`)),
      h(
        'td',
        {},
        keysList(
          { setl_id: x.setl_id, mdtrt_id: x.mdtrt_id, psn_no: x.psn_no },
          { msgid: x.msgid, visit: x.journal?.encounter_id ?? x.gateway?.encounter_id },
        ),
      ),
      h('td', {}, amounts(x.platform)),
      h('td', {}, amounts(x.gateway)),
      h('td', {}, x.resolution ? `${x.resolution.how}${x.resolution.reason ? `：${x.resolution.reason}` : ''}` : (x.action?.why ?? '')),
      h(
        'td',
        { class: 'nowrap' },
        x.kind === 'platform_only' && x.state === 'open'
          ? h('button', { type: 'button', class: 'diff-reverse', onclick: () => act(x, 'reverse') }, '冲正 ', h('small', {}, 'Reverse'))
          : '',
        x.kind === 'platform_only' && x.state === 'open'
          ? h('button', { type: 'button', class: 'diff-adopt', onclick: () => act(x, 'adopt') }, '采纳 ', h('small', {}, 'Adopt'))
          : '',
        x.state !== 'resolved'
          ? h('button', { type: 'button', class: 'diff-close', onclick: () => act(x, 'close') }, '关闭 ', h('small', {}, 'Close'))
          : '',
      ),
    ),
  );
  if (!rows.length) rows.push(h('tr', {}, h('td', { colspan: 8, class: 'empty' }, bi('没有差异', 'No differences.'))));
  fill($('recon-diff-rows'), ...rows);
}

async function closeReconMonth() {
  const month = $('r-month').value;
  const r = await api('POST', `/v1/console/reconciliation/months/${encodeURIComponent(month)}/close`);
  if (!r.ok) {
    const open = r.error?.details?.open_days;
    showError(
      `${month} 不能关账 Month not closed`,
      open ? { ...r, error: { ...r.error, details: { why: `未对平：${open.join('、')}` } } } : r,
    );
  } else showOk(`${month} 已关账 Closed`);
  await loadRecon();
}

// ---- wiring -----------------------------------------------------------------------------------

function showTab(tab) {
  state.tab = tab;
  for (const b of document.querySelectorAll('.tabs [data-tab]')) b.setAttribute('aria-selected', String(b.dataset.tab === tab));
  for (const t of ['transactions', 'uploads', 'recon', 'identity', 'audit']) $(`tab-${t}`).hidden = t !== tab;
  if (tab === 'transactions') loadList();
  else if (tab === 'uploads') loadUploads();
  else if (tab === 'recon') loadRecon();
  else if (tab === 'identity') loadIdentity();
  else loadAudit();
}

function fillSelects() {
  fill($('f-status'), ...STATUS_OPTIONS.map((s) => h('option', { value: s }, `${STATUS[s]} — ${s}`)));
  fill(
    $('f-infno'),
    h('option', { value: '' }, '全部 — all'),
    ...Object.entries(INFNO).map(([k, v]) => h('option', { value: k }, `${k} ${v}`)),
  );
  fill(
    $('f-category'),
    h('option', { value: '' }, '全部 — all'),
    ...Object.entries(CATEGORY).map(([k, v]) => h('option', { value: k }, `${v} — ${k}`)),
  );
  fill(
    $('a-action'),
    h('option', { value: '' }, '全部 — all'),
    ...Object.entries(AUDIT_ACTION).map(([k, v]) => h('option', { value: k }, `${v} — ${k}`)),
  );
}

async function loadCatalog() {
  try {
    const res = await fetch('/console/error-catalog.json', { cache: 'no-store' });
    if (res.ok) state.catalog = await res.json();
  } catch {
    state.catalog = {};
  }
  fill($('error-codes'), ...Object.entries(state.catalog).map(([code, e]) => h('option', { value: code }, e.message)));
}

function init() {
  fillSelects();
  $('connect-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    connect($('api-key').value.trim());
  });
  $('disconnect').addEventListener('click', () => disconnect());
  $('signin-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    signIn($('signin-username').value.trim(), $('signin-password').value);
  });
  $('signout').addEventListener('click', () => signOut());
  $('filter-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    loadList();
  });
  // the button is not named "reset": an element with that id would shadow the form's reset() (issue 15)
  $('filter-reset').addEventListener('click', () => {
    HTMLFormElement.prototype.reset.call($('filter-form'));
    loadList();
  });
  $('list-csv').addEventListener('click', () => exportListCsv());
  $('new-items').addEventListener('click', () => loadList());
  $('bulk-reverse').addEventListener('click', () => bulk('reverse'));
  $('bulk-retry').addEventListener('click', () => bulk('retry'));
  $('bulk-resolve').addEventListener('click', () => bulk('resolve'));
  $('back').addEventListener('click', closeDetail);
  $('detail-refresh').addEventListener('click', () => state.detailId && openDetail(state.detailId));
  $('act-reverse').addEventListener('click', () => act('reverse'));
  $('act-retry').addEventListener('click', () => act('retry'));
  $('act-resolve').addEventListener('click', () => act('resolve'));
  $('upload-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    loadUploads();
  });
  $('identity-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    loadIdentity();
  });
  $('identity-csv').addEventListener('click', () => exportIdentityCsv());
  $('recon-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    loadRecon();
  });
  $('recon-csv').addEventListener('click', () =>
    download(
      `/v1/console/reconciliation/months/${encodeURIComponent($('r-month').value)}/report.csv`,
      `reconciliation-${$('r-month').value}.csv`,
    ),
  );
  $('recon-close').addEventListener('click', closeReconMonth);
  $('audit-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    loadAudit();
  });
  for (const b of document.querySelectorAll('.tabs [data-tab]')) b.addEventListener('click', () => showTab(b.dataset.tab));
  // the dialog's complaint goes away once the staff member starts correcting
  for (const ev of ['input', 'change']) $('dlg-form').addEventListener(ev, () => ($('dlg-error').hidden = true));
  loadCatalog().then(() => {
    const saved = sessionStorage.getItem(KEY_STORE);
    const csrf = sessionStorage.getItem(CSRF_STORE);
    if (saved) connect(saved);
    else if (csrf) resumeSession(csrf);
  });
  document.body.dataset.ready = 'true';
}

init();
