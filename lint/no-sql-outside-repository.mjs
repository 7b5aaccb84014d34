/**
 * ESLint rule: SQL belongs in a module's repository (`*.repository.ts`) or in the database
 * infrastructure (`src/database/`: connection, migrations, advisory locks); eslint.config.mjs turns the
 * rule off there. Everywhere else it reports
 * - a call of a method of TypeORM's DataSource, EntityManager, Repository, QueryRunner or query builders,
 *   or of pg's Client or Pool (`dataSource.query(…)`, `manager.getRepository(X).findOneBy(…)`,
 *   `manager.insert(X, rows)`, `createQueryBuilder(…)`), found by the receiver's type, so that a Map's
 *   `delete` or a DTO's `update` is never mistaken for one. Except `transaction` (a service opens the
 *   transaction and hands its EntityManager to the repositories it calls), the calls that only take,
 *   give back or watch a connection, and `create`/`merge`, which build an entity in memory.
 * - SQL text: a string or template literal that starts with an SQL statement's first keyword.
 */
const PERSISTENCE_TYPES = {
  typeorm: new Set([
    'DataSource',
    'EntityManager',
    'Repository',
    'TreeRepository',
    'QueryRunner',
    'QueryBuilder',
    'SelectQueryBuilder',
    'InsertQueryBuilder',
    'UpdateQueryBuilder',
    'DeleteQueryBuilder',
    'SoftDeleteQueryBuilder',
    'RelationQueryBuilder',
  ]),
  pg: new Set(['Client', 'ClientBase', 'Pool', 'PoolClient']),
};
const ALLOWED_METHODS = new Set([
  'transaction',
  'createQueryRunner',
  'connect',
  'release',
  'initialize',
  'destroy',
  'end',
  'on',
  'once',
  'off',
  'removeListener',
  'create',
  'merge',
]);
const SQL_TEXT = /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|TRUNCATE)\s/;

/** The package ('typeorm' or 'pg') that declares this type's class or interface, if it is a persistence type. */
function persistencePackage(type) {
  const symbol = type.getSymbol() ?? type.aliasSymbol;
  if (!symbol) return undefined;
  for (const declaration of symbol.getDeclarations() ?? []) {
    const file = declaration.getSourceFile().fileName;
    const match = /\/node_modules\/(?:@types\/)?(typeorm|pg)\//.exec(file);
    if (match && PERSISTENCE_TYPES[match[1]].has(symbol.getName())) return match[1];
  }
  return undefined;
}

export const noSqlOutsideRepository = {
  meta: {
    type: 'problem',
    docs: { description: "SQL only in a module's *.repository.ts or in src/database" },
    schema: [],
    messages: {
      call: "'{{method}}' on a {{type}} runs SQL: move it into this module's *.repository.ts.",
      text: "SQL text outside a repository: move it into this module's *.repository.ts.",
    },
  },
  create(context) {
    const services = context.sourceCode.parserServices;
    if (!services?.program) throw new Error('no-sql-outside-repository needs type information (parserOptions.projectService)');
    const checker = services.program.getTypeChecker();
    const persistenceTypeOf = (node) => {
      const type = checker.getNonNullableType(checker.getTypeAtLocation(services.esTreeNodeToTSNodeMap.get(node)));
      for (const part of type.isUnion() ? type.types : [type]) if (persistencePackage(part)) return checker.typeToString(part);
      return undefined;
    };
    const persistenceCall = (node) => {
      const callee = node.callee.type === 'ChainExpression' ? node.callee.expression : node.callee;
      if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return undefined;
      if (ALLOWED_METHODS.has(callee.property.name)) return undefined;
      const type = persistenceTypeOf(callee.object);
      return type ? { method: callee.property.name, type, receiver: callee.object } : undefined;
    };
    return {
      CallExpression(node) {
        const call = persistenceCall(node);
        if (!call) return;
        // `getRepository(X).findOneBy(…)` is one finding, reported at the call that starts the chain.
        const receiver = call.receiver.type === 'ChainExpression' ? call.receiver.expression : call.receiver;
        if (receiver.type === 'CallExpression' && persistenceCall(receiver)) return;
        context.report({ node, messageId: 'call', data: { method: call.method, type: call.type } });
      },
      Literal(node) {
        if (typeof node.value === 'string' && SQL_TEXT.test(node.value)) context.report({ node, messageId: 'text' });
      },
      TemplateLiteral(node) {
        if (SQL_TEXT.test(node.quasis[0].value.cooked ?? '')) context.report({ node, messageId: 'text' });
      },
    };
  },
};
