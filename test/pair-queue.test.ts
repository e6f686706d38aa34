import { PairQueue, Queued, onePerTable } from '../provider/platforms/postgresql/pair-queue';

const at = (table: string, n: number) => ({ location: { namespace: 'public', container: table }, n });
type Item = ReturnType<typeof at>;

describe('route changes of one pair that wait together run as one batch', () => {
  test('changes submitted together form one batch; those arriving while it runs form the next', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => { release = r; });
    const queue = new PairQueue<Item, number>(async (batch) => {
      batches.push(batch.map((q) => q.item.n));
      if (batches.length === 1) await first;
      for (const q of batch) q.resolve(q.item.n * 10);
    });
    const a = [queue.submit(at('t1', 1)), queue.submit(at('t2', 2)), queue.submit(at('t3', 3))];
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const b = [queue.submit(at('t4', 4)), queue.submit(at('t5', 5))];
    release();
    expect(await Promise.all([...a, ...b])).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
  });

  test('one change per table per batch, in the order they came; a batch may leave changes for the next', async () => {
    const batches: number[][] = [];
    const queue = new PairQueue<Item, void>(async (batch) => {
      batches.push(batch.map((q) => q.item.n));
      const [head, ...rest] = batch;
      head.resolve();
      return batches.length === 1 ? rest : rest.forEach((q) => q.resolve());
    }, onePerTable);
    await Promise.all([queue.submit(at('t1', 1)), queue.submit(at('t1', 2)), queue.submit(at('t2', 3))]);
    expect(batches).toEqual([[1, 3], [3, 2]]);
  });

  test('a runner that throws fails every change of its batch, and the queue goes on', async () => {
    let calls = 0;
    const queue = new PairQueue<Item, number>(async (batch: Queued<Item, number>[]) => {
      calls++;
      if (calls === 1) throw new Error('pair gone');
      for (const q of batch) q.resolve(q.item.n);
    });
    await expect(queue.submit(at('t1', 1))).rejects.toThrow('pair gone');
    await expect(queue.submit(at('t1', 2))).resolves.toBe(2);
  });
});
