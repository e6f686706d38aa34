/**
 * The tfplugin6 transport (provider/protocol): value and certificate units,
 * the plugin process spoken to directly over gRPC, and a toy provider
 * (test/fixtures/toy-provider.ts) driven by the real terraform binary.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { decode as msgpackDecode, encode as msgpackEncode, ExtData } from '@msgpack/msgpack';
import { type BlockSchema, DiagnosticError, type ObjectValue, UNKNOWN } from '../provider/framework';
import { serviceDefinition } from '../provider/protocol/descriptors';
import { diagnosticFromError, toProtoDiagnostics } from '../provider/protocol/diagnostics';
import { toProtoSchema } from '../provider/protocol/schema';
import { createServerCertificate } from '../provider/protocol/tls';
import { decodeObject, encodeObject } from '../provider/protocol/values';
import { alive } from './support/processes';
import { waitFor } from './support/wait';

// Fail fast whatever the global config says: a provider that does not exit
// on Shutdown makes every terraform command wait for go-plugin's kill.
jest.setTimeout(30_000);

const REPO = resolve(__dirname, '..');
const MAGIC_COOKIE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
const SOURCE = 'authority.test/local/toy';
const VERSION = '0.0.1';
/** The toy provider writes this file into its directory once a "slow" apply is waiting (importing it would start the toy). */
const SLOW_APPLY_MARKER = 'slow-apply-started';

// ---------------------------------------------------------------------------
// Units

const schema: BlockSchema = {
  description: 'test',
  attributes: {
    s: { type: 'string', optional: true, description: '' },
    n: { type: 'number', optional: true, description: '' },
    b: { type: 'bool', optional: true, description: '' },
    l: { type: ['list', 'string'], optional: true, description: '' },
    m: { type: ['map', 'number'], optional: true, description: '' },
  },
  blocks: {
    items: { nesting: 'list', block: { description: '', attributes: { k: { type: 'string', required: true, description: '' } } } },
    one: { nesting: 'single', block: { description: '', attributes: { k: { type: 'string', optional: true, description: '' } } } },
  },
};

describe('values', () => {
  it('round-trips every kind of value through msgpack', () => {
    const value: ObjectValue = { s: 'x', n: 1.5, b: true, l: ['a', UNKNOWN], m: { a: 1 }, items: [{ k: 'v' }], one: null };
    expect(decodeObject(encodeObject(value, schema), schema)).toEqual(value);
  });

  it('writes every schema key, null for missing values and [] for absent list blocks', () => {
    const wire = msgpackDecode(encodeObject({ s: 'x' }, schema).msgpack);
    expect(wire).toEqual({ s: 'x', n: null, b: null, l: null, m: null, items: [], one: null });
  });

  it('writes unknown as fixext1 type 0 with payload 0x00', () => {
    const bytes = Buffer.from(encodeObject({ s: UNKNOWN }, schema).msgpack);
    expect(bytes.includes(Buffer.from('a173d40000', 'hex'))).toBe(true); // "s" then d4 00 00
  });

  it('reads any extension type as unknown (12: refined unknown), and big numbers sent as strings', () => {
    const msgpack = msgpackEncode({ s: new ExtData(12, new Uint8Array([1, 2])), n: '12345678901234567890', items: new ExtData(0, new Uint8Array([0])) });
    expect(decodeObject({ msgpack }, schema)).toMatchObject({ s: UNKNOWN, n: 12345678901234567000, items: UNKNOWN, b: null });
  });

  it('falls back to the json encoding, drops unknown keys, treats empty as null', () => {
    const json = Buffer.from(JSON.stringify({ s: 'j', gone: 1, items: [{ k: 'x' }] }));
    expect(decodeObject({ json }, schema)).toMatchObject({ s: 'j', items: [{ k: 'x' }], l: null });
    expect(decodeObject({ json }, schema)).not.toHaveProperty('gone');
    expect(decodeObject({}, schema)).toBeNull();
    expect(msgpackDecode(encodeObject(null, schema).msgpack)).toBeNull();
  });

  it('refuses to send a value that does not fit the schema, naming the attribute', () => {
    expect(() => encodeObject({ l: ['a', 3] as never }, schema)).toThrow('l[1]: expected a string');
    expect(() => encodeObject({ extra: 'x' }, schema)).toThrow('"extra" is not an attribute');
  });
});

describe('schema and diagnostics', () => {
  it('describes types as JSON and nesting modes by name', () => {
    const s = toProtoSchema(schema, 3) as { version: number; block: { attributes: { name: string; type: Buffer }[]; block_types: { nesting: string }[] } };
    expect(s.version).toBe(3);
    expect(s.block.attributes.find((a) => a.name === 'l')?.type.toString()).toBe('["list","string"]');
    expect(s.block.block_types.map((b) => b.nesting)).toEqual(['LIST', 'SINGLE']);
  });

  it('turns attribute paths into name and index steps, errors into diagnostics without stacks', () => {
    const [d] = toProtoDiagnostics([{ severity: 'warning', summary: 'w', attribute: ['rule', 2, 'key'] }]);
    expect(d).toEqual({
      severity: 'WARNING', summary: 'w', detail: '',
      attribute: { steps: [{ attribute_name: 'rule' }, { element_key_int: 2 }, { attribute_name: 'key' }] },
    });
    const own = { severity: 'error', summary: 'mine' } as const;
    expect(diagnosticFromError(new DiagnosticError(own), 'x')).toBe(own);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const plain = diagnosticFromError(new Error('disk full'), 'applying');
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining('disk full')); // the log keeps it
    stderr.mockRestore();
    expect(plain).toMatchObject({ severity: 'error', summary: 'disk full' });
    expect(JSON.stringify(plain)).not.toMatch(/\bat /);
  });
});

describe('server certificate', () => {
  it('is a self-signed P-256 CA for localhost, usable for server and client auth', () => {
    const cert = new X509Certificate(createServerCertificate().der);
    expect(cert.subject).toBe('CN=localhost');
    expect(cert.subjectAltName).toBe('DNS:localhost');
    expect(cert.ca).toBe(true);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(Date.parse(cert.validFrom)).toBeLessThan(Date.now());
    expect(Date.parse(cert.validTo)).toBeGreaterThan(Date.now());
    expect(parseInt(cert.serialNumber[0], 16)).toBeLessThan(8); // positive
  });
});

// ---------------------------------------------------------------------------
// The plugin process

const tmp = mkdtempSync(join(tmpdir(), 'protocol-test-'));
// In a folder that does not exist yet, as dist/provider/ on a fresh clone: the build makes it.
const bundle = join(tmp, 'dist', 'provider', 'toy-provider.js');

beforeAll(() => {
  execFileSync(process.execPath, [join(REPO, 'scripts/build-provider.mjs'), join(REPO, 'test/fixtures/toy-provider.ts'), bundle], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('plugin process', () => {
  it('run by hand (no magic cookie) exits 1 with a human message and nothing on stdout', () => {
    const env = { ...process.env };
    delete env.TF_PLUGIN_MAGIC_COOKIE;
    return run(process.execPath, [bundle], env).then(({ code, stdout, stderr }) => {
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/Terraform provider plugin.*not meant to be run by hand/);
    });
  });

  it('exits soon after the process that started it is killed, with no Shutdown', async () => {
    // A stand-in for terraform: starts the plugin, reports its pid, then is killed with SIGKILL.
    const host = spawn(process.execPath, ['-e', `
      const plugin = require('node:child_process').spawn(process.execPath, [process.argv[1]], { stdio: ['ignore', 'pipe', 'pipe'] });
      plugin.stdout.once('data', () => console.log(plugin.pid));
      plugin.stderr.on('data', () => undefined);
    `, bundle], { env: { ...process.env, TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE, PLUGIN_PROTOCOL_VERSIONS: '6' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const pluginPid = Number(await new Promise<string>((ok) => host.stdout!.once('data', (d: Buffer) => ok(d.toString()))));
    expect(alive(pluginPid)).toBe(true);
    host.kill('SIGKILL');
    await waitFor(`the plugin (pid ${pluginPid}) to exit`, () => !alive(pluginPid), 5000);
  });

  describe('over gRPC with mutual TLS', () => {
    const clientCert = createServerCertificate(); // like Terraform's: self-signed, clientAuth
    let child: ChildProcess;
    let socket: string;
    let serverPem: string;
    let startupMs: number;
    const clients: grpc.Client[] = [];

    beforeAll(async () => {
      const started = Date.now();
      child = spawn(process.execPath, [bundle], {
        env: { ...process.env, TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE, PLUGIN_PROTOCOL_VERSIONS: '5,6', PLUGIN_CLIENT_CERT: clientCert.certPem },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const line = await new Promise<string>((ok) => child.stdout!.once('data', (d: Buffer) => ok(d.toString())));
      startupMs = Date.now() - started;
      const match = /^1\|6\|unix\|(\/[^|]+)\|grpc\|([A-Za-z0-9+/]+)\n$/.exec(line);
      expect(match).not.toBeNull();
      socket = match![1];
      const der = Buffer.from(match![2], 'base64');
      serverPem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
    });
    afterAll(() => {
      clients.forEach((c) => c.close());
      if (child.exitCode === null) child.kill('SIGKILL');
    });

    function client(service: string, withClientCert = true): Record<string, (req: object) => Promise<Record<string, unknown>>> {
      const Ctor = grpc.makeGenericClientConstructor(serviceDefinition(service), service);
      const creds = withClientCert
        ? grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(clientCert.keyPem), Buffer.from(clientCert.certPem))
        : grpc.credentials.createSsl(Buffer.from(serverPem));
      const c = new Ctor(`unix:${socket}`, creds, { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' });
      clients.push(c);
      const call = (name: string) => (req: object) =>
        new Promise<Record<string, unknown>>((ok, fail) =>
          (c as unknown as Record<string, Function>)[name](req, { deadline: Date.now() + 5000 }, (err: Error | null, res: Record<string, unknown>) => (err ? fail(err) : ok(res))),
        );
      return new Proxy({}, { get: (_t, name: string) => call(name) });
    }

    it('prints the handshake quickly, with an unpadded certificate for localhost', () => {
      expect(startupMs).toBeLessThan(2000);
      expect(new X509Certificate(serverPem).subjectAltName).toBe('DNS:localhost');
    });

    it('answers health checks and metadata', async () => {
      expect(await client('grpc.health.v1.Health').Check({ service: 'plugin' })).toEqual({ status: 1 });
      const meta = await client('tfplugin6.Provider').GetMetadata({});
      expect(meta).toMatchObject({ resources: [{ type_name: 'toy_thing' }], server_capabilities: { plan_destroy: true } });
    });

    it('rejects a client without the certificate Terraform announced', async () => {
      await expect(client('grpc.health.v1.Health', false).Check({ service: 'plugin' })).rejects.toThrow();
    });

    it('passes unknowns to validation and upgrades JSON state to msgpack of the current schema', async () => {
      const provider = client('tfplugin6.Provider');
      const config = msgpackEncode({ name: new ExtData(12, new Uint8Array([1])), rule: [] });
      expect(await provider.ValidateResourceConfig({ type_name: 'toy_thing', config: { msgpack: config } })).toEqual({});

      const raw = { id: 'abc', name: 'n', removed_attribute: 1 };
      const up = await provider.UpgradeResourceState({ type_name: 'toy_thing', version: 0, raw_state: { json: Buffer.from(JSON.stringify(raw)) } });
      expect(msgpackDecode((up.upgraded_state as { msgpack: Uint8Array }).msgpack)).toEqual({
        id: 'abc', name: 'n', size: null, secret: null, tags: null, zone: null, rule: [],
      });
    });

    it('answers an unknown resource type with a diagnostic, not a gRPC error', async () => {
      const res = await client('tfplugin6.Provider').PlanResourceChange({ type_name: 'toy_nope' });
      expect(res.diagnostics).toEqual([expect.objectContaining({ severity: 1, summary: 'Unsupported resource type "toy_nope"' })]);
    });

    it('replies to Shutdown, then exits and removes its socket', async () => {
      const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
      const started = Date.now();
      expect(await client('plugin.GRPCController').Shutdown({})).toEqual({});
      expect(await exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(existsSync(dirname(socket))).toBe(false);
    });
  });
});

// ---------------------------------------------------------------------------
// Real terraform

describe('toy provider under terraform', () => {
  const work = join(tmp, 'work');
  const data = join(tmp, 'data');
  const mirror = join(tmp, 'mirror');
  const cliConfig = join(tmp, 'cli.tfrc');

  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/^TF_(LOG|CLI_ARGS|PLUGIN_CACHE_DIR|DATA_DIR|WORKSPACE)/.test(k)) delete env[k];
  Object.assign(env, { TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0' });

  const tf = (...args: string[]) => run('terraform', [...args, '-no-color'], env, work);
  const objects = () => readdirSync(data).filter((f) => f.endsWith('.json'));
  const objectNamed = (name: string) =>
    objects().find((f) => JSON.parse(readFileSync(join(data, f), 'utf8')).name === name)!.replace(/\.json$/, '');

  beforeAll(async () => {
    // Unpacked mirror layout; the executable is a /bin/sh wrapper that runs
    // this node (absolute path: Terraform's PATH may not have it) on the bundle beside it.
    const pkg = join(mirror, SOURCE, VERSION, 'linux_amd64');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'toy-provider.js'), readFileSync(bundle));
    writeFileSync(join(pkg, `terraform-provider-toy_v${VERSION}`), `#!/bin/sh\nexec '${process.execPath}' "$(dirname "$0")/toy-provider.js" "$@"\n`, { mode: 0o755 });
    writeFileSync(cliConfig, `provider_installation {
  filesystem_mirror {
    path    = "${mirror}"
    include = ["${SOURCE}"]
  }
  direct {
    exclude = ["${SOURCE}"]
  }
}
`);
    mkdirSync(work);
    writeFileSync(join(work, 'main.tf'), `terraform {
  required_providers {
    toy = { source = "${SOURCE}", version = "${VERSION}" }
  }
}
provider "toy" {
  directory = "${data}"
}
variable "name" { default = "alpha" }
variable "first_key" { default = "k1" }
variable "zone" { default = "z1" }
resource "toy_thing" "a" {
  name   = var.name
  secret = "hunter2-secret"
  tags   = ["x", "y"]
  zone   = var.zone
  rule {
    key   = var.first_key
    value = "v1"
  }
  rule {
    key = "k2"
  }
}
resource "toy_thing" "b" {
  name = "beta"
  tags = [toy_thing.a.id] # unknown until a exists
}
`);
    const init = await tf('init');
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
  });

  it('plans a create, hiding the sensitive value and marking unknowns', async () => {
    const plan = await tf('plan', '-detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('Plan: 2 to add, 0 to change, 0 to destroy.');
    expect(plan.stdout).toMatch(/\+ secret = \(sensitive value\)/);
    expect(plan.stdout).toMatch(/\+ size {3}= 5/); // computed at plan time from the name
    expect(plan.stdout).toMatch(/\+ id {5}= \(known after apply\)/);
    expect(plan.stdout).not.toContain('hunter2-secret');
  });

  it('applies, then plans no changes', async () => {
    const apply = await tf('apply', '-auto-approve');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('Apply complete! Resources: 2 added');
    expect(apply.stdout).not.toContain('hunter2-secret');
    const a = JSON.parse(readFileSync(join(data, `${objectNamed('alpha')}.json`), 'utf8'));
    expect(a).toEqual({ name: 'alpha', size: 5, secret: 'hunter2-secret', tags: ['x', 'y'], zone: 'z1', rule: [{ key: 'k1', value: 'v1' }, { key: 'k2', value: null }] });
    expect(JSON.parse(readFileSync(join(data, `${objectNamed('beta')}.json`), 'utf8')).tags).toEqual([objectNamed('alpha')]);
    expect((await tf('plan', '-detailed-exitcode')).code).toBe(0);
  });

  it('shows a hand edit of the object as drift, and apply repairs it', async () => {
    const file = join(data, `${objectNamed('alpha')}.json`);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"alpha"', '"edited"'));
    const plan = await tf('plan', '-detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('~ name   = "edited" -> "alpha"');
    expect((await tf('apply', '-auto-approve')).code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).name).toBe('alpha');
    expect((await tf('plan', '-detailed-exitcode')).code).toBe(0);
  });

  it('imports an object by id into a clean plan', async () => {
    const id = objectNamed('alpha');
    expect((await tf('state', 'rm', 'toy_thing.a')).code).toBe(0);
    const imported = await tf('import', 'toy_thing.a', id);
    expect(imported.stdout).toContain('Import successful!');
    expect((await tf('plan', '-detailed-exitcode')).code).toBe(0);
    const missing = await tf('import', 'toy_thing.a', 'does-not-exist');
    expect(missing.code).toBe(1);
  });

  it('plans a replacement when an attribute that requires it changes', async () => {
    const plan = await tf('plan', '-var', 'zone=z2');
    expect(plan.stdout).toContain('# toy_thing.a must be replaced');
    expect(plan.stdout).toContain('~ zone   = "z1" -> "z2" # forces replacement');
  });

  it('points validation errors at the attribute in the configuration', async () => {
    const plan = await tf('plan', '-var', 'name=Bad Name', '-var', 'first_key=');
    expect(plan.code).toBe(1);
    expect(plan.stderr).toMatch(/Error: Invalid name\n\n {2}with toy_thing\.a,\n.*\n.*name {3}= var\.name/);
    expect(plan.stderr).toMatch(/Error: Empty rule key\n\n {2}with toy_thing\.a,\n.*\n.*key {3}= var\.first_key/); // rule[0].key
  });

  it('reports a thrown Error by its message, without a stack trace', async () => {
    const plan = await tf('plan', '-var', 'name=explode');
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('Error: boom: the toy refuses this name');
    expect(plan.stderr).not.toMatch(/^\s+at /m);
  });

  it('survives Ctrl-C (SIGINT to the process group), passes StopProvider on and keeps the state', async () => {
    const child = spawn('terraform', ['apply', '-auto-approve', '-no-color', '-var', 'name=slow'], { cwd: work, env, detached: true });
    let output = '';
    const exited = new Promise<number | null>((ok) => child.once('exit', ok));
    const onData = (d: Buffer) => (output += d.toString());
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    await waitFor('the slow apply to reach the provider', () => existsSync(join(data, SLOW_APPLY_MARKER)), 20_000);
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(1);
    expect(output).toContain('interrupted by StopProvider');
    expect((await tf('plan', '-detailed-exitcode')).code).toBe(0); // the object kept its prior state
  });

  it('destroys', async () => {
    const destroy = await tf('destroy', '-auto-approve');
    expect(destroy.code).toBe(0);
    expect(destroy.stdout).toContain('Destroy complete! Resources: 2 destroyed.');
    expect(objects()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((ok, fail) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => ok({ code, stdout, stderr }));
  });
}
