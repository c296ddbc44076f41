import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  FAULTS,
  FAULT_CODES,
  GatewayFault,
  faultContentType,
  faultFromUnknown,
  faultOrigin,
  normalizeFaultCode,
  parseFaultBody,
  renderFault,
} from '@tonle/protocol';

describe('fault catalog', () => {
  it('maps Client.* to 4xx and Server.* to 5xx (pr-rest 4.6)', () => {
    for (const code of FAULT_CODES) {
      const status = FAULTS[code].status;
      if (code.startsWith('Client.')) expect(status >= 400 && status < 500, code).toBe(true);
      else expect(status >= 500, code).toBe(true);
    }
  });

  it('knows each origin', () => {
    expect(faultOrigin('Client.BadRequest')).toBe('Client');
    expect(faultOrigin('Server.ClientProxy.NetworkError')).toBe('Server.ClientProxy');
    expect(faultOrigin('Server.ServerProxy.AccessDenied')).toBe('Server.ServerProxy');
  });

  it("accepts X-Road 7.8's lower snake case spelling from peers", () => {
    expect(normalizeFaultCode('server.serverproxy.access_denied')).toBe('Server.ServerProxy.AccessDenied');
    expect(normalizeFaultCode('server.clientproxy.ssl_authentication_failed')).toBe('Server.ClientProxy.SslAuthenticationFailed');
    expect(normalizeFaultCode('client.bad_request')).toBe('Client.BadRequest');
    expect(normalizeFaultCode('Server.ServerProxy.ServiceFailed.Timeout')).toBe('Server.ServerProxy.ServiceFailed.Timeout');
    expect(normalizeFaultCode('server.serverproxy.nope')).toBeUndefined();
  });
});

describe('GatewayFault', () => {
  it('carries status, a UUID id and the catalog message by default', () => {
    const fault = new GatewayFault('Server.ServerProxy.AccessDenied');
    expect(fault.status).toBe(500);
    expect(fault.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(fault.message).toBe(FAULTS['Server.ServerProxy.AccessDenied'].message);
    expect(new GatewayFault('Client.BadRequest').id).not.toBe(fault.id);
  });

  it('turns unknown errors into InternalError of the given side, keeping the cause', () => {
    const cause = new Error('database password is hunter2');
    const fault = faultFromUnknown(cause, 'Server.ServerProxy');
    expect(fault.code).toBe('Server.ServerProxy.InternalError');
    expect(fault.cause).toBe(cause);
    expect(renderFault(fault).body).not.toContain('hunter2');
    const original = new GatewayFault('Client.BadRequest');
    expect(faultFromUnknown(original, 'Server.ClientProxy')).toBe(original);
  });
});

describe('fault rendering', () => {
  it('renders JSON with X-Road-Error by default', () => {
    const fault = new GatewayFault('Client.BadRequest', 'bad');
    const out = renderFault(fault);
    expect(out.status).toBe(400);
    expect(out.headers['X-Road-Error']).toBe('Client.BadRequest');
    expect(out.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(out.body)).toEqual({ type: 'Client.BadRequest', message: 'bad', detail: fault.id });
    expect(parseFaultBody(out.body)).toEqual({ type: 'Client.BadRequest', message: 'bad', detail: fault.id });
  });

  it.each([
    [undefined, 'application/json'],
    ['application/json', 'application/json'],
    ['*/*', 'application/json'],
    ['text/plain', 'application/json'],
    ['application/xml', 'application/xml'],
    ['text/xml', 'text/xml'],
    ['text/*', 'text/xml'],
    ['application/json;q=1, text/xml;q=0.1', 'text/xml'],
    ['text/xml;q=0.2, application/xml', 'text/xml'],
  ])('Accept %j gives %s (first XML type wins, q ignored)', (accept, type) => {
    expect(faultContentType(accept)).toBe(type);
  });

  it('renders escaped XML when asked', () => {
    const out = renderFault(new GatewayFault('Client.BadRequest', '<b>&"x\''), 'application/xml');
    expect(out.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(out.body).toContain('<type>Client.BadRequest</type>');
    expect(out.body).toContain('<message>&#60;b&#62;&#38;&#34;x&#39;</message>');
  });

  it('parseFaultBody refuses non-fault bodies', () => {
    for (const text of ['', 'null', '[]', '{"type":1}', '{"type":"a","message":"b"}', 'not json']) {
      expect(parseFaultBody(text)).toBeUndefined();
    }
  });
});

describe('docs/errors.md', () => {
  const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');

  it('documents every catalog code, and nothing that is not one', () => {
    const documented = new Set([...doc.matchAll(/`((?:Client|Server\.(?:ClientProxy|ServerProxy))\.[A-Za-z.]+)`/g)].map((m) => m[1]));
    expect([...documented].sort()).toEqual([...FAULT_CODES].sort());
  });

  it('gives each code the status the catalog gives it', () => {
    for (const code of FAULT_CODES) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
      expect(row, code).toBeDefined();
      expect(row?.split('|')[2]?.trim(), code).toBe(String(FAULTS[code].status));
    }
  });
});
