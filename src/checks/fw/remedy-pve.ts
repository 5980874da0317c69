import { ManualOnly, type PlannedOp, type RemedyInput } from '../../harden/plan-types.js';

/** pve mode of the FW remedy (cluster.fw / host.fw): built on branch fwpve; this placeholder keeps it manual. */
export function planPveFirewall(_input: RemedyInput): PlannedOp[] {
  throw new ManualOnly('pve firewall mode: not built yet');
}
