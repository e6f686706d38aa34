/** The cancel request a provider whose terraform is gone sends for each of its database sessions. */
import { cancelRequest } from '../provider/platforms/postgresql/sessions';

test.each([
  [1234, 987654321, '00000010 04d2162e 000004d2 3ade68b1'],
  [2147483647, -1, '00000010 04d2162e 7fffffff ffffffff'], // node-postgres reads the key as a signed int32
])('the CancelRequest for backend %i with key %i is 16 bytes: length, code 80877102, pid, key', (pid, key, hex) => {
  expect(cancelRequest(pid, key).toString('hex')).toBe(hex.replace(/ /g, ''));
});
