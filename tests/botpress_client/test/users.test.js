'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { bot, unique } = require('../support')

test('create, get, update, list and delete users', async () => {
  const client = bot()
  const run = unique('user')
  const { user } = await client.createUser({
    tags: { run, a: 'x' },
    name: 'Alice',
    pictureUrl: 'https://example.com/alice.png',
    properties: { plan: 'pro' },
    attributes: { locale: 'en' },
  })
  assert.equal(user.name, 'Alice')
  assert.equal(user.pictureUrl, 'https://example.com/alice.png')
  assert.deepEqual(user.properties, { plan: 'pro' })
  assert.deepEqual(user.attributes, { locale: 'en' })
  assert.deepEqual((await client.getUser({ id: user.id })).user, user)

  const { user: updated } = await client.updateUser({ id: user.id, tags: { a: '' }, name: null })
  assert.deepEqual(updated.tags, { run })
  assert.equal(updated.name, undefined)
  assert.equal(updated.pictureUrl, 'https://example.com/alice.png')

  const listed = await client.listUsers({ tags: { run } })
  assert.deepEqual(listed.users.map((u) => u.id), [user.id])

  assert.deepEqual(await client.deleteUser({ id: user.id }), {})
  await assert.rejects(client.getUser({ id: user.id }), { type: 'ResourceNotFound' })
})

test('getOrCreateUser finds by tags and reports meta.created', async () => {
  const client = bot()
  const id = unique('tg')
  const first = await client.getOrCreateUser({ tags: { id }, name: 'Alice' })
  assert.equal(first.meta.created, true)
  assert.equal(first.user.name, 'Alice')
  const again = await client.getOrCreateUser({ tags: { id, lang: 'fr' }, discriminateByTags: ['id'] })
  assert.equal(again.meta.created, false)
  assert.equal(again.user.id, first.user.id)
  assert.deepEqual(again.user.tags, { id, lang: 'fr' })
})

test('listUsers pages to the end and filters by conversation', async () => {
  const client = bot()
  const run = unique('users')
  const ids = []
  for (let i = 0; i < 5; i++) {
    ids.push((await client.createUser({ tags: { run } })).user.id)
  }
  const all = await client.list.users({ tags: { run }, pageSize: 2 }).collect()
  assert.deepEqual(all.map((u) => u.id), [...ids].reverse())

  const { conversation } = await client.createConversation({ channel: 'dm', tags: { run }, integrationName: 'telegram' })
  await client.addParticipant({ id: conversation.id, userId: ids[2] })
  const members = await client.listUsers({ conversationId: conversation.id })
  assert.deepEqual(members.users.map((u) => u.id), [ids[2]])
})
