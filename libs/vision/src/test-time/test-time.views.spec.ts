import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  averageViews,
  expandViews,
  TEST_TIME_VIEWS,
  TestTimeViewError,
  viewsFromSymmetries,
  type TestTimeView,
} from './test-time.views';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Each view written with tfjs' own reverse and transpose, the ops the training augmentations use. */
function viewByTfjs(images: tf.Tensor4D, view: TestTimeView): tf.Tensor4D {
  const t = () => tf.transpose(images, [0, 2, 1, 3]);
  switch (view) {
    case 'identity':
      return images.clone();
    case 'hflip':
      return tf.reverse(images, 2);
    case 'vflip':
      return tf.reverse(images, 1);
    case 'rot180':
      return tf.reverse(images, [1, 2]);
    case 'rot90':
      return tf.reverse(t(), 1);
    case 'rot270':
      return tf.reverse(t(), 2);
    case 'transpose':
      return t();
    case 'antiTranspose':
      return tf.reverse(t(), [1, 2]);
  }
}

function distinctValues(count: number, height: number, width: number): Float32Array {
  return Float32Array.from({ length: count * height * width * 3 }, (_, i) => i);
}

describe('expandViews', () => {
  it('lays out every view of every image as tfjs reverse/transpose compute it', () => {
    const [count, size] = [2, 5];
    const images = distinctValues(count, size, size);
    const views = [...TEST_TIME_VIEWS];
    const expanded = expandViews(images, count, size, size, views);
    const source = tf.tensor4d(images, [count, size, size, 3]);
    const imageLength = size * size * 3;
    for (let i = 0; i < count; i++) {
      views.forEach((view, v) => {
        const expected = tf.tidy(() => tf.slice(viewByTfjs(source, view), [i], [1]).dataSync());
        const start = (i * views.length + v) * imageLength;
        expect({ view, image: i, values: Array.from(expanded.subarray(start, start + imageLength)) }).toEqual(
          {
            view,
            image: i,
            values: Array.from(expected),
          },
        );
      });
    }
    source.dispose();
  });

  it('keeps non-square images for the views that do not swap height and width', () => {
    const images = distinctValues(1, 3, 4);
    const expanded = expandViews(images, 1, 3, 4, ['identity', 'hflip', 'vflip', 'rot180']);
    const source = tf.tensor4d(images, [1, 3, 4, 3]);
    const expected = tf.tidy(() =>
      tf
        .concat((['identity', 'hflip', 'vflip', 'rot180'] as const).map((v) => viewByTfjs(source, v)))
        .dataSync(),
    );
    expect(Array.from(expanded)).toEqual(Array.from(expected));
    source.dispose();
  });

  it('refuses a quarter turn of a non-square input and a wrongly sized buffer', () => {
    expect(() => expandViews(distinctValues(1, 3, 4), 1, 3, 4, ['identity', 'rot90'])).toThrow(
      /rot90 need a square input, got 3x4/,
    );
    expect(() => expandViews(new Float32Array(10), 1, 3, 4, ['identity'])).toThrow(TestTimeViewError);
    expect(() => expandViews(new Float32Array(36), 1, 3, 4, [])).toThrow(/at least one view/);
  });

  it('returns the batch itself for the identity alone', () => {
    const images = distinctValues(2, 2, 2);
    expect(expandViews(images, 2, 2, 2, ['identity'])).toBe(images);
  });
});

describe('viewsFromSymmetries', () => {
  it.each([
    [{ horizontalFlip: false, verticalFlip: false, quarterTurns: false }, ['identity']],
    [{ horizontalFlip: true, verticalFlip: false, quarterTurns: false }, ['identity', 'hflip']],
    [{ horizontalFlip: false, verticalFlip: true, quarterTurns: false }, ['identity', 'vflip']],
    [
      { horizontalFlip: true, verticalFlip: true, quarterTurns: false },
      ['identity', 'hflip', 'vflip', 'rot180'],
    ],
    [
      { horizontalFlip: false, verticalFlip: false, quarterTurns: true },
      ['identity', 'rot90', 'rot180', 'rot270'],
    ],
    [{ horizontalFlip: true, verticalFlip: false, quarterTurns: true }, [...TEST_TIME_VIEWS]],
  ])('%o generates %o', (symmetries, views) => {
    expect(viewsFromSymmetries(symmetries)).toEqual(views);
  });

  it('returns a group: composing any two of its views gives one of its views', () => {
    const size = 3;
    const image = distinctValues(1, size, size);
    const key = (values: Float32Array) => Array.from(values).join(',');
    for (const symmetries of [
      { horizontalFlip: true, verticalFlip: true, quarterTurns: false },
      { horizontalFlip: false, verticalFlip: false, quarterTurns: true },
      { horizontalFlip: true, verticalFlip: false, quarterTurns: true },
    ]) {
      const views = viewsFromSymmetries(symmetries);
      const members = new Set(views.map((view) => key(expandViews(image, 1, size, size, [view]))));
      for (const first of views)
        for (const second of views) {
          const composed = expandViews(expandViews(image, 1, size, size, [first]), 1, size, size, [second]);
          expect(members.has(key(composed))).toBe(true);
        }
    }
  });
});

describe('averageViews', () => {
  it('averages the rows of each image view-wise', () => {
    // Two images, two views, three classes.
    const probabilities = Float32Array.from([0.5, 0.5, 0, 0.1, 0.1, 0.8, 1, 0, 0, 0, 1, 0]);
    const averaged = averageViews(probabilities, 2, 3, 2);
    expect(Array.from(averaged).map((p) => Number(p.toFixed(6)))).toEqual([0.3, 0.3, 0.4, 0.5, 0.5, 0]);
  });

  it('refuses rows that do not match the views', () => {
    expect(() => averageViews(new Float32Array(5), 1, 3, 2)).toThrow(/not 1 x 2 views x 3 classes/);
  });
});
