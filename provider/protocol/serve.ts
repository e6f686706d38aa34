/**
 * Runs a provider as a Terraform plugin: HashiCorp go-plugin's handshake and
 * gRPC transport around the tfplugin6 service.
 *
 * Terraform starts the process with a magic cookie in the environment, reads
 * exactly one line from stdout (`1|6|unix|<socket>|grpc|<cert>`), connects
 * over the unix socket with mutual TLS and, when done, asks the plugin to
 * exit through GRPCController/Shutdown.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderDefinition } from '../framework';
import { type Message, serviceDefinition } from './descriptors';
import { GrpcServer, type GrpcTls, type Handler, Status } from './grpc-server';
import * as log from './log';
import { createProviderService, type UnaryMethod } from './provider-service';
import { watchParent } from './parent';
import { createServerCertificate } from './tls';

const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
const CORE_PROTOCOL_VERSION = 1; // go-plugin's own handshake version
const PLUGIN_PROTOCOL_VERSION = 6; // tfplugin6

/** How long to let in-flight calls finish after Shutdown before exiting anyway (go-plugin kills at ~2 s). */
const SHUTDOWN_GRACE_MS = 500;
/** How long a provider whose terraform is gone may take to let go of what it holds before it exits. */
const ABANDON_GRACE_MS = 2000;

export async function serve(definition: ProviderDefinition): Promise<void> {
  checkLaunchedByTerraform();
  // The handshake owns stdout: keep stray console output of provider code off it.
  console.log = console.info = console.debug = console.error;
  // Ctrl-C reaches the whole process group; Terraform answers it with StopProvider.
  process.on('SIGINT', () => log.debug('SIGINT ignored; waiting for StopProvider'));

  const socketDir = mkdtempSync(join(process.env.PLUGIN_UNIX_SOCKET_DIR || tmpdir(), 'plugin'));
  const socketPath = join(socketDir, 'plugin.sock');
  process.on('exit', () => rmSync(socketDir, { recursive: true, force: true }));
  process.on('SIGTERM', () => process.exit(143)); // 128 + SIGTERM, and still runs the 'exit' cleanup
  // Nothing else would end it: the gRPC server and any database wait keep the process alive.
  watchParent((reason) => abandon(definition, reason));

  const tls = pluginTls();
  const server = new GrpcServer([
    ...unaryService('tfplugin6.Provider', createProviderService(definition)),
    ...unaryService('grpc.health.v1.Health', {
      Check: async (req) => {
        // go-plugin checks the service named "plugin"; "" is the whole server.
        if (req.service === 'plugin' || !req.service) return { status: 'SERVING' };
        throw Object.assign(new Error(`unknown service ${String(req.service)}`), { code: Status.NOT_FOUND });
      },
    }),
    ...unaryService('plugin.GRPCController', {
      Shutdown: async () => {
        setImmediate(() => shutdown(server));
        return {};
      },
    }),
    // Logs go straight to stderr, which go-plugin also reads: the stdio stream stays open and
    // silent until shutdown. No extra connections are ever brokered: the broker's stream is drained.
    { kind: 'held', method: serviceDefinition('plugin.GRPCStdio').StreamStdio },
    { kind: 'held', method: serviceDefinition('plugin.GRPCBroker').StartStream },
  ], tls?.server);
  try {
    await server.listen(socketPath);
  } catch (err) {
    // Terraform then reports that the plugin exited before the handshake; the log says why.
    log.error(`cannot listen on ${socketPath}: ${(err as Error).message}`, err);
    process.exit(1);
  }
  process.stdout.write(
    `${CORE_PROTOCOL_VERSION}|${PLUGIN_PROTOCOL_VERSION}|unix|${socketPath}|grpc|${tls?.certBase64 ?? ''}\n`,
  );
  log.debug(`serving tfplugin6 on ${socketPath}`);
}

/** Someone ran the binary by hand, or an incompatible host started it. */
function checkLaunchedByTerraform(): void {
  if (process.env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    process.stderr.write(
      'This program is a Terraform provider plugin: Terraform starts it, it is not meant to be run by hand.\n' +
        'Install it as a provider and use terraform init, plan and apply.\n',
    );
    process.exit(1);
  }
  const offered = process.env.PLUGIN_PROTOCOL_VERSIONS;
  if (offered && !offered.split(',').map((v) => v.trim()).includes(String(PLUGIN_PROTOCOL_VERSION))) {
    process.stderr.write(
      `This provider speaks plugin protocol ${PLUGIN_PROTOCOL_VERSION} (Terraform 1.0 and later); ` +
        `this Terraform offers only ${offered}. Upgrade Terraform.\n`,
    );
    process.exit(1);
  }
}

/**
 * AutoMTLS: Terraform passes its one-off client certificate in
 * PLUGIN_CLIENT_CERT and pins the server certificate we print. Without it
 * (TF_DISABLE_PLUGIN_TLS=1 in Terraform) go-plugin speaks plaintext and the
 * certificate field of the handshake stays empty.
 */
function pluginTls(): { server: GrpcTls; certBase64: string } | undefined {
  const clientCertPem = process.env.PLUGIN_CLIENT_CERT;
  if (!clientCertPem || process.env.TF_DISABLE_PLUGIN_TLS) return undefined;
  const cert = createServerCertificate();
  return {
    // Terraform's client certificate is required and verified.
    server: { keyPem: cert.keyPem, certPem: cert.certPem, clientCertPem },
    // go-plugin decodes with Go's RawStdEncoding: padding would break it.
    certBase64: cert.der.toString('base64').replace(/=+$/, ''),
  };
}

/** A service's unary methods, each logged with its duration under TF_LOG=debug. */
function unaryService(service: string, methods: Record<string, UnaryMethod>): Handler[] {
  const definition = serviceDefinition(service);
  return Object.entries(methods).map(([name, method]) => ({ kind: 'unary', method: definition[name], handle: logged(name, method) }));
}

function logged(name: string, method: UnaryMethod): (request: unknown) => Promise<unknown> {
  return async (request) => {
    const started = performance.now();
    log.debug(`rpc ${name}`);
    try {
      const response = await method(request as Message);
      // With TF_LOG, each call's own time beside terraform's timestamps shows who waits on whom.
      log.debug(`rpc ${name} done in ${(performance.now() - started).toFixed(1)} ms`);
      return response;
    } catch (err) {
      log.error(`rpc ${name}: ${(err as Error).message}`, err);
      throw err;
    }
  };
}

/** Close the long-lived streams (they would hold the graceful shutdown), let the reply go out, exit. */
function shutdown(server: GrpcServer): void {
  const cpu = process.cpuUsage();
  log.debug(`shutdown requested; CPU used: ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
  setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
  server.shutdown(() => process.exit(0));
}

/** terraform is gone: nobody will call Shutdown. Let go of what the provider holds, then exit. */
function abandon(definition: ProviderDefinition, reason: string): void {
  log.warn(`${reason}: ending the provider`);
  setTimeout(() => process.exit(1), ABANDON_GRACE_MS).unref();
  Promise.resolve()
    .then(() => definition.abandon?.())
    .catch((err) => log.error(`letting go after terraform exited: ${(err as Error).message}`, err))
    .finally(() => process.exit(1));
}
