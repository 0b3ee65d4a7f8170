'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { bot, setup, unique } = require('../support')

test('create, get, update, list and delete conversations', async () => {
  const client = bot()
  const run = unique('conv')
  const { conversation } = await client.createConversation({
    channel: 'group',
    tags: { run, a: 'x' },
    integrationName: 'slack',
    properties: { p: '1' },
  })
  assert.equal(conversation.channel, 'group')
  assert.equal(conversation.integration, 'slack')
  assert.equal(conversation.messageCount, 0)
  assert.deepEqual(conversation.properties, { p: '1' })
  assert.deepEqual((await client.getConversation({ id: conversation.id })).conversation, conversation)

  const { conversation: updated } = await client.updateConversation({
    id: conversation.id,
    tags: { a: null, b: 'y' },
    properties: { q: '2' },
  })
  assert.deepEqual(updated.tags, { run, b: 'y' })
  assert.deepEqual(updated.properties, { p: '1', q: '2' })

  const listed = await client.listConversations({ tags: { run }, integrationName: 'slack', channel: 'group' })
  assert.deepEqual(listed.conversations.map((c) => c.id), [conversation.id])
  const none = await client.listConversations({ tags: { run }, integrationName: 'telegram' })
  assert.equal(none.conversations.length, 0)

  assert.deepEqual(await client.deleteConversation({ id: conversation.id }), {})
  await assert.rejects(client.getConversation({ id: conversation.id }), { type: 'ResourceNotFound' })
})

test('getOrCreateConversation finds by tags and reports meta.created', async () => {
  const client = bot()
  const id = unique('chat')
  const first = await client.getOrCreateConversation({
    channel: 'channel',
    tags: { id },
    integrationName: 'telegram',
  })
  assert.equal(first.meta.created, true)
  const again = await client.getOrCreateConversation({
    channel: 'channel',
    tags: { id, more: 'x' },
    integrationName: 'telegram',
    discriminateByTags: ['id'],
  })
  assert.equal(again.meta.created, false)
  assert.equal(again.conversation.id, first.conversation.id)
  assert.deepEqual(again.conversation.tags, { id, more: 'x' })
})

test('listConversations pages to the end and filters by participants', async () => {
  const client = bot()
  const run = unique('page')
  const ids = []
  for (let i = 0; i < 5; i++) {
    const { conversation } = await client.createConversation({ channel: 'dm', tags: { run }, integrationName: 'telegram' })
    ids.push(conversation.id)
  }
  const all = await client.list.conversations({ tags: { run }, pageSize: 2 }).collect()
  assert.deepEqual(all.map((c) => c.id), [...ids].reverse())
  const asc = await client.list.conversations({ tags: { run }, sortDirection: 'asc', pageSize: 2 }).collect()
  assert.deepEqual(asc.map((c) => c.id), ids)

  const { user } = await client.createUser({ tags: { run } })
  await client.addParticipant({ id: ids[1], userId: user.id })
  const withUser = await client.listConversations({ participantIds: [user.id] })
  assert.deepEqual(withUser.conversations.map((c) => c.id), [ids[1]])
})

test('participants: add, list, get and remove', async () => {
  const { client, user, conversation } = await setup()
  const { user: bob } = await client.createUser({ tags: { run: unique('bob') }, name: 'Bob' })
  const { participant } = await client.addParticipant({ id: conversation.id, userId: user.id })
  assert.equal(participant.id, user.id)
  assert.equal(participant.name, 'Alice')
  await client.addParticipant({ id: conversation.id, userId: bob.id })

  const everyone = await client.list.participants({ id: conversation.id, pageSize: 1 }).collect()
  assert.deepEqual(everyone.map((p) => p.id).sort(), [user.id, bob.id].sort())

  const got = await client.getParticipant({ id: conversation.id, userId: bob.id })
  assert.equal(got.participant.name, 'Bob')

  assert.deepEqual(await client.removeParticipant({ id: conversation.id, userId: bob.id }), {})
  await assert.rejects(client.getParticipant({ id: conversation.id, userId: bob.id }), {
    type: 'ResourceNotFound',
  })
  const left = await client.listParticipants({ id: conversation.id })
  assert.deepEqual(left.participants.map((p) => p.id), [user.id])
})
