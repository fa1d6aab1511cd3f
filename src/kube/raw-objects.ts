/**
 * Requests for any kind that send and return the API server's JSON untouched.
 *
 * client-node's `KubernetesObjectApi` runs known kinds through its generated models, which
 * rename or drop fields whose JSON name is not a valid property name: a NetworkPolicy rule's
 * `from` (model name `_from`) and a CRD schema's `enum`, `default` and every
 * `x-kubernetes-*` keyword vanish from a plain-JSON manifest, so an ingress rule would admit
 * everyone and a CRD would lose its CEL rules. Responses come back in the models' shape,
 * with `Date` objects where watch events carry strings. This subclass keeps discovery and
 * URL building from client-node and does the HTTP exchange itself, in JSON both ways.
 */
import {
  ApiException,
  HttpMethod,
  KubernetesObjectApi,
  PatchStrategy,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ResponseContext,
} from '@kubernetes/client-node';

/** Names one object; the shape client-node's URL building takes. */
export interface ObjectHeader {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

interface JsonRequest {
  method: HttpMethod;
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
}

/** `KubernetesObjectApi` plus JSON-preserving requests; use the `*Json` methods. */
export class RawObjectApi extends KubernetesObjectApi {
  /** Builds the client, with the kubeconfig context's namespace as the default. */
  static fromKubeConfig(kubeConfig: KubeConfig): RawObjectApi {
    const api = kubeConfig.makeApiClient(RawObjectApi);
    api.setDefaultNamespace(kubeConfig);
    return api;
  }

  /** Server-side applies `object` as `fieldManager`, taking over conflicting fields. */
  async applyJson<T extends KubernetesObject>(object: T, fieldManager: string): Promise<T> {
    return this.sendJson({
      method: HttpMethod.PATCH,
      path: await this.specUriPath(structuredClone(object), 'patch'),
      query: { fieldManager, force: 'true' },
      body: object,
      contentType: PatchStrategy.ServerSideApply,
    });
  }

  /**
   * JSON-merge-patches the live object with `object` as `fieldManager`. Unlike apply, each list
   * in `object` replaces the live list whole, items other managers own included.
   */
  async mergePatchJson<T extends KubernetesObject>(object: T, fieldManager: string): Promise<T> {
    return this.sendJson({
      method: HttpMethod.PATCH,
      path: await this.specUriPath(structuredClone(object), 'patch'),
      query: { fieldManager },
      body: object,
      contentType: PatchStrategy.MergePatch,
    });
  }

  /** Creates `object`. */
  async createJson<T extends KubernetesObject>(object: T): Promise<T> {
    const path = await this.specUriPath(structuredClone(object), 'create');
    return this.sendJson({
      method: HttpMethod.POST,
      path,
      body: object,
      contentType: 'application/json',
    });
  }

  /** Reads the object `header` names. */
  async readJson<T extends KubernetesObject>(header: ObjectHeader): Promise<T> {
    const path = await this.specUriPath(structuredClone(header), 'read');
    return this.sendJson({ method: HttpMethod.GET, path });
  }

  /**
   * Lists a kind in one namespace, or in all when `namespace` is undefined. Items get their
   * apiVersion and kind back (a list leaves them out), to look like watched objects.
   */
  async listJson<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace?: string,
    labelSelector?: string,
  ): Promise<KubernetesListObject<T>> {
    const path = await this.specUriPath({ apiVersion, kind, metadata: { namespace } }, 'list');
    const list = await this.sendJson<KubernetesListObject<T>>({
      method: HttpMethod.GET,
      path,
      query: { labelSelector },
    });
    return { ...list, items: (list.items ?? []).map((item) => ({ ...item, apiVersion, kind })) };
  }

  private async sendJson<T>(request: JsonRequest): Promise<T> {
    const context = this.configuration.baseServer.makeRequestContext(request.path, request.method);
    context.setHeaderParam('Accept', 'application/json');
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) context.setQueryParam(name, value);
    }
    if (request.body !== undefined) {
      context.setHeaderParam('Content-Type', request.contentType ?? 'application/json');
      context.setBody(JSON.stringify(request.body));
    }
    await this.configuration.authMethods.default?.applySecurityAuthentication(context);
    return parseResponse<T>(await this.configuration.httpApi.send(context).toPromise());
  }
}

/** The body as JSON, or the same ApiException the generated clients throw. */
async function parseResponse<T>(response: ResponseContext): Promise<T> {
  const text = await response.body.text();
  if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
    const { httpStatusCode, headers } = response;
    throw new ApiException(httpStatusCode, 'Unsuccessful HTTP Request', text, headers);
  }
  return JSON.parse(text) as T;
}
