#!/usr/bin/env node
// `npm test` and `npm start` begin here: on a fresh machine with only Node.js and npm this installs the
// pinned pnpm (through npx, from the npm registry) and the workspace's dependencies from the lockfile.
// It does nothing when node_modules already matches the lockfile.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const quiet = process.argv.includes('--quiet');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = String(pkg.packageManager).replace(/^pnpm@/, '');

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Tonle needs Node.js 20.19 or newer; this is ${process.versions.node}.`);
  process.exit(1);
}

const marker = join(root, 'node_modules', '.modules.yaml');
const lock = join(root, 'pnpm-lock.yaml');
const upToDate = existsSync(marker) && existsSync(lock) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
if (upToDate) process.exit(0);

if (!quiet) console.error(`Installing dependencies with pnpm ${pnpmVersion} (first run only)...`);
const pnpm = pnpmCommand();
execFileSync(pnpm[0], [...pnpm.slice(1), 'install', '--frozen-lockfile', '--reporter=append-only'], {
  cwd: root,
  stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
  env: { ...process.env, npm_config_yes: 'true' },
});

function pnpmCommand() {
  try {
    const found = execFileSync('pnpm', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (found === pnpmVersion) return ['pnpm'];
  } catch {
    // not installed: fall through to npx
  }
  return ['npx', '--yes', `pnpm@${pnpmVersion}`];
}
