/**
 * The FW remedy (issue 10): puts a management allowlist in place, in the firewall pvesec.yaml names
 * (`firewall: auto | pve | iptables`; auto = pve where pve-firewall is installed on the node, else iptables).
 *
 * - Two firewall managers at once (FW-11: the Proxmox firewall active AND hand-written iptables rules
 *   persisted or loaded) are refused whatever the mode: pvesec will not decide which one wins.
 * - iptables mode (planIptablesFirewall, here): generated /etc/iptables/rules.v4 and rules.v6
 *   (iptables-allowlist.ts), loaded inside the transaction (`load-ruleset`: validated with
 *   `iptables-restore --test`, the live ruleset journaled first) and persisted by netfilter-persistent
 *   (package iptables-persistent). Fixes FW-04, FW-05, FW-06, FW-07, FW-10, FW-13; FW-01/02/03 are
 *   about the Proxmox firewall and stay manual in this mode.
 * - pve mode: planPveFirewall (remedy-pve.ts) edits cluster.fw/host.fw (FW-01..07, FW-13).
 *
 * Both modes gate the change at plan time with the exposure gate (src/harden/fw-gate.ts): a change that
 * locks out an admin address, a cluster peer or the address pvesec connects from is refused (ManualOnly
 * with the LOCKOUT lines); the plan shows the before/after table on the load operation.
 */
import { COMMANDS, FILES } from '../../collect/sources.js';
import { Unavailable, type FactContext } from '../../model/fact.js';
import { handWrittenChains, handWrittenInput, liveRulesets, persistedRuleset, pveFirewallStateFact } from '../../model/facts/network.js';
import { isInstalled, packagesFact, unitState, unitStatesFact } from '../../model/facts/system-base.js';
import { peerAddresses, sshServiceFact } from '../../model/facts/exposure.js';
import { parseIpRange } from '../../parse/ip-address.js';
import { ManualOnly, type PlannedOp, type Remedy, type RemedyInput } from '../../harden/plan-types.js';
import { gateFirewallChange, pvesecSource } from '../../harden/fw-gate.js';
import { allowlistRuleset, canonicalRuleset } from './iptables-allowlist.js';
import { planPveFirewall } from './remedy-pve.js';

export const FW_REMEDY_CONTROLS = ['FW-01', 'FW-02', 'FW-03', 'FW-04', 'FW-05', 'FW-06', 'FW-07', 'FW-10', 'FW-11', 'FW-13'];
/** What the iptables mode fixes (FW-11 only by refusing; FW-01/02/03 need the Proxmox firewall). */
export const IPTABLES_CONTROLS = ['FW-04', 'FW-05', 'FW-06', 'FW-07', 'FW-10', 'FW-13'];
export const PERSIST_PACKAGE = 'iptables-persistent';
export const PERSIST_UNIT = 'netfilter-persistent';

export type FirewallMode = 'pve' | 'iptables';

/** The mode pvesec.yaml names; auto: pve when the node has pve-firewall (its unit exists), else iptables. */
export function firewallMode(ctx: FactContext): FirewallMode {
  const wanted = ctx.config.firewall ?? 'auto';
  if (wanted !== 'auto') return wanted;
  let states;
  try {
    states = ctx.get(unitStatesFact);
  } catch (e) {
    if (e instanceof Unavailable) throw new ManualOnly(`firewall: auto cannot tell whether pve-firewall is installed (${e.reason}); name the mode in pvesec.yaml`);
    throw e;
  }
  return unitState(states, 'pve-firewall').enabled !== 'not-found' ? 'pve' : 'iptables';
}

/**
 * FW-11 refused: the Proxmox firewall active together with hand-written INPUT filtering (loaded, or
 * persisted in /etc/iptables/rules.v4/v6). Returns the explanation, or undefined when one manager at most.
 */
export function dualManagers(ctx: FactContext): string | undefined {
  const state = ctx.tryGet(pveFirewallStateFact);
  if (!state?.active) return undefined;
  const live = liveRulesets(ctx).flatMap(([name, r]) => handWrittenInput(handWrittenChains(r, name)).map((c) => `${name} ${c.table} ${c.chain.name} (${c.rules.length} rule(s))`));
  const saved: string[] = [];
  for (const [family, path] of [['ip', FILES.iptablesRulesV4], ['ip6', FILES.iptablesRulesV6]] as const) {
    let r;
    try {
      r = persistedRuleset(ctx, family);
    } catch (e) {
      if (!(e instanceof Unavailable)) throw e;
    }
    if (r && handWrittenInput(handWrittenChains(r, path)).length) saved.push(path);
  }
  if (!live.length && !saved.length) return undefined;
  return `two firewall managers: the Proxmox firewall is active (${state.reason}) and hand-written input rules exist too`
    + `${live.length ? ` (loaded: ${live.join(', ')})` : ''}${saved.length ? ` (persisted: ${saved.join(', ')})` : ''}; both decide, in an order nobody reviews.`
    + ' Choose one: move the hand-written rules into cluster.fw/host.fw and remove them (iptables -F INPUT; iptables -P INPUT ACCEPT; netfilter-persistent save),'
    + ' or disable the Proxmox firewall; then plan again';
}

export const fwRemedy: Remedy = {
  controls: FW_REMEDY_CONTROLS,
  plan(input) {
    const conflict = dualManagers(input.ctx);
    if (conflict) throw new ManualOnly(conflict);
    return firewallMode(input.ctx) === 'pve' ? planPveFirewall(input) : planIptablesFirewall(input);
  },
};

const RULES = { 4: FILES.iptablesRulesV4, 6: FILES.iptablesRulesV6 } as const;
const SAVE = { 4: COMMANDS.iptablesSave.name, 6: COMMANDS.ip6tablesSave.name } as const;

/** The generated rules.v4 and rules.v6 of this node. */
export function iptablesAllowlistFor(ctx: FactContext): Record<4 | 6, string> {
  const admin = ctx.config.admin_sources;
  if (!admin.length) throw new ManualOnly('the iptables allowlist needs admin_sources in pvesec.yaml (the management networks, bastions and workstations allowed to reach SSH and the web UI)');
  const ssh = ctx.get(sshServiceFact);
  if (ssh.note?.startsWith('SSH assumed')) throw new ManualOnly(`sshd's port is not known (${ssh.note}): the allowlist would guess it`);
  const sshPorts = [...new Set(ssh.service.ports.flatMap(([a, b]) => (a === b ? [a] : [a, b])))];
  let peers: ReturnType<typeof peerAddresses> = [];
  try {
    peers = peerAddresses(ctx);
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
  }
  const unresolved = peers.filter((p) => !p.family);
  if (unresolved.length) throw new ManualOnly(`peer ring address ${unresolved[0].addr} of ${unresolved[0].node} is not an IP address (${unresolved[0].unresolved}): the allowlist cannot name it`);
  const ofFamily = (list: string[], family: 4 | 6) => list.filter((t) => (parseIpRange(t) as { family?: number }).family === family);
  const out = {} as Record<4 | 6, string>;
  for (const family of [4, 6] as const) {
    out[family] = allowlistRuleset({ family, admin: ofFamily(admin, family), peers: peers.filter((p) => p.family === family).map((p) => p.addr), sshPorts });
  }
  return out;
}

/** iptables mode: the rules files, their loading inside the transaction, persistence; refused by the exposure gate when someone would lose access. */
export function planIptablesFirewall(input: RemedyInput): PlannedOp[] {
  const { ctx } = input;
  const pve = ctx.tryGet(pveFirewallStateFact);
  if (pve?.active) throw new ManualOnly(`firewall: iptables, but the Proxmox firewall is active (${pve.reason}): an allowlist beside it would make two managers (FW-11); disable it (datacenter Firewall: No) or set firewall: pve`);
  const rules = iptablesAllowlistFor(ctx);
  const gate = gateFirewallChange(ctx, { files: new Map([[RULES[4], rules[4]], [RULES[6], rules[6]]]), commands: new Map([[SAVE[4], rules[4]], [SAVE[6], rules[6]]]) }, pvesecSource(ctx.snapshot), { force: input.force });
  if (gate.refused) throw new ManualOnly(`firewall change refused: ${gate.reason}. ${gate.lines.filter((l) => /^(LOCKOUT|OPENS|UNREAD)/.test(l)).join(' | ')}`);
  const controls = IPTABLES_CONTROLS;
  const ops: PlannedOp[] = [];
  const installed = ctx.tryGet(packagesFact);
  if (!installed || !isInstalled(installed, PERSIST_PACKAGE)) {
    ops.push({ kind: 'install-packages', id: `install:${PERSIST_PACKAGE}`, phase: 'packages', controls: ['FW-10'], cutsAccess: false, packages: [PERSIST_PACKAGE], summary: 'netfilter-persistent loads /etc/iptables/rules.v4 and rules.v6 at boot' });
  }
  let exposureShown = false;
  for (const family of [4, 6] as const) {
    ops.push({
      kind: 'write-file', id: `write:${RULES[family]}`, phase: 'restrict', controls, cutsAccess: true, path: RULES[family], content: rules[family], mode: 0o640, owner: 'root', group: 'root',
      summary: `IPv${family} management allowlist: INPUT policy DROP; admin sources to SSH, 8006, 3128; peers to SSH, corosync, migration`,
    });
    const live = ctx.snapshot.command(SAVE[family]);
    if (live && live.exitCode === 0 && canonicalRuleset(live.output).join('\n') === canonicalRuleset(rules[family]).join('\n')) continue;
    ops.push({
      kind: 'load-ruleset', id: `load:${RULES[family]}`, phase: 'restrict', controls, cutsAccess: true, family, path: RULES[family],
      summary: `${family === 4 ? 'iptables' : 'ip6tables'}-restore ${RULES[family]} (validated with --test first; the live ruleset is saved for a revert)`,
      ...(exposureShown ? {} : { exposure: gate.lines }),
    });
    exposureShown = true;
  }
  const states = ctx.tryGet(unitStatesFact);
  const unit = states ? unitState(states, PERSIST_UNIT) : undefined;
  if (!unit || unit.enabled !== 'enabled') {
    ops.push({ kind: 'service', id: `service:${PERSIST_UNIT}`, phase: 'restrict', controls: ['FW-10'], cutsAccess: true, unit: PERSIST_UNIT, action: 'enable-now', summary: 'netfilter-persistent enabled: the allowlist is loaded again at boot' });
  }
  if (exposureShown && states && unitState(states, FAIL2BAN_UNIT).active === 'active') ops.push(...fail2banAfterLoad(controls));
  return ops;
}

export const FAIL2BAN_UNIT = 'fail2ban';
/** Up to 10 s: the server's socket is polled (cheap) and only then asked (a python start each time). */
const FAIL2BAN_BACK = 'i=0; while [ $i -lt 50 ]; do if [ -S /run/fail2ban/fail2ban.sock ] && fail2ban-client ping >/dev/null 2>&1; then exit 0; fi; i=$((i+1)); sleep 0.2; done; fail2ban-client ping';

/**
 * iptables-restore replaces the whole filter table, fail2ban's f2b-* chains and their jumps included: its
 * bans stop working and fail2ban does not notice (a reload keeps its actions as they are). A restart
 * inside the transaction, after the load, makes fail2ban re-create its chains at the top of INPUT and
 * put back the bans still running from its database. (Keeping the chains in the generated files instead
 * would persist stale bans into rules.v4, and at boot netfilter-persistent loads them before fail2ban.)
 * A revert loads the saved ruleset, f2b chains of that moment included, and reloads fail2ban.
 */
function fail2banAfterLoad(controls: string[]): PlannedOp[] {
  return [
    { kind: 'service', id: `service:restart:${FAIL2BAN_UNIT}`, phase: 'restrict', controls, cutsAccess: true, unit: FAIL2BAN_UNIT, action: 'restart',
      summary: 'restart fail2ban: it re-creates its ban chains (f2b-*) that the ruleset load removed, with the bans still running' },
    { kind: 'validate', id: `validate:${FAIL2BAN_UNIT}-back`, phase: 'restrict', controls, cutsAccess: false, argv: ['sh', '-c', FAIL2BAN_BACK],
      why: 'fail2ban must be running again after the ruleset load (its bans are back only then)', summary: 'read back: fail2ban answers again' },
  ];
}
