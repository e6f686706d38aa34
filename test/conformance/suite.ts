/**
 * The adapter conformance suite: what every platform kind's PlatformAdapter must do against a real
 * server, written once against the neutral interface and run per kind with its fixture
 * (fixture.ts). The resources' side, through real terraform, is in suite-terraform.ts.
 */
import { FieldLocation, FieldProtection, PlatformAdapter } from '../../provider/platforms/adapter';
import { PlatformUnreachableError } from '../../provider/platforms/errors';
import { KindFixture, KindServer, configureAdapter } from './fixture';
import { asDeclared, declaration, sorted } from './declarations';
import { describeThroughTerraform } from './suite-terraform';

/** Runs the suite for one kind: `describe`s of tests sharing one real server. */
export function describeConformance(fixture: KindFixture): void {
  describe(`${fixture.kind} platform adapter conformance`, () => {
    let server: KindServer;
    let adapter: PlatformAdapter;
    let untouched: unknown;

    beforeAll(async () => {
      server = await fixture.start();
      adapter = configureAdapter(fixture.kind, server.platform, server.settings);
      untouched = await server.snapshot();
    });

    afterAll(async () => {
      await adapter?.close();
      await server?.stop();
    });

    /** Removes what a test protected, also when it failed, so the next starts from the untouched platform. */
    const protecting = async (keys: string[], work: () => Promise<void>, at?: FieldLocation) => {
      try {
        await work();
      } finally {
        for (const key of keys) await adapter.removeProtection(at ?? server.location, key);
      }
    };

    const refusal = (field: string, at?: FieldLocation) => server.personEdits(at ?? server.location, field);

    test('protect: a person\'s edit of each protected field is refused, naming the authority and where to correct; other fields stay editable', async () => {
      const p = declaration(server, 'refuses');
      await protecting([p.key], async () => {
        await adapter.applyProtection(p);
        for (const field of p.fields) expect(await refusal(field)).toContain(p.correctionHint);
        expect(await refusal(server.fields[2])).toBeUndefined();
      });
    });

    test('protect: the sync principal still writes the protected fields', async () => {
      const p = declaration(server, 'sync_writes');
      await protecting([p.key], async () => {
        await adapter.applyProtection(p);
        for (const field of p.fields) expect(await server.syncWrites(server.location, field)).toBeUndefined();
      });
    });

    test('read back: enforced, equal to the declaration, carried by the mechanism mechanismName names', async () => {
      const p = declaration(server, 'reads_back');
      await protecting([p.key], async () => {
        expect(await adapter.readProtection(p.location, p.key)).toBeNull();
        await adapter.applyProtection(p);
        const found = await adapter.readProtection(p.location, p.key);
        expect(found?.enforced).toBe(true);
        expect(found?.mechanism).toBe(adapter.mechanismName(p.location, p.key));
        expect(asDeclared(found)).toEqual(sorted(p));
      });
    });

    test('a declared protection on the server as prepared passes its plan-time check without errors', async () => {
      const errors = (await adapter.checkProtection(declaration(server, 'checked'))).filter((d) => d.severity === 'error');
      expect(errors).toEqual([]);
    });

    test.each(fixture.handEdits.map((e) => [e.label, e] as const))(
      'hand edit, %s: read back not enforced, apply repairs it, a person is refused again', async (_label, edit) => {
        const p = declaration(server, 'hand_edit');
        await protecting([p.key], async () => {
          await adapter.applyProtection(p);
          await edit.undo(p);
          const found = await adapter.readProtection(p.location, p.key);
          expect(found === null || found.enforced === false).toBe(true);
          if (edit.opens) expect(await refusal(p.fields[0])).toBeUndefined();
          await adapter.applyProtection(p);
          const repaired = await adapter.readProtection(p.location, p.key);
          expect(repaired?.enforced).toBe(true);
          expect(asDeclared(repaired)).toEqual(sorted(p));
          for (const field of p.fields) expect(await refusal(field)).toContain(p.correctionHint);
        });
      });

    test('update in place: authority, correction hint and fields changed, read back equals each new declaration', async () => {
      const [a, b, c] = server.fields;
      const first = declaration(server, 'updated');
      const steps: FieldProtection[] = [
        declaration(server, 'updated', { authority: 'cms' }),
        declaration(server, 'updated', { authority: 'cms', correctionHint: 'Correct it in the CMS: open the item.' }),
        declaration(server, 'updated', { authority: 'cms', correctionHint: 'Correct it in the CMS: open the item.', fields: [a, b, c] }),
        declaration(server, 'updated', { authority: 'cms', correctionHint: 'Correct it in the CMS: open the item.', fields: [b, c] }),
      ];
      await protecting([first.key], async () => {
        await adapter.applyProtection(first);
        for (const p of steps) {
          await adapter.applyProtection(p);
          const found = await adapter.readProtection(p.location, p.key);
          expect(found?.enforced).toBe(true);
          expect(asDeclared(found)).toEqual(sorted(p));
          for (const field of p.fields) expect(await refusal(field)).toContain(p.correctionHint);
        }
        expect(await refusal(a)).toBeUndefined(); // released by the last step
      });
    });

    test('import: reading by location and key alone, on a fresh adapter, reconstructs the declaration', async () => {
      const p = declaration(server, 'imported', { fact: 'item.imported' });
      await protecting([p.key], async () => {
        await adapter.applyProtection(p);
        const fresh = configureAdapter(fixture.kind, server.platform, server.settings);
        try {
          expect(asDeclared(await fresh.readProtection({ ...p.location }, p.key))).toEqual(sorted(p));
        } finally {
          await fresh.close();
        }
      });
    });

    test('apply is idempotent: a second apply of the same declaration changes nothing on the platform', async () => {
      const p = declaration(server, 'idempotent');
      await protecting([p.key], async () => {
        await adapter.applyProtection(p);
        const once = await server.snapshot();
        await adapter.applyProtection(p);
        expect(await server.snapshot()).toEqual(once);
      });
    });

    test('an apply the platform refuses part-way converges on the next apply, and remove still restores exactly', async () => {
      if (!server.refusePartWay) return; // the kind says it cannot make its platform refuse part-way
      const p = declaration(server, 'part_way');
      const next = declaration(server, 'part_way', { correctionHint: 'Correct it in the CRM, after the failed apply.', fields: [...server.fields.slice(1, 3)] });
      await protecting([p.key], async () => {
        for (const step of [p, next]) {
          const letThrough = await server.refusePartWay!();
          try {
            await expect(adapter.applyProtection(step)).rejects.toThrow();
          } finally {
            await letThrough();
          }
          await adapter.applyProtection(step);
          const found = await adapter.readProtection(step.location, step.key);
          expect(found?.enforced).toBe(true);
          expect(asDeclared(found)).toEqual(sorted(step));
          for (const field of step.fields) expect(await refusal(field)).toContain(step.correctionHint);
        }
      });
      expect(await server.snapshot()).toEqual(untouched);
    });

    test('remove leaves the platform exactly as found before the first protect, and a second remove changes nothing', async () => {
      const p = declaration(server, 'removed', { fields: [...server.fields] });
      await adapter.applyProtection(p);
      expect(await server.snapshot()).not.toEqual(untouched); // the snapshot sees a protection
      await adapter.removeProtection(p.location, p.key);
      expect(await server.snapshot()).toEqual(untouched);
      expect(await adapter.readProtection(p.location, p.key)).toBeNull();
      for (const field of p.fields) expect(await refusal(field)).toBeUndefined();
      await adapter.removeProtection(p.location, p.key);
      expect(await server.snapshot()).toEqual(untouched);
    });

    describe('hostile names the kind can hold, as container, field (where the kind makes containers), key, authority and correction hint', () => {
      test.each(fixture.hostileNames.map((h) => [h.label, h.name] as const))('%s: protected, refused with its hint, read back equal, removed exactly', async (_label, name) => {
        // A kind that cannot make containers protects its own location's first field under the hostile texts.
        const at = server.hostileContainer ? await server.hostileContainer(name) : server.location;
        const field = server.hostileContainer ? name : server.fields[0];
        const before = await server.snapshot();
        const p: FieldProtection = {
          location: at, key: name, authority: name, fields: [field], syncPrincipal: server.syncPrincipal, correctionHint: `Correct it at ${name}.`, fact: name,
        };
        await protecting([p.key], async () => {
          expect((await adapter.checkProtection(p)).filter((d) => d.severity === 'error')).toEqual([]);
          await adapter.applyProtection(p);
          expect(await refusal(field, at)).toContain(p.correctionHint);
          expect(await server.syncWrites(at, field)).toBeUndefined();
          expect(asDeclared(await adapter.readProtection(at, name))).toEqual(p);
        }, at);
        expect(await server.snapshot()).toEqual(before);
      });
    });

    describe('an unreachable platform', () => {
      let nowhere: PlatformAdapter;
      beforeAll(() => {
        nowhere = configureAdapter(fixture.kind, 'nowhere', fixture.unreachableSettings());
      });
      afterAll(() => nowhere?.close());

      const calls: [string, (a: PlatformAdapter, p: FieldProtection) => Promise<unknown>][] = [
        ['checkProtection', (a, p) => a.checkProtection(p)],
        ['readProtection', (a, p) => a.readProtection(p.location, p.key)],
        ['applyProtection', (a, p) => a.applyProtection(p)],
        ['removeProtection', (a, p) => a.removeProtection(p.location, p.key)],
      ];
      test.each(calls)('%s throws the neutral unreachable error naming the platform', async (_name, call) => {
        const e = await call(nowhere, declaration(server, 'unreachable')).then(() => undefined, (err: unknown) => err);
        expect(e).toBeInstanceOf(PlatformUnreachableError);
        expect((e as PlatformUnreachableError).platform).toBe('nowhere');
        expect((e as Error).message).toContain('"nowhere"');
      });
    });

    describeThroughTerraform(fixture, () => server);
  });
}
