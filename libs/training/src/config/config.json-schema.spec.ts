import { resolveTrainingConfig } from '../engine/training.config';
import { trainingConfigJsonSchema, trainingConfigOptions } from './config.json-schema';
import { rangeText } from './config.options';
import { TRAINING_PRESETS, estimateDuration } from './training.presets';

describe('the training configuration JSON Schema', () => {
  const options = trainingConfigOptions();
  const byPath = new Map(options.map((option) => [option.path, option]));

  it('documents every option with a description, and its default and range', () => {
    if (process.env.PRINT_OPTIONS)
      for (const o of options)
        console.log(
          o.path,
          o.kind,
          JSON.stringify(o.default),
          rangeText(o),
          o.when?.value ?? '',
          o.description,
        );
    expect(options.length).toBeGreaterThan(60);
    const undocumented = options.filter((option) => !option.description).map((option) => option.path);
    expect(undocumented).toEqual([]);
    expect(byPath.get('schedule.lr')).toMatchObject({
      kind: 'number',
      default: 0.001,
      minimum: 0,
      exclusiveMinimum: true,
    });
    expect(byPath.get('epochs')).toMatchObject({ kind: 'integer', default: 30 });
    expect(byPath.get('dropout')).toMatchObject({ minimum: 0, maximum: 1, exclusiveMaximum: true });
    expect(byPath.get('optimizer.kind')).toMatchObject({
      kind: 'enum',
      enum: ['sgd', 'adam', 'adamw'],
      default: 'adamw',
    });
    expect(byPath.get('model.arch')).toMatchObject({ kind: 'enum', enum: ['mobilenetv2', 'resnet', 'vit'] });
    expect(byPath.get('model.depth')).toBeDefined();
    expect(options.filter((o) => o.path === 'model.depth').map((o) => o.when?.value)).toEqual([
      'resnet',
      'vit',
    ]);
    expect(byPath.has('data.source.kind')).toBe(false);
  });

  it('presets are valid configurations with an estimate', () => {
    for (const preset of TRAINING_PRESETS) {
      expect(() =>
        resolveTrainingConfig({
          ...preset.config,
          data: { ...preset.config.data, source: { kind: 'folder', path: '.' } },
        }),
      ).not.toThrow();
      const estimate = estimateDuration(preset.config, 1800);
      expect(estimate.seconds).toBeGreaterThan(0);
    }
    const quick = estimateDuration(TRAINING_PRESETS[0].config, 120);
    expect(quick.seconds).toBeLessThan(120);
    expect(trainingConfigJsonSchema().properties?.schedule).toBeDefined();
  });
});
