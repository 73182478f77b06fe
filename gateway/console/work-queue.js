/**
 * The work queue's table as components (issue 15: the console's first part written with Preact and
 * htm, served by the gateway from node_modules — /console/vendor/htm-preact.js; nothing from
 * outside). The rest of the page (console.js) hands it the list the API answered and what to do
 * when a row is opened; the component owns nothing else, so the page's other tabs stay as they are.
 *
 * One row per work item: a transaction (its 2601 attempts counted in it, never rows of their own),
 * a self-pay upload, a reconciliation difference, a refund that needs a decision. Personal data
 * never reaches this table: the API answers masked views.
 */
import { html, render } from '/console/vendor/htm-preact.js';

const COLUMNS = 8;

/** The amount as the API gave it (a number with two decimals), shown as yuan; display only. */
const yuan = (v) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(2) : '—');

function Infno({ infno, t }) {
  return html`<span class="infno"><b>${infno ?? '—'}</b> <span class="infno-name">${t.INFNO[infno] ?? ''}</span></span>`;
}

function Badge({ status, t }) {
  return html`<span class=${`badge s-${status}`}>${t.STATUS[status] ?? t.OUTCOME[status] ?? status}<small> ${status}</small></span>`;
}

function Keys({ keys = {}, extra = {}, t }) {
  const items = Object.entries({ ...extra, ...keys }).filter(([, v]) => v);
  if (!items.length) return '—';
  return html`<div class="keys">
    ${items.map(([k, v]) => html`<div key=${k}><small>${t.KEYS[k] ?? k} </small><code>${v}</code></div>`)}
  </div>`;
}

function ErrorCell({ error, t }) {
  if (!error) return '—';
  const c = t.catalog[error.code];
  return html`<div class="err">
    <code>${error.code}</code>
    ${c ? html`<div>${c.message}</div>` : null}
    ${error.platform_err_msg ? html`<div class="platform-msg"><small>平台：</small>${error.platform_err_msg}</div>` : null}
    ${error.reason && error.reason !== error.platform_err_msg ? html`<div><small>${error.reason}</small></div>` : null}
  </div>`;
}

function OpenButton({ onClick, children, cls = 'open' }) {
  const click = (ev) => {
    ev.stopPropagation();
    onClick();
  };
  return html`<button type="button" class=${cls} onClick=${click}>${children}</button>`;
}

function TransactionRow({ x, t, on }) {
  const r = x.resolution;
  return html`<tr class="row" data-id=${x.id} onClick=${() => on.openTransaction(x.id)}>
    <td class="nowrap">${t.fmtTime(x.created_at)}</td>
    <td><${Infno} infno=${x.infno} t=${t} /></td>
    <td><span class=${`badge o-${x.outcome}`}>${t.OUTCOME[x.outcome] ?? x.outcome}<small> ${x.outcome}</small></span></td>
    <td>
      ${
        r
          ? html`<${Badge} status=${r.state} t=${t} /><div><small>冲正尝试 ${r.attempts} 次 attempts</small></div>`
          : html`<${Badge} status=${x.status} t=${t} />`
      }
    </td>
    <td class="amount">${yuan(x.medfee_sumamt)}</td>
    <td><${Keys} keys=${x.keys} extra=${x.encounter_id ? { visit: x.encounter_id } : {}} t=${t} /></td>
    <td><${ErrorCell} error=${x.error} t=${t} /></td>
    <td><${OpenButton} onClick=${() => on.openTransaction(x.id)}>详情 <small>Open</small><//></td>
  </tr>`;
}

/** A self-pay upload (pending or refused): its deliveries open as transactions. */
function UploadRow({ x, t, on }) {
  const last = (x.transaction_ids ?? []).at(-1);
  return html`<tr class="row" data-id=${x.id}>
    <td class="nowrap">${t.fmtTime(x.created_at)}</td>
    <td><${Infno} infno=${x.infno} t=${t} /></td>
    <td>第 ${x.seq} 号<small> seq ${x.seq}</small></td>
    <td><${Badge} status=${x.status} t=${t} /></td>
    <td class="amount">—</td>
    <td><${Keys} keys=${x.keys} t=${t} /></td>
    <td><${ErrorCell} error=${x.last_error} t=${t} /></td>
    <td>
      ${last ? html`<${OpenButton} cls="open-upload" onClick=${() => on.openTransaction(last)}>最近一次上传 <small>Last delivery</small><//>` : ''}
    </td>
  </tr>`;
}

/** An open reconciliation difference: staff act on it in the reconciliation tab, on its day. */
function DifferenceRow({ x, t, on }) {
  return html`<tr class="row" data-id=${x.id}>
    <td class="nowrap">${t.fmtTime(x.created_at)}</td>
    <td><span class="infno"><b>3202</b> <span class="infno-name">对账 ${x.day}</span></span></td>
    <td>${t.DIFF_KIND[x.kind] ?? x.kind}<small> ${x.kind}</small></td>
    <td><${Badge} status=${x.status} t=${t} /></td>
    <td class="amount">${yuan(x.medfee_sumamt)}</td>
    <td><${Keys} keys=${x.keys} t=${t} /></td>
    <td>${x.memo ?? '—'}</td>
    <td><${OpenButton} cls="open-day" onClick=${() => on.openDay(x.day)}>去对账 <small>Reconcile</small><//></td>
  </tr>`;
}

/**
 * A partial refund that needs a decision: refunded in full, the kept lines not settled again. What
 * happened and what to do, as the gateway words them; staff mark it handled once they have.
 */
function RefundRow({ x, t, on }) {
  const extra = { refund: x.refund_id, ...(x.encounter_id ? { visit: x.encounter_id } : {}) };
  return html`<tr class="row" data-id=${x.id}>
    <td class="nowrap">${t.fmtTime(x.created_at)}</td>
    <td><span class="infno"><b>退费</b> <span class="infno-name">部分退费</span></span></td>
    <td>${x.what}<small> refunded in full</small></td>
    <td><${Badge} status=${x.status} t=${t} /></td>
    <td class="amount">${yuan(x.medfee_sumamt)}</td>
    <td><${Keys} keys=${x.keys} extra=${extra} t=${t} /></td>
    <td>
      <div class="todo">${x.todo}</div>
      <${ErrorCell} error=${x.error} t=${t} />
    </td>
    <td><${OpenButton} cls="refund-handled" onClick=${() => on.refundHandled(x)}>已处理 <small>Done</small><//></td>
  </tr>`;
}

function WorkQueue({ items, t, on }) {
  const rows = items.map((x) => {
    if (x.type === 'upload') return html`<${UploadRow} key=${x.id} x=${x} t=${t} on=${on} />`;
    if (x.type === 'refund') return html`<${RefundRow} key=${x.id} x=${x} t=${t} on=${on} />`;
    if (x.type === 'difference') return html`<${DifferenceRow} key=${x.id} x=${x} t=${t} on=${on} />`;
    return html`<${TransactionRow} key=${x.id} x=${x} t=${t} on=${on} />`;
  });
  return html`<table id="tx-table" class="grid work-queue">
    <colgroup>
      <col class="c-time" /><col class="c-infno" /><col class="c-outcome" /><col class="c-status" />
      <col class="c-amount" /><col class="c-keys" /><col class="c-error" /><col class="c-open" />
    </colgroup>
    <thead>
      <tr>
        <th>时间 <small>Time</small></th>
        <th>交易 <small>infno</small></th>
        <th>结果 <small>Outcome</small></th>
        <th>处理状态 <small>Status</small></th>
        <th class="amount">金额 <small>medfee</small></th>
        <th>业务号 <small>Business keys</small></th>
        <th>错误 <small>Error</small></th>
        <th></th>
      </tr>
    </thead>
    <tbody id="tx-rows">
      ${rows.length ? rows : html`<tr><td colspan=${COLUMNS} class="empty">没有符合条件的记录<small> Nothing matches this filter.</small></td></tr>`}
    </tbody>
  </table>`;
}

/**
 * Renders (or re-renders) the queue into `el`. `t`: the page's labels and helpers (INFNO, STATUS,
 * OUTCOME, KEYS, DIFF_KIND, catalog, fmtTime); `on`: openTransaction(id), openDay(day), refundHandled(item).
 */
export function renderWorkQueue(el, items, t, on) {
  render(html`<${WorkQueue} items=${items} t=${t} on=${on} />`, el);
}
