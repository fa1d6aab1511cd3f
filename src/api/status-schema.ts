/**
 * The schema of `MistralDeployment.status`, written only by the operator through the status
 * subresource. Fields follow the Kubernetes conventions that kstatus, `kubectl wait` and the
 * scale subresource read.
 */
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from './schema-types.js';

const closed = { additionalProperties: false } as const;

/** One condition, in the shape of metav1.Condition. */
export const Condition = Type.Object(
  {
    /** Condition type: `Ready`, `Available`, `Progressing` or `Degraded`. */
    type: Type.String({
      description: 'Condition type: `Ready`, `Available`, `Progressing` or `Degraded`.',
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$',
      maxLength: 316,
    }),
    /** `True`, `False` or `Unknown`. */
    status: StringEnum(['True', 'False', 'Unknown'], {
      description: '`True`, `False` or `Unknown`.',
    }),
    /** The `metadata.generation` the condition was computed from. */
    observedGeneration: Type.Optional(
      Type.Integer({
        description: 'The `metadata.generation` the condition was computed from.',
        minimum: 0,
      }),
    ),
    /** When the status last changed, in RFC 3339 form. */
    lastTransitionTime: Type.String({
      description: 'When the status last changed, in RFC 3339 form.',
      maxLength: 64,
    }),
    /** Why, as one CamelCase word programs can match on. */
    reason: Type.String({
      description: 'Why, as one CamelCase word programs can match on.',
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      minLength: 1,
      maxLength: 1024,
    }),
    /** What happened and what to do about it, for a person. */
    message: Type.String({
      description: 'What happened and what to do about it, for a person.',
      maxLength: 32768,
    }),
  },
  { ...closed, description: 'One condition, in the shape of metav1.Condition.' },
);

/** Where clients reach the model. */
export const Endpoint = Type.Object(
  {
    /**
     * In-cluster base URL of the OpenAI-compatible API, such as
     * `http://small4.llm.svc.cluster.local:8000/v1`.
     */
    url: Type.String({
      description:
        'In-cluster base URL of the OpenAI-compatible API, such as ' +
        '`http://small4.llm.svc.cluster.local:8000/v1`.',
      maxLength: 1024,
    }),
    /** Model name to send in the `model` field of requests. */
    model: Type.String({
      description: 'Model name to send in the `model` field of requests.',
      maxLength: 200,
    }),
  },
  { ...closed, description: 'Where clients reach the model.' },
);

/** The observed state of a MistralDeployment. */
export const MistralDeploymentStatus = Type.Object(
  {
    /** The `metadata.generation` this status describes. */
    observedGeneration: Type.Optional(
      Type.Integer({ description: 'The `metadata.generation` this status describes.', minimum: 0 }),
    ),
    /** vLLM pods that exist, ready or not; the scale subresource reports it. */
    replicas: Type.Optional(
      Type.Integer({
        description: 'vLLM pods that exist, ready or not; the scale subresource reports it.',
        minimum: 0,
      }),
    ),
    /** vLLM pods that pass their readiness check. */
    readyReplicas: Type.Optional(
      Type.Integer({ description: 'vLLM pods that pass their readiness check.', minimum: 0 }),
    ),
    /** Replicas the operator asks for: `spec.replicas`, or the autoscaler's decision. */
    desiredReplicas: Type.Optional(
      Type.Integer({
        description:
          "Replicas the operator asks for: `spec.replicas`, or the autoscaler's decision.",
        minimum: 0,
      }),
    ),
    /** Ready and desired replicas as `ready/desired`, for `kubectl get`. */
    readyReplicasText: Type.Optional(
      Type.String({
        description: 'Ready and desired replicas as `ready/desired`, for `kubectl get`.',
        maxLength: 32,
      }),
    ),
    /** Label selector of the vLLM pods in string form, for the scale subresource. */
    selector: Type.Optional(
      Type.String({
        description: 'Label selector of the vLLM pods in string form, for the scale subresource.',
        maxLength: 1024,
      }),
    ),
    /** Requests waiting in vLLM, summed over the ready pods. */
    queueDepth: Type.Optional(
      Type.Integer({
        description: 'Requests waiting in vLLM, summed over the ready pods.',
        minimum: 0,
      }),
    ),
    /** Where clients reach the model. */
    endpoint: Type.Optional(Endpoint),
    /** `Ready`, `Available`, `Progressing` and `Degraded`, with reasons and messages. */
    conditions: Type.Optional(
      Type.Array(Condition, {
        description:
          '`Ready`, `Available`, `Progressing` and `Degraded`, with reasons and messages.',
        maxItems: 16,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      }),
    ),
  },
  { ...closed, description: 'The observed state of a MistralDeployment.' },
);

/** The observed state of a MistralDeployment. */
export type MistralDeploymentStatus = Static<typeof MistralDeploymentStatus>;
/** One status condition. */
export type Condition = Static<typeof Condition>;
/** Where clients reach the model. */
export type Endpoint = Static<typeof Endpoint>;
