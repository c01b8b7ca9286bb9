import { describe, expect, it } from "vitest";
import { dotProducts } from "./vector-scan.js";

describe("vector scan", () => {
  it("gives each row's dot product with the query, whatever the dimensions modulo 4", () => {
    for (const dimensions of [4, 5, 7, 16]) {
      const rows = 3;
      const matrix = Float32Array.from({ length: rows * dimensions }, (_, i) => ((i * 7) % 11) - 5);
      const query = Float32Array.from({ length: dimensions }, (_, i) => (i % 3) - 1);
      const expected = Array.from({ length: rows }, (_, row) => {
        let sum = 0;
        for (let i = 0; i < dimensions; i++) sum += matrix[row * dimensions + i]! * query[i]!;
        return sum;
      });
      expect(Array.from(dotProducts(matrix, dimensions, query))).toEqual(expected);
    }
    expect(dotProducts(new Float32Array(0), 0, new Float32Array(0))).toHaveLength(0);
  });
});
