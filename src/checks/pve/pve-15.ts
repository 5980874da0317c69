import { engineMissing } from '../types.js';
import { FILES } from '../../collect/sources.js';
import { ADMIN_GUIDE } from './common.js';

export const pve15 = engineMissing({
  id: 'PVE-15', section: 'PVE', title: 'Effective grants equal the desired access matrix', severity: 'medium', scope: 'cluster',
  rationale: 'Drift between the intended access matrix and what Proxmox actually grants is found only by computing effective permissions.',
  fix: 'Adjust ACLs (pveum acl modify/delete) until every listed difference is gone, or update the desired matrix',
  reads: [FILES.userCfg],
  references: [ADMIN_GUIDE],
}, 'permission');
