/** The brute-force vector search's inner loop: one dot product per stored vector. */

/**
 * The dot product of `query` with each row of `matrix` (rows of `dimensions` floats); for unit
 * vectors, their cosine similarity. Four running sums let the engine overlap the multiplications,
 * about twice as fast as one sum on 10,000 × 512.
 */
export function dotProducts(matrix: Float32Array, dimensions: number, query: Float32Array): Float32Array {
  const rows = dimensions === 0 ? 0 : matrix.length / dimensions;
  const scores = new Float32Array(rows);
  const whole = dimensions - (dimensions % 4);
  for (let row = 0; row < rows; row++) {
    const offset = row * dimensions;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i < whole; i += 4) {
      s0 += matrix[offset + i]! * query[i]!;
      s1 += matrix[offset + i + 1]! * query[i + 1]!;
      s2 += matrix[offset + i + 2]! * query[i + 2]!;
      s3 += matrix[offset + i + 3]! * query[i + 3]!;
    }
    for (; i < dimensions; i++) s0 += matrix[offset + i]! * query[i]!;
    scores[row] = s0 + s1 + s2 + s3;
  }
  return scores;
}
