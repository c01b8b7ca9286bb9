/** Arithmetic on embeddings. Embedders give unit-length vectors, so their dot product is their cosine similarity. */

/** The cosine similarity of two unit-length vectors of the same length. */
export function cosineOfUnit(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
