import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Personal data never reaches a log line (design.md invariants): these paths are censored wherever
 * they appear, compiled once by pino. A test reads the real log output of a whole flow.
 */
export const PERSONAL_DATA_FIELDS = [
  'certno',
  'psn_name',
  'mdtrt_cert_no',
  'card_sn',
  'tel',
  'phone',
  'mob',
  'conn_tel',
  'addr',
  'authorization',
  'x-api-key',
  'x-tif-signature',
  'secret',
  'token',
  'ec_token',
  'cainfo',
  'sign_no',
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const f of PERSONAL_DATA_FIELDS) {
    const key = /^[a-z_]+$/.test(f) ? f : `["${f}"]`;
    const join = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
    paths.push(key, join('*'), join('*.*'), join('*.*.*'), join('*.*.*.*'));
  }
  return paths;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'yidi-gateway' },
      redact: { paths: redactPaths(), censor: '[redacted]' },
      // error messages may quote a platform err_msg, which can contain a name: keep them, they are
      // the platform's words about a transaction, but never log request or reply bodies whole.
    },
    destination,
  );
}

export type { Logger };
