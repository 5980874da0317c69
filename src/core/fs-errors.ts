/**
 * What a failed file operation means, in words ("no such file or directory"), for the one-line errors of
 * every command: a bare errno code (ENOENT) is not an explanation.
 */
const WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'is a directory',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EEXIST: 'already exists',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EBUSY: 'device or resource busy',
  EIO: 'input/output error',
  EXDEV: 'cannot move across file systems',
  EFBIG: 'file too large',
  EDQUOT: 'disk quota exceeded',
};

export function fsErrorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException | undefined;
  const words = err?.code ? WORDS[err.code] : undefined;
  if (words) return words;
  // Node's own message starts with the code and repeats the path: "EINVAL: invalid argument, open '/x'".
  const message = String(err?.message ?? e).split('\n')[0];
  return message.replace(/^[A-Z][A-Z0-9_]+: /, '').replace(/, \w+ '[^']*'( -> '[^']*')?$/, '');
}
