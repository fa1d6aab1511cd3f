import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import {
  KubeError,
  classifyKubeError,
  isAlreadyExists,
  isConflict,
  isNotFound,
  type KubeErrorInfo,
} from '../../src/kube/errors.js';

/** An error as client-node throws it for a response with a v1 Status body. */
function apiError(code: number, reason?: string, message?: string): ApiException<string> {
  const body = JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    reason,
    message,
    code,
  });
  return new ApiException(code, 'Unknown API Status Code!', body, {});
}

describe('classifyKubeError', () => {
  const cases: Array<[string, unknown, KubeErrorInfo]> = [
    [
      'a missing object is NotFound and not worth retrying',
      apiError(404, 'NotFound', 'deployments.apps "small4" not found'),
      {
        code: 404,
        reason: 'NotFound',
        message: 'deployments.apps "small4" not found',
        retryable: false,
      },
    ],
    [
      'a create that finds the object is AlreadyExists',
      apiError(409, 'AlreadyExists', 'leases "x" already exists'),
      { code: 409, reason: 'AlreadyExists', message: 'leases "x" already exists', retryable: true },
    ],
    [
      'a stale resourceVersion is a retryable Conflict',
      apiError(409, 'Conflict', 'the object has been modified'),
      { code: 409, reason: 'Conflict', message: 'the object has been modified', retryable: true },
    ],
    [
      'a rejected spec is Invalid and permanent',
      apiError(422, 'Invalid', 'spec.replicas: Invalid value: -1'),
      {
        code: 422,
        reason: 'Invalid',
        message: 'spec.replicas: Invalid value: -1',
        retryable: false,
      },
    ],
    [
      'a 401 without body gets its reason from the code',
      new ApiException(401, 'Unauthorized', undefined, {}),
      { code: 401, reason: 'Unauthorized', message: 'HTTP 401', retryable: false },
    ],
    [
      'a server error is retryable',
      apiError(503, undefined, 'etcd leader changed'),
      { code: 503, reason: 'ServiceUnavailable', message: 'etcd leader changed', retryable: true },
    ],
    [
      'a body that is not JSON keeps the code',
      new ApiException(500, 'x', '<html>bad gateway</html>', {}),
      { code: 500, reason: 'InternalError', message: 'HTTP 500', retryable: true },
    ],
    [
      'a watch error carries statusCode',
      Object.assign(new Error('Gone'), { statusCode: 410 }),
      { code: 410, reason: 'Expired', message: 'Gone', retryable: true },
    ],
    [
      'a refused connection has no code and is retryable',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }),
      {
        code: undefined,
        reason: 'ECONNREFUSED',
        message: 'connect ECONNREFUSED 127.0.0.1:6443',
        retryable: true,
      },
    ],
  ];
  for (const [name, err, expected] of cases) {
    it(name, () => assert.deepEqual(classifyKubeError(err), expected));
  }
});

describe('KubeError', () => {
  it('says what was being done, then the server message, and keeps the cause', () => {
    const cause = apiError(409, 'Conflict', 'Apply failed with 1 conflict');
    const err = new KubeError('applying Deployment llm/small4', cause);
    assert.equal(
      err.message,
      'applying Deployment llm/small4: Conflict: Apply failed with 1 conflict',
    );
    assert.equal(err.cause, cause);
  });

  it('is classified by its cause, so callers can wrap before deciding', () => {
    const err = new KubeError('deleting Service llm/small4', apiError(404, 'NotFound', 'gone'));
    assert.equal(isNotFound(err), true);
    assert.equal(classifyKubeError(err).retryable, false);
  });
});

describe('predicates', () => {
  const cases: Array<[string, unknown, { notFound: boolean; exists: boolean; conflict: boolean }]> =
    [
      [
        '404 is only NotFound',
        apiError(404, 'NotFound'),
        { notFound: true, exists: false, conflict: false },
      ],
      [
        '409 AlreadyExists is not a Conflict',
        apiError(409, 'AlreadyExists'),
        { notFound: false, exists: true, conflict: false },
      ],
      [
        '409 Conflict is not AlreadyExists',
        apiError(409, 'Conflict'),
        { notFound: false, exists: false, conflict: true },
      ],
      [
        'a plain error is none of them',
        new Error('boom'),
        { notFound: false, exists: false, conflict: false },
      ],
    ];
  for (const [name, err, expected] of cases) {
    it(name, () =>
      assert.deepEqual(
        { notFound: isNotFound(err), exists: isAlreadyExists(err), conflict: isConflict(err) },
        expected,
      ),
    );
  }
});
