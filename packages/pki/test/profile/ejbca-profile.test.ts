import { beforeAll, describe, expect, it } from 'vitest';
import { certificateProfileByName, ejbcaProfile, generateKeyPair, issueCertificate, parseCertificate, PkiError } from '@tonle/pki';
import { DAY, NOW, createThrowawayPki, type ThrowawayPki } from '../support/throwaway-pki.ts';

let pki: ThrowawayPki;
beforeAll(async () => {
  pki = await createThrowawayPki();
});

async function certWith(subject: { type: string; value: string }[]): Promise<Uint8Array> {
  const { publicKey } = await generateKeyPair('P-256');
  return issueCertificate({
    publicKey,
    subject,
    signingKey: pki.intermediate.key,
    issuerCertificate: pki.intermediate.cert,
    notBefore: NOW,
    notAfter: NOW + DAY,
  });
}

describe('ejbcaProfile', () => {
  it('subjectFor / authSubjectFor', () => {
    expect(ejbcaProfile.subjectFor({ type: 'MEMBER', instance: 'EE', memberClass: 'GOV', memberCode: '1234' })).toEqual([
      { type: 'C', value: 'EE' },
      { type: 'O', value: 'GOV' },
      { type: 'CN', value: '1234' },
    ]);
    expect(ejbcaProfile.authSubjectFor({ type: 'SERVER', instance: 'EE', memberClass: 'GOV', memberCode: '1234', serverCode: 'ss1' }).map((a) => a.type)).toEqual([
      'C',
      'O',
      'OU',
      'CN',
    ]);
    expect(() => ejbcaProfile.subjectFor({ type: 'MEMBER', instance: 'EE', memberClass: '', memberCode: '1' })).toThrow(TypeError);
    expect(certificateProfileByName('ejbca')).toBe(ejbcaProfile);
    expect(() => certificateProfileByName('nope')).toThrow(TypeError);
  });

  it('derives the member back from a signing certificate (DER or summary)', async () => {
    const member = { type: 'MEMBER', instance: 'EE', memberClass: 'GOV', memberCode: '1234' } as const;
    expect(ejbcaProfile.memberIdFromCertificate(pki.sign.cert, 'EE')).toEqual(member);
    expect(ejbcaProfile.memberIdFromCertificate(parseCertificate(pki.sign.cert), 'EE')).toEqual(member);
    const roundTrip = await certWith([...ejbcaProfile.subjectFor({ type: 'MEMBER', instance: 'EE', memberClass: 'COM', memberCode: "a'b(c)" })]);
    expect(ejbcaProfile.memberIdFromCertificate(roundTrip, 'EE').memberCode).toBe("a'b(c)");
  });

  it('missing or repeated fields, and another instance, have codes', async () => {
    const noCn = await certWith([{ type: 'C', value: 'EE' }, { type: 'O', value: 'GOV' }]);
    const twoO = await certWith([{ type: 'C', value: 'EE' }, { type: 'O', value: 'GOV' }, { type: 'O', value: 'COM' }, { type: 'CN', value: '1' }]);
    for (const c of [noCn, twoO]) {
      expect(() => ejbcaProfile.memberIdFromCertificate(c, 'EE')).toThrow(expect.objectContaining({ code: 'TONLE_ERR_PKI_PROFILE_FIELD_MISSING' }));
    }
    try {
      ejbcaProfile.memberIdFromCertificate(pki.sign.cert, 'FI');
      expect.unreachable();
    } catch (e) {
      expect(PkiError.is(e) && e.code).toBe('TONLE_ERR_PKI_PROFILE_INSTANCE_MISMATCH');
    }
  });
});
