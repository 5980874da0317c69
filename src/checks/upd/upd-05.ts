import { COMMANDS, FILES } from '../../collect/sources.js';
import { compareKernelReleases, installedKernelsFact, kernelFlavour } from '../../model/facts/system.js';
import { Unavailable } from '../../model/fact.js';
import { fail, pass, type Check } from '../types.js';
import { UPD_REFERENCES } from './common.js';

export const upd05: Check = {
  meta: {
    id: 'UPD-05',
    section: 'UPD',
    title: 'No reboot is pending and the newest installed kernel is running',
    severity: 'low',
    scope: 'node',
    rationale: 'An installed but not running kernel (or library) fix protects nothing until the node reboots.',
    fix: 'Migrate the guests away (or plan a window), then reboot the node; check with `uname -r` and `proxmox-boot-tool kernel list` (unpin an old kernel with `proxmox-boot-tool kernel unpin`).',
    reads: [FILES.rebootRequired, COMMANDS.unameR.name, FILES.dpkgStatus],
    references: UPD_REFERENCES,
  },
  evaluate(ctx) {
    const s = ctx.snapshot;
    const flag = s.file(FILES.rebootRequired);
    if (flag) {
      const first = flag.content.toString('utf8').split('\n')[0].trim();
      return fail(`a reboot is pending (${FILES.rebootRequired} exists${first ? `: ${first.slice(0, 80)}` : ''})`, [{ source: FILES.rebootRequired, line: 1, text: first.slice(0, 120) }]);
    }
    // the file is normally absent; only an error recorded for it means it could not be checked
    if (s.errors.has(FILES.rebootRequired)) throw new Unavailable(s.whyMissing(FILES.rebootRequired));
    const running = ctx.requireCommand(COMMANDS.unameR.name).output.split('\n')[0].trim();
    if (!running) throw new Unavailable(`${COMMANDS.unameR.name} printed nothing`);
    const flavour = kernelFlavour(running);
    const kernels = ctx.get(installedKernelsFact).filter((k) => kernelFlavour(k.release) === flavour);
    const unameEv = { source: COMMANDS.unameR.name, line: 1, text: running };
    if (!flavour) throw new Unavailable(`running kernel ${running} does not come from a Debian or Proxmox kernel package: cannot compare`);
    if (!kernels.length) throw new Unavailable(`no installed kernel package of flavour "${flavour}" found in ${FILES.dpkgStatus} (running ${running})`);
    const newest = kernels.reduce((a, b) => (compareKernelReleases(b.release, a.release) > 0 ? b : a));
    if (compareKernelReleases(newest.release, running) > 0) {
      return fail(`running kernel ${running} is older than the installed ${newest.release}: a reboot is pending`,
        [unameEv, { source: FILES.dpkgStatus, line: newest.line, text: `Package: ${newest.package}` }]);
    }
    return pass(`no reboot pending; running kernel ${running} is the newest installed`, [unameEv]);
  },
};
