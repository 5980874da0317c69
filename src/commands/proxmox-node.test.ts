import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Snapshot } from '../collect/snapshot.js';
import { memorySnapshot } from '../collect/memory.js';
import { runAudit } from './audit.js';
import { looksLikeProxmoxNode, notProxmoxNotice } from './proxmox-node.js';
import { recordingIO } from './testing.js';

// A live collection with the given files and commands, as `local` or ssh:// yields it.
function live(kind: 'local' | 'ssh', target: string, files: Record<string, string>, commands: Record<string, string> = {}): Snapshot {
  const s = new Snapshot({ kind, target });
  s.meta = { privilege: 'root', hostname: 'ws1' };
  for (const [path, content] of Object.entries(files)) s.addFile({ path, content: Buffer.from(content), stat: { mode: 0o644, uid: 0, gid: 0, type: 'file' } });
  for (const [name, output] of Object.entries(commands)) s.commands.set(name, { name, output, exitCode: 0 });
  return s;
}

// A Debian workstation's dpkg status (no Proxmox package) and the fresh-install example's (pve-manager installed).
const DEBIAN_DPKG = 'Package: openssh-server\nStatus: install ok installed\nVersion: 1:10.0p1-7\n\nPackage: pve-manager-doc\nStatus: deinstall ok config-files\n';
const PVE_DPKG = fs.readFileSync('examples/fresh-install/var/lib/dpkg/status', 'utf8');
const WORKSTATION = { '/etc/hostname': 'ws1\n', '/etc/ssh/sshd_config': 'PermitRootLogin no\n', '/var/lib/dpkg/status': DEBIAN_DPKG };

test('a Proxmox VE node is recognised by /etc/pve, pveversion -v or the pve-manager package', () => {
  assert.equal(looksLikeProxmoxNode(live('local', 'local', WORKSTATION)), false);
  assert.equal(looksLikeProxmoxNode(live('local', 'local', { ...WORKSTATION, '/etc/pve/.version': '{}' })), true);
  assert.equal(looksLikeProxmoxNode(live('local', 'local', WORKSTATION, { 'pveversion -v': 'proxmox-ve: 9.1.0 (running kernel: 6.17.2-1-pve)\npve-manager: 9.1.1 (running version: 9.1.1/42db4a6cf33dac83)\n' })), true);
  assert.equal(looksLikeProxmoxNode(live('ssh', 'ssh://audit@pve1', { '/var/lib/dpkg/status': PVE_DPKG })), true, 'a plain user without /etc/pve access');
});

test('the notice: one line naming the target, only for live targets that are not Proxmox VE nodes', () => {
  assert.equal(notProxmoxNotice('local', live('local', 'local', WORKSTATION)),
    'pvesec: local: this machine is not a Proxmox VE node (no /etc/pve, no pve-manager package): the Proxmox-specific findings do not apply to it');
  assert.match(notProxmoxNotice('ssh://root@ws1', live('ssh', 'ssh://root@ws1', WORKSTATION)) ?? '', /^pvesec: ssh:\/\/root@ws1: ws1 is not a Proxmox VE node /);
  assert.equal(notProxmoxNotice('backup.tar.gz', memorySnapshot({ target: 'backup.tar.gz', files: WORKSTATION })), undefined, 'a bundle is judged by what it holds');
});

test('audit local on a workstation: that line comes first on stderr, the audit still runs', async () => {
  const io = recordingIO();
  const code = await runAudit(['local'], { config: '/dev/null', control: 'SSH-01,PVE-01' }, io, { collect: async () => [{ target: 'local', snapshot: live('local', 'local', WORKSTATION) }] });
  assert.match(io.stderr[0] ?? '', /^pvesec: local: this machine is not a Proxmox VE node/);
  assert.equal(io.stderr.filter((l) => l.includes('not a Proxmox VE node')).length, 1);
  assert.match(io.stdout, /SSH-01/);
  assert.notEqual(code, 2);
});
