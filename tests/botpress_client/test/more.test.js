'use strict'
// The operations added after the first suite: importMessages, initializeIncomingMessage,
// listTagValues and the state operations, called through the real client.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { ResourceNotFoundError, InvalidPayloadError } = require('@botpress/client')
const { bot, integration, setup, unique } = require('../support')

test('importMessages dates history, sorts it in and finds it again', async () => {
  const { client, user, conversation } = await setup()
  const live = await client.createMessage({
    payload: { text: 'now' },
    userId: user.id,
    conversationId: conversation.id,
    type: 'text',
    tags: {},
  })
  const day = 24 * 3600_000
  const items = [2, 1].map((days) => ({
    payload: { text: `${days} days ago` },
    userId: user.id,
    conversationId: conversation.id,
    type: 'text',
    tags: { ext: `m${days}` },
    createdAt: new Date(Date.now() - days * day).toISOString(),
    discriminateByTags: ['ext'],
  }))
  const { messages } = await client.importMessages({ messages: items })
  assert.equal(messages.length, 2)
  assert.equal(messages[0].createdAt, items[0].createdAt)
  assert.deepEqual(messages[1].tags, { ext: 'm1' })
  assert.equal(messages[0].direction, 'outgoing')

  const listed = await client.list.messages({ conversationId: conversation.id }).collect()
  assert.deepEqual(
    listed.map((m) => m.id),
    [live.message.id, messages[1].id, messages[0].id],
  )

  const again = await client.importMessages({ messages: items })
  assert.deepEqual(
    again.messages.map((m) => m.id),
    messages.map((m) => m.id),
  )

  await assert.rejects(client.importMessages({ messages: [] }), InvalidPayloadError)
})

test('initializeIncomingMessage gets or creates user, conversation and message', async () => {
  const client = integration()
  const ext = unique('tg')
  const input = {
    user: { tags: { 'telegram:id': ext }, name: 'Carol', discriminateByTags: ['telegram:id'] },
    conversation: { channel: 'dm', tags: { 'telegram:chat': ext }, discriminateByTags: [] },
    message: {
      payload: { text: 'hi bot' },
      type: 'text',
      tags: { 'telegram:msg': ext },
      discriminateByTags: ['telegram:msg'],
    },
  }
  const first = await client.initializeIncomingMessage(input)
  assert.equal(first.user.name, 'Carol')
  assert.equal(first.conversation.integration, 'telegram')
  assert.equal(first.conversation.messageCount, 1)
  assert.equal(first.message.direction, 'incoming')
  assert.equal(first.message.userId, first.user.id)
  assert.equal(first.message.conversationId, first.conversation.id)

  const again = await client.initializeIncomingMessage(input)
  assert.equal(again.user.id, first.user.id)
  assert.equal(again.conversation.id, first.conversation.id)
  assert.equal(again.message.id, first.message.id)

  const { participants } = await client.listParticipants({ id: first.conversation.id })
  assert.deepEqual(
    participants.map((p) => p.id),
    [first.user.id],
  )

  const byIds = await client.initializeIncomingMessage({
    userId: first.user.id,
    conversationId: first.conversation.id,
  })
  assert.equal(byIds.message, undefined)
  assert.equal(byIds.user.id, first.user.id)
})

test('listTagValues lists distinct values in pages', async () => {
  const client = bot()
  const key = unique('tagkey')
  for (const value of ['b', 'a', 'c', 'a']) {
    await client.createUser({ tags: { [key]: value } })
  }
  const page = await client.listTagValues({ key, type: 'user', pageSize: 2 })
  assert.deepEqual(page.tags, [{ value: 'a' }, { value: 'b' }])
  assert.ok(page.meta.nextToken)
  const rest = await client.listTagValues({ key, type: 'user', nextToken: page.meta.nextToken })
  assert.deepEqual(rest.tags, [{ value: 'c' }])
  assert.equal(rest.meta.nextToken, undefined)
  const none = await client.listTagValues({ key, type: 'conversation' })
  assert.deepEqual(none.tags, [])
})

test('states: set, get, patch, get-or-set and expiry', async () => {
  const { client, conversation } = await setup()
  const ref = { type: 'conversation', id: conversation.id, name: 'memory' }
  await assert.rejects(client.getState(ref), ResourceNotFoundError)

  const { state } = await client.setState({ ...ref, payload: { step: 1, keep: true } })
  assert.equal(state.conversationId, conversation.id)
  assert.equal(state.botId, require('../support').settings().botId)
  assert.equal(state.type, 'conversation')
  assert.equal(state.name, 'memory')
  assert.deepEqual(state.payload, { step: 1, keep: true })
  assert.equal(state.expiry, undefined)

  const got = await client.getState(ref)
  assert.deepEqual(got, { state, meta: { cached: false } })

  const patched = await client.patchState({ ...ref, payload: { step: 2 } })
  assert.deepEqual(patched.state.payload, { step: 2, keep: true })
  assert.equal(patched.state.id, state.id)

  const kept = await client.getOrSetState({ ...ref, payload: { step: 99 } })
  assert.deepEqual(kept.state.payload, { step: 2, keep: true })
  assert.equal(kept.meta.cached, false)

  const expiring = await client.setStateExpiry({ ...ref, expiry: 60_000 })
  assert.equal(expiring.state.expiry, 60_000)
  const expiresAt = Date.parse(expiring.state.expiresAt)
  assert.equal(expiresAt - Date.parse(expiring.state.updatedAt), 60_000)
  const cleared = await client.setStateExpiry({ ...ref, expiry: null })
  assert.equal(cleared.state.expiry, undefined)
  assert.equal(cleared.state.expiresAt, undefined)

  const fresh = await client.getOrSetState({
    type: 'workflow',
    id: unique('wf'),
    name: 'vars',
    payload: { v: 1 },
    expiry: 1000,
  })
  assert.deepEqual(fresh.state.payload, { v: 1 })
  assert.equal(fresh.state.expiry, 1000)
  assert.equal(fresh.state.conversationId, undefined)
})

test('state errors are typed', async () => {
  const { client, user } = await setup()
  await assert.rejects(
    client.getState({ type: 'user', id: 'user_00000000000000000000000000', name: 'x' }),
    ResourceNotFoundError,
  )
  await assert.rejects(
    client.patchState({ type: 'user', id: user.id, name: unique('missing'), payload: {} }),
    ResourceNotFoundError,
  )
  await assert.rejects(
    client.setState({ type: 'user', id: user.id, name: 'x', payload: {}, expiry: 0 }),
    InvalidPayloadError,
  )
})
