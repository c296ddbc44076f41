/** listClients: X-Road's JSON and clientList XML (pr-meta §2, Annex C.1), the Accept rule, other instances. */
import { GatewayFault, memberId, subsystemId } from '@tonle/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { faultOf } from './fault-of.ts';
import { answerListClients, type ClientDirectory } from '../../src/metaservices/index.ts';

const conf: ClientDirectory = {
  instanceIdentifier: 'KH',
  clients: () => [
    { id: memberId('KH', 'GOV', '70000001'), name: 'Ministry of Social Affairs' },
    { id: subsystemId('KH', 'GOV', '70000001', 'benefits'), name: 'Ministry of Social Affairs' },
    { id: memberId('KH', 'COM', '8&8', { validation: 'lenient' }), name: 'Tom & "Jerry" <Ltd>' },
    { id: subsystemId('KH', 'COM', '8&8', 'app', { validation: 'lenient' }), name: 'Tom & "Jerry" <Ltd>', subsystemName: 'App' },
  ],
};

describe('listClients', () => {
  it("answers X-Road's JSON when Accept lists application/json", () => {
    const answer = answerListClients({ conf, query: undefined, accept: 'application/json' });
    expect(answer.status).toBe(200);
    expect(answer.headers).toEqual([['content-type', 'application/json;charset=utf-8']]);
    const body = JSON.parse(answer.body.toString('utf8')) as { member: { id: Record<string, string>; name: string }[] };
    expect(body.member).toHaveLength(4);
    expect(Object.keys(body.member[1]?.id ?? {})).toEqual(['member_class', 'member_code', 'subsystem_code', 'object_type', 'xroad_instance']);
    expect(body.member[0]).toEqual({ id: { member_class: 'GOV', member_code: '70000001', object_type: 'MEMBER', xroad_instance: 'KH' }, name: 'Ministry of Social Affairs' });
    expect(body.member[1]).toEqual({
      id: { member_class: 'GOV', member_code: '70000001', subsystem_code: 'benefits', object_type: 'SUBSYSTEM', xroad_instance: 'KH' },
      name: 'Ministry of Social Affairs',
    });
    expect(body.member[3]).toMatchObject({ name: 'Tom & "Jerry" <Ltd>', subsystem_name: 'App' });
  });

  it('reads Accept as X-Road does: any application/json in the list means JSON, q-values ignored', () => {
    for (const accept of ['text/xml;q=1.0, application/json;q=0.1', 'Application/JSON; charset=utf-8', ['text/html', 'application/json']]) {
      expect(answerListClients({ conf, query: undefined, accept }).headers).toEqual([['content-type', 'application/json;charset=utf-8']]);
    }
    for (const accept of [undefined, '*/*', 'application/xml', 'application/jsonx', 'application/problem+json']) {
      expect(answerListClients({ conf, query: undefined, accept }).headers).toEqual([['content-type', 'text/xml;charset=utf-8']]);
    }
  });

  it("answers X-Road's clientList XML otherwise, escaped", () => {
    const text = answerListClients({ conf, query: undefined, accept: undefined }).body.toString('utf8');
    expect(text).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<ns2:clientList xmlns:ns1="http://x-road.eu/xsd/identifiers" xmlns:ns2="http://x-road.eu/xsd/xroad.xsd">',
        '    <ns2:member>',
        '        <ns2:id ns1:objectType="MEMBER">',
        '            <ns1:xRoadInstance>KH</ns1:xRoadInstance>',
        '            <ns1:memberClass>GOV</ns1:memberClass>',
        '            <ns1:memberCode>70000001</ns1:memberCode>',
        '        </ns2:id>',
        '        <ns2:name>Ministry of Social Affairs</ns2:name>',
        '    </ns2:member>',
        '    <ns2:member>',
        '        <ns2:id ns1:objectType="SUBSYSTEM">',
        '            <ns1:xRoadInstance>KH</ns1:xRoadInstance>',
        '            <ns1:memberClass>GOV</ns1:memberClass>',
        '            <ns1:memberCode>70000001</ns1:memberCode>',
        '            <ns1:subsystemCode>benefits</ns1:subsystemCode>',
        '        </ns2:id>',
        '        <ns2:name>Ministry of Social Affairs</ns2:name>',
        '    </ns2:member>',
        '    <ns2:member>',
        '        <ns2:id ns1:objectType="MEMBER">',
        '            <ns1:xRoadInstance>KH</ns1:xRoadInstance>',
        '            <ns1:memberClass>COM</ns1:memberClass>',
        '            <ns1:memberCode>8&amp;8</ns1:memberCode>',
        '        </ns2:id>',
        '        <ns2:name>Tom &amp; &quot;Jerry&quot; &lt;Ltd&gt;</ns2:name>',
        '    </ns2:member>',
        '    <ns2:member>',
        '        <ns2:id ns1:objectType="SUBSYSTEM">',
        '            <ns1:xRoadInstance>KH</ns1:xRoadInstance>',
        '            <ns1:memberClass>COM</ns1:memberClass>',
        '            <ns1:memberCode>8&amp;8</ns1:memberCode>',
        '            <ns1:subsystemCode>app</ns1:subsystemCode>',
        '        </ns2:id>',
        '        <ns2:name>Tom &amp; &quot;Jerry&quot; &lt;Ltd&gt;</ns2:name>',
        '        <ns2:subsystemName>App</ns2:subsystemName>',
        '    </ns2:member>',
        '</ns2:clientList>',
        '',
      ].join('\n'),
    );
  });

  it('lists its own instance for xRoadInstance=KH or a blank one, and refuses another instance (no federation)', () => {
    for (const query of ['xRoadInstance=KH', 'xRoadInstance=', 'xRoadInstance=%20', 'other=1']) {
      expect(answerListClients({ conf, query, accept: 'application/json' }).status).toBe(200);
    }
    expect(faultOf(() => answerListClients({ conf, query: 'xRoadInstance=EE', accept: 'application/json' }))).toEqual({ code: 'Client.BadRequest', status: 400 });
    // The first value counts (servlet getParameter), as in X-Road.
    expect(answerListClients({ conf, query: 'xRoadInstance=KH&xRoadInstance=EE', accept: undefined }).status).toBe(200);
  });

  it('any query string gives the list or Client.BadRequest, never another error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.option(fc.string({ maxLength: 100 }), { nil: undefined }), (query, accept) => {
        try {
          expect(answerListClients({ conf, query, accept }).status).toBe(200);
        } catch (error) {
          expect(GatewayFault.is(error) && error.code === 'Client.BadRequest').toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
