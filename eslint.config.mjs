// @ts-check
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

// Layers, top to bottom: a library imports only libraries on floors below its own (apps import any library).
const FLOORS = [
  ['inspections', 'accounts', 'platform'], // domain
  ['vision', 'training', 'anomaly'],
  ['db', 'config'],
  ['storage', 'queue', 'verdict'],
];
// Imports within a floor that the architecture has: training builds on vision, anomaly detection on both (its
// features come from vision's backbones, its randomness and metrics from training), the migration CLI reads the config.
const SAME_FLOOR = { training: ['vision'], anomaly: ['vision', 'training'], db: ['config'] };
// Lower-floor imports the architecture forbids anyway: the environment is parsed by nothing but the config.
const NEVER = { config: ['storage', 'queue'] };
const APPS = ['api', 'inference', 'trainer', 'launcher', 'camera-simulator'];

const libPatterns = (libs, why) =>
  libs.map((lib) => ({
    group: [`@linescope/${lib}`, `@linescope/${lib}/*`, `**/libs/${lib}/**`],
    message: why,
  }));

// Where TypeORM may be used: repositories, migrations, the db library (data source, migration runner), the wiring
// that creates and provides the data source, and tests. The job queue's query() is pg-boss's own connection.
const SQL_HOMES = [
  '**/repositories/**',
  'migrations/**',
  'libs/db/src/**',
  'libs/platform/src/infrastructure/**',
  'libs/queue/src/job-queue.ts',
  'test/**',
  'bench/**',
  '**/*.spec.ts',
];
const SQL_OUTSIDE_REPOSITORIES = 'SQL lives in repositories (**/repositories/**); services hold repositories';

function layerRules() {
  const blocks = [];
  FLOORS.forEach((floor, level) => {
    const above = FLOORS.slice(0, level).flat();
    for (const lib of floor) {
      const sameFloor = floor.filter((other) => other !== lib && !(SAME_FLOOR[lib] ?? []).includes(other));
      const never = NEVER[lib] ?? [];
      blocks.push({
        files: [`libs/${lib}/**/*.ts`],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [
                ...libPatterns(
                  above,
                  `libs/${lib} is below that library (layers: see FLOORS in eslint.config.mjs)`,
                ),
                ...libPatterns(sameFloor, `libs/${lib} does not import libraries of its own floor`),
                ...libPatterns(never, `libs/${lib} imports no other library`),
                { group: ['**/apps/**'], message: 'libraries never import apps' },
              ],
            },
          ],
        },
      });
    }
  });
  for (const app of APPS) {
    const others = APPS.filter((other) => other !== app);
    blocks.push({
      files: [`apps/${app}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                group: others.flatMap((other) => [`**/apps/${other}/**`, `**/${other}/src/**`]),
                message: 'apps never import apps',
              },
            ],
          },
        ],
      },
    });
  }
  return blocks;
}

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'data/',
      'coverage/',
      '.tmp/',
      'test-artifacts/',
      '**/*.js',
      '**/*.mjs',
      'apps/web/src/api/schema.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      'no-console': 'error',
      // Handlers implement Promise-returning interfaces whether or not they await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  ...layerRules(),
  {
    files: ['**/*.ts'],
    ignores: SQL_HOMES,
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "ImportDeclaration[source.value='typeorm'] ImportSpecifier[imported.name=/^(DataSource|EntityManager)$/]",
          message: `${SQL_OUTSIDE_REPOSITORIES}, never a DataSource or EntityManager.`,
        },
        {
          selector:
            'CallExpression[callee.property.name=/^(getRepository|createQueryBuilder|query|transaction)$/]',
          message: `${SQL_OUTSIDE_REPOSITORIES}; DatabaseTransactions.run() makes several calls atomic.`,
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // The web console (its own tsconfig, with the DOM): the rules of hooks on top of the typed rules.
    files: ['apps/web/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
);
