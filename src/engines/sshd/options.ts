/**
 * The option store sshd fills while reading its configuration (ServerOptions): a slot per setting,
 * `undefined` meaning "not set yet" (sshd's -1 / NULL), so first-value-wins is "set if undefined".
 */

export interface Subsystem {
  name: string;
  command: string;
  args: string;
}

export interface ListenSpec {
  host: string | null;
  port: number;
  rdomain: string | null;
}

export interface PenaltyOptions {
  enabled?: number;
  crash?: number;
  authfail?: number;
  noauth?: number;
  grace?: number;
  refuseconnection?: number;
  max?: number;
  min?: number;
  maxSources4?: number;
  maxSources6?: number;
  overflow?: number;
  overflow6?: number;
}

/** Scalar slots keyed by servconf.c opcode name (plus a few sub-slots). */
export type Scalars = Record<string, number | string | undefined>;

export class ServerOptions {
  readonly scalars: Scalars = {};
  readonly arrays: Record<string, string[]> = {};
  ports: number[] = [];
  queuedListen: ListenSpec[] = [];
  hostKeys: string[] = [];
  hostCerts: string[] = [];
  subsystems: Subsystem[] = [];
  penalty: PenaltyOptions = {};

  get(slot: string): number | string | undefined {
    return this.scalars[slot];
  }

  /** Assigns only if unset: sshd's `if (*activep && *intptr == -1)`. */
  setFirst(slot: string, value: number | string): void {
    if (this.scalars[slot] === undefined) this.scalars[slot] = value;
  }

  set(slot: string, value: number | string | undefined): void {
    this.scalars[slot] = value;
  }

  array(slot: string): string[] {
    return this.arrays[slot] ?? [];
  }

  /** An independent copy (nothing shared): a loaded option set is reused for every connection. */
  clone(): ServerOptions {
    const c = new ServerOptions();
    Object.assign(c.scalars, this.scalars);
    for (const [slot, list] of Object.entries(this.arrays)) c.arrays[slot] = [...list];
    c.ports = [...this.ports];
    c.queuedListen = this.queuedListen.map((q) => ({ ...q }));
    c.hostKeys = [...this.hostKeys];
    c.hostCerts = [...this.hostCerts];
    c.subsystems = this.subsystems.map((s) => ({ ...s }));
    c.penalty = { ...this.penalty };
    return c;
  }
}
