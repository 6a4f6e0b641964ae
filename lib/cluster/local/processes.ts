/**
 * Host processes of the embedded cluster: started detached (they outlive `initc cluster up`), each
 * with its own log file, and remembered by pid and kernel start time so that `down` ends exactly
 * the processes it started, never a later process that reused the pid.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { isPidAlive, tail } from '../../util/fsx.js';
import { sleep } from '../../util/time.js';

export interface ProcessRecord {
  name: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat: with the pid, identifies the process uniquely. */
  startTime: string;
  log: string;
  /** argv as the program saw it (argv[0] first). */
  command: string[];
  /** The executable and the PATH it was given, so the same process can be started again (chaos restarts). */
  binary?: string;
  envPath?: string;
  /** The network namespace file it runs in (nsenter --net), when not the host's. */
  netns?: string;
}

export async function procStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after its closing ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The process's state letter (R, S, Z, ...), undefined when there is no such process. */
async function procState(pid: number): Promise<string | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/**
 * The process recorded is still alive: same pid, same start time, and not a zombie (a killed
 * process whose parent died first stays in /proc until PID 1 reaps it, which on some machines is
 * never: such a process is dead all the same).
 */
export async function isSameProcess(rec: Pick<ProcessRecord, 'pid' | 'startTime'>): Promise<boolean> {
  if ((await procStartTime(rec.pid)) !== rec.startTime) return false;
  const state = await procState(rec.pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

export interface StartOptions {
  name: string;
  binary: string;
  /** argv[0] as the program sees it (the multi-call binary dispatches on it). */
  argv0?: string;
  args: string[];
  logDir: string;
  env?: NodeJS.ProcessEnv;
  /** Runs it in this network namespace (a file under /run/netns): nsenter enters it and execs the program in place, so the pid is the program's. */
  netns?: string;
}

/** What to spawn for `o`: the program itself, or nsenter running it (a multi-call binary then gets its name as first argument, since nsenter cannot set argv[0]). Pure. */
export function spawnArgv(o: Pick<StartOptions, 'binary' | 'argv0' | 'args' | 'netns'>): { file: string; args: string[]; argv0: string } {
  if (!o.netns) return { file: o.binary, args: o.args, argv0: o.argv0 ?? o.binary };
  const multiCall = o.argv0 !== undefined && o.argv0 !== o.binary ? [o.argv0] : [];
  return { file: 'nsenter', args: [`--net=${o.netns}`, '--', o.binary, ...multiCall, ...o.args], argv0: 'nsenter' };
}

export async function startProcess(o: StartOptions): Promise<ProcessRecord> {
  await fs.mkdir(o.logDir, { recursive: true });
  const log = path.join(o.logDir, `${o.name}.log`);
  const fd = openSync(log, 'a');
  try {
    const argv = spawnArgv(o);
    const child = spawn(argv.file, argv.args, {
      argv0: argv.argv0,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: o.env ?? process.env,
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid!));
    });
    child.unref();
    const startTime = (await procStartTime(pid)) ?? '';
    return { name: o.name, pid, startTime, log, command: [o.argv0 ?? o.binary, ...o.args], binary: o.binary, envPath: o.env?.PATH, netns: o.netns };
  } finally {
    closeSync(fd);
  }
}

/** Starts the process `rec` describes again, as it was started (same executable, argv, PATH, log file). */
export async function startAgain(rec: ProcessRecord): Promise<ProcessRecord> {
  if (!rec.binary) throw new Error(`${rec.name} was started by an older initc that did not record how: restart the cluster`);
  return startProcess({
    name: rec.name,
    binary: rec.binary,
    argv0: rec.command[0],
    args: rec.command.slice(1),
    logDir: path.dirname(rec.log),
    env: rec.envPath ? { ...process.env, PATH: rec.envPath } : undefined,
    netns: rec.netns,
  });
}

/** Alive, the same process (pid and start time), and not a zombie waiting to be reaped. */
export async function isRunning(rec: ProcessRecord): Promise<boolean> {
  return isPidAlive(rec.pid) && (await isSameProcess(rec));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. Safe on an already-ended process. */
export async function stopProcess(rec: Pick<ProcessRecord, 'pid' | 'startTime'>, graceMs = 10_000): Promise<void> {
  if (!(await isSameProcess(rec))) return;
  signal(rec.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await isSameProcess(rec))) return;
    await sleep(50);
  }
  signal(rec.pid, 'SIGKILL');
  while (await isSameProcess(rec)) await sleep(50);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}


/** Pids of processes whose command line contains `needle` (e.g. this cluster's containerd socket). */
export async function pidsWithCmdline(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').join(' ').includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

/** Why a component is not up, for the error message: its exit, and the last lines of its log. */
export async function describeFailure(rec: ProcessRecord): Promise<string> {
  const alive = await isRunning(rec);
  const lines = (await tail(rec.log, 4)).split('\n').map((l) => l.slice(0, 300)).join(' | ');
  return `${rec.name} ${alive ? 'is running but not ready' : 'exited'}; last log lines: ${lines || '(empty)'} (log: ${rec.log})`;
}
