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
import {
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type ServerWritableStream,
  type UntypedServiceImplementation,
  type sendUnaryData,
  type ServerUnaryCall,
  status,
} from '@grpc/grpc-js';
import type { ProviderDefinition } from '../framework';
import { type Message, serviceDefinition } from './descriptors';
import * as log from './log';
import { createProviderService, type UnaryMethod } from './provider-service';
import { watchParent } from './parent';
import { createServerCertificate } from './tls';

const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
const CORE_PROTOCOL_VERSION = 1; // go-plugin's own handshake version
const PLUGIN_PROTOCOL_VERSION = 6; // tfplugin6

/** Terraform sends messages as large as the state; go-plugin providers accept 256 MiB. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
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

  const server = new Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  const openStreams = new Set<StreamingCall>();

  server.addService(serviceDefinition('tfplugin6.Provider'), unaryService(createProviderService(definition)));
  server.addService(serviceDefinition('grpc.health.v1.Health'), {
    Check: unary(async (req) => {
      // go-plugin checks the service named "plugin"; "" is the whole server.
      if (req.service === 'plugin' || !req.service) return { status: 'SERVING' };
      throw Object.assign(new Error(`unknown service ${String(req.service)}`), { code: status.NOT_FOUND });
    }),
  });
  server.addService(serviceDefinition('plugin.GRPCController'), {
    Shutdown: (_call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) => {
      callback(null, {});
      shutdown(server, openStreams);
    },
  });
  server.addService(serviceDefinition('plugin.GRPCStdio'), {
    // We write logs straight to stderr, which go-plugin also reads, so this
    // stream stays open and silent until shutdown.
    StreamStdio: (call: ServerWritableStream<Message, Message>) => holdOpen(call, openStreams),
  });
  server.addService(serviceDefinition('plugin.GRPCBroker'), {
    // No extra connections are ever brokered; accept the stream and ignore it.
    StartStream: (call: ServerDuplexStream<Message, Message>) => {
      call.on('data', () => undefined); // drain what the host sends
      holdOpen(call, openStreams);
    },
  });

  const credentials = serverCredentials();
  try {
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix:${socketPath}`, credentials.grpc, (err) => (err ? reject(err) : resolve())),
    );
  } catch (err) {
    // Terraform then reports that the plugin exited before the handshake; the log says why.
    log.error(`cannot listen on ${socketPath}: ${(err as Error).message}`, err);
    process.exit(1);
  }
  process.stdout.write(
    `${CORE_PROTOCOL_VERSION}|${PLUGIN_PROTOCOL_VERSION}|unix|${socketPath}|grpc|${credentials.certBase64}\n`,
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
function serverCredentials(): { grpc: ServerCredentials; certBase64: string } {
  const clientCertPem = process.env.PLUGIN_CLIENT_CERT;
  if (!clientCertPem || process.env.TF_DISABLE_PLUGIN_TLS) {
    return { grpc: ServerCredentials.createInsecure(), certBase64: '' };
  }
  const cert = createServerCertificate();
  return {
    grpc: ServerCredentials.createSsl(
      Buffer.from(clientCertPem),
      [{ private_key: Buffer.from(cert.keyPem), cert_chain: Buffer.from(cert.certPem) }],
      true, // require and verify Terraform's client certificate
    ),
    // go-plugin decodes with Go's RawStdEncoding: padding would break it.
    certBase64: cert.der.toString('base64').replace(/=+$/, ''),
  };
}

function unaryService(methods: Record<string, UnaryMethod>): UntypedServiceImplementation {
  const service: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(methods)) service[name] = unary(method, name);
  return service;
}

function unary(method: UnaryMethod, name?: string) {
  return (call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>): void => {
    const started = name ? performance.now() : 0;
    if (name) log.debug(`rpc ${name}`);
    method(call.request).then(
      (response) => {
        // With TF_LOG, each call's own time beside terraform's timestamps shows who waits on whom.
        if (name) log.debug(`rpc ${name} done in ${(performance.now() - started).toFixed(1)} ms`);
        callback(null, response);
      },
      (err: Error & { code?: number }) => {
        if (name) log.error(`rpc ${name}: ${err.message}`, err);
        callback({ code: err.code ?? status.INTERNAL, details: err.message });
      },
    );
  };
}

type StreamingCall = ServerWritableStream<Message, Message> | ServerDuplexStream<Message, Message>;

function holdOpen(call: StreamingCall, open: Set<StreamingCall>): void {
  open.add(call);
  call.on('cancelled', () => open.delete(call));
  call.on('error', () => open.delete(call));
}

/** Close the long-lived streams (they would hold the graceful shutdown), let the reply go out, exit. */
function shutdown(server: Server, open: Set<StreamingCall>): void {
  const cpu = process.cpuUsage();
  log.debug(`shutdown requested; CPU used: ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
  for (const call of open) call.end();
  open.clear();
  setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
  server.tryShutdown(() => process.exit(0));
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
