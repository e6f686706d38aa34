/**
 * Provider start-up: from spawning the provider as terraform does (magic cookie, protocol 6,
 * AutoMTLS client certificate) to its handshake line, the median of many starts, beside a bare
 * `node -e ''` on the same machine. Terraform starts the provider 3-5 times per command.
 *
 *   npm run bench:startup [-- <runs>]
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { createServerCertificate } from '../provider/protocol/tls';
import { PROJECT_DIR } from '../tooling/paths';

const PROVIDER = path.join(PROJECT_DIR, 'dist', 'provider', 'terraform-provider-authority.js');

/** Milliseconds from spawn until `ready` matches the child's stdout (then the child is killed). */
function timeTo(args: string[], env: NodeJS.ProcessEnv, ready: RegExp | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    const done = () => Number(process.hrtime.bigint() - started) / 1e6;
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (ready && ready.test(out)) {
        const ms = done();
        child.kill('SIGKILL');
        resolve(ms);
      }
    });
    child.on('exit', () => (ready ? reject(new Error(`exited before the handshake: ${out}`)) : resolve(done())));
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function measureStartup(runs = 21): Promise<{ provider: number; node: number }> {
  const env = {
    ...process.env,
    TF_PLUGIN_MAGIC_COOKIE: 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2',
    PLUGIN_PROTOCOL_VERSIONS: '6',
    PLUGIN_CLIENT_CERT: createServerCertificate().certPem,
  };
  const provider: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < runs; i++) {
    provider.push(await timeTo([PROVIDER], env, /\|grpc\|/));
    node.push(await timeTo(['-e', ''], process.env, null));
  }
  return { provider: median(provider), node: median(node) };
}

if (require.main === module) {
  const runs = Number(process.argv[2] ?? 21);
  measureStartup(runs).then(({ provider, node }) => {
    console.log(`provider start-up to handshake: ${provider.toFixed(0)} ms (median of ${runs}); node -e '': ${node.toFixed(0)} ms; provider's own share: ${(provider - node).toFixed(0)} ms`);
  });
}
