'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { setup, unique } = require('../support')

test('create, get and list events', async () => {
  const { client, user, conversation } = await setup()
  const type = unique('evt')
  const { event } = await client.createEvent({
    type,
    payload: { a: 1, nested: { b: [1, 2] } },
    conversationId: conversation.id,
    userId: user.id,
  })
  assert.equal(event.status, 'pending')
  assert.equal(event.failureReason, null)
  assert.equal(event.conversationId, conversation.id)
  assert.deepEqual(event.payload, { a: 1, nested: { b: [1, 2] } })
  assert.deepEqual((await client.getEvent({ id: event.id })).event, event)

  for (let i = 0; i < 4; i++) {
    await client.createEvent({ type, payload: { i }, conversationId: conversation.id })
  }
  const all = await client.list.events({ type, pageSize: 2 }).collect()
  assert.equal(all.length, 5)
  assert.equal(new Set(all.map((e) => e.id)).size, 5)
  const byUser = await client.listEvents({ type, userId: user.id })
  assert.deepEqual(byUser.events.map((e) => e.id), [event.id])
})

test('a scheduled event waits and can be canceled', async () => {
  const { client, conversation } = await setup()
  const type = unique('sched')
  const { event } = await client.createEvent({
    type,
    payload: {},
    schedule: { dateTime: new Date(Date.now() + 3600_000).toISOString() },
    conversationId: conversation.id,
  })
  assert.equal(event.status, 'scheduled')
  const scheduled = await client.listEvents({ type, status: 'scheduled' })
  assert.deepEqual(scheduled.events.map((e) => e.id), [event.id])

  assert.deepEqual(await client.cancelScheduledEvent({ id: event.id }), {})
  assert.equal((await client.getEvent({ id: event.id })).event.status, 'canceled')
  await assert.rejects(client.cancelScheduledEvent({ id: event.id }), { type: 'ResourceNotFound' })
})
