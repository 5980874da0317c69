import { engineMissing } from '../types.js';
import { FILES } from '../../collect/sources.js';
import { TFA_DOC } from './common.js';

export const pve02 = engineMissing({
  id: 'PVE-02', section: 'PVE', title: 'Every administrator has a second factor', severity: 'critical', scope: 'cluster',
  rationale: 'A stolen or guessed password of anyone able to change permissions, realms, users or the system gives away the whole cluster unless a second factor is required.',
  fix: 'Have each administrator add TOTP or WebAuthn under Datacenter > Permissions > Two Factor, or enforce TFA on the realm: pveum realm modify pve --tfa type=oath',
  reads: [FILES.userCfg, FILES.tfaCfg, FILES.domainsCfg],
  references: [TFA_DOC],
}, 'permission');
