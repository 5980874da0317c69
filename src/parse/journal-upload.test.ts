import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJournalUploadConf } from './journal-upload.js';

test('stock file has the URL commented out', () => {
  const stock = `#  This file is part of systemd.
#
# Entries in this file show the compile time defaults.
# You can change settings by editing this file.
# Defaults can be restored by simply deleting this file.
#
# See journal-upload.conf(5) for details.

[Upload]
# URL=
# ServerKeyFile=/etc/ssl/private/journal-upload.pem
# ServerCertificateFile=/etc/ssl/certs/journal-upload.pem
# TrustedCertificateFile=/etc/ssl/ca/trusted.pem
`;
  assert.equal(parseJournalUploadConf(stock).value.url, undefined);
});

test('URL set in [Upload]; last assignment wins; other sections ignored', () => {
  const { value } = parseJournalUploadConf('[Other]\nURL=http://no\n[Upload]\nURL=http://old:19532\nURL=https://logs.example.com:19532\nbad line\n');
  assert.deepEqual(value.url, { value: 'https://logs.example.com:19532', line: 5 });
  assert.equal(parseJournalUploadConf('[Upload]\nURL=\n').value.url, undefined);
});
