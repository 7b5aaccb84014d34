/**
 * Module boundaries (npm run lint). A module is a folder under src/; it owns its tables, and others reach
 * them only through its exported service: never through its entities or its repository.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'Two files import each other, directly or round a loop: a reader cannot tell which comes first, and Node may ' +
        'hand one of them a half-loaded module. Move what both need into a third file, or pass it in.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-foreign-entity',
      comment:
        "A module uses another module's entity, even as a type: ask the owning module's service, and name the " +
        'plain interface it exports (the orders module: OrderView in src/orders/order-view.ts).',
      severity: 'error',
      // src/database/entities.ts lists every entity for the DataSource: it owns no table and uses none.
      from: { path: '^src/([^/]+)/', pathNot: '^src/database/' },
      to: { path: '^src/[^/]+/.+[.]entity[.]ts$', pathNot: '^src/$1/' },
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
