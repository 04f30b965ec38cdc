// CEL's price on a write, as ratios in one run:
//   1. CREATE ConfigMap through a ValidatingAdmissionPolicy with five CEL
//      validations (a Deny binding, every create matched and admitted) against
//      the same server with no policy, alternating rounds, in-process server,
//      16 creates in flight over keep-alive HTTPS; and through a policy whose
//      one validation is `true`, which separates the object-review hops any
//      object-reading plugin adds from the CEL itself;
//   2. a custom resource's x-kubernetes-validations in isolation (five rules
//      of a typical spec, runSchemaValidations) against a JSON parse and
//      serialize of the same object (a floor every write pays).
//   node dist/bench/admission-policy.js [--quick]

import { Agent, request } from 'node:https';
import { startTestServer } from '../spec/support/server.js';
import { credentialsOf, type Credentials } from '../spec/support/http.js';
import { compileSchemaValidations, runSchemaValidations } from '../lib/cel/validation.js';
import { median } from './measure.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 4;
const CREATES = quick ? 600 : 1500;
const IN_FLIGHT = 16;
const GROUP = '/apis/admissionregistration.k8s.io/v1';

function post(creds: Credentials, agent: Agent, path: string, body: unknown, method = 'POST'): Promise<number> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, creds.server), { method, agent, ca: creds.ca, headers: { authorization: `Bearer ${creds.token}`, 'content-type': 'application/json', 'content-length': String(payload.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function createsPerSecond(creds: Credentials, agent: Agent, round: string): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < CREATES) {
      const i = next++;
      const status = await post(creds, agent, '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${round}-${i}`, labels: { app: 'bench', tier: 'web' } }, data: { size: '3', owner: 'team-a', mode: 'fast' } });
      if (status !== 201) throw new Error(`create answered ${status}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return CREATES / ((performance.now() - started) / 1000);
}

const POLICY = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name: 'bench-five' },
  spec: {
    matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps'] }] },
    validations: [
      { expression: 'object.metadata.name.size() <= 63' },
      { expression: 'has(object.metadata.labels) && "app" in object.metadata.labels' },
      { expression: '!has(object.data) || object.data.size() <= 10' },
      { expression: '!has(object.data) || object.data.all(k, k.matches("^[a-z]+$"))', message: 'keys are lower-case words' },
      { expression: 'request.userInfo.username != "system:anonymous"' },
    ],
  },
};
const BINDING = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'bench-five' }, spec: { policyName: 'bench-five', validationActions: ['Deny'] } };

async function policyRows(): Promise<string[]> {
  const server = await startTestServer();
  const creds = credentialsOf(server.kubeconfigPath);
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  try {
    await createsPerSecond(creds, agent, 'warmup');
    const none: number[] = [];
    const five: number[] = [];
    const trivial: number[] = [];
    const withPolicy = async (policy: typeof POLICY, into: number[], r: number) => {
      await post(creds, agent, `${GROUP}/validatingadmissionpolicies`, policy);
      await post(creds, agent, `${GROUP}/validatingadmissionpolicybindings`, BINDING);
      await new Promise((resolve) => setTimeout(resolve, 300));
      into.push(await createsPerSecond(creds, agent, `${into === five ? 'five' : 'trivial'}-${r}`));
      await post(creds, agent, `${GROUP}/validatingadmissionpolicybindings/bench-five`, {}, 'DELETE');
      await post(creds, agent, `${GROUP}/validatingadmissionpolicies/bench-five`, {}, 'DELETE');
      await new Promise((resolve) => setTimeout(resolve, 300));
    };
    for (let r = 0; r < ROUNDS; r++) {
      none.push(await createsPerSecond(creds, agent, `none-${r}`));
      await withPolicy(POLICY, five, r);
      await withPolicy({ ...POLICY, spec: { ...POLICY.spec, validations: [{ expression: 'true' }] } }, trivial, r);
    }
    const [n, f, t] = [median(none), median(five), median(trivial)];
    return [
      `| CREATE ConfigMap with a ValidatingAdmissionPolicy of 5 CEL validations, creates/s | ${f.toFixed(0)} | ${n.toFixed(0)} (no policy, same server, alternating rounds) | ${(n / f).toFixed(2)}× the cost |`,
      `| CREATE ConfigMap with a policy whose one validation is \`true\` (the review hops), creates/s | ${t.toFixed(0)} | ${n.toFixed(0)} (no policy) | ${(n / t).toFixed(2)}× the cost |`,
    ];
  } finally {
    agent.destroy();
    await server.dispose();
  }
}

function ruleRows(): string[] {
  const schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        'x-kubernetes-validations': [
          { rule: 'self.replicas <= self.maxReplicas', message: 'replicas must not exceed maxReplicas' },
          { rule: 'self.image.startsWith("registry.example.com/")' },
          { rule: 'self.ports.all(p, p.port > 0 && p.port < 65536)' },
          { rule: 'self.ports.map(p, p.name).size() == self.ports.size()' },
          { rule: '!has(self.mode) || self.mode in ["fast", "safe"]' },
        ],
        properties: {
          replicas: { type: 'integer' },
          maxReplicas: { type: 'integer' },
          image: { type: 'string', maxLength: 256 },
          mode: { type: 'string', maxLength: 16 },
          ports: { type: 'array', maxItems: 16, items: { type: 'object', properties: { name: { type: 'string', maxLength: 15 }, port: { type: 'integer' } } } },
        },
      },
    },
  };
  const object = { apiVersion: 'example.com/v1', kind: 'App', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 3, maxReplicas: 5, image: 'registry.example.com/web:1.2', mode: 'fast', ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] } };
  const { compiled, errors } = compileSchemaValidations(schema as never);
  if (errors.length > 0) throw new Error(JSON.stringify(errors));
  const time = (n: number, fn: () => void): number => {
    const started = performance.now();
    for (let i = 0; i < n; i++) fn();
    return ((performance.now() - started) * 1000) / n;
  };
  const runs: number[] = [];
  const floors: number[] = [];
  for (let r = 0; r < 5; r++) {
    runs.push(time(5000, () => runSchemaValidations(compiled, object)));
    floors.push(time(5000, () => JSON.parse(JSON.stringify(object))));
  }
  const [run, floor] = [median(runs), median(floors)];
  return [`| x-kubernetes-validations: 5 rules on a typical custom resource, µs per object | ${run.toFixed(1)} | ${floor.toFixed(1)} (JSON parse and serialize of the object) | ${(run / floor).toFixed(1)}× |`];
}

const rows = [...ruleRows(), ...(await policyRows())];
process.stdout.write(['| scenario | ours | baseline | ratio |', '|---|---|---|---|', ...rows, ''].join('\n'));
