import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { noSqlOutsideRepository } from './lint/no-sql-outside-repository.mjs';

export default defineConfig(
  { ignores: ['dist/', '.typeorm-cli/', 'coverage/'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'order-sync': { rules: { 'no-sql-outside-repository': noSqlOutsideRepository } } },
    rules: {
      // Type-aware: a promise nobody awaits loses its error and its ordering.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // As tsconfig's noUnusedLocals/noUnusedParameters: parameters too, `_name` marks one kept on purpose,
      // and a property left out of an object by destructuring it beside `...rest` is used.
      '@typescript-eslint/no-unused-vars': ['error', { args: 'all', argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // The control characters in this code's patterns are the point (U+0000 refused or replaced in
      // a peer's text, Market's ShopSku pattern): the rule would flag only those.
      'no-control-regex': 'off',
    },
  },
  {
    // SQL only in a module's repository and in src/database (connection, migrations, advisory locks,
    // paging): see lint/no-sql-outside-repository.mjs.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.repository.ts', 'src/database/**'],
    rules: { 'order-sync/no-sql-outside-repository': 'error' },
  },
  {
    // In the app, a switch over a union names every member (a `default` does not count): a new Market notification
    // type, order status or delivery verdict is a compiler-guided edit everywhere it is switched on. The tests'
    // fakes switch over what a peer sends (open strings), so the rule stays in src/.
    files: ['src/**/*.ts'],
    rules: { '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: false }] },
  },
  {
    // Tests read peers' and our answers as parsed JSON and assert on them: `any` is their honest type.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
);
