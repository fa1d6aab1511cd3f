/**
 * Names and label values derived from a MistralDeployment's name. An object name may be a
 * 253-character DNS subdomain with dots and a leading digit; a Service name must be a DNS-1035
 * label (a letter first, no dots, at most 63 characters) and a label value at most 63
 * characters. A name that fits is used as it is, so the usual short names stay readable; any
 * other is shortened and given a hash of the whole input, so two names never collide.
 */
import { createHash } from 'node:crypto';

const MAX_LABEL_LENGTH = 63;
const HASH_LENGTH = 8;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The first 8 hex digits of the SHA-256 of `text`. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * A DNS-1035 label for an object owned by `ownerName`, with an optional `suffix` such as
 * `model-cache`. Valid as the name of any kind, including a Service.
 */
export function deriveName(ownerName: string, suffix = ''): string {
  const wanted = suffix === '' ? ownerName : `${ownerName}-${suffix}`;
  if (wanted.length <= MAX_LABEL_LENGTH && DNS_1035_LABEL.test(wanted)) return wanted;
  const tail = [suffix, shortHash(wanted)].filter((part) => part !== '').join('-');
  const room = MAX_LABEL_LENGTH - tail.length - 1;
  return `${trimToLabel(toDns1035(ownerName), room)}-${tail}`;
}

/** Name of the Deployment, Service and PodDisruptionBudget of `ownerName`. */
export function workloadName(ownerName: string): string {
  return deriveName(ownerName);
}

/** A label value for `ownerName`: the name itself when it fits in 63 characters. */
export function deriveLabelValue(ownerName: string): string {
  if (ownerName.length <= MAX_LABEL_LENGTH) return ownerName;
  const room = MAX_LABEL_LENGTH - HASH_LENGTH - 1;
  return `${trimToLabel(ownerName, room)}-${shortHash(ownerName)}`;
}

/** Dots become dashes and a name that does not start with a letter gets an `m` in front. */
function toDns1035(name: string): string {
  const dashed = name.toLowerCase().replace(/[^-a-z0-9]/g, '-');
  return /^[a-z]/.test(dashed) ? dashed : `m${dashed}`;
}

/** At most `room` characters, ending in an alphanumeric as labels must. */
function trimToLabel(name: string, room: number): string {
  return name.slice(0, room).replace(/[^a-z0-9]+$/, '');
}
