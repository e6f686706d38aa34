/**
 * The ownership output's packing: a deterministic DEFLATE any inflater reads, over 10 times smaller
 * than the facts' JSON, and states written before packing still read.
 */
import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { deflateFixed } from '../constructs/src/fixed-deflate';
import { packOwnership, unpackOwnership } from '../constructs/src/ownership-output';

/** A domain's facts as Ownership.ofDomain writes them: one entry per field, much repeated. */
function facts(fields: number): string {
  return JSON.stringify({
    formatVersion: 1, domain: 'sales', governedBy: 'Sales',
    facts: Array.from({ length: fields }, (_, i) => ({
      id: `concept${Math.floor(i / 10)}.f${i % 10}`, policy: `sales/policy-${Math.floor(i / 10)}`, origin: 'crm',
      authority: { platform: 'crm', location: `crm:public.t${Math.floor(i / 10)}.f${i % 10}` },
      copies: [{ platform: 'ops', location: `ops:public.t${Math.floor(i / 10)}.f${i % 10}`, edits: 'read_only', protected: true }],
      divergence: 'authority_wins', correctionHint: `concept${Math.floor(i / 10)} is owned by crm. Correct it in crm.`,
    })),
  });
}

/** A reproducible byte sequence: runs, repeats and noise (a linear congruential generator). */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = (x >>> 16) % 4 === 0 ? (x >>> 8) & 0xff : 97 + ((x >>> 20) % 3);
  }
  return b;
}

test('zlib inflates what deflateFixed writes, for empty, tiny, long-repeat and noisy inputs', () => {
  const inputs = [Buffer.alloc(0), Buffer.from('a'), Buffer.from('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'.repeat(40)),
    Buffer.from('ünïcödé ✓ '.repeat(500)), Buffer.from(facts(2000))];
  for (let seed = 1; seed <= 40; seed++) inputs.push(bytes(seed * 997, seed));
  for (const input of inputs) expect(inflateRawSync(deflateFixed(input)).equals(input)).toBe(true);
});

test('the same facts pack to the same bytes every time, whatever zlib this Node has', () => {
  // Pinned: a change here changes every domain's output, which every plan would then show once.
  const json = '{"formatVersion":1,"facts":[{"id":"a.b"},{"id":"a.c"},{"id":"a.d"}]}';
  const packed = packOwnership(json);
  expect(packed).toBe('deflate:q1ZKyy/KTSwJSy0qzszPU7Iy1FFKS0wuKVayiq5WykxRslJK1EtSqtWBc5KROSlKtbG1AA==');
  expect(unpackOwnership(packed)).toBe(json);
  // And a large one, whose matches run through the hash chains and the whole window.
  expect(createHash('sha256').update(packOwnership(facts(3000))).digest('hex')).toBe('96e5edaa4312bace0858d4c4ac0353855993acf489b4bba8c01b3ac19167a36c');
});

test("a large domain's facts pack to less than a tenth of their JSON", () => {
  const json = facts(3000);
  const packed = packOwnership(json);
  expect(unpackOwnership(packed)).toBe(json);
  expect(packed.length).toBeLessThan(json.length / 10);
});

test('plain JSON (states written before packing) reads as it is; a damaged packed value is refused', () => {
  expect(unpackOwnership('{"formatVersion":1,"facts":[]}')).toBe('{"formatVersion":1,"facts":[]}');
  expect(() => unpackOwnership('deflate:AAAA')).toThrow(/do not unpack/);
});
