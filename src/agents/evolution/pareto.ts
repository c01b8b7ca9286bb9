/**
 * Selection by per-task wins: a candidate is judged on each task separately, so one that solves
 * a task nobody else solves survives even when its average is lower (the Pareto front over the
 * tasks' scores), and parents are drawn from that front weighted by the tasks they win.
 */
import type { SeededRandom } from "./seeded-random.js";

export interface Scored {
  id: string;
  /** Score per task id, each in [0, 1]. */
  scores: Record<string, number>;
  mean: number;
}

/** a is at least as good as b on every task and better on one. */
export function dominates(a: Scored, b: Scored, tasks: readonly string[]): boolean {
  let better = false;
  for (const task of tasks) {
    const left = a.scores[task] ?? 0;
    const right = b.scores[task] ?? 0;
    if (left < right) return false;
    if (left > right) better = true;
  }
  return better;
}

/** The candidates no other candidate dominates. */
export function paretoFront<T extends Scored>(candidates: readonly T[], tasks: readonly string[]): T[] {
  return candidates.filter((candidate) => !candidates.some((other) => other !== candidate && dominates(other, candidate, tasks)));
}

/** For each candidate, the tasks on which it scores the best of all (ties share the win; a task nobody scores on is nobody's). */
export function taskWins(candidates: readonly Scored[], tasks: readonly string[]): Map<string, number> {
  const wins = new Map(candidates.map((candidate) => [candidate.id, 0]));
  for (const task of tasks) {
    const best = Math.max(...candidates.map((candidate) => candidate.scores[task] ?? 0));
    if (best <= 0) continue;
    for (const candidate of candidates) if ((candidate.scores[task] ?? 0) === best) wins.set(candidate.id, wins.get(candidate.id)! + 1);
  }
  return wins;
}

/** Best first: by mean, then by tasks won, then by id so the order never depends on chance. */
export function rank<T extends Scored>(candidates: readonly T[], tasks: readonly string[]): T[] {
  const wins = taskWins(candidates, tasks);
  return [...candidates].sort((a, b) => b.mean - a.mean || wins.get(b.id)! - wins.get(a.id)! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Draws a parent from the Pareto front, each weighted by one plus the tasks it wins. */
export function pickParent<T extends Scored>(candidates: readonly T[], tasks: readonly string[], random: SeededRandom): T {
  const front = paretoFront(candidates, tasks);
  const wins = taskWins(front, tasks);
  const weights = front.map((candidate) => 1 + wins.get(candidate.id)!);
  let draw = random.next() * weights.reduce((sum, weight) => sum + weight, 0);
  for (let i = 0; i < front.length; i++) {
    draw -= weights[i]!;
    if (draw < 0) return front[i]!;
  }
  return front[front.length - 1]!;
}
