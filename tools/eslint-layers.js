// Enforces the layer table of ARCHITECTURE.md: which src folder may import which, and where the
// heavy packages may be used. Relative imports are resolved to a src folder; bare imports are
// checked against the package confinement list.
import path from 'node:path';

const SRC = path.resolve(import.meta.dirname, '..', 'src');

/** layer name -> layers it may import (itself always allowed). */
const ALLOWED = {
  base: [],
  api: ['base'],
  platform: ['base', 'api'],
  beehive: ['base', 'api', 'platform/log'],
  kube: ['base', 'api', 'platform'],
  cloud: ['base', 'api', 'platform', 'beehive', 'kube'],
  edge: ['base', 'api', 'platform', 'beehive', 'kube'],
  mapper: ['base', 'api', 'platform'],
  cmd: ['base', 'api', 'platform', 'beehive', 'kube', 'cloud', 'edge', 'mapper'],
};

/** package -> src folders allowed to import it. */
const CONFINED = {
  '@kubernetes/client-node': ['kube/client'],
  'better-sqlite3': ['platform/store'],
  ws: ['platform/transport'],
  aedes: ['edge/eventbus', 'mapper'],
  mqtt: ['edge/eventbus', 'mapper'],
  '@grpc/grpc-js': ['platform/cri', 'edge/devicetwin', 'mapper'],
  '@grpc/proto-loader': ['platform/cri', 'edge/devicetwin', 'mapper'],
};

function srcRel(file) {
  const rel = path.relative(SRC, file);
  return rel.startsWith('..') ? undefined : rel.split(path.sep).join('/');
}

function layerOf(rel) {
  return rel.split('/')[0];
}

function within(rel, folder) {
  return rel === folder || rel.startsWith(folder + '/');
}

const rule = {
  meta: { type: 'problem', schema: [], messages: { layer: '{{msg}}' } },
  create(context) {
    const file = srcRel(context.filename);
    if (file === undefined) return {};
    const layer = layerOf(file);
    const check = (node, spec) => {
      if (typeof spec !== 'string') return;
      const report = (msg) => context.report({ node, messageId: 'layer', data: { msg } });
      if (spec.startsWith('.')) {
        const target = srcRel(path.resolve(path.dirname(context.filename), spec));
        if (target === undefined) return report(`src may not import outside src: ${spec}`);
        const tLayer = layerOf(target);
        if (tLayer === layer) {
          // Modules of one side never import each other: cloud/<a> must not import cloud/<b>.
          if (layer === 'cloud' || layer === 'edge') {
            const mine = file.split('/')[1];
            const theirs = target.split('/')[1];
            if (mine !== theirs && theirs !== 'common' && theirs !== undefined && !theirs.endsWith('.ts') && mine !== 'common') {
              return report(`${layer}/${mine} may not import ${layer}/${theirs}; talk through beehive messages`);
            }
          }
          return;
        }
        const allowed = ALLOWED[layer] ?? [];
        if (!allowed.some((a) => within(target, a))) return report(`layer '${layer}' may not import '${target}'`);
        return;
      }
      if (spec.startsWith('node:') && layer === 'base') return report(`src/base may not import ${spec}`);
      for (const [pkg, folders] of Object.entries(CONFINED)) {
        if (spec === pkg || spec.startsWith(pkg + '/')) {
          if (!folders.some((f) => within(file, f))) report(`'${pkg}' may only be imported in ${folders.join(', ')}`);
        }
      }
      if (layer === 'base' && !spec.startsWith('.')) report(`src/base may not import packages (${spec})`);
    };
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
    };
  },
};

export default { rules: { layers: rule } };
