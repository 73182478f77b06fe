/**
 * 3201 医药机构费用结算对总账, 9101 文件上传, 3202 医药机构费用结算对明细账, 9102 文件下载 (the formats of
 * ../shared/spec/spec-fields-more.json). 3201 compares the hospital's totals of a group with the
 * ledger's (reconciliation.ts); 9101 keeps the uploaded zip under a file_qury_no; 3202 reads that
 * detail file, checks it against the totals sent with it, and writes the result file (one line
 * per difference); 9102 answers with a kept file itself — the raw zip, not JSON (server.ts sends
 * a FILE output as application/octet-stream).
 */
import { randomBytes } from 'node:crypto';
import { BusinessError } from '../envelope.js';
import { dec } from '../money.js';
import { faultyResult, readDetailFile, resultFile, rowsBetween, totals } from '../reconciliation.js';
import { formatDateTime } from '../time.js';
import type { TxContext } from './context.js';

/** The output of a transaction that answers with a file (9102). */
export const FILE = '__file';

interface Data3201 {
  insutype: string;
  clr_type: string;
  setl_optins: string;
  stmt_begndate: string;
  stmt_enddate: string;
  medfee_sumamt: number;
  fund_pay_sumamt: number;
  acct_pay: number;
  fixmedins_setl_cnt: number;
  refd_setl_flag?: string;
}

const day = (d: string) => d.slice(0, 10);

export function totalsReconciliation(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as { data: Data3201 };
  const rows = rowsBetween(ctx.state, day(data.stmt_begndate), day(data.stmt_enddate)).filter(
    (r) =>
      r.insutype === data.insutype &&
      r.clr_type === data.clr_type &&
      r.setl_optins === data.setl_optins &&
      // REFD_SETL_FLAG 0: the totals leave the refunds out (1, empty: they include them)
      (data.refd_setl_flag !== '0' || r.refd_setl_flag === '0'),
  );
  const t = totals(rows);
  const same =
    t.count === data.fixmedins_setl_cnt &&
    t.medfee_sumamt.equals(dec(data.medfee_sumamt)) &&
    t.fund_pay_sumamt.equals(dec(data.fund_pay_sumamt)) &&
    t.acct_pay.equals(dec(data.acct_pay));
  const stmt_rslt = same ? '0' : t.count > data.fixmedins_setl_cnt ? '1' : t.count < data.fixmedins_setl_cnt ? '2' : '3';
  const dscr = { '0': '对平', '1': '中心多', '2': '医药机构多', '3': '数据不一致' }[stmt_rslt];
  return {
    stmtinfo: {
      setl_optins: data.setl_optins,
      stmt_rslt,
      stmt_rslt_dscr: `${dscr}: 中心${t.count}笔 ${t.medfee_sumamt.toFixed(2)}元, 医药机构${data.fixmedins_setl_cnt}笔 ${dec(data.medfee_sumamt).toFixed(2)}元`,
    },
  };
}

const fileQuryNo = () => `fsi/plc/${randomBytes(11).toString('hex')}`;
const dldEndtime = (now: Date) => formatDateTime(new Date(now.getTime() + 24 * 3600_000));

export function fileUpload(ctx: TxContext): Record<string, unknown> {
  const { fsUploadIn } = ctx.envelope.input as unknown as { fsUploadIn: { filename: string; fixmedins_code: string; in: string } };
  const bytes = Buffer.from(fsUploadIn.in, 'base64');
  if (bytes.length === 0) throw new BusinessError('上传文件为空');
  const file_qury_no = fileQuryNo();
  ctx.state.recon.files.set(file_qury_no, { filename: fsUploadIn.filename, bytes: new Uint8Array(bytes) });
  return { file_qury_no, filename: fsUploadIn.filename, fixmedins_code: fsUploadIn.fixmedins_code, dld_endtime: dldEndtime(ctx.now) };
}

interface Data3202 {
  setl_optins: string;
  file_qury_no: string;
  stmt_begndate: string;
  stmt_enddate: string;
  medfee_sumamt: number;
  fund_pay_sumamt: number;
  cash_payamt: number;
  fixmedins_setl_cnt: number;
  clr_type: string;
}

export function detailReconciliation(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as { data: Data3202 };
  const upload = ctx.state.recon.files.get(data.file_qury_no);
  if (!upload) throw new BusinessError(`文件查询号不存在: ${data.file_qury_no}`);
  const lines = readDetailFile(upload.bytes);
  if (typeof lines === 'string') throw new BusinessError(lines);
  const sent = totals(lines);
  if (
    sent.count !== data.fixmedins_setl_cnt ||
    !sent.medfee_sumamt.equals(dec(data.medfee_sumamt)) ||
    !sent.fund_pay_sumamt.equals(dec(data.fund_pay_sumamt))
  )
    throw new BusinessError('明细数据与汇总数据不符');
  const platform = rowsBetween(ctx.state, day(data.stmt_begndate), day(data.stmt_enddate)).filter(
    (r) => r.setl_optins === data.setl_optins && r.clr_type === data.clr_type,
  );
  const file_qury_no = fileQuryNo();
  const filename = `result_${data.clr_type}_${data.setl_optins}_${formatDateTime(ctx.now).replace(/\D/g, '')}.zip`;
  ctx.state.recon.files.set(file_qury_no, { filename, bytes: resultFile(platform, lines) });
  return { fileinfo: { file_qury_no, filename, dld_endtime: dldEndtime(ctx.now) } };
}

export function fileDownload(ctx: TxContext): Record<string, unknown> {
  const { fsDownloadIn } = ctx.envelope.input as unknown as { fsDownloadIn: { file_qury_no: string; filename: string } };
  const kept = ctx.state.recon.files.get(fsDownloadIn.file_qury_no);
  if (!kept) throw new BusinessError(`文件不存在或已过期: ${fsDownloadIn.file_qury_no}`);
  const fault = ctx.state.recon.resultFaults.shift();
  return { [FILE]: { filename: kept.filename, bytes: fault ? faultyResult(fault) : kept.bytes } };
}
