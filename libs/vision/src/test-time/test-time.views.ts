/**
 * Test-time augmentation: a model scores each image under several symmetric views (mirror images, quarter
 * turns) and the class probabilities of the views are averaged. Only symmetries the model was trained under are
 * valid (a part bearing text is not the same part mirrored), so the views are derived from the training
 * augmentations, stored in the model's manifest, and applied identically by evaluation and by every inference
 * engine: on the preprocessed NHWC pixels before the forward pass, on the probabilities after it.
 */

/**
 * The eight symmetries of a square (the dihedral group D4). `rot90` turns a quarter counter-clockwise;
 * `transpose` mirrors across the main diagonal, `antiTranspose` across the other one.
 */
export const TEST_TIME_VIEWS = [
  'identity',
  'hflip',
  'vflip',
  'rot180',
  'rot90',
  'rot270',
  'transpose',
  'antiTranspose',
] as const;

export type TestTimeView = (typeof TEST_TIME_VIEWS)[number];

/** Views that swap height and width: valid for square inputs only. */
const TRANSPOSING: ReadonlySet<TestTimeView> = new Set(['rot90', 'rot270', 'transpose', 'antiTranspose']);

export interface TrainedSymmetries {
  horizontalFlip: boolean;
  verticalFlip: boolean;
  quarterTurns: boolean;
}

/**
 * Every view reachable by composing the trained symmetries (the group they generate), identity first. A
 * composition of trained transforms shows the model nothing it could not have seen in training, e.g. a
 * horizontal and a vertical flip together make the half turn.
 */
export function viewsFromSymmetries({
  horizontalFlip,
  verticalFlip,
  quarterTurns,
}: TrainedSymmetries): TestTimeView[] {
  const flips = horizontalFlip || verticalFlip;
  if (quarterTurns && flips) return [...TEST_TIME_VIEWS];
  if (quarterTurns) return ['identity', 'rot90', 'rot180', 'rot270'];
  if (horizontalFlip && verticalFlip) return ['identity', 'hflip', 'vflip', 'rot180'];
  if (horizontalFlip) return ['identity', 'hflip'];
  if (verticalFlip) return ['identity', 'vflip'];
  return ['identity'];
}

/** Source pixel (row, column) of output pixel (y, x) of a view on an `size` x `size` image (or any, untransposed). */
function sourceOf(view: TestTimeView, y: number, x: number, height: number, width: number): [number, number] {
  switch (view) {
    case 'identity':
      return [y, x];
    case 'hflip':
      return [y, width - 1 - x];
    case 'vflip':
      return [height - 1 - y, x];
    case 'rot180':
      return [height - 1 - y, width - 1 - x];
    case 'rot90':
      return [x, width - 1 - y];
    case 'rot270':
      return [height - 1 - x, y];
    case 'transpose':
      return [x, y];
    case 'antiTranspose':
      return [height - 1 - x, width - 1 - y];
  }
}

export class TestTimeViewError extends Error {
  override readonly name = 'TestTimeViewError';
}

/** Refuses views that cannot apply to a `height` x `width` input, before any pixel is touched. */
export function checkViews(views: readonly TestTimeView[], height: number, width: number): void {
  if (views.length === 0) throw new TestTimeViewError('test-time views: need at least one view');
  if (height !== width) {
    const transposing = views.filter((view) => TRANSPOSING.has(view));
    if (transposing.length > 0)
      throw new TestTimeViewError(
        `test-time views ${transposing.join(', ')} need a square input, got ${height}x${width}`,
      );
  }
}

/**
 * `count` NHWC images of `height` x `width` x `channels` become `count * views.length` images, the views of
 * image i at indices [i * V, (i + 1) * V) in the order of `views`.
 */
export function expandViews(
  images: Float32Array,
  count: number,
  height: number,
  width: number,
  views: readonly TestTimeView[],
  channels = 3,
): Float32Array {
  checkViews(views, height, width);
  const imageLength = height * width * channels;
  if (images.length !== count * imageLength)
    throw new TestTimeViewError(
      `test-time views: ${images.length} values are not ${count} images of ${height}x${width}x${channels}`,
    );
  if (views.length === 1 && views[0] === 'identity') return images;
  const out = new Float32Array(images.length * views.length);
  // One gather table per view, shared by every image of the batch.
  const tables = views.map((view) => {
    const table = new Int32Array(height * width);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const [sy, sx] = sourceOf(view, y, x, height, width);
        table[y * width + x] = (sy * width + sx) * channels;
      }
    return table;
  });
  for (let i = 0; i < count; i++) {
    const source = i * imageLength;
    tables.forEach((table, v) => {
      let target = (i * views.length + v) * imageLength;
      for (let p = 0; p < table.length; p++) {
        const from = source + table[p];
        for (let c = 0; c < channels; c++) out[target++] = images[from + c];
      }
    });
  }
  return out;
}

/** Averages the `viewCount` probability rows of each image (laid out as `expandViews` lays out the inputs). */
export function averageViews(
  probabilities: Float32Array,
  count: number,
  classes: number,
  viewCount: number,
): Float32Array {
  if (probabilities.length !== count * viewCount * classes)
    throw new TestTimeViewError(
      `test-time views: ${probabilities.length} probabilities are not ${count} x ${viewCount} views x ${classes} classes`,
    );
  if (viewCount === 1) return probabilities;
  const out = new Float32Array(count * classes);
  for (let i = 0; i < count; i++)
    for (let v = 0; v < viewCount; v++) {
      const row = (i * viewCount + v) * classes;
      for (let c = 0; c < classes; c++) out[i * classes + c] += probabilities[row + c] / viewCount;
    }
  return out;
}

/** Class probabilities of `count` images as rows of `classes`. */
export interface ScoredRows {
  probabilities: Float32Array;
  classes: number;
}

/**
 * Scores `count` NHWC images under `views`: expands them, runs `forward` (probabilities of the `n` images it is
 * given) once on all the views, and averages each image's rows. The one path of the evaluation, the inference
 * workers and the int8 check, whatever computes the forward pass.
 */
export async function scoreViews(
  images: Float32Array,
  count: number,
  [height, width]: readonly [number, number],
  views: readonly TestTimeView[],
  forward: (inputs: Float32Array, n: number) => Promise<ScoredRows>,
): Promise<ScoredRows> {
  const { probabilities, classes } = await forward(
    expandViews(images, count, height, width, views),
    count * views.length,
  );
  return { probabilities: averageViews(probabilities, count, classes, views.length), classes };
}
