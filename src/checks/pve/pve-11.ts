import { engineMissing } from '../types.js';
import { FILES } from '../../collect/sources.js';
import { ADMIN_GUIDE } from './common.js';

export const pve11 = engineMissing({
  id: 'PVE-11', section: 'PVE', title: 'No over-broad grants', severity: 'high', scope: 'cluster',
  rationale: 'VM, datastore or system administration roles propagating from /, /vms or /storage to people who are not declared administrators give them the whole cluster; holders of Permissions.Modify can grant themselves anything.',
  fix: 'Grant on pools or single guests instead: pveum acl delete / --users USER --roles ROLE && pveum acl modify /pool/POOL --users USER --roles PVEVMUser; declare real administrators in admin_users',
  reads: [FILES.userCfg],
  references: [ADMIN_GUIDE],
}, 'permission');
