/**
 * Whether a live object already holds everything a desired manifest says.
 *
 * The server adds defaults, status and metadata the manifest never mentions, so equality is
 * the wrong test; containment is: every field the manifest sets has the same value in the
 * live object. List items are matched regardless of position, because the server may keep
 * items other managers added (an env var a person appended) next to ours. A list of scalars
 * (a command line, dropped capabilities) is the exception: server-side apply sets it whole,
 * and order is meaning, so it must be equal, item for item.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** True when every field of `desired` appears with the same value in `live`. */
export function containsDesired(live: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return false;
    if (desired.length > 0 && desired.every(isScalar)) {
      return live.length === desired.length && desired.every((item, i) => live[i] === item);
    }
    return desired.every((item) => live.some((l) => containsDesired(l, item)));
  }
  if (desired !== null && typeof desired === 'object') {
    if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
    const liveFields = live as Record<string, Json>;
    return Object.entries(desired as Record<string, Json>).every(
      ([key, value]) => value === undefined || containsDesired(liveFields[key], value),
    );
  }
  return live === desired;
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}
