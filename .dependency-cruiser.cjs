/**
 * Module boundaries (npm run lint). A module is a folder under src/; it owns its tables, and others reach
 * them only through its exported service: never through its entities or its repository.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-foreign-entity',
      comment: "A module uses another module's entity class: ask the owning module's service instead.",
      severity: 'error',
      // src/database/entities.ts lists every entity for the DataSource: it owns no table and uses none.
      from: { path: '^src/([^/]+)/', pathNot: '^src/database/' },
      to: { path: '^src/[^/]+/.+[.]entity[.]ts$', pathNot: '^src/$1/', dependencyTypesNot: ['type-only', 'pre-compilation-only'] },
    },
    {
      name: 'no-foreign-entity-type',
      comment:
        "A module names another module's entity as a type (in a service's signature): accepted while issue 17 lands, " +
        'a plain interface exported by the owning module is better.',
      severity: 'warn',
      from: { path: '^src/([^/]+)/', pathNot: '^src/database/' },
      to: { path: '^src/[^/]+/.+[.]entity[.]ts$', pathNot: '^src/$1/', dependencyTypes: ['type-only', 'pre-compilation-only'] },
    },
    {
      name: 'no-foreign-repository',
      comment: "A module uses another module's repository (its SQL): ask the owning module's service instead.",
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/.+[.]repository[.]ts$', pathNot: '^src/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count too (and are told apart), so a module cannot reach another's entity unseen.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
