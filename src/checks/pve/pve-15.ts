import type { Check } from '../types.js';
import { fail, pass, skip } from '../types.js';
import { accessFact } from '../../model/facts/permissions.js';
import { AccessMatrixError, loadAccessMatrix } from '../../config/access-matrix.js';
import { compareWithMatrix, describeDifference } from '../../engines/permissions/desired.js';
import { FILES } from '../../collect/sources.js';
import { ADMIN_GUIDE, userCfgLinesEvidence } from './common.js';

export const pve15: Check = {
  meta: {
    id: 'PVE-15', section: 'PVE', title: 'Effective grants equal the desired access matrix', severity: 'medium', scope: 'cluster',
    rationale: 'Drift between the intended access matrix and what Proxmox actually grants is found only by computing effective permissions.',
    fix: 'Adjust ACLs until every listed difference is gone (grant: pveum acl modify PATH --users USER --roles ROLE; revoke: pveum acl delete PATH --users USER --roles ROLE), or update the desired matrix (access_matrix: FILE in pvesec.yaml)',
    reads: [FILES.userCfg, 'access-matrix.yaml (access_matrix in pvesec.yaml)'],
    references: [ADMIN_GUIDE],
  },
  evaluate(ctx) {
    const file = ctx.config.access_matrix;
    if (file === undefined) return skip('no desired access matrix configured (access_matrix: FILE in pvesec.yaml)');
    const { engine } = ctx.get(accessFact);
    let matrix;
    try {
      matrix = loadAccessMatrix(file);
    } catch (e) {
      if (e instanceof AccessMatrixError) return skip(`access matrix not usable: ${e.message.split('\n').join('; ')}`);
      throw e;
    }
    const diffs = compareWithMatrix(engine, matrix);
    if (diffs.length === 0) {
      const n = Object.keys(matrix.users).length + Object.keys(matrix.groups).length + Object.keys(matrix.tokens).length;
      return pass(`effective grants equal ${file} (${n} identities listed, ${engine.matrixPaths().length} paths compared)`);
    }
    const shown = diffs.slice(0, 5).map(describeDifference).join('; ');
    const more = diffs.length > 5 ? `; and ${diffs.length - 5} more (pvesec perms diff shows all)` : '';
    return fail(`${diffs.length} difference(s) from ${file}: ${shown}${more}`,
      userCfgLinesEvidence(ctx, diffs.flatMap((d) => d.lines).sort((a, b) => a - b)));
  },
};
