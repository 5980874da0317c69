import { createHash } from 'node:crypto';

/** sha256 of the bytes (a string as UTF-8), lowercase hex: the digest plans pin files with. */
export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
