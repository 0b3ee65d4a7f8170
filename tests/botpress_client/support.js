// Shared by the tests in test/. The client under test, pointed at Hubbub by the pytest runner (tests/api/botpress/test_node_client.py).
'use strict'
const { Client, runtime } = require('@botpress/client')

function settings() {
  const apiUrl = process.env.HUBBUB_BP_URL
  const token = process.env.HUBBUB_BP_TOKEN
  const botId = process.env.HUBBUB_BP_BOT_ID
  if (!apiUrl || !token || !botId) {
    throw new Error('HUBBUB_BP_URL, HUBBUB_BP_TOKEN and HUBBUB_BP_BOT_ID must be set')
  }
  return { apiUrl, token, botId }
}

function bot(extra = {}) {
  return new Client({ ...settings(), ...extra })
}

function integration(extra = {}) {
  return new runtime.Client({
    ...settings(),
    integrationId: 'intver_telegram',
    integrationAlias: 'telegram',
    ...extra,
  })
}

// Tags unique to one test run, so reruns against the same database never collide.
function unique(prefix) {
  return `${prefix}-${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`
}

async function setup(client = bot()) {
  const { user } = await client.createUser({ tags: { run: unique('u') }, name: 'Alice' })
  const { conversation } = await client.createConversation({
    channel: 'dm',
    tags: { run: unique('c') },
    integrationName: 'telegram',
  })
  return { client, user, conversation }
}

module.exports = { bot, integration, settings, setup, unique }
