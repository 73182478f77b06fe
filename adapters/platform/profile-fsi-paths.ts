import { randomBytes } from 'node:crypto';
import { plainDecode, type WireReply, type WireRequest } from './wire.js';

/**
 * Profile "fsi-paths": the national front-end machine (前置机, transport-profiles.md B). The JSON
 * envelope as it is, no signature headers, to
 * - `call-service` routing (the default: openhis-itaii FileService and nhis-web's "医保接口调用示例"):
 *   one endpoint `/fsi/api/rsfComIfsService/callService` for every infno, the infno only in the body;
 * - `service-paths` routing (openhis ClassHelper GetPubWay): a path per service, e.g. 2207
 *   `/fsi/api/outpatientSettleService/saveSettletmentV2`; an infno the map does not name goes to the
 *   call-service endpoint.
 * 9101 (file upload) is a multipart form: part `jsonStr` = {"filename","fixmedins_code"}, binary part
 * `in` = the file (the bytes of the Base64 `fsUploadIn.in` the JSON form carries). Pure: the multipart
 * boundary may be given.
 */
export interface FsiSettings {
  /** the front-end machine, e.g. http://10.1.2.3:8097 — the paths below are appended */
  baseUrl: string;
  routing: 'call-service' | 'service-paths';
  callServicePath: string;
  /** where a multipart 9101 goes (default: the call-service endpoint, or /fsi/api/fileupload/upload with service-paths) */
  uploadPath: string;
  /** 9101 as a multipart form (the front-end's own upload) or as the JSON envelope with Base64 `in` */
  upload: 'multipart' | 'json';
  /** an `apikey` header, if the front-end asks for one (openhis sends `apikey: <value>`) */
  apikey?: string;
}

export const FSI_CALL_SERVICE_PATH = '/fsi/api/rsfComIfsService/callService';
export const FSI_UPLOAD_PATH = '/fsi/api/fileupload/upload';

/**
 * openhis ClassHelper.cs GetPubWay (a commented-out map). Left out: its 3302 → stmtDetail and 5206 →
 * queryFixmedinsPracPsnSum, which look like copy errors (they go to the call-service endpoint).
 */
export const FSI_SERVICE_PATHS: Readonly<Record<string, string>> = {
  '9001': '/fsi/api/signInSignOutService/signIn',
  '9101': FSI_UPLOAD_PATH,
  '9102': '/fsi/api/fileupload/download',
  '1101': '/fsi/api/fsiPsnInfoService/queryPsnInfo',
  '2001': '/fsi/api/fsiPsnPriorityInfoService/queryPsnPriorityInfo',
  '2207': '/fsi/api/outpatientSettleService/saveSettletmentV2',
  '2304': '/fsi/api/hospSettService/settV2',
  '2601': '/fsi/api/reverseService/revsMethod',
  '3101': '/fsi/api/riskConService/beforeAnalyze',
  '3102': '/fsi/api/riskConService/courseAnalyze',
  '3201': '/fsi/api/ybSettlementStmtService/stmtTotal',
  '3202': '/fsi/api/ybSettlementStmtService/stmtDetail',
  '4101': '/fsi/api/medinfoupload/setllistinfoupld',
  '4101A': '/fsi/api/medinfoupload/setllistinfoupldA',
  '5203': '/fsi/api/fsiIntegratedQueryService/querySetlInfo',
  '5204': '/fsi/api/fsiIntegratedQueryService/queryFeeList',
  '5301': '/fsi/api/fsiIntegratedQueryService/queryPsnOpspReg',
};

const join = (base: string, path: string) => `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;

export function fsiUrl(s: FsiSettings, infno: string): string {
  if (infno === '9101' && s.upload === 'multipart') return join(s.baseUrl, s.uploadPath);
  const path = s.routing === 'service-paths' ? (FSI_SERVICE_PATHS[infno] ?? s.callServicePath) : s.callServicePath;
  return join(s.baseUrl, path);
}

/** A multipart/form-data body (RFC 7578) of text and file parts. */
export function multipart(
  parts: Array<{ name: string; text: string } | { name: string; filename: string; bytes: Buffer }>,
  boundary: string,
): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const head =
      'text' in p
        ? `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n`
        : `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename.replace(/["\r\n]/g, '_')}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    chunks.push(Buffer.from(head, 'utf8'), 'text' in p ? Buffer.from(p.text, 'utf8') : p.bytes, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

export function encodeFsi(
  s: FsiSettings,
  infno: string,
  envelope: object,
  boundary = `----yidi${randomBytes(12).toString('hex')}`,
): WireRequest {
  const headers: Record<string, string> = s.apikey ? { apikey: s.apikey } : {};
  const env = envelope as {
    fixmedins_code?: string;
    input?: { fsUploadIn?: { in?: unknown; filename?: unknown; fixmedins_code?: unknown } };
  };
  const up = env.input?.fsUploadIn;
  if (infno === '9101' && s.upload === 'multipart' && up && typeof up.in === 'string' && typeof up.filename === 'string') {
    const jsonStr = JSON.stringify({ filename: up.filename, fixmedins_code: up.fixmedins_code ?? env.fixmedins_code ?? '' });
    return {
      url: fsiUrl(s, infno),
      headers: { ...headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: multipart(
        [
          { name: 'jsonStr', text: jsonStr },
          { name: 'in', filename: up.filename, bytes: Buffer.from(up.in, 'base64') },
        ],
        boundary,
      ),
    };
  }
  return {
    url: join(s.baseUrl, s.routing === 'service-paths' ? (FSI_SERVICE_PATHS[infno] ?? s.callServicePath) : s.callServicePath),
    headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(envelope),
  };
}

export const decodeFsi = (reply: WireReply) => plainDecode(reply);
