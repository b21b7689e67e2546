// Holds docs/openapi.yaml and a running keyart serve to each other (see
// tests/openapi/run.sh): the file is a valid OpenAPI 3.1 description; its
// routes are exactly the server's; every recorded answer has a documented
// status and a body valid against that status's schema; every route is
// exercised. Exits 1 with every finding listed.
//   node check_openapi.cjs SPEC BASE_URL ADMIN_TOKEN ROUTES_FILE
'use strict';
const fs = require('fs');
const path = require('path');
const modules = path.join(process.env.KEYART_NODE_CACHE, 'node_modules');
const SwaggerParser = require(path.join(modules, '@apidevtools/swagger-parser'));
const Ajv2020 = require(path.join(modules, 'ajv/dist/2020')).default;

const [specPath, base, token, routesFile] = process.argv.slice(2);
const findings = [];

// A concrete path against a spec path ({name}: one segment).
function matches(pattern, concrete) {
  const p = pattern.split('/'), c = concrete.split('?')[0].split('/');
  return p.length === c.length && p.every((s, i) => (s.startsWith('{') ? c[i].length > 0 : s === c[i]));
}

async function main() {
  const api = await SwaggerParser.validate(specPath);  // throws on an invalid file; dereferenced
  const methods = ['get', 'post', 'put', 'delete', 'patch'];
  const specRoutes = new Set();
  for (const [p, item] of Object.entries(api.paths)) {
    for (const m of methods) if (item[m]) specRoutes.add(`${m.toUpperCase()} ${p}`);
  }
  const served = new Set(fs.readFileSync(routesFile, 'utf8').trim().split('\n'));
  for (const r of served) if (!specRoutes.has(r)) findings.push(`served but not in the file: ${r}`);
  for (const r of specRoutes) if (!served.has(r)) findings.push(`in the file but not served: ${r}`);

  const ajv = new Ajv2020({strict: false, allErrors: true});
  const exercised = new Set();
  let eventId = null;
  async function call(method, target, body, headers = {}) {
    const init = {method, headers: {...headers}};
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(base + target, init);
    const text = await res.text();
    const route = Object.keys(api.paths).find((p) => matches(p, target));
    let op = route && api.paths[route][method.toLowerCase()];
    const label = `${method} ${target} -> ${res.status}`;
    if (!route) {
      if (res.status !== 404) findings.push(`${label}: not a documented path, yet not 404`);
      return {status: res.status, text};
    }
    if (!op) {
      // Another method on a documented path: its operation's 405 answer.
      if (res.status !== 405) findings.push(`${label}: a method the path does not take, yet not 405`);
      op = methods.map((m) => api.paths[route][m]).find(Boolean);
      if (res.headers.get('allow') !== Object.keys(api.paths[route]).filter((m) => methods.includes(m))
                                         .map((m) => m.toUpperCase()).join(', ')) {
        findings.push(`${label}: Allow is '${res.headers.get('allow')}'`);
      }
    }
    exercised.add(`${method} ${route} ${res.status}`);
    const documented = op.responses[String(res.status)];
    if (!documented) {
      findings.push(`${label}: status not documented for ${method} ${route}: ${text.slice(0, 200)}`);
      return {status: res.status, text};
    }
    const type = (res.headers.get('content-type') || '').split(';')[0];
    const media = documented.content && documented.content[type];
    if (!documented.content) {
      if (text.length) findings.push(`${label}: a body where none is documented: ${text.slice(0, 200)}`);
    } else if (!media) {
      findings.push(`${label}: content type ${type} not documented`);
    } else if (type === 'application/json') {
      let doc;
      try {
        doc = JSON.parse(text);
      } catch (e) {
        findings.push(`${label}: not JSON: ${text.slice(0, 200)}`);
      }
      if (doc !== undefined) {
        const validate = ajv.compile(media.schema);
        if (!validate(doc)) {
          findings.push(`${label}: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 300)}`);
        }
      }
    }
    return {status: res.status, text};
  }
  async function expect(status, method, target, body, headers) {
    const r = await call(method, target, body, headers);
    if (r.status !== status) findings.push(`${method} ${target}: ${r.status}, expected ${status}: ${r.text.slice(0, 200)}`);
    return r;
  }
  const admin = {Authorization: `Bearer ${token}`};
  const viewer = {unit_id: 'viewer-1', context: {device: 'tv', country: 'KR', hour: 21}, user: {genre_drama: 0.8}};

  // Decisions.
  const d = await expect(200, 'POST', '/v1/decide', {...viewer, title_id: 't1'});
  if (d.status === 200) eventId = JSON.parse(d.text).event_id;
  await expect(200, 'POST', '/v1/decide', {...viewer, title_id: 't2', explain: true, seed: 7});
  const p = await expect(200, 'POST', '/v1/decide', {...viewer, title_id: 't1', preview: true});
  if (p.status === 200 && JSON.parse(p.text).event_id !== null) findings.push('a preview has an event id');
  await expect(200, 'POST', '/v1/decide', {...viewer, title_id: 't1', event_id: 'client-1'});
  await expect(200, 'POST', '/v1/decide', {...viewer, title_id: 't1', event_id: 'client-1'});
  await expect(409, 'POST', '/v1/decide', {...viewer, title_id: 't2', event_id: 'client-1'});
  await expect(400, 'POST', '/v1/decide', '{"unit_id": ');
  await expect(400, 'POST', '/v1/decide', {title_id: 't1'});
  await expect(404, 'POST', '/v1/decide', {...viewer, title_id: 'nope'});
  await expect(405, 'GET', '/v1/decide');
  await expect(413, 'POST', '/v1/decide', JSON.stringify({...viewer, title_id: 't1', pad: 'x'.repeat(9000)}));
  // Pages.
  await expect(200, 'POST', '/v1/decide/page',
               {...viewer, max_same_actor: 1, impressions: [{title_id: 't1', position: 0}, {title_id: 't2'}]});
  await expect(400, 'POST', '/v1/decide/page', {...viewer, impressions: []});
  await expect(404, 'POST', '/v1/decide/page', {...viewer, impressions: [{title_id: 't1'}, {title_id: 'nope'}]});
  await expect(405, 'GET', '/v1/decide/page');
  // Plays, then a decision that uses the profile they built.
  await expect(200, 'POST', '/v1/plays', {plays: [{unit_id: 'fan', title_id: 't1', seconds: 4000, completed: true},
                                                 {unit_id: 'fan', title_id: 'nope'}]});
  await expect(400, 'POST', '/v1/plays', {plays: []});
  await expect(405, 'GET', '/v1/plays');
  const fan = await expect(200, 'POST', '/v1/decide', {unit_id: 'fan', title_id: 't2', explain: true});
  if (fan.status === 200 && !(JSON.parse(fan.text).tastes || []).some((t) => t.source === 'profile')) {
    findings.push('a decision for a viewer with plays shows no taste from the profile');
  }
  // Rewards.
  await expect(200, 'POST', '/v1/reward', {event_id: eventId, kind: 'click'});
  await expect(200, 'POST', '/v1/reward', {rewards: [{event_id: eventId, kind: 'play', value: 2},
                                                     {event_id: 'not-hex', kind: 'click'}]});
  await expect(404, 'POST', '/v1/reward', {event_id: '0'.repeat(32), kind: 'click'});
  await expect(400, 'POST', '/v1/reward', {event_id: eventId, kind: 'NOT A KIND'});
  await expect(405, 'GET', '/v1/reward');
  // Activations.
  const deferred = await expect(200, 'POST', '/v1/decide', {...viewer, title_id: 't1', defer_activation: true});
  const deferredId = deferred.status === 200 ? JSON.parse(deferred.text).event_id : eventId;
  await expect(200, 'POST', '/v1/activate', {event_id: deferredId});
  await expect(200, 'POST', '/v1/activate', {event_ids: [deferredId, eventId]});
  await expect(404, 'POST', '/v1/activate', {event_id: '0'.repeat(32)});
  await expect(400, 'POST', '/v1/activate', {event_id: 'not-hex'});
  await expect(405, 'GET', '/v1/activate');
  // Personalizer v1.0.
  const actions = [{id: 'a', features: [{x: 1}]}, {id: 'b', features: [{x: 2, y: {z: 'q'}}]}];
  const ranked = await expect(201, 'POST', '/personalizer/v1.0/rank',
                              {contextFeatures: [{hour: 9}], actions, eventId: 'p-1', deferActivation: true});
  await expect(204, 'POST', '/personalizer/v1.0/events/p-1/reward', {value: 1});
  await expect(204, 'POST', '/personalizer/v1.0/events/p-1/activate');
  await expect(400, 'POST', '/personalizer/v1.0/rank', {actions: []});
  await expect(409, 'POST', '/personalizer/v1.0/rank', {actions: [actions[0]], eventId: 'p-1'});
  await expect(404, 'POST', '/personalizer/v1.0/events/never/reward', {value: 1});
  await expect(400, 'POST', '/personalizer/v1.0/events/p-1/reward', {});
  await expect(404, 'POST', '/personalizer/v1.0/events/never/activate');
  await expect(405, 'GET', '/personalizer/v1.0/rank');
  if (ranked.status === 201 && JSON.parse(ranked.text).eventId !== 'p-1') findings.push('rank lost its eventId');
  // Probes, health, metrics.
  for (const p of ['/healthz', '/livez', '/readyz', '/metrics']) {
    await expect(200, 'GET', p);
    await expect(405, 'POST', p, {});
  }
  // Admin.
  await expect(200, 'POST', '/v1/admin/reload', undefined, admin);
  await expect(401, 'POST', '/v1/admin/reload', undefined, {Authorization: 'Bearer wrong'});
  await expect(405, 'GET', '/v1/admin/reload');
  await expect(200, 'POST', '/v1/admin/snapshot', undefined, admin);
  await expect(401, 'POST', '/v1/admin/snapshot');
  await expect(200, 'DELETE', '/v1/viewers/fan', undefined, admin);
  await expect(401, 'DELETE', '/v1/viewers/fan');
  await expect(405, 'GET', '/v1/viewers/fan');
  await expect(200, 'POST', '/v1/admin/experiments/e2/start', undefined, admin);
  await expect(409, 'POST', '/v1/admin/experiments/e2/start', undefined, admin);
  await expect(404, 'POST', '/v1/admin/experiments/nope/start', undefined, admin);
  await expect(401, 'POST', '/v1/admin/experiments/e2/stop');
  await expect(200, 'POST', '/v1/admin/experiments/e2/stop', undefined, admin);
  await expect(404, 'POST', '/v1/admin/experiments/nope/stop', undefined, admin);
  await expect(405, 'GET', '/v1/admin/experiments/e2/stop');
  await expect(404, 'GET', '/nowhere');

  for (const r of specRoutes) {
    const [m, p] = r.split(' ');
    if (![...exercised].some((e) => e.startsWith(`${m} ${p} 2`))) findings.push(`no success recorded for ${r}`);
  }
  if (findings.length) {
    console.error(`openapi: ${findings.length} finding(s):\n  ` + findings.join('\n  '));
    process.exit(1);
  }
  console.log(`openapi: ${specPath} is valid OpenAPI ${api.openapi}; ${specRoutes.size} routes, the same as the server's; ` +
              `${exercised.size} recorded answers valid against their schemas`);
}

main().catch((e) => {
  console.error(`openapi: ${e.message}`);
  process.exit(1);
});
