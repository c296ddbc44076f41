import { describe, expect, it } from 'vitest';
import { originOf } from '../../src/transport/index.ts';

describe('peer origin from a configuration address', () => {
  it.each([
    ['ss1.example.gov', 'https://ss1.example.gov:5500'],
    ['10.1.2.3', 'https://10.1.2.3:5500'],
    ['10.1.2.3:47121', 'https://10.1.2.3:47121'],
    ['ss1.example.gov:8443', 'https://ss1.example.gov:8443'],
    ['::1', 'https://[::1]:5500'],
    ['fe80::1', 'https://[fe80::1]:5500'],
    ['[::1]:47121', 'https://[::1]:47121'],
  ])('%s -> %s', (address, origin) => {
    expect(originOf(address, 5500)).toBe(origin);
  });

});
