/** Reciprocal rank fusion: a list of rankings becomes one, each item scored by the sum of 1 / (k + rank). */

/** The fused score of each item from its 1-based ranks in each ranking (a ranking it is absent from adds nothing). */
export function reciprocalRankFusion<T>(rankings: readonly (readonly T[])[], k: number): Map<T, number> {
  const fused = new Map<T, number>();
  for (const ranking of rankings) {
    ranking.forEach((item, index) => fused.set(item, (fused.get(item) ?? 0) + 1 / (k + index + 1)));
  }
  return fused;
}

/** The `count` best rows of a score list, best first, leaving out scores at or below `floor`. */
export function topRows(scores: Float32Array, count: number, floor: number): number[] {
  const best: number[] = [];
  for (let row = 0; row < scores.length; row++) {
    const score = scores[row]!;
    if (score <= floor) continue;
    if (best.length === count && score <= scores[best[count - 1]!]!) continue;
    let at = best.length;
    while (at > 0 && scores[best[at - 1]!]! < score) at--;
    best.splice(at, 0, row);
    if (best.length > count) best.pop();
  }
  return best;
}
