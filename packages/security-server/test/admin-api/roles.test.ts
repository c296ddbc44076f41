import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, ROUTES, type Role } from '../../src/admin-api/index.ts';
import { auth, createAdminFixture, type AdminFixture } from './fixture.ts';

let fx: AdminFixture;
beforeAll(async () => {
  fx = await createAdminFixture();
});
afterAll(async () => {
  await fx.close();
});

/** A concrete URL for a route pattern (values that parse, so handlers get past identifier checks). */
function concrete(url: string): string {
  return `/api/v1${url
    .replace(':hash', 'a'.repeat(64))
    .replace(':name', 'nothing-here')
    .replace(':code', 'grp')
    .replace(/\/services\/:id/, '/services/EE:GOV:1234:sub:svc')
    .replace(':id', 'EE:GOV:1234:sub')}`;
}

// Every route x every role: a role outside the route's list gets 403, a role inside never gets 401/403.
const cases = ROUTES.flatMap((route) => ROLES.map((role) => ({ route, role, allowed: route.roles.includes(role) })));

describe('admin API roles (every route, every role)', () => {
  it('covers every route', () => {
    expect(ROUTES.length).toBeGreaterThanOrEqual(45);
    expect(new Set(ROUTES.map((r) => `${r.method} ${r.url}`)).size).toBe(ROUTES.length);
  });

  it.each(cases.map((c) => [`${c.route.method} ${c.route.url}`, c.role, c.allowed, c.route] as const))(
    '%s as %s (allowed: %s)',
    async (_name, role: Role, allowed, route) => {
      const query = route.id === 'diagnostics.operational-monitoring' ? '?recordsFrom=0&recordsTo=10' : '';
      const res = await fx.app.inject({ method: route.method, url: `${concrete(route.url)}${query}`, headers: auth(fx.keysByRole[role]) });
      if (allowed) {
        expect([401, 403]).not.toContain(res.statusCode);
      } else {
        expect(res.statusCode).toBe(403);
        expect(res.json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_FORBIDDEN' });
      }
    },
  );

  it.each(ROUTES.map((r) => [`${r.method} ${r.url}`, r] as const))('%s without or with a wrong key is 401', async (_n, route) => {
    const none = await fx.app.inject({ method: route.method, url: concrete(route.url) });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 'TONLE_ERR_ADMIN_UNAUTHORIZED' });
    const wrong = await fx.app.inject({ method: route.method, url: concrete(route.url), headers: auth('not-a-key') });
    expect(wrong.statusCode).toBe(401);
    const basic = await fx.app.inject({ method: route.method, url: concrete(route.url), headers: { authorization: `Bearer ${fx.keysByRole.ALL}` } });
    expect(basic.statusCode).toBe(401);
  });
});
