'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { setup, integration, unique } = require('../support')

test('create, get, update and delete a message', async () => {
  const { client, user, conversation } = await setup()
  const { message } = await client.createMessage({
    payload: { text: 'hello' },
    userId: user.id,
    conversationId: conversation.id,
    type: 'text',
    tags: { topic: 'greeting', drop: 'me' },
    origin: 'synthetic',
  })
  assert.equal(message.type, 'text')
  assert.deepEqual(message.payload, { text: 'hello' })
  assert.equal(message.direction, 'outgoing')
  assert.equal(message.userId, user.id)
  assert.equal(message.conversationId, conversation.id)
  assert.equal(message.origin, 'synthetic')
  assert.ok(message.id.length >= 28 && message.id.length <= 36)

  // The server's worker sends the message meanwhile (its status is not in Botpress's
  // shape, but its updatedAt moves): the rest is as created.
  const got = await client.getMessage({ id: message.id })
  const { updatedAt: gotUpdatedAt, ...gotRest } = got.message
  const { updatedAt: createdUpdatedAt, ...createdRest } = message
  assert.deepEqual(gotRest, createdRest)
  assert.ok(gotUpdatedAt >= createdUpdatedAt)

  const updated = await client.updateMessage({
    id: message.id,
    tags: { drop: null, added: 'yes' },
    payload: { text: 'edited' },
  })
  assert.deepEqual(updated.message.tags, { topic: 'greeting', added: 'yes' })
  assert.deepEqual(updated.message.payload, { text: 'edited' })
  assert.equal(updated.message.type, 'text')

  assert.deepEqual(await client.deleteMessage({ id: message.id }), {})
  await assert.rejects(client.getMessage({ id: message.id }), (error) => {
    assert.equal(error.type, 'ResourceNotFound')
    assert.equal(error.code, 404)
    return true
  })
})

test('a custom payload type round-trips unchanged', async () => {
  const { client, user, conversation } = await setup()
  const payload = { title: 'Pick one', items: [{ id: 1, label: 'a' }], nested: { deep: true } }
  const { message } = await client.createMessage({
    payload,
    userId: user.id,
    conversationId: conversation.id,
    type: 'myCustomCard',
    tags: {},
  })
  assert.equal(message.type, 'myCustomCard')
  assert.deepEqual((await client.getMessage({ id: message.id })).message.payload, payload)
})

test('an integration creates incoming messages', async () => {
  const { user, conversation } = await setup()
  const { message } = await integration().createMessage({
    payload: { text: 'from the user' },
    userId: user.id,
    conversationId: conversation.id,
    type: 'text',
    tags: {},
  })
  assert.equal(message.direction, 'incoming')
})

test('getOrCreateMessage matches by discriminateByTags and reports meta.created', async () => {
  const { client, user, conversation } = await setup()
  const key = unique('ext')
  const first = await client.getOrCreateMessage({
    payload: { text: 'first' },
    userId: user.id,
    conversationId: conversation.id,
    type: 'text',
    tags: { 'telegram:id': key, extra: 'a', drop: null },
    discriminateByTags: ['telegram:id'],
  })
  assert.equal(first.meta.created, true)
  assert.deepEqual(first.message.tags, { 'telegram:id': key, extra: 'a' })

  const again = await client.getOrCreateMessage({
    payload: { text: 'second' },
    userId: user.id,
    conversationId: conversation.id,
    type: 'text',
    tags: { 'telegram:id': key, extra: 'b' },
    discriminateByTags: ['telegram:id'],
  })
  assert.equal(again.meta.created, false)
  assert.equal(again.message.id, first.message.id)
  assert.deepEqual(again.message.payload, { text: 'second' })
  assert.equal(again.message.tags.extra, 'b')

  // Without discriminateByTags every tag must match: extra differs, so a new message.
  const strict = await client.getOrCreateMessage({
    payload: { text: 'third' },
    userId: user.id,
    conversationId: conversation.id,
    type: 'text',
    tags: { 'telegram:id': key, extra: 'c' },
  })
  assert.equal(strict.meta.created, true)
  assert.notEqual(strict.message.id, first.message.id)
})

test('a scheduled message is accepted with its schedule', async () => {
  const { client, user, conversation } = await setup()
  const { message } = await client.createMessage({
    payload: { text: 'later' },
    userId: user.id,
    conversationId: conversation.id,
    type: 'text',
    tags: {},
    schedule: { dateTime: new Date(Date.now() + 3600_000).toISOString() },
  })
  assert.equal((await client.getMessage({ id: message.id })).message.id, message.id)
})

test('listMessages pages with nextToken to the end, newest first, with filters', async () => {
  const { client, user, conversation } = await setup()
  const created = []
  for (let i = 0; i < 7; i++) {
    const { message } = await client.createMessage({
      payload: { text: `m${i}` },
      userId: user.id,
      conversationId: conversation.id,
      type: 'text',
      tags: { parity: i % 2 ? 'odd' : 'even' },
    })
    created.push(message.id)
  }
  const seen = []
  let nextToken
  let pages = 0
  do {
    const page = await client.listMessages({ conversationId: conversation.id, nextToken, pageSize: 3 })
    assert.ok(page.messages.length <= 3)
    seen.push(...page.messages.map((m) => m.id))
    nextToken = page.meta.nextToken
    pages++
  } while (nextToken)
  assert.equal(pages, 3)
  assert.deepEqual(seen, [...created].reverse())

  const all = await client.list.messages({ conversationId: conversation.id }).collect()
  assert.equal(all.length, 7)

  const odd = await client.listMessages({ conversationId: conversation.id, tags: { parity: 'odd' } })
  assert.deepEqual(odd.messages.map((m) => m.payload.text).sort(), ['m1', 'm3', 'm5'])
  assert.equal(odd.meta.nextToken, undefined)

  const future = await client.listMessages({
    conversationId: conversation.id,
    afterDate: new Date(Date.now() + 3600_000).toISOString(),
  })
  assert.equal(future.messages.length, 0)
})
