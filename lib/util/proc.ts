/** Processes of this machine by pid and start time, so a recycled pid is never taken for the process recorded. */
import { promises as fs } from 'node:fs';

/** Fields 3 and 22 of /proc/<pid>/stat (state, start time in clock ticks); undefined when there is no such process. */
async function statFields(pid: number): Promise<{ state: string; startTime: string } | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after its closing ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, startTime: fields[19]! };
  } catch {
    return undefined;
  }
}

export async function processStartTime(pid: number): Promise<string | undefined> {
  return (await statFields(pid))?.startTime;
}

/** The process recorded still runs: same pid, same start time, not a zombie. */
export async function isProcessAlive(rec: { pid: number; startTime: string }): Promise<boolean> {
  const f = await statFields(rec.pid);
  return !!f && f.startTime === rec.startTime && f.state !== 'Z' && f.state !== 'X';
}
