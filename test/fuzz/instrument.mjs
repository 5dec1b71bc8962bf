// SPDX-License-Identifier: MIT
// Edge-coverage instrumentation of compiled JavaScript for test/fuzz/js-fuzz.mjs,
// done with the TypeScript compiler's own parser and printer: every place
// where control can branch gets a counter (`__fuzzCounters[i]++`): function
// bodies, both arms of if/else and ?:, the right operand of && || ??, switch
// cases, loop bodies, catch and finally blocks. (The same idea as Jazzer.js's
// Babel plugin, which cannot run here.) Counters live in one Uint32Array
// shared by all instrumented modules; `install` makes require() instrument
// the named files as they load.
import Module from 'node:module';
import ts from 'typescript';

const { factory } = ts;

/** Instruments `source`; counter indices start at `base`. Returns { code, count }. */
export function instrument(source, fileName, base) {
  let next = base;
  const bump = () =>
    factory.createPostfixIncrement(factory.createElementAccessExpression(factory.createIdentifier('__fuzzCounters'), next++));
  const bumpStatement = () => factory.createExpressionStatement(bump());
  const withBump = (expression) => factory.createParenthesizedExpression(factory.createComma(bump(), expression));
  const asBlock = (statement) =>
    ts.isBlock(statement)
      ? factory.updateBlock(statement, [bumpStatement(), ...statement.statements])
      : factory.createBlock([bumpStatement(), statement], true);

  const transformer = (context) => {
    const visit = (node) => {
      node = ts.visitEachChild(node, visit, context);
      if (ts.isIfStatement(node)) {
        return factory.updateIfStatement(
          node,
          node.expression,
          asBlock(node.thenStatement),
          node.elseStatement === undefined ? factory.createBlock([bumpStatement()], true) : asBlock(node.elseStatement),
        );
      }
      if (ts.isConditionalExpression(node)) {
        return factory.updateConditionalExpression(
          node,
          node.condition,
          node.questionToken,
          withBump(node.whenTrue),
          node.colonToken,
          withBump(node.whenFalse),
        );
      }
      if (
        ts.isBinaryExpression(node) &&
        [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(
          node.operatorToken.kind,
        )
      ) {
        return factory.updateBinaryExpression(node, node.left, node.operatorToken, withBump(node.right));
      }
      if (ts.isCaseClause(node)) return factory.updateCaseClause(node, node.expression, [bumpStatement(), ...node.statements]);
      if (ts.isDefaultClause(node)) return factory.updateDefaultClause(node, [bumpStatement(), ...node.statements]);
      if (ts.isForStatement(node)) {
        return factory.updateForStatement(node, node.initializer, node.condition, node.incrementor, asBlock(node.statement));
      }
      if (ts.isForOfStatement(node)) {
        return factory.updateForOfStatement(node, node.awaitModifier, node.initializer, node.expression, asBlock(node.statement));
      }
      if (ts.isForInStatement(node)) {
        return factory.updateForInStatement(node, node.initializer, node.expression, asBlock(node.statement));
      }
      if (ts.isWhileStatement(node)) return factory.updateWhileStatement(node, node.expression, asBlock(node.statement));
      if (ts.isDoStatement(node)) return factory.updateDoStatement(node, asBlock(node.statement), node.expression);
      if (ts.isCatchClause(node)) return factory.updateCatchClause(node, node.variableDeclaration, asBlock(node.block));
      if (ts.isTryStatement(node) && node.finallyBlock !== undefined) {
        return factory.updateTryStatement(node, node.tryBlock, node.catchClause, asBlock(node.finallyBlock));
      }
      if (
        (ts.isFunctionDeclaration(node) ||
          ts.isFunctionExpression(node) ||
          ts.isMethodDeclaration(node) ||
          ts.isConstructorDeclaration(node) ||
          ts.isGetAccessorDeclaration(node) ||
          ts.isSetAccessorDeclaration(node)) &&
        node.body !== undefined
      ) {
        const body = asBlock(node.body);
        if (ts.isFunctionDeclaration(node)) {
          return factory.updateFunctionDeclaration(node, node.modifiers, node.asteriskToken, node.name, node.typeParameters, node.parameters, node.type, body);
        }
        if (ts.isFunctionExpression(node)) {
          return factory.updateFunctionExpression(node, node.modifiers, node.asteriskToken, node.name, node.typeParameters, node.parameters, node.type, body);
        }
        if (ts.isMethodDeclaration(node)) {
          return factory.updateMethodDeclaration(node, node.modifiers, node.asteriskToken, node.name, node.questionToken, node.typeParameters, node.parameters, node.type, body);
        }
        if (ts.isConstructorDeclaration(node)) return factory.updateConstructorDeclaration(node, node.modifiers, node.parameters, body);
        if (ts.isGetAccessorDeclaration(node)) {
          return factory.updateGetAccessorDeclaration(node, node.modifiers, node.name, node.parameters, node.type, body);
        }
        return factory.updateSetAccessorDeclaration(node, node.modifiers, node.name, node.parameters, body);
      }
      if (ts.isArrowFunction(node)) {
        const body = ts.isBlock(node.body) ? asBlock(node.body) : withBump(node.body);
        return factory.updateArrowFunction(node, node.modifiers, node.typeParameters, node.parameters, node.type, node.equalsGreaterThanToken, body);
      }
      return node;
    };
    return (file) => ts.visitNode(file, visit);
  };

  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const result = ts.transform(file, [transformer]);
  const code = ts.createPrinter().printFile(result.transformed[0]);
  result.dispose();
  // After the "use strict" directive, which must stay first.
  const strict = /^(["'])use strict\1;\n/.exec(code);
  const at = strict === null ? 0 : strict[0].length;
  return { code: `${code.slice(0, at)}const __fuzzCounters = globalThis.__fuzzCounters;\n${code.slice(at)}`, count: next - base };
}

/**
 * Makes require() instrument every file for which `wanted(fileName)` holds.
 * Returns the shared counters (capacity `size`) and a function that says how
 * many are in use.
 */
export function install(wanted, size = 1 << 16) {
  const counters = new Uint32Array(size);
  globalThis.__fuzzCounters = counters;
  let used = 0;
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, fileName) {
    if (wanted(fileName)) {
      const { code, count } = instrument(content, fileName, used);
      used += count;
      if (used > size) throw new Error('too many coverage counters');
      content = code;
    }
    return compile.call(this, content, fileName);
  };
  return { counters, used: () => used };
}
