// Two commits side by side in one run: each is checked out into its own
// worktree (sharing this checkout's node_modules) and built, then every
// scenario runs against A and B alternately, run after run, so both see the
// same machine noise. Prints a table of medians and B/A.
//
//   npm run bench:compare -- <commit-a> <commit-b> [--quick] [--only=CREATE,UPDATE]
//   (--only: just the scenarios whose names contain one of the words)

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './measure.js';
import { createMany, deleteMany, getOne, listPage, startKubeactor, stopKubeactor, updateMany, type Kubeactor, type Settings } from './scenarios.js';
import { seedConfigMaps } from './seed.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
process.removeAllListeners('warning');

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (args.length !== 2) {
  process.stderr.write('Error: usage: npm run bench:compare -- <commit-a> <commit-b> [--quick]\n');
  process.exit(2);
}
const quick = process.argv.includes('--quick');
const rounds = quick ? 1 : 3;
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
// Each round measures each build once (one wrk run after its warm-up); the medians are over rounds.
const settings: Settings = { runs: 1, seconds: quick ? 3 : 5, serverCpu: 0, loadCpu: 1 };
const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));

interface Build {
  label: string;
  sha: string;
  dir: string;
  bin: string;
}

function build(commit: string): Build {
  const sha = execFileSync('git', ['-C', REPO, 'rev-parse', '--verify', `${commit}^{commit}`], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), `kubeactor-${sha.slice(0, 8)}-`));
  execFileSync('git', ['-C', REPO, 'worktree', 'add', '--detach', dir, sha], { stdio: 'ignore' });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], { stdio: 'inherit' });
  // Commits since the bundle run what their package.json's bin runs; older ones, the unbundled entry.
  const bundler = join(dir, 'dist', 'scripts', 'bundle.js');
  if (existsSync(bundler)) execFileSync(process.execPath, [bundler], { stdio: 'inherit' });
  const bin = [join(dir, 'dist', 'kubeactor.mjs'), join(dir, 'dist', 'bin', 'kubeactor.js')].find((b) => existsSync(b));
  if (!bin) throw new Error(`${commit} built no dist/kubeactor.mjs or dist/bin/kubeactor.js`);
  return { label: commit, sha, dir, bin };
}

function remove(b: Build): void {
  execFileSync('git', ['-C', REPO, 'worktree', 'remove', '--force', b.dir], { stdio: 'ignore' });
  rmSync(b.dir, { recursive: true, force: true });
}

type Scenario = { name: string; unit: string; higherIsBetter: boolean; measure(bin: string): Promise<number> };

/** Starts `bin` on a fresh data directory, measures, and stops it. */
async function onFreshServer(bin: string, measure: (k: Kubeactor) => Promise<number>): Promise<number> {
  const k = await startKubeactor(bin, settings);
  try {
    return await measure(k);
  } finally {
    await stopKubeactor(k);
  }
}

const scenarios: Scenario[] = [
  { name: 'GET one ConfigMap', unit: 'req/s', higherIsBetter: true, measure: (bin) => onFreshServer(bin, async (k) => (await getOne(k, settings)).result.rps) },
  { name: 'CREATE ConfigMap', unit: 'req/s', higherIsBetter: true, measure: (bin) => onFreshServer(bin, async (k) => (await createMany(k, settings)).rps) },
  { name: 'UPDATE ConfigMap', unit: 'req/s', higherIsBetter: true, measure: (bin) => onFreshServer(bin, async (k) => (await updateMany(k, settings)).rps) },
  { name: 'DELETE ConfigMap (from 100,000 stored)', unit: 'req/s', higherIsBetter: true, measure: async (bin) => (await deleteMany(bin, settings)).rps },
  {
    name: 'LIST 500 of 10,000 (JSON)', unit: 'req/s', higherIsBetter: true,
    async measure(bin) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-compare-'));
      seedConfigMaps(dir, 'default', 10_000);
      const k = await startKubeactor(bin, settings, dir);
      try {
        return (await listPage(k, 'application/json', settings)).rps;
      } finally {
        await stopKubeactor(k);
      }
    },
  },
  {
    name: 'start to ready, warm', unit: 'ms', higherIsBetter: false,
    // One start is too noisy a sample: each round takes the median of five warm starts.
    async measure(bin) {
      const first = await startKubeactor(bin, settings);
      await stopKubeactor(first, true);
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const again = await startKubeactor(bin, settings, first.dir);
        times.push(again.readyMs);
        await stopKubeactor(again, i < 4);
      }
      return median(times);
    },
  },
];

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

async function main(): Promise<void> {
  const a = build(args[0]!);
  const b = build(args[1]!);
  try {
    const lines = [
      `A = ${a.label} (${a.sha.slice(0, 10)}), B = ${b.label} (${b.sha.slice(0, 10)}); medians of ${rounds} alternating rounds.`,
      '',
      '| scenario | A | B | B/A |',
      '|---|---|---|---|',
    ];
    for (const scenario of scenarios.filter((s) => !only || only.some((word) => s.name.includes(word)))) {
      const samples: { a: number[]; b: number[] } = { a: [], b: [] };
      for (let round = 0; round < rounds; round++) {
        // Alternate which goes first, so neither always gets the warmer machine.
        const order = round % 2 === 0 ? [a, b] : [b, a];
        for (const which of order) (which === a ? samples.a : samples.b).push(await scenario.measure(which.bin));
      }
      const ma = median(samples.a);
      const mb = median(samples.b);
      const better = scenario.higherIsBetter ? mb > ma : mb < ma;
      lines.push(`| ${scenario.name} (${scenario.unit}) | ${fmt(ma)} | ${fmt(mb)} | ${(mb / ma).toFixed(2)}×${better ? ' (B better)' : ''} |`);
      process.stderr.write(`${lines.at(-1)}\n`);
    }
    const report = `${lines.join('\n')}\n`;
    writeFileSync(join(REPO, 'bench', 'COMPARE.md'), `# bench:compare\n\nGenerated by \`npm run bench:compare -- ${args[0]} ${args[1]}\` on ${new Date().toISOString().slice(0, 10)}.\n\n${report}`);
    process.stdout.write(report);
  } finally {
    remove(a);
    remove(b);
  }
}

await main();
