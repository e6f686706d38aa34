import { copyRows } from '../provider/platforms/postgresql/connection';
import { SharedReads } from '../provider/platforms/postgresql/shared-reads';

/** A read whose answers the test releases one at a time, counting how often it ran. */
function gatedReads() {
  const releases: (() => void)[] = [];
  let runs = 0;
  const read = () => {
    const n = ++runs;
    return new Promise<{ n: number; rows: string[] }>((resolve) => releases.push(() => resolve({ n, rows: ['a'] })));
  };
  const release = async () => {
    while (!releases.length) await new Promise((r) => setImmediate(r));
    releases.shift()!();
  };
  return { read, release, runs: () => runs };
}

const copy = (a: { n: number; rows: string[] }) => ({ ...a, rows: [...a.rows] });

describe('SharedReads: identical reads asked together run once', () => {
  it('callers who ask while a read runs share the next one, never the running one', async () => {
    const shared = new SharedReads(copy);
    const g = gatedReads();
    const first = shared.run('k', g.read);
    const later = [shared.run('k', g.read), shared.run('k', g.read), shared.run('k', g.read)];
    await g.release();
    expect((await first).n).toBe(1);
    await g.release();
    const answers = await Promise.all(later);
    // The running read may have been sent before their own writes: they get the one that started after them.
    expect(answers.map((a) => a.n)).toEqual([2, 2, 2]);
    expect(g.runs()).toBe(2);
    expect(shared.saved).toBe(2);
  });

  it('gives each caller its own copy: one that changes its answer at once changes nobody else\'s', async () => {
    const shared = new SharedReads(copy);
    const g = gatedReads();
    void shared.run('k', g.read);
    // This caller awaits before the next one asks: it resumes first.
    const first = (async () => {
      const answer = await shared.run('k', g.read);
      answer.rows.push('changed');
      return answer;
    })();
    const second = shared.run('k', g.read);
    await g.release();
    await g.release();
    expect((await first).rows).toEqual(['a', 'changed']);
    expect((await second).rows).toEqual(['a']);
  });

  it('starts at once when nothing runs, and never shares between keys', async () => {
    const shared = new SharedReads(copy);
    const g = gatedReads();
    const a = shared.run('a', g.read);
    const b = shared.run('b', g.read);
    expect(g.runs()).toBe(2);
    await g.release();
    await g.release();
    expect([(await a).n, (await b).n]).toEqual([1, 2]);
    // Both ended: the next read of a runs by itself, at once.
    const again = shared.run('a', g.read);
    expect(g.runs()).toBe(3);
    await g.release();
    expect((await again).n).toBe(3);
  });

  it('a failed read fails everyone who shared it, and the next read asks again', async () => {
    const shared = new SharedReads(copy);
    let fail = true;
    const read = async () => {
      await new Promise((r) => setImmediate(r));
      if (fail) throw new Error('server went away');
      return { n: 0, rows: [] };
    };
    const running = shared.run('k', read);
    const waiting = [shared.run('k', read), shared.run('k', read)];
    await expect(running).rejects.toThrow('server went away');
    await Promise.all(waiting.map((w) => expect(w).rejects.toThrow('server went away')));
    fail = false;
    await expect(shared.run('k', read)).resolves.toEqual({ n: 0, rows: [] });
  });
});

describe('copyRows: a shared answer as another reader gets it', () => {
  it('keeps bytea a Buffer, and copies every level', () => {
    const rows = [{ tgargs: Buffer.from('a\0b\0'), names: ['x'], at: new Date(0), n: 1, none: null }];
    const copied = copyRows(rows);
    expect(Buffer.isBuffer(copied[0].tgargs)).toBe(true);
    expect(copied[0].tgargs.toString('utf8')).toBe('a\0b\0');
    expect(copied).toEqual(rows);
    copied[0].names.push('y');
    copied[0].tgargs[0] = 0x7a;
    expect(rows[0].names).toEqual(['x']);
    expect(rows[0].tgargs.toString('utf8')).toBe('a\0b\0');
  });
});
