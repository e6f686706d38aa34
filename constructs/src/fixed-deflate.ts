/**
 * Raw DEFLATE (RFC 1951) with the fixed Huffman code and a greedy match search, in plain
 * integer arithmetic: the same input gives the same bytes on every machine and Node version.
 * zlib's output does not: it changes with the zlib build a Node ships (and, in some builds, with
 * the CPU's hashing instructions), and a synthesized output that differs by machine would show as
 * a change in every plan. Any inflater (zlib's `inflateRawSync`) reads it.
 */

const WINDOW = 32768;
const MIN_MATCH = 3;
const MAX_MATCH = 258;
/** Candidates tried per position: enough for the long repeats of generated JSON, bounded for speed. */
const MAX_CHAIN = 32;
const HASH_BITS = 15;

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DISTANCE_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
  4097, 6145, 8193, 12289, 16385, 24577];
const DISTANCE_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

/** Bits packed least significant first, as DEFLATE stores everything but Huffman codes. */
class BitWriter {
  private readonly bytes: number[] = [];
  private word = 0;
  private count = 0;

  public bits(value: number, n: number): void {
    this.word |= value << this.count;
    this.count += n;
    while (this.count >= 8) {
      this.bytes.push(this.word & 0xff);
      this.word >>>= 8;
      this.count -= 8;
    }
  }

  /** A Huffman code, stored most significant bit first. */
  public code(value: number, n: number): void {
    let reversed = 0;
    for (let i = 0; i < n; i++) reversed |= ((value >> i) & 1) << (n - 1 - i);
    this.bits(reversed, n);
  }

  public finish(): Buffer {
    if (this.count > 0) this.bytes.push(this.word & 0xff);
    return Buffer.from(this.bytes);
  }
}

/** A literal/length symbol (0-287) in the fixed code. */
function symbol(out: BitWriter, s: number): void {
  if (s < 144) out.code(0x30 + s, 8);
  else if (s < 256) out.code(0x190 + s - 144, 9);
  else if (s < 280) out.code(s - 256, 7);
  else out.code(0xc0 + s - 280, 8);
}

/** The index of the last base not above `value`. */
function slot(bases: readonly number[], value: number): number {
  let i = bases.length - 1;
  while (bases[i] > value) i--;
  return i;
}

function match(out: BitWriter, length: number, distance: number): void {
  const l = slot(LENGTH_BASE, length);
  symbol(out, 257 + l);
  out.bits(length - LENGTH_BASE[l], LENGTH_EXTRA[l]);
  const d = slot(DISTANCE_BASE, distance);
  out.code(d, 5);
  out.bits(distance - DISTANCE_BASE[d], DISTANCE_EXTRA[d]);
}

export function deflateFixed(input: Uint8Array): Buffer {
  const out = new BitWriter();
  out.bits(1, 1); // the last block
  out.bits(1, 2); // compressed with the fixed code
  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  const previous = new Int32Array(input.length);
  const hash = (p: number) => ((input[p] << 10) ^ (input[p + 1] << 5) ^ input[p + 2]) & ((1 << HASH_BITS) - 1);
  const insert = (p: number) => {
    if (p + MIN_MATCH > input.length) return;
    const h = hash(p);
    previous[p] = head[h];
    head[h] = p;
  };
  let i = 0;
  while (i < input.length) {
    let bestLength = 0;
    let bestDistance = 0;
    if (i + MIN_MATCH <= input.length) {
      const longest = Math.min(MAX_MATCH, input.length - i);
      let candidate = head[hash(i)];
      for (let tries = 0; candidate >= 0 && i - candidate <= WINDOW && tries < MAX_CHAIN; tries++) {
        let length = 0;
        while (length < longest && input[candidate + length] === input[i + length]) length++;
        if (length > bestLength) {
          bestLength = length;
          bestDistance = i - candidate;
          if (length === longest) break;
        }
        candidate = previous[candidate];
      }
    }
    if (bestLength >= MIN_MATCH) {
      match(out, bestLength, bestDistance);
      for (let p = i; p < i + bestLength; p++) insert(p);
      i += bestLength;
    } else {
      symbol(out, input[i]);
      insert(i);
      i++;
    }
  }
  symbol(out, 256); // end of block
  return out.finish();
}
