/**
 * The protobuf types and gRPC service definitions, built from the JSON that
 * scripts/build-provider.mjs compiles from ./proto: no .proto parsing at
 * start (with bundling, that took start-up from ~320 ms to ~100-125 ms).
 * Regenerate after editing a .proto: any run of build-provider.mjs does it.
 */
import { Root, type Type } from 'protobufjs/light';

// require, not import: works without resolveJsonModule, and esbuild inlines it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const root = Root.fromJSON(require('./proto/descriptors.json'));

/** Messages cross the wire as plain objects with the proto's snake_case field names. */
export type Message = Record<string, unknown>;

const toObjectOptions = { longs: Number, defaults: false } as const;

export function encodeMessage(type: Type, value: Message): Buffer {
  const bytes = type.encode(type.fromObject(value)).finish();
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeMessage(type: Type, bytes: Uint8Array): Message {
  return type.toObject(type.decode(bytes), toObjectOptions);
}

/** A method as gRPC libraries describe it (grpc-js's MethodDefinition has this shape). */
export interface MethodDefinition {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly requestSerialize: (value: Message) => Buffer;
  readonly requestDeserialize: (bytes: Buffer) => Message;
  readonly responseSerialize: (value: Message) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => Message;
}

/**
 * A service in the descriptors, e.g. `tfplugin6.Provider` gives methods with paths
 * `/tfplugin6.Provider/<Method>`. The same definition serves the provider's server
 * (grpc-server.ts) and a test's client (grpc-js).
 */
export function serviceDefinition(fullName: string): Record<string, MethodDefinition> {
  const service = root.lookupService(fullName);
  const definition: Record<string, MethodDefinition> = {};
  for (const method of service.methodsArray) {
    method.resolve();
    const request = method.resolvedRequestType as Type;
    const response = method.resolvedResponseType as Type;
    definition[method.name] = {
      path: `/${fullName}/${method.name}`,
      requestStream: Boolean(method.requestStream),
      responseStream: Boolean(method.responseStream),
      requestSerialize: (v) => encodeMessage(request, v),
      requestDeserialize: (b) => decodeMessage(request, b),
      responseSerialize: (v) => encodeMessage(response, v),
      responseDeserialize: (b) => decodeMessage(response, b),
    };
  }
  return definition;
}
