import { createHash, randomBytes } from 'node:crypto';

/** x-tif-signature = lowercase hex SHA-256(timestamp + secret + nonce + timestamp) */
export function tifSignature(timestamp: string, secret: string, nonce: string): string {
  return createHash('sha256')
    .update(timestamp + secret + nonce + timestamp, 'utf8')
    .digest('hex');
}

export function tifHeaders(paasid: string, secret: string, now: Date, nonce = randomBytes(16).toString('hex')) {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return {
    'x-tif-paasid': paasid,
    'x-tif-timestamp': timestamp,
    'x-tif-nonce': nonce,
    'x-tif-signature': tifSignature(timestamp, secret, nonce),
  };
}
