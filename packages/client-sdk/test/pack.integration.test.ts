// The publishable artefact: build, pack @tonle/protocol and @tonle/client-sdk, install both tarballs into a
// fresh project outside the workspace, then use the package from plain node (no tsx, no workspace links)
// and type-check a consumer against the shipped .d.ts files.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const rootRequire = createRequire(join(root, 'package.json'));
const tscBin = rootRequire.resolve('typescript/bin/tsc');
/** The exact versions the workspace uses, so the separate project installs them offline from the same store. */
const versionOf = (name: string): string => (JSON.parse(readFileSync(rootRequire.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;

function pnpm(args: string[], cwd: string): string {
  const version = String((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { packageManager: string }).packageManager).replace(/^pnpm@/, '');
  try {
    return execFileSync('pnpm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
    return execFileSync('npx', ['--yes', `pnpm@${version}`, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }
}

let dir: string;
let app: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tonle-sdk-pack-'));
  // `tsc -b` on the SDK builds @tonle/protocol first (project reference), both into dist/ with .d.ts.
  execFileSync(process.execPath, [tscBin, '-b', join(root, 'packages', 'client-sdk')], { cwd: root, stdio: 'pipe' });
  for (const pkg of ['protocol', 'client-sdk']) pnpm(['pack', '--pack-destination', dir], join(root, 'packages', pkg));
  app = join(dir, 'app');
  mkdirSync(app);
  const sdk = readdirSync(dir).find((f) => f.startsWith('tonle-client-sdk-'));
  const protocol = readdirSync(dir).find((f) => f.startsWith('tonle-protocol-'));
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: { '@tonle/client-sdk': `file:../${sdk}`, '@tonle/protocol': `file:../${protocol}` },
      // Its own compiler and Node types: the type check below uses nothing from the Tonle workspace.
      devDependencies: { typescript: versionOf('typescript'), '@types/node': versionOf('@types/node') },
    }),
  );
  // The packed SDK depends on @tonle/protocol by version; point that at the packed tarball, not a registry.
  writeFileSync(join(app, 'pnpm-workspace.yaml'), `overrides:\n  '@tonle/protocol': 'file:../${protocol}'\n`);
  // Offline: undici comes from the local pnpm store the workspace was installed from.
  pnpm(['install', '--offline'], app);
}, 240_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships dist with declarations and no sources or test files', () => {
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', '@tonle', 'client-sdk', 'package.json'), 'utf8')) as {
      exports: Record<string, { default: string; types: string }>;
      dependencies: Record<string, string>;
    };
    expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(manifest.exports['./testing']?.default).toBe('./dist/testing/index.js');
    expect(manifest.dependencies['@tonle/protocol']).toMatch(/^\d+\.\d+\.\d+/);
    const files = readdirSync(join(app, 'node_modules', '@tonle', 'client-sdk'), { recursive: true }).map(String);
    expect(files).toContain(join('dist', 'index.d.ts'));
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('works from plain node against the mock security server', () => {
    writeFileSync(
      join(app, 'main.mjs'),
      `import { createClient, isGatewayError } from '@tonle/client-sdk';
import { createMockSecurityServer, GatewayFault } from '@tonle/client-sdk/testing';
import { xroadContext } from '@tonle/client-sdk/fastify';
const ss = await createMockSecurityServer({ services: {
  'EE/GOV/1/sub/hello': (req) => ({ json: { hello: req.path } }),
  'EE/GOV/1/sub/no': () => { throw new GatewayFault('Server.ServerProxy.AccessDenied'); },
} });
const client = createClient({ securityServer: ss.url, client: 'EE/GOV/2/app' });
const res = await client.call({ service: 'EE/GOV/1/sub/hello', path: '/world' });
const body = await res.json();
const fault = await client.call({ service: 'EE/GOV/1/sub/no' }).catch((e) => e);
await client.close();
await ss.close();
console.log(JSON.stringify({ status: res.status, body, id: typeof res.xroad.id, fault: isGatewayError(fault) ? fault.code : String(fault), plugin: typeof xroadContext }));
`,
    );
    // fastify is not installed here: the plugin entry must load without it (it only needs its types).
    const out = execFileSync(process.execPath, ['main.mjs'], { cwd: app, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ status: 200, body: { hello: '/world' }, id: 'string', fault: 'Server.ServerProxy.AccessDenied', plugin: 'function' });
  });

  it('type-checks a consumer against the shipped declarations (no skipLibCheck)', () => {
    writeFileSync(
      join(app, 'check.ts'),
      `import { createClient, isGatewayError, type GatewayErrorCode, type XRoadResponse } from '@tonle/client-sdk';
import { createMockSecurityServer } from '@tonle/client-sdk/testing';
export async function run(): Promise<GatewayErrorCode | number> {
  const ss = await createMockSecurityServer({ services: { 'EE/GOV/1/sub/hello': () => ({ json: 1 }) } });
  const client = createClient({ securityServer: ss.url, client: 'EE/GOV/2/app' });
  try {
    const res: XRoadResponse = await client.call({ service: 'EE/GOV/1/sub/hello' });
    return res.status;
  } catch (e) {
    if (isGatewayError(e)) return e.code;
    throw e;
  } finally {
    await client.close();
    await ss.close();
  }
}
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'], skipLibCheck: false },
        files: ['check.ts'],
      }),
    );
    // The project's own tsc (node_modules/typescript), resolving @tonle/* to the installed tarballs' .d.ts.
    const ownTsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(process.execPath, [ownTsc, '-p', 'tsconfig.json', '--listFiles'], { cwd: app, encoding: 'utf8' });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    const files = result.stdout.split('\n').map((f) => f.trim()).filter((f) => f !== '');
    // Types came from the installed package, and nothing came from the workspace's sources.
    expect(files.some((f) => f.endsWith('/node_modules/@tonle/client-sdk/dist/index.d.ts'))).toBe(true);
    expect(files.filter((f) => f.startsWith(root) && !f.startsWith(dir))).toEqual([]);
    expect(files.filter((f) => f.includes('/packages/') && f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  }, 120_000);
});
