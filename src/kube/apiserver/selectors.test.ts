import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../base/index.js';
import { BUILTIN_RESOURCES, type ResourceInfo } from './resources.js';
import {
  EVERYTHING,
  NOTHING,
  fieldValue,
  isQualifiedName,
  isValidLabelValue,
  labelSelectorCauses,
  labelSelectorFromMeta,
  parseFieldSelector,
  parseLabelSelector,
  selectableFields,
  selectorFromSet,
} from './selectors.js';
import { ApiError } from './status.js';

function res(plural: string): ResourceInfo {
  const r = BUILTIN_RESOURCES.find((x) => x.plural === plural);
  assert.ok(r, plural);
  return r;
}

function badRequest(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError, `expected ApiError, got ${String(e)}`);
    assert.equal(e.code, 'KE_APISERVER_BADREQUEST');
    assert.equal(e.httpCode, 400);
    return e;
  }
  assert.fail('expected a BadRequest');
}

describe('label key/value syntax', () => {
  it('accepts prefixed keys and rejects bad ones', () => {
    assert.deepEqual(isQualifiedName('app.kubernetes.io/name'), []);
    assert.deepEqual(isQualifiedName('MyName'), []);
    assert.ok(isQualifiedName('a_').length > 0);
    assert.ok(isQualifiedName('Example.com/x')[0]?.startsWith('prefix part a lowercase RFC 1123 subdomain'));
    assert.equal(isQualifiedName('/x')[0], 'prefix part must be non-empty');
    assert.ok(isQualifiedName('a/b/c')[0]?.startsWith('a qualified name must consist of'));
    assert.ok(isQualifiedName('x'.repeat(64)).includes('name part must be no more than 63 characters'));
  });
  it('label values may be empty but not longer than 63 or with bad characters', () => {
    assert.deepEqual(isValidLabelValue(''), []);
    assert.deepEqual(isValidLabelValue('v1.2_3-x'), []);
    assert.ok(isValidLabelValue('-x').length > 0);
    assert.ok(isValidLabelValue('v'.repeat(64)).includes('must be no more than 63 characters'));
  });
});

describe('parseLabelSelector', () => {
  it('parses every operator and prints the canonical form sorted by key', () => {
    const s = parseLabelSelector('tier != db , app=web,env in (prod, staging),zone notin (z1),!legacy,track,x==y');
    assert.equal(s.toString(), 'app=web,env in (prod,staging),!legacy,tier!=db,track,x==y,zone notin (z1)');
    assert.equal(s.empty, false);
    assert.deepEqual(
      s.requirements.map((r) => [r.key, r.operator, r.values]),
      [
        ['app', '=', ['web']],
        ['env', 'in', ['prod', 'staging']],
        ['legacy', '!', []],
        ['tier', '!=', ['db']],
        ['track', 'exists', []],
        ['x', '==', ['y']],
        ['zone', 'notin', ['z1']],
      ],
    );
  });

  it('matches as Kubernetes does', () => {
    const s = parseLabelSelector('app=web,env in (prod,staging),tier!=db,!legacy,track');
    assert.ok(s.matches({ app: 'web', env: 'prod', track: '' }));
    assert.ok(s.matches({ app: 'web', env: 'staging', track: 'x', tier: 'fe' }));
    assert.ok(!s.matches({ app: 'web', env: 'prod', track: '', tier: 'db' }));
    assert.ok(!s.matches({ app: 'web', env: 'prod', track: '', legacy: 'true' }));
    assert.ok(!s.matches({ app: 'web', env: 'dev', track: '' }));
    assert.ok(!s.matches({ app: 'web', env: 'prod' }), 'track must exist');
    assert.ok(!s.matches(undefined));
    // != and notin match objects without the key
    assert.ok(parseLabelSelector('a!=b').matches({}));
    assert.ok(parseLabelSelector('a notin (b)').matches(undefined));
  });

  it('handles empty values and keywords used as values', () => {
    assert.ok(parseLabelSelector('a=').matches({ a: '' }));
    assert.ok(!parseLabelSelector('a=').matches({}));
    assert.deepEqual(parseLabelSelector('a in ()').requirements[0]?.values, ['']);
    assert.deepEqual(parseLabelSelector('a in (x,)').requirements[0]?.values, ['', 'x']);
    assert.deepEqual(parseLabelSelector('a in (in,notin)').requirements[0]?.values, ['in', 'notin']);
    assert.ok(parseLabelSelector('a=in').matches({ a: 'in' }));
  });

  it('supports the numeric gt / lt operators', () => {
    const s = parseLabelSelector('gen>3,size<10');
    assert.equal(s.toString(), 'gen>3,size<10');
    assert.ok(s.matches({ gen: '4', size: '9' }));
    assert.ok(!s.matches({ gen: '3', size: '9' }));
    assert.ok(!s.matches({ gen: 'x', size: '9' }));
  });

  it('treats an empty or blank string as everything', () => {
    for (const s of ['', '   ']) {
      const sel = parseLabelSelector(s);
      assert.ok(sel.empty);
      assert.ok(sel.matches({}));
      assert.ok(sel.matches(undefined));
    }
  });

  it('rejects malformed selectors with BadRequest', () => {
    const cases: Array<[string, RegExp]> = [
      ['a b', /unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt/],
      ['a in (x) b', /found 'b', expected: ',' or 'end of string'/],
      ['a,', /expected: identifier after ','/],
      ['=b', /found '=', expected: !, identifier, or 'end of string'/],
      ['a in x', /unable to parse requirement: found 'x' expected: '\('/],
      ['a in (x', /unable to parse requirement: found '', expected: ',' or '\)'/],
      ['a=b=c', /found '=', expected: ',' or 'end of string'/],
      ['A_=b', /unable to parse requirement: .*Invalid value: "A_": name part must consist of/],
      ['a=-bad', /unable to parse requirement: .*Invalid value: "-bad"/],
      ['a>x', /for 'Gt', 'Lt' operators, the value must be an integer/],
      ['!a=b', /found '=', expected: ',' or 'end of string'/],
      [`a=${'v'.repeat(64)}`, /must be no more than 63 characters/],
    ];
    for (const [input, re] of cases) {
      const e = badRequest(() => parseLabelSelector(input));
      assert.match(e.message, re, input);
    }
  });
});

describe('metav1.LabelSelector', () => {
  it('nil matches nothing, {} matches everything', () => {
    assert.equal(labelSelectorFromMeta(null), NOTHING);
    assert.equal(labelSelectorFromMeta(undefined), NOTHING);
    assert.ok(!NOTHING.matches({}));
    assert.ok(NOTHING.matchesNothing);
    const all = labelSelectorFromMeta({});
    assert.ok(all.empty && all.matches({}) && all.matches({ a: 'b' }));
    assert.ok(EVERYTHING.matches(undefined));
  });

  it('converts matchLabels and matchExpressions', () => {
    const s = labelSelectorFromMeta({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['b', 'a'] },
        { key: 'legacy', operator: 'DoesNotExist' },
        { key: 'tier', operator: 'Exists' },
        { key: 'zone', operator: 'NotIn', values: ['z9'] },
      ],
    });
    assert.equal(s.toString(), 'app=web,env in (a,b),!legacy,tier,zone notin (z9)');
    assert.ok(s.matches({ app: 'web', env: 'a', tier: 'x' }));
    assert.ok(!s.matches({ app: 'web', env: 'c', tier: 'x' }));
  });

  it('reports malformed selectors as causes and throws when converting', () => {
    const bad = { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }, { key: 'b', operator: 'In' }] };
    const causes = labelSelectorCauses(bad, 'spec.selector');
    assert.deepEqual(
      causes.map((c) => [c.field, c.reason]),
      [
        ['spec.selector.matchExpressions[0].operator', 'FieldValueInvalid'],
        ['spec.selector.matchExpressions[1].values', 'FieldValueRequired'],
      ],
    );
    badRequest(() => labelSelectorFromMeta(bad));
  });

  it('selectorFromSet builds equality requirements', () => {
    const s = selectorFromSet({ b: '2', a: '1' });
    assert.equal(s.toString(), 'a=1,b=2');
    assert.ok(s.matches({ a: '1', b: '2', c: '3' }));
  });
});

describe('parseFieldSelector', () => {
  const pod = (over: JsonObject): JsonObject => ({ metadata: { name: 'p1', namespace: 'default' }, spec: {}, status: {}, ...over });

  it('supports pods fields, with missing values comparing as "" and booleans as true/false', () => {
    const unbound = parseFieldSelector('spec.nodeName=', res('pods'));
    assert.ok(unbound.matches(pod({})));
    assert.ok(!unbound.matches(pod({ spec: { nodeName: 'n1' } })));
    const onNode = parseFieldSelector('spec.nodeName=n1,status.phase!=Succeeded', res('pods'));
    assert.equal(onNode.exactValue('spec.nodeName'), 'n1');
    assert.equal(onNode.exactValue('status.phase'), undefined);
    assert.ok(onNode.matches(pod({ spec: { nodeName: 'n1' }, status: { phase: 'Running' } })));
    assert.ok(!onNode.matches(pod({ spec: { nodeName: 'n1' }, status: { phase: 'Succeeded' } })));
    assert.ok(parseFieldSelector('spec.hostNetwork=false', res('pods')).matches(pod({})));
    assert.ok(parseFieldSelector('spec.hostNetwork==true', res('pods')).matches(pod({ spec: { hostNetwork: true } })));
    assert.ok(parseFieldSelector('status.podIP=10.0.0.5', res('pods')).matches(pod({ status: { podIPs: [{ ip: '10.0.0.5' }] } })));
    assert.ok(parseFieldSelector('metadata.namespace=default,metadata.name=p1', res('pods')).matches(pod({})));
  });

  it('rewrites the legacy spec.host to spec.nodeName', () => {
    const s = parseFieldSelector('spec.host=n2', res('pods'));
    assert.equal(s.requirements[0]?.field, 'spec.nodeName');
    assert.equal(s.exactValue('spec.nodeName'), 'n2');
  });

  it('rejects unsupported fields with Kubernetes wording', () => {
    assert.equal(badRequest(() => parseFieldSelector('status.hostIP=1.2.3.4', res('pods'))).message, 'field label not supported: status.hostIP');
    assert.equal(badRequest(() => parseFieldSelector('metadata.namespace=x', res('nodes'))).message, 'field label not supported: metadata.namespace');
    assert.equal(
      badRequest(() => parseFieldSelector('data.x=1', res('configmaps'))).message,
      '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
    assert.equal(badRequest(() => parseFieldSelector('spec.replicas=1', res('deployments'))).message.includes('not a known field selector'), true);
  });

  it('knows the per-resource fields', () => {
    assert.ok(selectableFields(res('events')).includes('involvedObject.uid'));
    assert.deepEqual(selectableFields(res('nodes')).sort(), ['metadata.name', 'spec.unschedulable']);
    assert.ok(parseFieldSelector('type=kubernetes.io/tls', res('secrets')).matches({ type: 'kubernetes.io/tls' }));
    assert.ok(parseFieldSelector('spec.unschedulable=false', res('nodes')).matches({ spec: {} }));
    assert.ok(parseFieldSelector('status.phase=Active', res('namespaces')).matches({ status: { phase: 'Active' } }));
    assert.ok(parseFieldSelector('status.replicas=3', res('replicasets')).matches({ status: { replicas: 3 } }));
    assert.ok(parseFieldSelector('status.successful=0', res('jobs')).matches({ status: {} }));
    assert.ok(parseFieldSelector('spec.type=NodePort', res('services')).matches({ spec: { type: 'NodePort' } }));
    const ev = { involvedObject: { kind: 'Pod', name: 'p' }, reportingController: 'kubelet', type: 'Warning' };
    assert.ok(parseFieldSelector('involvedObject.kind=Pod,involvedObject.name=p,source=kubelet,type=Warning', res('events')).matches(ev));
    assert.equal(fieldValue(res('events'), { source: { component: 'sched' } }, 'source'), 'sched');
  });

  it('allows only metadata.name (and metadata.namespace when namespaced) on custom resources', () => {
    const cr: ResourceInfo = { ...res('configmaps'), group: 'devices.kubeedge.io', plural: 'devices', kind: 'Device', custom: { crdName: 'devices.devices.kubeedge.io', schema: undefined, printerColumns: [] } };
    assert.ok(parseFieldSelector('metadata.name=d1', cr).matches({ metadata: { name: 'd1' } }));
    assert.ok(parseFieldSelector('metadata.namespace=ns', cr).matches({ metadata: { name: 'd1', namespace: 'ns' } }));
    assert.equal(badRequest(() => parseFieldSelector('spec.model=x', cr)).message, 'field label not supported: spec.model');
    const clusterCr: ResourceInfo = { ...cr, namespaced: false };
    badRequest(() => parseFieldSelector('metadata.namespace=x', clusterCr));
  });

  it('handles escapes and syntax errors', () => {
    const s = parseFieldSelector('metadata.name=a\\,b\\=c', res('configmaps'));
    assert.equal(s.exactValue('metadata.name'), 'a,b=c');
    assert.equal(s.toString(), 'metadata.name=a\\,b\\=c');
    assert.ok(parseFieldSelector('', res('pods')).empty);
    assert.match(badRequest(() => parseFieldSelector('metadata.name', res('pods'))).message, /invalid selector: 'metadata.name'; can't understand 'metadata.name'/);
    assert.match(badRequest(() => parseFieldSelector('metadata.name=a=b', res('pods'))).message, /unescaped character in value/);
    assert.match(badRequest(() => parseFieldSelector('metadata.name=a\\x', res('pods'))).message, /invalid escape sequence/);
  });
});
