/**
 * Greedy k-centre selection (Sener & Savarese 2018, as PatchCore uses it): start from `first`, then repeatedly add
 * the point farthest from everything chosen so far. The chosen points cover the set: every point lies within the
 * last chosen point's distance of some chosen point. `points` is row-major [count, dimensions]. O(target x count x
 * dimensions) time, O(count) memory.
 */
export function greedyCoreset(
  points: Float32Array,
  dimensions: number,
  target: number,
  first = 0,
): Int32Array {
  const count = points.length / dimensions;
  if (!Number.isInteger(count)) throw new RangeError('points.length must be a multiple of dimensions');
  const size = Math.min(target, count);
  const chosen = new Int32Array(size);
  if (size === 0) return chosen;
  const nearest = new Float32Array(count).fill(Infinity);
  let next = Math.min(Math.max(first, 0), count - 1);
  for (let step = 0; step < size; step++) {
    chosen[step] = next;
    const centre = next * dimensions;
    let farthest = 0;
    let farthestDistance = -1;
    for (let point = 0; point < count; point++) {
      const offset = point * dimensions;
      let distance = 0;
      for (let dimension = 0; dimension < dimensions; dimension++) {
        const difference = points[offset + dimension] - points[centre + dimension];
        distance += difference * difference;
      }
      if (distance < nearest[point]) nearest[point] = distance;
      if (nearest[point] > farthestDistance) {
        farthestDistance = nearest[point];
        farthest = point;
      }
    }
    next = farthest;
  }
  return chosen;
}
