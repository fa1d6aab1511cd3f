/**
 * The whole MistralDeployment object: the manifest a person writes and the object the API
 * server returns.
 */
import { Type } from '@sinclair/typebox';
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { API_VERSION, KIND } from './group-version.js';
import { DNS_LABEL_PATTERN, DNS_SUBDOMAIN_PATTERN, StringEnum } from './schema-types.js';
import { MistralDeploymentSpec } from './spec-schema.js';
import { MistralDeploymentStatus } from './status-schema.js';

/** A MistralDeployment as stored by the API server. */
export interface MistralDeployment {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: V1ObjectMeta & { name: string };
  spec?: MistralDeploymentSpec;
  status?: MistralDeploymentStatus;
}

/**
 * The manifest as ajv checks it. The API server types `metadata` itself, so the CRD leaves it
 * out; a manifest read from a file gets the name and namespace checks here.
 */
export const MistralDeploymentManifest = Type.Object({
  apiVersion: StringEnum([API_VERSION]),
  kind: StringEnum([KIND]),
  metadata: Type.Object({
    name: Type.String({ pattern: DNS_SUBDOMAIN_PATTERN, minLength: 1, maxLength: 253 }),
    namespace: Type.Optional(Type.String({ pattern: DNS_LABEL_PATTERN, maxLength: 63 })),
  }),
  spec: Type.Optional(MistralDeploymentSpec),
  status: Type.Optional(MistralDeploymentStatus),
});
