// Personalizer.OfficialClientAgainstKeyartServe, the client side: Microsoft's
// own JavaScript client (@azure/cognitiveservices-personalizer, with the
// REST runtime @azure/ms-rest-js) ranks, rewards and activates against a
// running keyart serve, checks every answer it gets, and writes what the
// ledger must now hold (one line per exposure and per reward row, with the
// event ids mapped as ledger/client_event_id.h does) for run.sh to compare.
//   node client.cjs ENDPOINT API_KEY EXPECTED_EXPOSURES EXPECTED_REWARDS TITLE
'use strict';
const path = require('path');
const fs = require('fs');
const crypto = require('crypto');
const modules = path.join(process.env.KEYART_NODE_CACHE, 'node_modules');
const {PersonalizerClient} = require(path.join(modules, '@azure/cognitiveservices-personalizer'));
const {ApiKeyCredentials} = require(path.join(modules, '@azure/ms-rest-js'));

const [endpoint, key, exposuresFile, rewardsFile, title] = process.argv.slice(2);
const client = new PersonalizerClient(
    new ApiKeyCredentials({inHeader: {'Ocp-Apim-Subscription-Key': key}}), endpoint);
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };

// ledger/client_event_id.h: the first 16 bytes of SHA-256("keyart client event id\n" + id).
const ledgerId = (id) =>
    crypto.createHash('sha256').update('keyart client event id\n' + id).digest('hex').slice(0, 32);
// ledger::external_variant_id
const variantOf = (action) => `${title}-${action}`.replace(/[\x00-\x20\x7f/\\]/g, '_');

const actions = [
  {id: 'pasta', features: [{taste: 'savory', spiceLevel: 'medium'}, {nutrition: {carbs: 60, fat: 20}}]},
  {id: 'ice cream', features: [{taste: 'sweet', spiceLevel: 'none'}, {nutrition: {carbs: 40, fat: 30}}]},
  {id: 'juice', features: [{taste: 'sweet', spiceLevel: 'none'}, {drink: true}]},
  {id: 'salad', features: [{taste: 'salty', spiceLevel: 'low'}, {tags: ['green', 'light']}]},
];
const contextOf = (i) => [{timeOfDay: ['morning', 'evening'][i % 2]}, {user: {visits: i % 5, mobile: i % 3 === 0}}];

const exposures = new Map();  // ledger id -> variant
const rewards = [];           // [ledger id, kind, value]

async function expectError(promise, status, code, what) {
  try {
    await promise;
    failures.push(`${what}: succeeded, expected ${status}`);
  } catch (e) {
    check(e.statusCode === status, `${what}: status ${e.statusCode}, expected ${status}`);
    const body = e.body || (e.response && JSON.parse(e.response.bodyAsText || '{}'));
    const error = body && (body.error || body);
    check(error && error.code === code, `${what}: error code ${JSON.stringify(error)}, expected ${code}`);
  }
}

async function main() {
  // Rank with the client's event id, an excluded action and context features.
  const first = await client.rank({contextFeatures: contextOf(0), actions,
                                   excludedActions: ['juice'], eventId: 'evt-0'});
  check(first.eventId === 'evt-0', `eventId echoed: ${first.eventId}`);
  check(first.ranking.length === 4, `ranking of 4: ${JSON.stringify(first.ranking)}`);
  check(first.ranking[0].id === first.rewardActionId, 'the first ranked is the reward action');
  const excluded = first.ranking.find((r) => r.id === 'juice');
  check(excluded && excluded.probability === 0 && first.ranking[3].id === 'juice',
        'the excluded action is last with probability 0');
  const total = first.ranking.reduce((s, r) => s + r.probability, 0);
  check(Math.abs(total - 1) < 1e-9, `probabilities sum to 1: ${total}`);
  exposures.set(ledgerId('evt-0'), variantOf(first.rewardActionId));

  // A retried Rank with the same event id gets the same answer.
  const retried = await client.rank({contextFeatures: contextOf(0), actions,
                                     excludedActions: ['juice'], eventId: 'evt-0'});
  check(JSON.stringify(retried.ranking) === JSON.stringify(first.ranking) &&
        retried.rewardActionId === first.rewardActionId, 'a retried Rank answers the same');

  // Without an event id, one is made up and returned.
  const made = await client.rank({contextFeatures: contextOf(1), actions});
  check(typeof made.eventId === 'string' && made.eventId.length > 0, 'an event id is made up');
  exposures.set(ledgerId(made.eventId), variantOf(made.rewardActionId));

  // A stream of Ranks and Rewards; every third deferred, some activated.
  for (let i = 1; i <= 30; ++i) {
    const eventId = `evt-${i}`;
    const deferActivation = i % 3 === 0;
    const r = await client.rank({contextFeatures: contextOf(i), actions, eventId, deferActivation});
    check(r.ranking.length === 4 && r.eventId === eventId, `rank ${i}`);
    const id = ledgerId(eventId);
    exposures.set(id, variantOf(r.rewardActionId));
    if (deferActivation) rewards.push([id, '_deferred', 1]);
    if (i % 2 === 0) {
      const value = r.rewardActionId === 'pasta' ? 1 : 0.25;
      await client.events.reward(eventId, {value});
      rewards.push([id, 'click', value]);
    }
    if (deferActivation && i % 2 === 0) {
      await client.events.activate(eventId);
      rewards.push([id, '_activated', 1]);
    }
  }
  // A second reward for an event counts once (the first); a second activation too.
  await client.events.reward('evt-2', {value: 0.5});
  await client.events.activate('evt-6');
  // An event id with characters a URL must escape.
  const odd = 'order 17/ü?';
  const o = await client.rank({actions, eventId: odd});
  exposures.set(ledgerId(odd), variantOf(o.rewardActionId));
  await client.events.reward(odd, {value: 1});
  rewards.push([ledgerId(odd), 'click', 1]);

  // Errors, in Personalizer's shape.
  await expectError(client.events.reward('never-ranked', {value: 1}), 404, 'ResourceNotFound',
                    'reward of an unknown event');
  await expectError(client.events.activate('never-ranked'), 404, 'ResourceNotFound',
                    'activation of an unknown event');
  await expectError(client.rank({actions: []}), 400, 'BadRequest', 'rank without actions');
  await expectError(client.rank({actions, excludedActions: actions.map((a) => a.id)}), 400,
                    'BadRequest', 'rank with every action excluded');
  await expectError(client.rank({contextFeatures: contextOf(3), actions, eventId: 'evt-0'}), 409,
                    'BadRequest', 'the same event id for another request');
  const stranger = new PersonalizerClient(
      new ApiKeyCredentials({inHeader: {'Ocp-Apim-Subscription-Key': 'not-a-key'}}), endpoint);
  await expectError(stranger.rank({actions}), 401, 'Unauthorized', 'a wrong key');

  fs.writeFileSync(exposuresFile,
                   [...exposures].map(([id, v]) => `${id}|${v}`).sort().join('\n') + '\n');
  fs.writeFileSync(rewardsFile,
                   rewards.map(([id, kind, value]) => `${id}|${kind}|${value}`).sort().join('\n') + '\n');
  if (failures.length) {
    console.error('personalizer client: ' + failures.length + ' problem(s):\n  ' + failures.join('\n  '));
    process.exit(1);
  }
  console.log(`personalizer client: ${exposures.size} ranks, ${rewards.length} reward rows, all answers as expected`);
}

main().catch((e) => {
  console.error('personalizer client: ' + (e.stack || e));
  process.exit(1);
});
