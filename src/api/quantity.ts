/**
 * Reading Kubernetes resource quantities (`16Gi`, `500m`, `1e3`) as numbers, precise enough
 * to compare two sizes; the schema's pattern has already checked the grammar.
 */

const SUFFIX_FACTORS: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)([a-zA-Z]*|[eE][+-]?[0-9.]+)$/;

/** The value of `quantity` in base units (bytes, cores), or undefined when it is malformed. */
export function parseQuantity(quantity: string | number): number | undefined {
  if (typeof quantity === 'number') return quantity;
  const match = QUANTITY.exec(quantity);
  if (match === null) return undefined;
  const [, digits = '', suffix = ''] = match;
  if (/^[eE]/.test(suffix)) return Number(digits + suffix);
  const factor = SUFFIX_FACTORS[suffix];
  return factor === undefined ? undefined : Number(digits) * factor;
}
