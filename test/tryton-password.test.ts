/**
 * The passwords the project makes for Tryton's users (its admin, the example salesperson, the
 * conformance suite's editors): Tryton refuses one whose distinct characters are under 3/4 of its
 * length, which random base64 missed now and then (a conformance run failed on it).
 */
import { trytonPassword } from '../embedded/tryton';

test('every password has 24 different characters (Tryton\'s entropy rule holds) and none repeats', () => {
  const made = Array.from({ length: 2000 }, () => trytonPassword());
  for (const p of made) {
    expect(p).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(new Set(p).size).toBe(24);
  }
  expect(new Set(made).size).toBe(made.length);
});
