/**
 * A parser that remembers its last input and outcome: several facts parse the same file or command
 * output (corosync.conf for the cluster grouping, the peers, the addresses and the firewall), and a
 * 2 MB one costs each of them. The result is shared between the callers: none may change it.
 * A parse error is remembered and thrown again.
 */
export function rememberLast<A extends unknown[], R>(parse: (text: string, ...args: A) => R): (text: string, ...args: A) => R {
  let last: { text: string; args: A; outcome: { value: R } | { error: unknown } } | undefined;
  return (text, ...args) => {
    if (!last || last.text !== text || last.args.length !== args.length || last.args.some((a, i) => a !== args[i])) {
      let outcome: { value: R } | { error: unknown };
      try {
        outcome = { value: parse(text, ...args) };
      } catch (error) {
        outcome = { error };
      }
      last = { text, args, outcome };
    }
    if ('error' in last.outcome) throw last.outcome.error;
    return last.outcome.value;
  };
}
