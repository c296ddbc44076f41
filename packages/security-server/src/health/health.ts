import { randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GlobalConfStatus } from '../global-conf/index.ts';
import type { MessageLogStatus } from '../message-log/index.ts';
import type { TokenStatus } from '../token/index.ts';

export interface ReadinessCheck {
  readonly name: string;
  readonly ok: boolean;
  /** A stable reason code when not ok. */
  readonly reason?: string;
}

export interface Readiness {
  readonly ready: boolean;
  readonly checks: readonly ReadinessCheck[];
}

export interface HealthSources {
  readonly globalConf?: () => GlobalConfStatus;
  readonly token?: () => TokenStatus;
  readonly messageLog?: () => MessageLogStatus;
  /** The message-log directory: readiness writes, fsyncs and removes a probe file there. */
  readonly logDirectory?: string;
  /**
   * Whether the owner's signing key (active, good certificate) and the registered authentication
   * certificate are usable; the exchange cannot work without both.
   */
  readonly credentials?: () => { readonly signing: boolean; readonly authentication: boolean };
  /** Further checks (e.g. Redis ping in cluster mode): true = ok; a throw counts as failed. */
  readonly extra?: Readonly<Record<string, () => boolean | Promise<boolean>>>;
}

export interface Health {
  live(): { readonly status: 'ok' };
  ready(): Promise<Readiness>;
}

async function probeWritable(directory: string): Promise<boolean> {
  const path = join(directory, `.ready-${randomBytes(6).toString('hex')}.probe`);
  try {
    const fh = await open(path, 'wx', 0o600);
    try {
      await fh.writeFile('ok');
      await fh.sync();
    } finally {
      await fh.close();
    }
    return true;
  } catch {
    return false;
  } finally {
    await rm(path, { force: true }).catch(() => undefined);
  }
}

/**
 * Liveness (the process answers) and readiness for load balancers (architecture §11, §9): not ready
 * while the global configuration is not valid, the token is logged out, the log directory is not
 * writable, or the message log refuses because time-stamping failed too long.
 *
 * @example
 * ```ts
 * const health = createHealth({ globalConf: () => holder.status(), token: () => token.status(), messageLog: () => log.status(), logDirectory });
 * const { ready } = await health.ready();
 * ```
 */
export function createHealth(sources: HealthSources): Health {
  return {
    live: () => ({ status: 'ok' }),
    async ready() {
      const checks: ReadinessCheck[] = [];
      const add = (name: string, ok: boolean, reason: string) => checks.push(ok ? { name, ok } : { name, ok, reason });
      if (sources.globalConf) {
        const st = sources.globalConf();
        add('globalconf', st.state === 'valid', st.state === 'expired' ? 'GLOBALCONF_EXPIRED' : 'GLOBALCONF_UNAVAILABLE');
      }
      if (sources.token) {
        const st = sources.token();
        add('token', st.initialized && st.loggedIn, st.initialized ? 'TOKEN_LOGGED_OUT' : 'TOKEN_NOT_INITIALIZED');
      }
      if (sources.credentials) {
        let c = { signing: false, authentication: false };
        try {
          c = sources.credentials();
        } catch {
          // a failing probe counts as unusable credentials
        }
        add('signing-key', c.signing, 'NO_SIGNING_CERTIFICATE');
        add('authentication-certificate', c.authentication, 'NO_AUTH_CERTIFICATE');
      }
      if (sources.logDirectory !== undefined) add('message-log-writable', await probeWritable(sources.logDirectory), 'LOG_NOT_WRITABLE');
      if (sources.messageLog) add('timestamping', !sources.messageLog().refusing, 'TIMESTAMPING_REFUSED');
      for (const [name, check] of Object.entries(sources.extra ?? {})) {
        let ok: boolean;
        try {
          ok = (await check()) === true;
        } catch {
          ok = false;
        }
        add(name, ok, 'CHECK_FAILED');
      }
      return { ready: checks.every((c) => c.ok), checks };
    },
  };
}
