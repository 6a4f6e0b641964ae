/**
 * A Docker engine for kind. If `docker info` answers, that engine is used as it is and never
 * stopped. Otherwise initc starts Debian's dockerd itself, on the default unix socket only, with a
 * runc wrapper as its default runtime (these VMs lack CAP_SYS_RESOURCE, and runc refuses a
 * privileged container that asks for it), and records the dockerd it started by pid and kernel
 * start time, so `stopDockerIfWeStartedIt` stops exactly that process and removes the iptables
 * chains dockerd leaves behind.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { InitcError } from '../../errors.js';
import type { Progress } from '../../progress.js';
import { exists, tail, writeFileMode } from '../../util/fsx.js';
import { takeDirLock } from '../../util/dir-lock.js';
import { cacheRoot } from '../../util/paths.js';
import { isProcessAlive, processStartTime } from '../../util/proc.js';
import { sleep } from '../../util/time.js';
import type { ProcessRecord } from '../local/processes.js';
import { isRunning, startProcess, stopProcess } from '../local/processes.js';

export const DOCKERD = '/usr/sbin/dockerd';
export const DOCKER_SOCKET = '/var/run/docker.sock';
/** The runtime name dockerd knows the wrapper by. */
export const RUNTIME_NAME = 'initc-runc';
const STATE_DIR = '/run/initc/kind';
const STATE_FILE = path.join(STATE_DIR, 'dockerd.json');
const LOCK_DIR = path.join(STATE_DIR, 'dockerd.lock');
/** One file per process that uses the engine, named by its pid and holding its start time. */
const USERS_DIR = path.join(STATE_DIR, 'users');
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';
const INOTIFY_INSTANCES = '/proc/sys/fs/inotify/max_user_instances';
/** kind's known-issues page asks for this many inotify instances per user. */
export const MIN_INOTIFY_INSTANCES = 512;
const PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface DockerEngine {
  /** Environment for docker and kind (DOCKER_HOST, PATH). */
  env: Record<string, string>;
  /** initc started this dockerd (in this call or an earlier one) and will stop it. */
  startedByInitc: boolean;
  serverVersion: string;
}

/** What initc records about the dockerd it started. */
export interface DockerdState {
  process: ProcessRecord;
  /** net.ipv4.ip_forward before initc turned it on (so dockerd leaves FORWARD's policy alone). */
  ipForwardBefore: string;
  /** docker0 existed before dockerd started (then it is not ours to delete). */
  docker0Before: boolean;
  startedAt: string;
}

export const dockerEnv = (): Record<string, string> => ({
  DOCKER_HOST: `unix://${DOCKER_SOCKET}`,
  PATH: `${process.env.PATH ?? ''}:${PATH_ENV}`,
});

/**
 * The runc wrapper: on `create` it removes CAP_SYS_RESOURCE from the bundle's config.json, on
 * `exec` from the --process file, then runs runc with the same arguments. Pure (unit-tested).
 */
export function runcWrapperScript(runc: string, jq: string): string {
  return `#!/bin/sh
# Written by initc (lib/cluster/kind/docker.ts); rewritten on every start. dockerd's default runtime:
# runc without CAP_SYS_RESOURCE, which this machine does not have to give.
drop='walk(if type == "array" then map(select(. != "CAP_SYS_RESOURCE")) else . end)'
strip() { [ -f "$1" ] || return 0; ${jq} -c "$drop" "$1" > "$1.initc" && mv "$1.initc" "$1"; }
cmd=''; bundle=''; proc=''; prev=''
for a in "$@"; do
  case "$prev" in
    --bundle|-b) bundle="$a" ;;
    --process|-p) proc="$a" ;;
  esac
  case "$a" in
    --bundle=*) bundle="\${a#--bundle=}" ;;
    --process=*) proc="\${a#--process=}" ;;
    create|run|exec) [ -z "$cmd" ] && cmd="$a" ;;
  esac
  prev="$a"
done
case "$cmd" in
  create|run) strip "\${bundle:-.}/config.json" ;;
  exec) [ -n "$proc" ] && strip "$proc" ;;
esac
exec ${runc} "$@"
`;
}

/** dockerd's command line: unix socket only, published ports on loopback by default, our runtime. Pure. */
export function dockerdArgs(wrapper: string): string[] {
  return [
    '-H', `unix://${DOCKER_SOCKET}`,
    '--ip', '127.0.0.1',
    '--add-runtime', `${RUNTIME_NAME}=${wrapper}`,
    '--default-runtime', RUNTIME_NAME,
  ];
}

/** Rules (as `iptables -t TABLE -D ...` arguments) and chains dockerd leaves in one table's `iptables -S` output. Pure. */
export function dockerIptablesLeftovers(rulesText: string, removeDocker0Rules: boolean): { rules: string[][]; chains: string[] } {
  const chains: string[] = [];
  const rules: string[][] = [];
  for (const line of rulesText.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words[0] === '-N' && /^DOCKER/.test(words[1] ?? '')) chains.push(words[1]!);
    if (words[0] !== '-A') continue;
    const chain = words[1] ?? '';
    if (/^DOCKER/.test(chain)) continue; // goes with its chain
    const jumpsToDocker = words.some((w, i) => (words[i - 1] === '-j' || words[i - 1] === '-g') && /^DOCKER/.test(w));
    const docker0 = removeDocker0Rules && words.some((w, i) => (words[i - 1] === '-o' || words[i - 1] === '-i') && w === 'docker0');
    if (jumpsToDocker || docker0) rules.push(['-D', ...words.slice(1)]);
  }
  return { rules, chains };
}

async function dockerInfo(): Promise<string | undefined> {
  const r = await execa('docker', ['version', '--format', '{{.Server.Version}}'], { env: dockerEnv(), reject: false, timeout: 15_000 });
  return r.exitCode === 0 ? String(r.stdout).trim() : undefined;
}

async function readState(): Promise<DockerdState | undefined> {
  try {
    return JSON.parse(await fs.readFile(STATE_FILE, 'utf8')) as DockerdState;
  } catch {
    return undefined;
  }
}

async function onPathOrUsual(cmd: string): Promise<string | undefined> {
  for (const dir of `${process.env.PATH ?? ''}:${PATH_ENV}`.split(':').filter(Boolean)) {
    if (await exists(path.join(dir, cmd))) return path.join(dir, cmd);
  }
  return undefined;
}

/** Writes the runc wrapper into the cache (only when its content changed); returns its path. */
export async function ensureRuncWrapper(): Promise<string> {
  const runc = await onPathOrUsual('runc');
  if (!runc) throw new InitcError('missingHostFeature', 'runc is missing: apt-get install runc (dockerd runs containers with it)');
  const jq = await onPathOrUsual('jq');
  if (!jq) throw new InitcError('missingHostFeature', 'jq is missing: apt-get install jq (initc\'s runc wrapper for dockerd edits OCI specs with it)');
  const file = path.join(cacheRoot(), 'kind', 'runc-initc');
  const script = runcWrapperScript(runc, jq);
  if ((await fs.readFile(file, 'utf8').catch(() => '')) !== script) {
    await writeFileMode(`${file}.tmp`, script, 0o755);
    await fs.rename(`${file}.tmp`, file);
  }
  return file;
}

async function raiseInotifyInstances(progress: Progress): Promise<void> {
  const now = Number((await fs.readFile(INOTIFY_INSTANCES, 'utf8').catch(() => '0')).trim());
  if (now >= MIN_INOTIFY_INSTANCES) return;
  await fs.writeFile(INOTIFY_INSTANCES, String(MIN_INOTIFY_INSTANCES)).then(
    () => progress.info(`fs.inotify.max_user_instances ${now} → ${MIN_INOTIFY_INSTANCES} (kind's nodes run systemd and a kubelet each)`),
    (err: Error) => progress.info(`cannot raise fs.inotify.max_user_instances (${now}): ${err.message}`),
  );
}

/** One initc at a time starts or stops dockerd (the same folder lock as the build cache's). */
async function withLock<T>(work: () => Promise<T>): Promise<T> {
  await fs.mkdir(STATE_DIR, { recursive: true, mode: 0o700 });
  const release = await takeDirLock(LOCK_DIR, () => undefined, {
    pollMs: 100,
    timeoutMs: 60_000,
    busy: (owner) => new InitcError('busy', `another initc (pid ${owner}) has been starting dockerd for over a minute (lock ${LOCK_DIR})`),
  });
  try {
    return await work();
  } finally {
    await release();
  }
}

/** Makes sure a Docker engine answers: the one running, or a dockerd initc starts. */
export async function ensureDocker(progress: Progress, signal?: AbortSignal): Promise<DockerEngine> {
  await raiseInotifyInstances(progress);
  // Only a process that may write /run/initc can have started initc's dockerd, or stop it.
  await markDockerUser().catch(() => undefined);
  const running = await dockerInfo();
  if (running) {
    const state = await readState();
    const ours = !!state && (await isRunning(state.process));
    progress.info(`✔ Docker engine ${running} answers${ours ? ` (dockerd pid ${state!.process.pid}, started by initc)` : ''}`);
    return { env: dockerEnv(), startedByInitc: ours, serverVersion: running };
  }
  if (!(await exists(DOCKERD))) {
    throw new InitcError('missingHostFeature', `no Docker engine answers and ${DOCKERD} is missing: apt-get install docker.io (kind runs its nodes as Docker containers)`);
  }
  if (!(await onPathOrUsual('docker'))) throw new InitcError('missingHostFeature', 'the docker CLI is missing: apt-get install docker.io');
  return withLock(async () => {
    const again = await dockerInfo(); // another initc started it while we waited
    if (again) return { env: dockerEnv(), startedByInitc: true, serverVersion: again };
    return progress.step('start dockerd (no Docker engine was running)', async (step) => {
      const wrapper = await ensureRuncWrapper();
      const ipForwardBefore = (await fs.readFile(IP_FORWARD, 'utf8')).trim();
      // With forwarding already on, dockerd leaves FORWARD's policy at ACCEPT; turning it on itself, it sets DROP.
      if (ipForwardBefore !== '1') await fs.writeFile(IP_FORWARD, '1');
      const docker0Before = (await execa('ip', ['link', 'show', 'docker0'], { reject: false })).exitCode === 0;
      await fs.rm(DOCKER_SOCKET, { force: true }); // a stale socket of a dead dockerd
      const proc = await startProcess({
        name: 'dockerd',
        binary: DOCKERD,
        args: dockerdArgs(wrapper),
        logDir: STATE_DIR,
        env: { ...process.env, PATH: PATH_ENV },
      });
      const state: DockerdState = { process: proc, ipForwardBefore, docker0Before, startedAt: new Date().toISOString() };
      await fs.writeFile(STATE_FILE, JSON.stringify(state, null, 2));
      const deadline = Date.now() + 60_000;
      for (;;) {
        const v = await dockerInfo();
        if (v) {
          progress.info(`dockerd ${v} pid ${proc.pid}, socket ${DOCKER_SOCKET}, log ${proc.log}`);
          return { env: dockerEnv(), startedByInitc: true, serverVersion: v };
        }
        if (!(await isRunning(proc))) {
          throw new InitcError('componentFailed', `dockerd exited at start: ${(await tail(proc.log, 3)).replace(/\n/g, ' | ')} (log: ${proc.log})`);
        }
        if (signal?.aborted) throw new InitcError('interrupted', 'interrupted while waiting for dockerd (it keeps running; initc cluster down stops it)');
        if (Date.now() > deadline) throw new InitcError('componentFailed', `dockerd did not answer within 60s (log: ${proc.log})`);
        step.update('waiting for dockerd to answer');
        await sleep(200);
      }
    });
  });
}

/** Records this process as a user of the engine until it exits: no initc stops a dockerd it started as idle while another uses it. */
export async function markDockerUser(dir = USERS_DIR): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const startTime = await processStartTime(process.pid);
  if (startTime) await fs.writeFile(path.join(dir, String(process.pid)), startTime);
}

/** The pids of the other live processes that use the engine; the files of dead ones are removed. */
export async function otherDockerUsers(dir = USERS_DIR): Promise<number[]> {
  const users: number[] = [];
  for (const f of (await fs.readdir(dir).catch(() => [] as string[])).sort()) {
    const pid = Number(f);
    const startTime = (await fs.readFile(path.join(dir, f), 'utf8').catch(() => '')).trim();
    if (Number.isInteger(pid) && pid > 0 && startTime && (await isProcessAlive({ pid, startTime }))) {
      if (pid !== process.pid) users.push(pid);
    } else await fs.rm(path.join(dir, f), { force: true });
  }
  return users;
}

/** Whether initc started the dockerd that is running now. */
export async function dockerStartedByInitc(): Promise<boolean> {
  const state = await readState();
  return !!state && (await isRunning(state.process));
}

/**
 * Stops the dockerd initc started (never another), then removes the DOCKER* chains, the rules that
 * jump to them, the docker0 bridge if dockerd made it, and puts ip_forward back if nothing else
 * forwards. Returns what it did, one line each. Does nothing when initc started no dockerd.
 */
export async function stopDockerIfWeStartedIt(progress: Progress): Promise<string[]> {
  const state = await readState();
  if (!state) return [];
  const done: string[] = [];
  return withLock(async () => {
    if (await isRunning(state.process)) {
      await progress.step(`stop dockerd (pid ${state.process.pid}, started by initc)`, () => stopProcess(state.process, 30_000));
      done.push(`stopped dockerd pid ${state.process.pid}`);
    }
    for (const table of ['filter', 'nat']) {
      const r = await execa('iptables', ['-w', '-t', table, '-S'], { reject: false });
      if (r.exitCode !== 0) continue;
      const { rules, chains } = dockerIptablesLeftovers(String(r.stdout), !state.docker0Before);
      for (const rule of rules) if ((await execa('iptables', ['-w', '-t', table, ...rule], { reject: false })).exitCode === 0) done.push(`iptables -t ${table} ${rule.join(' ')}`);
      for (const chain of chains) await execa('iptables', ['-w', '-t', table, '-F', chain], { reject: false });
      for (const chain of chains) if ((await execa('iptables', ['-w', '-t', table, '-X', chain], { reject: false })).exitCode === 0) done.push(`iptables -t ${table} -X ${chain}`);
    }
    if (!state.docker0Before && (await execa('ip', ['link', 'del', 'docker0'], { reject: false })).exitCode === 0) done.push('ip link del docker0');
    if (state.ipForwardBefore === '0') {
      // Put forwarding back only when nothing else (the embedded cluster's guard chain, say) uses FORWARD.
      const fwd = await execa('iptables', ['-w', '-S', 'FORWARD'], { reject: false });
      if (fwd.exitCode === 0 && !String(fwd.stdout).split('\n').some((l) => l.startsWith('-A '))) {
        await fs.writeFile(IP_FORWARD, '0').catch(() => undefined);
        done.push('net.ipv4.ip_forward back to 0');
      }
    }
    await fs.rm(STATE_FILE, { force: true });
    return done;
  });
}
