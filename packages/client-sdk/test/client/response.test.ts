import { Readable } from 'node:stream';
import fc from 'fast-check';
import { FAULT_CODES, isFaultCode } from '@tonle/protocol';
import { describe, expect, it } from 'vitest';
import { gatewayErrorFrom, parseAnyFaultBody, readXRoadInfo } from '../../src/client/response.ts';

describe('fault responses (fuzzed)', () => {
  it('any X-Road-Error value and any body give a GatewayError with a catalog code or Unrecognized', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.constantFrom(...FAULT_CODES), fc.constantFrom('server.serverproxy.access_denied', 'CLIENT.BAD_REQUEST')),
        fc.oneof(fc.string(), fc.json(), fc.constant('<error><type>x</type><message>m &amp; n</message><detail>d</detail></error>')),
        fc.integer({ min: 100, max: 599 }),
        async (wireCode, body, status) => {
          const e = await gatewayErrorFrom(status, { 'x-road-error': wireCode }, Readable.from([Buffer.from(body)]), wireCode, 'lenient');
          expect(e.kind).toBe('gateway');
          expect(e.status).toBe(status);
          expect(e.wireCode).toBe(wireCode);
          expect(e.code === 'Unrecognized' || isFaultCode(e.code)).toBe(true);
          expect(typeof e.message).toBe('string');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads only the first 64 KiB of a huge fault body', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 65536;
        this.push(Buffer.alloc(65536, 0x20));
      },
    });
    const e = await gatewayErrorFrom(500, {}, endless, 'Server.ServerProxy.ServiceFailed', 'lenient');
    expect(e.code).toBe('Server.ServerProxy.ServiceFailed');
    expect(produced).toBeLessThan(1024 * 1024);
  });

  it('parses XML and JSON fault bodies, and nothing else', () => {
    expect(parseAnyFaultBody('{"type":"a","message":"m","detail":"d"}')).toEqual({ message: 'm', detail: 'd' });
    expect(parseAnyFaultBody('<error><type>a</type><message>&#60;x&#x3e;</message><detail>d</detail></error>')).toEqual({ message: '<x>', detail: 'd' });
    expect(parseAnyFaultBody('plain')).toEqual({ message: undefined, detail: undefined });
  });
});

describe('readXRoadInfo (fuzzed)', () => {
  it('never throws; malformed identifiers read as undefined', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('x-road-client', 'x-road-service', 'x-road-id', 'x-road-request-id', 'x-road-request-hash'), fc.oneof(fc.string(), fc.array(fc.string()))), (headers) => {
        const info = readXRoadInfo(headers);
        expect(info.client === undefined || info.client.type === 'MEMBER' || info.client.type === 'SUBSYSTEM').toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('takes the last of repeated headers (pr-rest 4.3)', () => {
    expect(readXRoadInfo({ 'x-road-id': ['a', 'b'] }).id).toBe('b');
  });
});
