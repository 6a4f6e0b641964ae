// `npm test` after scripts/setup: the project's tests in groups side by side (test/support/lanes.ts).
// First the builds every group shares (the embedded cluster of the default version with its
// provisioner, the images; in parallel, cold or cached), and dockerd when a kind group runs, so no
// group waits on another's build or stops the engine under it. Then up to --lanes groups at once,
// each one Mocha process, longest first, every output line prefixed with its group, while the
// later versions some groups need (1.36) build in the background at nice 19; such a group starts
// once they are built. Then the groups that run alone, one after another. Ends with each group's
// figures and the one "N passed, N failed, N skipped" line CI reads; exits 0 only when every group
// passed (judgeGroups).
//
// Usage: node --import tsx scripts/test-lanes.mts [--lanes N] [--group a,b] (default: one group more than the cores, at most 8)
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import yaml from 'js-yaml';
import { dockerEnv, dockerStartedByInitc, ensureDocker, stopDockerIfWeStartedIt } from '../lib/cluster/kind/docker.js';
import { ensureBinaries } from '../lib/cluster/local/build.js';
import { buildFixtureImage, buildPauseImage } from '../lib/cluster/local/images.js';
import { resolveKubeVersion } from '../lib/cluster/local/versions.js';
import { InitcError } from '../lib/errors.js';
import { ConsoleProgress } from '../lib/progress.js';
import { projectRoot } from '../lib/util/paths.js';
import type { GroupOutcome, TestGroup } from '../test/support/lanes.js';
import { defaultLanes, formatOutcomes, HOLD_FOR_BUILD_MS, judgeGroups, laterVersionsOf, longestFirst, nextReady, parseTally, planProblems, TEST_GROUPS } from '../test/support/lanes.js';

const root = projectRoot();
const progress = new ConsoleProgress();
const fail = (message: string, code = 2): never => {
  console.error(`test-lanes: ${message}`);
  process.exit(code);
};

function parseArgs(argv: string[]): { lanes: number; groups: TestGroup[] } {
  let lanes = Number(process.env.INITC_TEST_LANES ?? defaultLanes(os.availableParallelism()));
  let names: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    if (flag !== '--lanes' && flag !== '--group') fail(`unknown argument ${arg}: use --lanes N (1..8) and --group a,b`);
    const value = inline ?? argv[++i] ?? '';
    if (flag === '--lanes') lanes = Number(value);
    else names = value.split(',').filter(Boolean);
  }
  if (!Number.isInteger(lanes) || lanes < 1 || lanes > 8) fail(`--lanes (or INITC_TEST_LANES) must be a whole number from 1 to 8`);
  const unknown = (names ?? []).filter((n) => !TEST_GROUPS.some((g) => g.name === n));
  if (unknown.length) fail(`no group ${unknown.join(', ')}: the groups are ${TEST_GROUPS.map((g) => g.name).join(', ')}`);
  return { lanes, groups: names ? TEST_GROUPS.filter((g) => names!.includes(g.name)) : [...TEST_GROUPS] };
}

/** .mocharc.yml's options but its spec, as flags: the groups run with the settings `mocha` alone would. */
function mochaFlags(): string[] {
  const config = yaml.load(readFileSync(path.join(root, '.mocharc.yml'), 'utf8')) as Record<string, unknown>;
  const flags: string[] = ['--no-config'];
  for (const [key, value] of Object.entries(config)) {
    if (key === 'spec') continue;
    for (const v of Array.isArray(value) ? value : [value]) flags.push(`--${key}`, String(v));
  }
  return flags;
}

/** The builds the integration tests share, in parallel: built once here, not by several groups at once. */
async function prebuild(): Promise<void> {
  await progress.step('builds the tests share (embedded cluster of the default version, images)', async () => {
    const binaries = await ensureBinaries(resolveKubeVersion(undefined), progress);
    await Promise.all([buildPauseImage(binaries.pause), buildFixtureImage()]);
  });
}

type Child = ReturnType<typeof spawn>;
const children = new Set<Child>();
/** The background builds: each its own process group (node, go, the compilers), ended as a whole. */
const builders = new Set<Child>();
let interrupted: string | undefined;
let inSharedBuilds = false;

/**
 * Starts `command` in a process group of its own, held in `among` while it runs, every output line
 * printed after `label`; resolves when it closed, with what it printed.
 */
function spawnLabelled(command: string, args: string[], label: string, among: Set<Child>): Promise<{ exitCode: number | null; signal?: string; output: string }> {
  const child = spawn(command, args, { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  among.add(child);
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      output += `${line}\n`;
      console.log(`${label} ${line}`);
    });
  }
  return new Promise((resolve) => {
    child.once('close', (exitCode, signal) => {
      among.delete(child);
      resolve({ exitCode, signal: signal ?? undefined, output });
    });
  });
}

/**
 * Builds the binaries of a later version (scripts/prebuild.mts) in a child at nice 19, which Go's
 * compilers inherit. Nice ranks it only within its cgroup: on cgroup v1 the kind nodes (in Docker's
 * cgroups) and the cluster's pods still share the cores with it. Resolves when it ended, built or
 * not: a group that needs it then finds it in the cache, or builds it and says why it failed.
 */
async function buildInBackground(version: string, width: number): Promise<void> {
  const label = `[build ${version}]`.padEnd(width + 2);
  console.log(`${label} started in the background at nice 19`);
  const r = await spawnLabelled('nice', ['-n', '19', process.execPath, '--import', 'tsx', path.join(root, 'scripts', 'prebuild.mts'), version], label, builders);
  console.log(`${label} ended (${r.signal ?? `exit ${r.exitCode}`})`);
}

async function runGroup(group: TestGroup, flags: string[], width: number): Promise<GroupOutcome & { output: string }> {
  const started = Date.now();
  const label = `[${group.name}]`.padEnd(width + 2);
  console.log(`${label} started: ${group.files.join(' ')}`);
  // Its own process group: a Ctrl-C reaches it once, from here, and it ends its tests' clusters itself.
  const r = await spawnLabelled(process.execPath, [path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'), ...flags, ...group.files], label, children);
  const seconds = (Date.now() - started) / 1000;
  console.log(`${label} ended (${r.signal ?? `exit ${r.exitCode}`}) after ${seconds.toFixed(0)} s`);
  return { name: group.name, exitCode: r.exitCode, signal: r.signal, tally: parseTally(r.output), seconds, output: r.output };
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    const again = interrupted !== undefined;
    interrupted = sig;
    for (const b of builders) {
      try {
        if (b.pid) process.kill(-b.pid, 'SIGINT');
      } catch {
        /* its group has ended */
      }
    }
    if (inSharedBuilds) {
      // The shared builds run in this process: exiting ends them (execa kills the go commands it started).
      console.error(`test-lanes: ${sig} during the shared builds: stopped`);
      process.exit(130);
    }
    console.error(`test-lanes: ${sig}: ${again ? 'ending' : 'interrupting'} the ${children.size} running group(s); no new group starts`);
    for (const child of children) child.kill(again ? 'SIGTERM' : 'SIGINT');
  });
}

const { lanes, groups } = parseArgs(process.argv.slice(2));
const integrationFiles = readdirSync(path.join(root, 'test', 'integration')).filter((f) => f.endsWith('.test.ts')).map((f) => `test/integration/${f}`);
const problems = planProblems(TEST_GROUPS, integrationFiles);
if (problems.length) fail(`test/support/lanes.ts does not fit the test files: ${problems.join('; ')}`, 1);

const t0 = Date.now();
let startedDocker = false;
try {
  inSharedBuilds = true;
  if (groups.some((g) => g.files.some((f) => f.startsWith('test/integration/')))) await prebuild();
  inSharedBuilds = false;
  if (groups.some((g) => g.docker)) {
    const wasRunning = (await execa('docker', ['version'], { env: dockerEnv(), reject: false })).exitCode === 0;
    await ensureDocker(progress);
    startedDocker = !wasRunning && (await dockerStartedByInitc());
  }
} catch (err) {
  if (!(err instanceof InitcError)) throw err;
  fail(err.message, err.exitCode);
}

const flags = mochaFlags();
const later = laterVersionsOf(groups);
const width = Math.max(...groups.map((g) => g.name.length), ...later.map((v) => `build ${v}`.length));
const queue = longestFirst(groups);
console.log(`test-lanes: ${groups.length} groups, ${lanes} at once, longest first: ${queue.map((g) => g.name).join(', ')}${later.length ? ` (Kubernetes ${later.join(', ')} built meanwhile for the groups that need it)` : ''}`);
const built = new Set<string>();
const building = new Map(later.map((v) => [v, buildInBackground(v, width).then(() => void built.add(v))]));
const outcomes: Array<GroupOutcome & { output: string }> = [];
const pending = queue.filter((g) => !g.alone);
const holdUntil = Date.now() + HOLD_FOR_BUILD_MS;
await Promise.all(
  Array.from({ length: Math.min(lanes, pending.length) }, async () => {
    while (pending.length && !interrupted) {
      const holding = Date.now() < holdUntil;
      const g = nextReady(pending, built, holding);
      if (!g) {
        const unbuilt = [...building].filter(([v]) => !built.has(v)).map(([, done]) => done);
        if (!unbuilt.length) fail(`groups ${pending.map((p) => p.name).join(', ')} wait for a version nothing builds`, 1);
        await Promise.race([...unbuilt, ...(holding ? [new Promise((r) => setTimeout(r, holdUntil - Date.now()))] : [])]);
        continue;
      }
      pending.splice(pending.indexOf(g), 1);
      outcomes.push(await runGroup(g, flags, width));
    }
  }),
);
await Promise.all(building.values());
for (const g of queue.filter((q) => q.alone)) if (!interrupted) outcomes.push(await runGroup(g, flags, width));
if (startedDocker) await stopDockerIfWeStartedIt(progress);

const verdict = judgeGroups(outcomes, groups.map((g) => g.name));
for (const o of outcomes) {
  // The last "N failing" is the group's own (the runs its tests start print theirs too).
  const failing = [...o.output.matchAll(/^\s+\d+ failing$/gm)].pop();
  if (failing) console.log(`\n[${o.name}] its failures again:\n${o.output.slice(failing.index)}`);
}
const wall = (Date.now() - t0) / 1000;
const longest = Math.max(0, ...outcomes.map((o) => o.seconds));
console.log(`\ntest groups: ${outcomes.length} in ${wall.toFixed(0)} s with ${lanes} lanes (the longest group ${longest.toFixed(0)} s; all groups one after another ${outcomes.reduce((s, o) => s + o.seconds, 0).toFixed(0)} s)`);
console.log(formatOutcomes(outcomes));
for (const p of verdict.problems) console.log(`not passed: ${p}`);
if (interrupted) console.log(`interrupted by ${interrupted}`);
console.log(`\n${verdict.total.passed} passed, ${verdict.total.failed} failed, ${verdict.total.skipped} skipped`);
process.exit(interrupted ? 130 : verdict.ok ? 0 : 1);
