/**
 * Generates a large, realistic /etc/pve/user.cfg for benchmarks (deterministic for a seed):
 * 5,000 users, 500 groups, 2,000 tokens, 200 pools (10,000 guests), 50,000 ACL entries.
 *   node --import tsx scripts/gen-user-cfg.ts [--seed N] > user.cfg
 * Lines come in the order Proxmox writes them (users and tokens, groups, pools, roles, ACLs), so
 * no ACL entry is dropped; one acl: line per (path, member, role) entry.
 */

export interface GenOptions {
  seed?: number;
  users?: number;
  groups?: number;
  tokens?: number;
  pools?: number;
  aclEntries?: number;
}

export interface GeneratedUserCfg {
  text: string;
  users: string[];
  tokens: string[];
  vmids: number[];
}

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CUSTOM_ROLES: Record<string, string> = {
  VMOperator: 'VM.Audit,VM.Console,VM.PowerMgmt',
  Backup: 'VM.Audit,VM.Backup,Datastore.AllocateSpace,Datastore.Audit',
  Monitoring: 'Sys.Audit,VM.Audit,Datastore.Audit,SDN.Audit',
  Provisioner: 'VM.Allocate,VM.Clone,VM.Config.Disk,VM.Config.CPU,VM.Config.Memory,VM.Config.Network,Datastore.AllocateSpace',
  NetworkAdmin: 'SDN.Allocate,SDN.Audit,SDN.Use',
  Snapshotter: 'VM.Audit,VM.Snapshot,VM.Snapshot.Rollback',
  GuestAgent: 'VM.Audit,VM.GuestAgent.Audit,VM.GuestAgent.FileRead',
  TemplateUser: 'VM.Audit,VM.Clone',
};

export function generateUserCfg(opts: GenOptions = {}): GeneratedUserCfg {
  const rand = mulberry32(opts.seed ?? 1);
  const nUsers = opts.users ?? 5000;
  const nGroups = opts.groups ?? 500;
  const nTokens = opts.tokens ?? 2000;
  const nPools = opts.pools ?? 200;
  const nAcl = opts.aclEntries ?? 50000;
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const out: string[] = [];

  const realms = ['pve', 'pve', 'pam', 'corp'];
  const users = Array.from({ length: nUsers }, (_, i) => `user${String(i).padStart(4, '0')}@${realms[i % realms.length]}`);
  const tokensOf = new Map<string, string[]>();
  const tokens: string[] = [];
  for (let i = 0; i < nTokens; i++) {
    const owner = pick(users);
    const id = `${owner}!tok${i}`;
    tokens.push(id);
    tokensOf.set(owner, [...(tokensOf.get(owner) ?? []), id]);
  }
  out.push('user:root@pam:1:0:::root@example.com:::');
  for (const [i, u] of users.entries()) {
    const enable = rand() < 0.95 ? 1 : 0;
    const expire = rand() < 0.1 ? 1767225600 + int(1e8) : 0;
    out.push(`user:${u}:${enable}:${expire}:First${i}:Last${i}:${u.split('@')[0]}@example.com:::`);
    for (const t of tokensOf.get(u) ?? []) {
      const r = rand();
      const privsep = r < 0.75 ? ':1' : r < 0.9 ? ':0' : ''; // a missing field means privsep 0
      out.push(`token:${t}:0${privsep}::`);
    }
  }

  const groups = Array.from({ length: nGroups }, (_, i) => `team${i}`);
  const members = new Map<string, Set<string>>(groups.map((g) => [g, new Set()]));
  for (const u of users) for (let k = 1 + int(3); k > 0; k--) members.get(pick(groups))!.add(u);
  for (const g of groups) out.push(`group:${g}:${[...members.get(g)!].join(',')}:Team ${g}:`);

  const pools: string[] = [];
  const vmids: number[] = [];
  const storages = Array.from({ length: 60 }, (_, i) => `store${i}`);
  for (let i = 0; i < nPools; i++) {
    const name = i % 10 === 9 ? `${pools[i - 1].split('/')[0]}/sub${i}` : `pool${i}`;
    pools.push(name);
    const vms = Array.from({ length: 50 }, (_, k) => 100 + i * 50 + k);
    vmids.push(...vms);
    const st = [pick(storages), ...(rand() < 0.3 ? [pick(storages)] : [])];
    out.push(`pool:${name}:Pool ${i}:${vms.join(',')}:${[...new Set(st)].join(',')}:`);
  }
  for (const [name, privs] of Object.entries(CUSTOM_ROLES)) out.push(`role:${name}:${privs}:`);

  const nodes = Array.from({ length: 32 }, (_, i) => `pve${i + 1}`);
  const roles = ['PVEVMUser', 'PVEVMUser', 'PVEVMAdmin', 'PVEAuditor', 'PVEDatastoreUser', 'PVETemplateUser', 'PVEPoolUser', ...Object.keys(CUSTOM_ROLES)];
  const path = (): string => {
    const r = rand();
    if (r < 0.0005) return '/';
    if (r < 0.004) return '/vms';
    if (r < 0.006) return '/storage';
    if (r < 0.03) return `/nodes/${pick(nodes)}`;
    if (r < 0.23) return `/pool/${pick(pools)}`;
    if (r < 0.83) return `/vms/${pick(vmids)}`;
    if (r < 0.91) return `/storage/${pick(storages)}`;
    if (r < 0.94) return `/sdn/zones/zone${int(40)}`;
    if (r < 0.96) return `/mapping/pci/gpu${int(20)}`;
    if (r < 0.98) return `/access/groups/${pick(groups)}`;
    return `/vms/${pick(vmids)}`;
  };
  for (let i = 0; i < nAcl; i++) {
    const p = path();
    const r = rand();
    const member = r < 0.45 ? pick(users) : r < 0.85 ? `@${pick(groups)}` : pick(tokens);
    const role = p === '/' ? pick(['PVEAuditor', 'Monitoring', 'Administrator']) : rand() < 0.02 ? 'NoAccess' : pick(roles);
    out.push(`acl:${rand() < 0.9 ? 1 : 0}:${p}:${member}:${role}:`);
  }
  return { text: out.join('\n') + '\n', users, tokens, vmids };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--seed');
  process.stdout.write(generateUserCfg({ seed: i > 0 ? Number(process.argv[i + 1]) : 1 }).text);
}
