/**
 * The ledger: lines that fixture containers append to a file on a shared emptyDir (which outlives
 * every container and survives a sandbox's loss) and echo to their stdout. One format, written by
 * `ledgerLine` inside the containers and read back by `parseLedger`.
 */
export const LEDGER_VOLUME = 'ledger';
export const LEDGER_DIR = '/ledger';
export const LEDGER_FILE = `${LEDGER_DIR}/ledger.log`;

export interface LedgerEntry {
  time: string;
  uptime: number;
  container: string;
  event: string;
}

/**
 * Shell that appends one ledger line to the shared file and echoes it to stdout (so it survives
 * in the container's log when no container is left to read the file). A line holds the
 * wall-clock second, the node's uptime (centiseconds, one clock for every container on the node,
 * so lines of different containers order within a second; busybox's date has no sub-second
 * format), the container's name and what happened.
 */
export function ledgerLine(name: string, event: string): string {
  return `l="$(date -u +%Y-%m-%dT%H:%M:%SZ) $(cut -d' ' -f1 /proc/uptime) ${name} ${event}"; echo "$l" >> ${LEDGER_FILE}; echo "$l"`;
}

/** Parses ledger lines as ledgerLine writes them (a log's timestamp prefix allowed); other lines are ignored. */
export function parseLedger(text: string): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  for (const line of text.split('\n')) {
    // Not anchored at the start: a log's timestamp prefix may stand before the line; trailing blanks (a CR) are allowed.
    const m = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (\d+(?:\.\d+)?) (\S+) (\S+)\s*$/.exec(line);
    if (m) entries.push({ time: m[1]!, uptime: Number(m[2]), container: m[3]!, event: m[4]! });
  }
  return entries;
}

export function ledgerOf(ledger: LedgerEntry[], container: string): LedgerEntry[] {
  return ledger.filter((e) => e.container === container);
}
