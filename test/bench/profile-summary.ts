// Summarises V8 CPU profiles (`.cpuprofile`, from `node --cpu-prof` or TONLE_SANDBOX_CPU_PROF): self time
// by function and by source area (a Tonle module folder, a dependency, node internals), as a share of the
// sampled time and of the non-idle time. Usage:
//   tsx test/bench/profile-summary.ts <file.cpuprofile | folder> [--top 40] [--callers writev ...]
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a frame's code lives, coarse enough to add up: `security-server/message-log`, `pino`, `node:internal`. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /packages\/([^/]+)\/src\/([^/]+)/.exec(url);
  if (pkg !== null) return `${pkg[1]}/${(pkg[2] as string).replace(/\.ts$/, '')}`;
  const dep = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep !== null) return dep[1] as string;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] === 'internal' ? 'internal' : url.slice(5)}`;
  return url.split('/').slice(-2).join('/');
}

function files(target: string): string[] {
  if (statSync(target).isFile()) return [target];
  return readdirSync(target, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(target, f));
}

/** Self time of functions named `name`, split by the chain of their nearest callers (`--callers name`). */
function callers(profile: Profile, selfUs: ReadonlyMap<number, number>, name: string, depth: number, busy: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const chains = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (byId.get(id)?.callFrame.functionName !== name) continue;
    const chain: string[] = [];
    for (let cur = parent.get(id); cur !== undefined && chain.length < depth; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (f !== undefined) chain.push(`${f.functionName || '(anonymous)'}@${f.url.split('/').pop() ?? ''}:${f.lineNumber + 1}`);
    }
    const key = chain.join(' < ');
    chains.set(key, (chains.get(key) ?? 0) + us);
  }
  console.log(`\n  callers of ${name}:`);
  for (const [k, us] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${((us / busy) * 100).toFixed(1).padStart(5)} %  ${k}`);
}

function summarise(file: string, top: number, callersOf: readonly string[]): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const area = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') idle += us;
    const shortUrl = url.replace(/^.*\/(packages|node_modules)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${shortUrl}${url === '' ? '' : `:${lineNumber + 1}`}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const a = areaOf(url, functionName);
    area.set(a, (area.get(a) ?? 0) + us);
  }
  // inclusive: a sample counts once for every area on its stack (the message log with what it calls)
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  const inclusiveFn = new Map<string, number>();
  // node internals and native code charged to the nearest caller that is Tonle or a dependency
  const charged = new Map<string, number>();
  // everything (dependencies and node internals included) charged to the nearest Tonle function
  const chargedFn = new Map<string, number>();
  const outside = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    const seenFn = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur);
      if (node === undefined) break;
      const { url, functionName, lineNumber } = node.callFrame;
      seen.add(areaOf(url, functionName));
      if (url.includes('/packages/')) seenFn.add(`${functionName || '(anonymous)'} ${url.replace(/^.*\/packages\//, '')}:${lineNumber + 1}`);
    }
    for (const a of seen) inclusive.set(a, (inclusive.get(a) ?? 0) + us);
    let owner = '(no JS caller)';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (f === undefined) break;
      const a = areaOf(f.url, f.functionName);
      if (f.functionName === '(idle)' || f.functionName === '(garbage collector)' || f.functionName === '(program)') {
        owner = f.functionName;
        break;
      }
      if (!a.startsWith('node:') && !a.startsWith('(')) {
        owner = a;
        break;
      }
    }
    charged.set(owner, (charged.get(owner) ?? 0) + us);
    let ownerFn = '(no Tonle caller)';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (f === undefined) break;
      if (f.url.includes('/packages/')) {
        ownerFn = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/packages\//, '')}:${f.lineNumber + 1}`;
        break;
      }
    }
    chargedFn.set(ownerFn, (chargedFn.get(ownerFn) ?? 0) + us);
    if (ownerFn === '(no Tonle caller)') {
      const f = byId.get(id)?.callFrame;
      const k = `${owner} :: ${f?.functionName || '(anonymous)'} ${f?.url.replace(/^.*\/(packages|node_modules)\//, '') ?? ''}`;
      outside.set(k, (outside.get(k) ?? 0) + us);
    }
    for (const f of seenFn) inclusiveFn.set(f, (inclusiveFn.get(f) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number, of: number): string => `${((us / of) * 100).toFixed(1).padStart(5)} %`;
  console.log(`\n${file}: ${(total / 1e6).toFixed(1)} s sampled, ${pct(idle, total)} idle; shares below are of non-idle time (${(busy / 1e6).toFixed(1)} s)`);
  console.log('\n  self time by area:');
  for (const [k, us] of [...area].sort((a, b) => b[1] - a[1]).slice(0, top)) if (k !== '(idle)') console.log(`  ${pct(us, busy)}  ${k}`);
  console.log('\n  self time charged to the nearest Tonle or dependency caller (node internals included):');
  for (const [k, us] of [...charged].sort((a, b) => b[1] - a[1]).slice(0, top)) if (k !== '(idle)') console.log(`  ${pct(us, busy)}  ${k}`);
  console.log('\n  inclusive time by area (Tonle packages):');
  for (const [k, us] of [...inclusive].filter(([k]) => /^[a-z-]+\/[a-z-]+$/.test(k) && !k.includes('node_modules')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${pct(us, busy)}  ${k}`);
  }
  console.log('\n  inclusive time by Tonle function:');
  for (const [k, us] of [...inclusiveFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us, busy)}  ${k}`);
  console.log('\n  self time charged to the nearest Tonle function (what it calls included, unless another Tonle function is nearer):');
  for (const [k, us] of [...chargedFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us, busy)}  ${k}`);
  console.log('\n  self time with no Tonle caller, by owner and function:');
  for (const [k, us] of [...outside].sort((a, b) => b[1] - a[1]).slice(0, top)) if (!k.includes('(idle)')) console.log(`  ${pct(us, busy)}  ${k}`);
  console.log('\n  self time by function:');
  for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) if (!k.startsWith('(idle)')) console.log(`  ${pct(us, busy)}  ${k}`);
  for (const name of callersOf) callers(profile, selfUs, name, 6, busy);
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '40' }, callers: { type: 'string', multiple: true, default: [] } } });
if (positionals.length === 0) {
  console.error('usage: tsx test/bench/profile-summary.ts <file.cpuprofile | folder> [--top N]');
  process.exit(2);
}
for (const target of positionals) for (const file of files(target)) summarise(file, Number(values.top), values.callers);
